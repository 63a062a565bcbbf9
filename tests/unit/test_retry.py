"""The one retry policy (``probes/net/retry.py``): waits that grow exponentially within their
jitter, a cap on the total time, and every attempt returned. tenacity's ``sleep`` is replaced by
a recorder (its own API) that moves the policy's clock on by the wait instead of sleeping."""

from __future__ import annotations

import pytest

from probes.net.retry import RetryPolicy, Tries, attempts
from tests.support.sandbox_client import run_async


class Recorder:
    """tenacity's sleep, recorded: the clock moves by each wait (and by each attempt's own
    ``attempt_s``), nothing really sleeps."""

    def __init__(self, attempt_s: float = 0.0):
        self.now = 1000.0
        self.waits: list[float] = []
        self.attempt_s = attempt_s

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def run(policy: RetryPolicy, outcomes: list[str], recorder: Recorder) -> Tries[str]:
    left = list(outcomes)

    async def call() -> str:
        recorder.now += recorder.attempt_s
        return left.pop(0) if left else "fail"

    return run_async(  # a thread of its own: a browser fixture may hold the main thread's loop
        lambda: attempts(
            policy, call, lambda r: r == "fail", sleep=recorder.sleep, clock=recorder.clock
        )
    )


def test_waits_double_from_the_first_within_their_jitter():
    policy = RetryPolicy(retries=5, backoff_s=2.0, budget_s=10_000, jitter=0.5)
    for _ in range(20):  # the jitter is random: every draw stays within its bounds
        recorder = Recorder()
        tries = run(policy, [], recorder)
        assert len(tries.results) == 6 and tries.last == "fail"
        assert list(tries.waits) == recorder.waits
        for n, wait in enumerate(recorder.waits, start=1):
            least, most = policy.wait_bounds(n)
            assert (least, most) == (2.0 * 2 ** (n - 1), 2.0 * 2 ** (n - 1) + 1.0)
            assert least <= wait <= most
        # exponential, not linear: each wait is more than the one before it by at least half
        assert all(b > a * 1.3 for a, b in zip(recorder.waits, recorder.waits[1:], strict=False))


def test_retries_stop_at_the_total_time_cap():
    # attempts of 30 s, waits 10, 20, 40, ...: the first retry starts at 40 s, the second at
    # 90 s; a third would start at 160 s, past the 120 s cap, and is not made
    policy = RetryPolicy(retries=5, backoff_s=10.0, budget_s=120.0, jitter=0.0)
    recorder = Recorder(attempt_s=30.0)
    tries = run(policy, [], recorder)
    assert recorder.waits == [10.0, 20.0]
    assert len(tries.results) == 3 and tries.budget_spent
    assert recorder.now - 1000.0 == 3 * 30.0 + 10.0 + 20.0  # within the cap and one attempt


def test_a_result_believed_at_once_is_not_retried_and_a_recovery_stops_the_retries():
    recorder = Recorder()
    once = run(RetryPolicy(retries=3), ["ok"], recorder)
    assert once.results == ("ok",) and not once.retried and recorder.waits == []
    recovered = run(RetryPolicy(retries=3, backoff_s=1.0), ["fail", "ok"], Recorder())
    assert recovered.results == ("fail", "ok") and len(recovered.waits) == 1
    assert not recovered.budget_spent


def test_no_retries_means_one_attempt_and_a_transient_result_left_as_it_is():
    tries = run(RetryPolicy(retries=0), [], Recorder())
    assert tries.results == ("fail",) and tries.waits == () and not tries.budget_spent


def test_an_exception_of_the_call_is_raised_not_retried():
    calls = []

    async def call() -> str:
        calls.append(1)
        raise KeyError("ours")

    with pytest.raises(KeyError):
        run_async(lambda: attempts(RetryPolicy(retries=3), call, lambda r: True,
                                   sleep=Recorder().sleep))  # fmt: skip
    assert calls == [1]


def test_a_negative_number_is_refused():
    with pytest.raises(ValueError, match="negative"):
        RetryPolicy(backoff_s=-1)
