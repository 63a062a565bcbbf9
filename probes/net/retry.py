"""The one retry policy of the journeys and the health checks (tenacity).

A transient failure is tried again before it is believed, as monitoring services confirm an
outage before they call a site down: a journey that ended ``timeout``, ``portal_error`` or
``portal_unreachable`` (``probes/walk/round.py``), a visit to a portal that got no answer or a
5xx, and a guide's link that did (``probes/check/round.py``). The policy is data
(``RetryPolicy``); ``attempts`` runs a call under it and returns every attempt, so that each
caller keeps the evidence and outcome of each one.

The waits, for the n-th retry (n = 1, 2, ...)::

    backoff_s x 2^(n-1)  +  a random jitter in [0, jitter x backoff_s]

(tenacity's ``wait_exponential_jitter``): with the defaults 5 s, 10 s, 20 s ... each plus up to
2.5 s, so that retries of many probes do not all land on a portal at once. There are at most
``retries`` retries, and none starts later than ``budget_s`` after the first attempt started:
a retry whose wait would end past it is not made, and the last result is believed as it is
(a transient one then stays unconfirmed: left out of the score, never counted against a city).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_result,
    stop_after_attempt,
    wait_exponential_jitter,
)

T = TypeVar("T")

# The defaults of ``govprobe run`` and ``govprobe check`` (--retries, --backoff, --retry-budget).
RETRIES = 1
BACKOFF_S = 5.0
BUDGET_S = 300.0
JITTER = 0.5  # of backoff_s, at most, added at random to each wait


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to try a transient failure again (the module docstring)."""

    retries: int = RETRIES
    backoff_s: float = BACKOFF_S
    budget_s: float = BUDGET_S
    jitter: float = JITTER

    def __post_init__(self) -> None:
        if self.retries < 0 or self.backoff_s < 0 or self.budget_s < 0 or self.jitter < 0:
            raise ValueError(f"a retry policy takes no negative numbers: {self}")

    def wait_bounds(self, n: int) -> tuple[float, float]:
        """The least and the most the n-th retry (1, 2, ...) waits."""
        least = self.backoff_s * 2 ** (n - 1)
        return least, least + self.jitter * self.backoff_s

    def describe(self) -> dict:
        """The policy as a round's params keep it."""
        return {"retries": self.retries, "backoff_s": self.backoff_s, "budget_s": self.budget_s,
                "jitter": self.jitter}  # fmt: skip


@dataclass(frozen=True)
class Tries(Generic[T]):
    """Every attempt's result, in order, and the wait before each retry
    (``len(waits) == len(results) - 1``). ``budget_spent``: the last result was transient and
    a retry was left unmade because it would have started past the budget."""

    results: tuple[T, ...]
    waits: tuple[float, ...]
    budget_spent: bool = False

    @property
    def last(self) -> T:
        return self.results[-1]

    @property
    def retried(self) -> bool:
        return len(self.results) > 1


async def attempts(
    policy: RetryPolicy,
    call: Callable[[], Awaitable[T]],
    transient: Callable[[T], bool],
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Tries[T]:
    """Call until the result is not ``transient`` or the policy stops; every attempt returned.
    An exception from ``call`` is not retried: it is raised as it is. ``sleep`` and ``clock``
    are the time the waits pass in (tenacity's ``sleep``; the budget's clock)."""
    results: list[T] = []
    waits: list[float] = []
    started = clock()

    async def once() -> T:
        results.append(await call())
        return results[-1]

    def past_budget(state: RetryCallState) -> bool:
        return clock() - started + state.upcoming_sleep > policy.budget_s

    def note_wait(state: RetryCallState) -> None:
        waits.append(state.upcoming_sleep)

    retrying = AsyncRetrying(
        sleep=sleep,
        stop=stop_after_attempt(policy.retries + 1) | past_budget,
        wait=wait_exponential_jitter(
            multiplier=policy.backoff_s, jitter=policy.jitter * policy.backoff_s
        ),
        retry=retry_if_result(transient),
        before_sleep=note_wait,
        retry_error_callback=lambda state: state.outcome.result(),
        reraise=True,
    )
    await retrying(once)
    spent = transient(results[-1]) and len(results) <= policy.retries
    return Tries(tuple(results), tuple(waits), budget_spent=spent)
