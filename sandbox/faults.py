"""Faults injected per city, applied to the city's whole site.

A provincial platform that goes down takes all its regions down, so a site suffers the faults
of every city it serves. Modes (``POST /__sandbox/faults``):

* ``5xx``         the next ``count`` requests (default 1000) answer 503 with an nginx error page
* ``latency``     ``ms`` added to every request
* ``hang``        the request never answers until the client gives up
* ``drop``        headers with a Content-Length, part of the body, then the connection drops
* ``maintenance`` HTTP 200 with a 系统维护中 page
* ``refuse_bots`` the script challenge of ``sandbox/firewall.py`` on every page
* ``captcha``     a captcha on every consultation / complaint form
* ``session_expired`` every login made before it was set is refused (the login wall again, as
                  when a portal's session ends); logging in again works. Clearing it does not
                  bring the old sessions back
* ``guide_gone``  the city's own target guides (not its site's other cities') are no longer
                  listed by search nor by category (``sandbox.model.Shelf``), as after a
                  redesign that lost them; cleared, they are back
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

MODES = (
    "5xx", "latency", "hang", "drop", "maintenance", "refuse_bots", "captcha",
    "session_expired", "guide_gone",
)  # fmt: skip
HANG_LIMIT_S = 600.0  # a hung request is released after this long, whatever the client does

NGINX_503 = """<html>
<head><title>503 Service Temporarily Unavailable</title></head>
<body>
<center><h1>503 Service Temporarily Unavailable</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""

MAINTENANCE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>系统维护中</title></head>
<body><div class="maintenance"><h1>系统维护中</h1>
<p>为提供更优质的服务，系统正在升级维护，请稍后再访问。给您带来的不便，敬请谅解！</p></div>
</body></html>
"""


class FaultError(ValueError):
    """An unknown city or mode, or bad parameters."""


@dataclass
class Fault:
    city: str
    mode: str
    count: int | None = None  # 5xx: requests left
    ms: int | None = None  # latency

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


class FaultBoard:
    """The faults in force, by city."""

    def __init__(self, city_ids: set[str]) -> None:
        self.city_ids = city_ids
        self._faults: dict[str, dict[str, Fault]] = {}
        self._expiries: Counter[str] = Counter()  # session_expired set, by city

    def set(self, city: str, mode: str, count: int | None = None, ms: int | None = None) -> Fault:
        if city not in self.city_ids:
            raise FaultError(f"unknown city {city!r}")
        if mode not in MODES:
            raise FaultError(f"unknown mode {mode!r}; modes: {', '.join(MODES)}")
        fault = Fault(city, mode)
        if mode == "5xx":
            fault.count = 1000 if count is None else int(count)
        if mode == "latency":
            if ms is None or int(ms) < 0:
                raise FaultError("latency needs ms >= 0")
            fault.ms = int(ms)
        if mode == "session_expired":
            self._expiries[city] += 1
        self._faults.setdefault(city, {})[mode] = fault
        return fault

    def session_epoch(self, cities: tuple[str, ...]) -> int:
        """How many times sessions of these cities' site were expired: part of its login
        token, so a token issued before an expiry no longer matches."""
        return sum(self._expiries[c] for c in cities)

    def clear(self, city: str) -> None:
        if city not in self.city_ids:
            raise FaultError(f"unknown city {city!r}")
        self._faults.pop(city, None)

    def clear_all(self) -> None:
        self._faults.clear()

    def listing(self) -> list[dict[str, Any]]:
        return [f.as_json() for modes in self._faults.values() for f in modes.values()]

    def active(self, cities: tuple[str, ...], mode: str) -> list[Fault]:
        return [self._faults[c][mode] for c in cities if mode in self._faults.get(c, {})]

    def has(self, cities: tuple[str, ...], mode: str) -> bool:
        return bool(self.active(cities, mode))

    def take_5xx(self, cities: tuple[str, ...]) -> bool:
        """Consume one 5xx answer if a 5xx fault is in force for any of the cities."""
        for fault in self.active(cities, "5xx"):
            if fault.count and fault.count > 0:
                fault.count -= 1
                if fault.count == 0:
                    del self._faults[fault.city]["5xx"]
                return True
        return False


async def _html(scope: Scope, receive: Receive, send: Send, status: int, text: str) -> None:
    await HTMLResponse(text, status_code=status, headers={"server": "nginx"})(scope, receive, send)


class DroppedConnection(ConnectionError):
    """Raised by the drop fault after a partial response, so the server drops the connection."""


class FaultLayer:
    """Applies the faults of a site's cities to every request of the site."""

    def __init__(self, app: ASGIApp, board: FaultBoard, cities: tuple[str, ...]) -> None:
        self.app, self.board, self.cities = app, board, cities

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        board, cities = self.board, self.cities
        for fault in board.active(cities, "latency"):
            await asyncio.sleep((fault.ms or 0) / 1000)
        if board.has(cities, "hang"):
            await _hang(receive)
            return
        if board.take_5xx(cities):
            await _html(scope, receive, send, 503, NGINX_503)
            return
        if board.has(cities, "maintenance"):
            await _html(scope, receive, send, 200, MAINTENANCE)
            return
        if board.has(cities, "drop"):
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"text/html; charset=utf-8"),
                        (b"content-length", b"4096"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b"<html><body>", "more_body": True})
            raise DroppedConnection("sandbox drop fault: connection dropped mid-response")
        await self.app(scope, receive, send)


async def _hang(receive: Receive) -> None:
    """Wait until the client disconnects (or the hang limit passes); never answer."""

    async def until_disconnect() -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(until_disconnect(), timeout=HANG_LIMIT_S)
