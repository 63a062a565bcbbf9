"""Politeness towards portals: at most so many requests at once per host, and a gap between them.

Government portals are real offices. A round runs several journeys at once, and each page asks
for its document, scripts, data and images; without a limit a round could put dozens of
requests on one provincial platform at the same moment. One ``HostGate`` is shared by every
browser context of a round and by the requests made beside its pages (the journeys' link
checks, the health checks): a request waits for a free slot of its host (``per_host``, default
2) and for ``gap_s`` to have passed since the previous request to that host started; it holds
the slot until it has finished or failed. Requests come to the gate by three doors:

* from a page, through a route on its context (``attach``): each request is let through
  (``route.continue_``, nothing else changes) once it has its slot, and gives it back on
  ``requestfinished`` / ``requestfailed``. A follow-up of a redirect is not routed by the
  browser, so it rides on its first request's slot;
* from httpx, through a transport (``transport``): each request, every redirect hop too, takes
  a slot before it is sent and gives it back when its response is closed (read to its end, or
  closed unread);
* around a piece of work (``slot``): the slot of one host held while a block runs. A request the
  block sends through this gate's transport to that same host rides on it, so a link check
  waits for the gate before its own time bound starts, not inside it.

A slot is never held for longer than ``hold_s`` (a request the browser forgot to report, a
response never closed), so a host can never be locked for good.

One level up, ``gather_per_host`` runs whole pieces of work (a journey, a city's consultations,
a portal's checks) at most so many at once, and at most ``per_host`` of them against one host.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextvars import ContextVar
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
from playwright.async_api import BrowserContext, Request, Route

T = TypeVar("T")
R = TypeVar("R")

# The (gate, host) slots the running task holds through ``HostGate.slot``.
_HELD: ContextVar[frozenset[tuple[int, str]]] = ContextVar(
    "govprobe_gate_held", default=frozenset()
)


def _nothing() -> None:
    pass


class HostGate:
    def __init__(self, per_host: int = 2, gap_s: float = 0.0, hold_s: float = 60.0):
        if per_host < 1:
            raise ValueError(f"per_host must be >= 1, not {per_host}")
        self.per_host = per_host
        self.gap_s = gap_s
        self.hold_s = hold_s
        self._slots: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))
        self._next: dict[str, float] = {}
        self._spacing: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.waited_s = 0.0  # time requests spent waiting for a slot or the gap (for benchmarks)

    @staticmethod
    def host(url: str) -> str:
        return urlsplit(url).netloc

    async def acquire(self, url: str) -> str | None:
        """Wait for a slot of the url's host and for the gap; return the host (None: not http)."""
        if not url.startswith(("http://", "https://")):
            return None
        host = self.host(url)
        started = time.monotonic()
        await self._slots[host].acquire()
        try:
            if self.gap_s > 0:
                async with self._spacing[host]:
                    wait = self._next.get(host, 0.0) - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    self._next[host] = time.monotonic() + self.gap_s
        except BaseException:  # cancelled while waiting for the gap: the slot is not taken
            self._slots[host].release()
            raise
        self.waited_s += time.monotonic() - started
        return host

    def release(self, host: str | None) -> None:
        if host is not None:
            self._slots[host].release()

    def _lease(self, host: str | None) -> Callable[[], None]:
        """A function that gives ``host``'s slot back once, however often it is called; it is
        called by itself after ``hold_s``."""
        if host is None:
            return _nothing
        held = True

        def give_back() -> None:
            nonlocal held
            if held:
                held = False
                timer.cancel()
                self.release(host)

        timer = asyncio.get_running_loop().call_later(self.hold_s, give_back)
        return give_back

    @contextlib.asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold a slot of the url's host while the block runs; what the block sends to that
        host through this gate's ``transport`` rides on it."""
        host = await self.acquire(url)
        token = _HELD.set(_HELD.get() | {(id(self), host)}) if host is not None else None
        try:
            yield
        finally:
            if token is not None:
                _HELD.reset(token)
            self.release(host)

    def transport(self, inner: httpx.AsyncBaseTransport | None = None) -> GatedTransport:
        """An httpx transport (over ``inner``, by default a plain one) whose every request
        passes this gate."""
        return GatedTransport(self, inner or httpx.AsyncHTTPTransport())

    async def attach(self, context: BrowserContext) -> None:
        """Gate every request the context's pages make."""
        leases: dict[Request, Callable[[], None]] = {}

        def done(request: Request) -> None:
            leases.pop(request, _nothing)()

        async def route(route: Route) -> None:
            request = route.request
            host = await self.acquire(request.url)
            if host is not None:
                leases[request] = self._lease(host)
            try:
                await route.continue_()
            except Exception:  # noqa: BLE001 - the page went away meanwhile: give the slot back
                done(request)

        context.on("requestfinished", done)
        context.on("requestfailed", done)
        await context.route("**/*", route)


class GatedTransport(httpx.AsyncBaseTransport):
    """An httpx transport through a ``HostGate``: a request takes its host's slot before it is
    sent (unless the task holds that slot already, through ``HostGate.slot``) and gives it back
    when its response is closed, or when sending failed."""

    def __init__(self, gate: HostGate, inner: httpx.AsyncBaseTransport):
        self.gate, self.inner = gate, inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if (id(self.gate), self.gate.host(url)) in _HELD.get():
            return await self.inner.handle_async_request(request)
        give_back = self.gate._lease(await self.gate.acquire(url))
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException:
            give_back()
            raise
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
