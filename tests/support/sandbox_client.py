"""A small synchronous client over httpx's ASGITransport, for in-process sandbox tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
from starlette.types import ASGIApp

T = TypeVar("T")


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion on a fresh event loop in a worker thread: Playwright's sync
    API keeps a loop running on the main thread once a browser fixture is up."""
    return in_a_thread(lambda: asyncio.run(make()))


def in_a_thread(call: Callable[[], T]) -> T:
    """``call()`` in a worker thread: a library function that runs its own event loop
    (``check_portals``, ``run_guides``) cannot run on the main thread while a browser fixture
    of an earlier test in this worker holds one there."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


class AsgiClient:
    """Each call runs one request against the app in-process; cookies persist between calls."""

    def __init__(self, app: ASGIApp, base_url: str = "http://127.0.0.1") -> None:
        self.app, self.base_url = app, base_url
        self.cookies = httpx.Cookies()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def run() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(
                transport=transport, base_url=self.base_url, cookies=self.cookies
            ) as client:
                response = await client.request(method, url, **kwargs)
                self.cookies.update(client.cookies)
                return response

        return run_async(run)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


def site_client(apps: Any, site_id: str) -> AsgiClient:
    """A client for one site (or letter system) of ``sandbox.server.build_apps``, on that
    site's own origin."""
    client = AsgiClient(apps.sites[site_id], base_url=apps.state.origins[site_id])
    site = apps.state.world.sites.get(site_id)
    client.archetype = site.archetype if site else "letters"  # a letter system has none
    return client


def submissions(url: str) -> list[dict]:
    """What a served sandbox at ``url`` has received (``/__sandbox/submissions``)."""
    return httpx.get(url + "/__sandbox/submissions", timeout=15).json()


def clock(url: str, **body) -> str:
    """Move or set a served sandbox's simulated clock; its new "now"."""
    return httpx.post(url + "/__sandbox/clock", json=body, timeout=15).json()["now"]
