"""The sandbox server: every site of the world on its own port, one process, one uvicorn.

Each site (portal origin) gets its own port, so each portal is its own origin as in reality.
The control API (``sandbox/control.py``) is on the base port P; sites are on P+1, P+2, ... in
``sites.yaml`` order (``--port 0``: every socket gets a free port from the OS). One dispatcher
routes by the local port to the control app or the site's app.

A site's app is its archetype's app wrapped in the shared layers, outermost first:
request accounting -> faults (``faults.py``) -> firewall (``firewall.py``) -> the common
routes (``interaction.py``: /login, /files, /apply, /hdjl) -> the archetype's own routes.
A letter system (``letters.py``, sites.yaml ``kind: letters``) is served the same way after the
portals, on the next ports, with no archetype: it is the 互动交流 of the cities that name it.

Tests that need no sockets use ``build_apps(world)`` and httpx's ``ASGITransport``.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import uvicorn
from starlette.routing import Mount, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.archetypes import Archetype, registry
from sandbox.clock import DEFAULT_START, SandboxClock
from sandbox.control import control_app
from sandbox.faults import FaultLayer
from sandbox.firewall import DEFAULT_STYLE, STYLES, FirewallLayer
from sandbox.interaction import interaction_routes
from sandbox.letters import letters_app
from sandbox.model import World
from sandbox.state import SandboxState

READY_LINE = "govprobe sandbox listening on http://{host}:{port}"


class Accounting:
    """Counts requests, concurrency and the shortest time between requests per site.

    A browser follows a redirect at once, as it must: a request for the place the site's last
    redirect pointed to is a follow-up, and is not counted as a new request's gap."""

    def __init__(self, app: ASGIApp, state: SandboxState, site_id: str) -> None:
        self.app, self.state, self.site_id = app, state, site_id
        self._redirected_to: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        stats = self.state.stats[self.site_id]
        now = time.monotonic()
        target = scope["path"] + (
            "?" + scope["query_string"].decode() if scope["query_string"] else ""
        )
        follow_up = target in self._redirected_to
        self._redirected_to.discard(target)
        if stats.last_start is not None and not follow_up:
            gap = (now - stats.last_start) * 1000
            if stats.min_gap_ms is None or gap < stats.min_gap_ms:
                stats.min_gap_ms, stats.closest = gap, (stats.last_target or "", target)
        stats.last_start, stats.last_target = now, target
        stats.requests += 1
        stats.in_flight += 1
        stats.max_concurrent = max(stats.max_concurrent, stats.in_flight)

        async def watch(message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                for name, value in message.get("headers", []):
                    if name.lower() == b"location":
                        location = value.decode("latin-1")
                        if location.startswith("http"):
                            parts = urlsplit(location)
                            location = parts.path + ("?" + parts.query if parts.query else "")
                        self._redirected_to.add(location)
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            stats.in_flight -= 1


@dataclass
class SandboxApps:
    state: SandboxState
    control: ASGIApp
    sites: dict[str, ASGIApp]  # site_id -> wrapped site app


def _default_origins(world: World, host: str = "127.0.0.1", port: int = 8700) -> dict[str, str]:
    ids = world.origin_ids()
    return {site_id: f"http://{host}:{port + i}" for i, site_id in enumerate(ids, start=1)}


def build_apps(
    world: World,
    origins: Mapping[str, str] | None = None,
    clock_start: datetime = DEFAULT_START,
    archetypes: Mapping[str, Archetype] | None = None,
) -> SandboxApps:
    """The control app and every site's wrapped app, sharing one state."""
    loaded = dict(archetypes) if archetypes is not None else registry()
    unknown = sorted({s.archetype for s in world.sites.values()} - loaded.keys())
    if unknown:
        raise RuntimeError(f"no archetype {', '.join(unknown)} (known: {', '.join(loaded)})")
    serving = {site_id: loaded[site.archetype] for site_id, site in world.sites.items()}
    state = SandboxState(
        world=world,
        clock=SandboxClock(clock_start),
        archetypes=serving,
        origins=dict(origins or _default_origins(world)),
    )
    sites: dict[str, ASGIApp] = {}
    for site_id, site in world.sites.items():
        archetype = serving[site_id]
        cities = site.city_ids
        inner = Router(
            routes=[
                *interaction_routes(state, site),
                Mount("", app=archetype.app(site, state.world)),  # its guides as listed now
            ]
        )
        style = STYLES.get(archetype.id, DEFAULT_STYLE)

        def active(archetype: Archetype = archetype, cities: tuple[str, ...] = cities) -> bool:
            return archetype.firewall or state.faults.has(cities, "refuse_bots")

        guarded = FirewallLayer(inner, state.challenge, style, active)
        sites[site_id] = Accounting(FaultLayer(guarded, state.faults, cities), state, site_id)
    for site_id, letter_site in world.letter_sites.items():
        cities = letter_site.city_ids

        def bots(cities: tuple[str, ...] = cities) -> bool:
            return state.faults.has(cities, "refuse_bots")

        guarded = FirewallLayer(
            letters_app(state, letter_site), state.challenge, DEFAULT_STYLE, bots
        )
        sites[site_id] = Accounting(FaultLayer(guarded, state.faults, cities), state, site_id)
    return SandboxApps(state=state, control=control_app(state), sites=sites)


class Dispatcher:
    """One ASGI app over all sockets: routes each request by the local port it came in on."""

    def __init__(self, by_port: Mapping[int, ASGIApp]) -> None:
        self.by_port = dict(by_port)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return
        port = (scope.get("server") or ("", 0))[1]
        app = self.by_port.get(port)
        if app is None:
            raise RuntimeError(f"no sandbox app on port {port}")
        await app(scope, receive, send)


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


async def serve(
    world: World, host: str = "127.0.0.1", port: int = 8700, clock_start: datetime = DEFAULT_START
) -> None:
    """Serve the control API and every site until SIGINT/SIGTERM."""
    ids = world.origin_ids()
    count = 1 + len(ids)
    sockets = [_bind(host, 0 if port == 0 else port + i) for i in range(count)]
    ports = [s.getsockname()[1] for s in sockets]
    origins = {site_id: f"http://{host}:{p}" for site_id, p in zip(ids, ports[1:], strict=True)}
    apps = build_apps(world, origins=origins, clock_start=clock_start)
    by_port = {ports[0]: apps.control} | {
        p: apps.sites[site_id] for site_id, p in zip(ids, ports[1:], strict=True)
    }
    config = uvicorn.Config(
        Dispatcher(by_port),
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=sockets))
    while not server.started:
        if task.done():
            await task
            return
        await asyncio.sleep(0.02)
    print(READY_LINE.format(host=host, port=ports[0]), flush=True)
    await task
