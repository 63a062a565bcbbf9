"""Politeness towards portals: at most so many requests at once per host, and a gap between them.

Government portals are real offices. A round runs several journeys at once, and each page asks
for its document, scripts, data and images; without a limit a round could put dozens of
requests on one provincial platform at the same moment. One ``HostGate`` is shared by every
browser context of a round and by the requests made beside its pages (the journeys' link
checks, the health checks): a request waits for a free slot of its host (``per_host``, default
2) and holds it until it has finished or failed. With a gap (``gap_s``, a live round's second)
it also waits for its host's turn: one request of a host at a time between leaving and being
answered, and the next only ``gap_s`` after that answer. So the gap holds where the portal sees
it: two of our requests never arrive less than ``gap_s`` apart, however late a loaded machine
lets each leave (counted from when each was let through, one request's slow departure let the
next arrive 18 ms after it; CI of 9e7e6f6). Requests come to the gate by three doors:

* from a page, through a route on its context (``attach``): each request is let through
  (``route.continue_``, nothing else changes) once it has its pass, lets the next go on its
  ``response``, and gives the slot back on ``requestfinished`` / ``requestfailed``. A follow-up
  of a redirect is not routed by the browser, so it rides on its first request's pass;
* from httpx, through a transport (``transport``): each request, every redirect hop too, takes
  a pass before it is sent, lets the next go when its headers are in, and gives the slot back
  when its response is closed (read to its end, or closed unread);
* around a piece of work (``slot``): the pass of one host held while a block runs. A request the
  block sends through this gate's transport to that same host rides on it, so a link check
  waits for the gate before its own time bound starts, not inside it.

A slot is never held for longer than ``hold_s``, a turn never longer than ``turn_s`` (a request
the browser forgot to report, a response never closed), so a host can never be locked for good.

One level up, ``gather_per_host`` runs whole pieces of work (a journey, a city's consultations,
a portal's checks) at most so many at once, and at most ``per_host`` of them against one host.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
from playwright.async_api import BrowserContext, Request, Response, Route

T = TypeVar("T")
R = TypeVar("R")

# The (gate, host) slots the running task holds through ``HostGate.slot``.
_HELD: ContextVar[Mapping[tuple[int, str], Pass]] = ContextVar(
    "govprobe_gate_held", default=MappingProxyType({})
)


def _nothing() -> None:
    pass


class Pass:
    """One request's way through a ``HostGate``: a slot of its host, and with a gap its host's
    turn, held until the request is answered (``answered``): the portal never sees two of our
    requests begin less than ``gap_s`` apart, however late each leaves the browser or the loop.
    ``give_back`` frees both (once, however often it is called)."""

    __slots__ = ("host", "_gate", "_slot", "_turn")

    def __init__(self, gate: HostGate, host: str, *, turn: bool) -> None:
        self.host, self._gate, self._slot, self._turn = host, gate, True, turn

    def answered(self) -> None:
        """The portal has answered (or the request failed): its host's next request may start
        ``gap_s`` from now."""
        if self._turn:
            self._turn = False
            self._gate._next[self.host] = time.monotonic() + self._gate.gap_s
            self._gate._turns[self.host].release()

    def give_back(self) -> None:
        self.answered()
        if self._slot:
            self._slot = False
            self._gate._slots[self.host].release()


class HostGate:
    def __init__(
        self, per_host: int = 2, gap_s: float = 0.0, hold_s: float = 60.0, turn_s: float = 15.0
    ):
        if per_host < 1:
            raise ValueError(f"per_host must be >= 1, not {per_host}")
        self.per_host = per_host
        self.gap_s = gap_s
        self.hold_s = hold_s
        self.turn_s = turn_s
        self._slots: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))
        self._next: dict[str, float] = {}
        # a host's turn: with a gap, one request of it at a time between leaving and its answer
        self._turns: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.waited_s = 0.0  # time requests spent waiting for a slot or the gap (for benchmarks)

    @staticmethod
    def host(url: str) -> str:
        return urlsplit(url).netloc

    async def acquire(self, url: str) -> Pass | None:
        """Wait for a slot of the url's host and, with a gap, for its turn and ``gap_s`` past
        the previous request's answer; the pass (None: not http), to be given back."""
        if not url.startswith(("http://", "https://")):
            return None
        host = self.host(url)
        started = time.monotonic()
        await self._slots[host].acquire()
        try:
            if self.gap_s > 0:
                await self._turns[host].acquire()
                try:
                    while (wait := self._next.get(host, 0.0) - time.monotonic()) > 0:
                        await asyncio.sleep(wait)
                except BaseException:
                    self._turns[host].release()
                    raise
        except BaseException:  # cancelled while waiting for the gap: the slot is not taken
            self._slots[host].release()
            raise
        self.waited_s += time.monotonic() - started
        return Pass(self, host, turn=self.gap_s > 0)

    def _lease(self, held: Pass | None) -> Callable[[], None]:
        """A function that gives ``held`` back, called by itself after ``hold_s``; the host's
        turn is let go after ``turn_s`` even unanswered (a slow answer, a request the browser
        never reports), so one lost request never holds a whole portal up for ``hold_s``."""
        if held is None:
            return _nothing
        loop = asyncio.get_running_loop()

        def give_back() -> None:
            timer.cancel()
            turn.cancel()
            held.give_back()

        timer = loop.call_later(self.hold_s, give_back)
        turn = loop.call_later(self.turn_s, held.answered)
        return give_back

    @contextlib.asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold a slot of the url's host while the block runs; what the block sends to that
        host through this gate's ``transport`` rides on it."""
        held = await self.acquire(url)
        token = None
        if held is not None:
            token = _HELD.set({**_HELD.get(), (id(self), held.host): held})
        try:
            yield
        finally:
            if token is not None:
                _HELD.reset(token)
            if held is not None:
                held.give_back()

    def transport(self, inner: httpx.AsyncBaseTransport | None = None) -> GatedTransport:
        """An httpx transport (over ``inner``, by default a plain one) whose every request
        passes this gate."""
        return GatedTransport(self, inner or httpx.AsyncHTTPTransport())

    async def attach(self, context: BrowserContext) -> None:
        """Gate every request the context's pages make."""
        leases: dict[Request, tuple[Pass | None, Callable[[], None]]] = {}

        def answered(response: Response) -> None:
            held = leases.get(response.request, (None, None))[0]
            if held is not None:
                held.answered()

        def done(request: Request) -> None:
            leases.pop(request, (None, _nothing))[1]()

        async def route(route: Route) -> None:
            request = route.request
            held = await self.acquire(request.url)
            if held is not None:
                leases[request] = (held, self._lease(held))
            try:
                await route.continue_()
            except Exception:  # noqa: BLE001 - the page went away meanwhile: give the slot back
                done(request)

        context.on("response", answered)
        context.on("requestfinished", done)
        context.on("requestfailed", done)
        await context.route("**/*", route)


