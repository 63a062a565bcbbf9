"""Politeness towards portals: at most so many requests at once per host, and a gap between them.

Government portals are real offices. A round runs several journeys at once, and each page asks
for its document, scripts, data and images; without a limit a round could put dozens of
requests on one provincial platform at the same moment. ``HostGate`` is shared by every browser
context of a round (and by the link checks made outside pages): a request waits for a free slot
of its host (``per_host``, default 2) and for ``gap_s`` to have passed since the previous
request to that host started; it holds the slot until it has finished or failed.

In the browser the gate sits in a route on the context (``attach``): each request is let
through (``route.continue_``, nothing else changes) once it has its slot, and gives it back on
``requestfinished`` / ``requestfailed``. A follow-up of a redirect is not routed by the browser,
so it rides on its first request's slot. A slot is never held for longer than ``hold_s`` (a
request the browser forgot to report), so a host can never be locked for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Request, Route


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
        self._held: dict[Request, asyncio.TimerHandle | None] = {}
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
        if self.gap_s > 0:
            async with self._spacing[host]:
                wait = self._next.get(host, 0.0) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next[host] = time.monotonic() + self.gap_s
        self.waited_s += time.monotonic() - started
        return host

    def release(self, host: str | None) -> None:
        if host is not None:
            self._slots[host].release()

    @contextlib.asynccontextmanager
    async def slot(self, url: str):
        """A slot for a request made outside a page (a link check)."""
        host = await self.acquire(url)
        try:
            yield
        finally:
            self.release(host)

    async def attach(self, context: BrowserContext) -> None:
        """Gate every request the context's pages make."""
        hosts: dict[Request, str] = {}
        loop = asyncio.get_running_loop()

        def done(request: Request) -> None:
            host = hosts.pop(request, None)
            timer = self._held.pop(request, None)
            if timer is not None:
                timer.cancel()
            self.release(host)

        async def route(route: Route) -> None:
            request = route.request
            host = await self.acquire(request.url)
            if host is not None:
                hosts[request] = host
                self._held[request] = loop.call_later(self.hold_s, done, request)
            try:
                await route.continue_()
            except Exception:  # noqa: BLE001 - the page went away meanwhile: give the slot back
                done(request)

        context.on("requestfinished", done)
        context.on("requestfailed", done)
        await context.route("**/*", route)