class GatedTransport(httpx.AsyncBaseTransport):
    """An httpx transport through a ``HostGate``: a request takes its host's slot before it is
    sent (unless the task holds that slot already, through ``HostGate.slot``: then it rides on
    it, as a redirect hop does), lets the host's next request start once it is answered, and
    gives the slot back when its response is closed, or when sending failed."""

    def __init__(self, gate: HostGate, inner: httpx.AsyncBaseTransport):
        self.gate, self.inner = gate, inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        riding = _HELD.get().get((id(self.gate), self.gate.host(url)))
        if riding is not None:
            try:
                return await self.inner.handle_async_request(request)
            finally:
                riding.answered()
        held = await self.gate.acquire(url)
        give_back = self.gate._lease(held)
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException:
            give_back()
            raise
        if held is not None:
            held.answered()
        response.stream = _GivesBack(response.stream, give_back)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class _GivesBack(httpx.AsyncByteStream):
    """A response body that gives its request's slot back when it is closed."""

    def __init__(self, stream: httpx.AsyncByteStream, give_back: Callable[[], None]):
        self._stream, self._give_back = stream, give_back

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._stream.__aiter__()

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            self._give_back()


async def gather_per_host(
    items: Iterable[T],
    work: Callable[[T], Awaitable[R]],
    *,
    url: Callable[[T], str],
    concurrency: int,
    per_host: int,
) -> list[R]:
    """``work(item)`` for every item, at most ``concurrency`` at once and at most ``per_host``
    at once against the host of ``url(item)``; the results in the items' order. An item waits
    for its host first and only then for a place among all, so items of a busy host never keep
    a place the others could use."""
    anywhere = asyncio.Semaphore(concurrency)
    hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))

    async def one(item: T) -> R:
        async with hosts[HostGate.host(url(item))], anywhere:
            return await work(item)

    return list(await asyncio.gather(*(one(item) for item in items)))
