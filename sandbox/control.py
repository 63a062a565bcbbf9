"""The control API on the base port: cities, truth, clock, faults, stats, submissions.

Tests and benchmarks read what the sandbox *is* from here (the truth) and steer it (clock,
faults); the probes never call it. Routes:

* ``GET  /__sandbox/cities``            one entry per city, with its PC and mobile entry URLs
                                        (and its letter system's, where 互动交流 lives there)
* ``GET  /__sandbox/truth/{city_id}``   what each target guide shows, per scenario and channel
* ``GET  /__sandbox/submissions``       every consultation / complaint submitted (portals and
                                        letter systems alike)
* ``GET|POST /__sandbox/clock``         {"advance": "P3D"} or {"set": ISO}
* ``GET|POST /__sandbox/faults``        {"city", "mode", ...} / {"city", "clear": true} / {"clear": "all"}
* ``GET|POST /__sandbox/stats``         per-site requests and max concurrency; {"reset": true}
"""

from __future__ import annotations

import re
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.faults import FaultError
from sandbox.letters import letters_url
from sandbox.model import CANONICAL_ELEMENTS, CHANNELS, SCENARIOS, City, Guide
from sandbox.state import SandboxState, SiteStats


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def city_summary(state: SandboxState, city: City) -> dict[str, Any]:
    site = state.world.sites[city.site_id]
    return {
        "city_id": city.city_id,
        "name": city.name,
        "province": city.province,
        "region": city.region,
        "platform": site.site_id,
        "archetype": site.archetype,
        "served_by": state.archetypes[site.site_id].id,
        "region_code": city.region_code,
        "pc_url": state.city_url(city, "pc"),
        "mobile_url": state.city_url(city, "mobile"),
        "letters_url": letters_url(state, city, "home") if city.letters else None,
    }


def _visits(guide: Guide) -> str | None:
    m = re.search(r"\d+", guide.elements.get("到办事现场次数", "") or "")
    return m.group(0) if m and guide.present("到办事现场次数") else None


def guide_truth(state: SandboxState, city: City, matter: str, channel: str) -> dict[str, Any]:
    guide = city.target(matter, channel)
    defects = [
        {"kind": d.kind, "element": d.element, "detail": d.detail}
        for d in city.defects
        if d.matter == matter and d.channel in (None, channel)
    ]
    if guide is None:
        return {
            "present": False,
            "guide_url": None,
            "name": None,
            "findable_by": None,
            "elements": dict.fromkeys(CANONICAL_ELEMENTS),
            "materials": [],
            "online_apply": False,
            "visits": None,
            "latency_ms": 0,
            "defects": defects,
        }
    site = state.world.sites[city.site_id]
    path = state.archetypes[site.site_id].guide_path(site, city, guide, channel)
    elements: dict[str, Any] = {}
    for element in CANONICAL_ELEMENTS:
        if not guide.present(element):
            elements[element] = None
        elif element == "申请材料":
            elements[element] = [m.name for m in guide.materials]
        else:
            elements[element] = guide.elements[element]
    return {
        "present": True,
        "guide_url": state.url(site.site_id, path),
        "guide_id": guide.guide_id,
        "name": guide.name,
        "findable_by": "search" if guide.searchable else "navigation",
        "elements": elements,
        "materials": [
            {
                "name": m.name,
                "form_url": state.url(site.site_id, m.form_url) if m.form_url else None,
                "form_ok": m.form_ok if m.form_url else None,
                "sample_url": state.url(site.site_id, m.sample_url) if m.sample_url else None,
                "sample_ok": m.sample_ok if m.sample_url else None,
                "required": m.required,
            }
            for m in guide.materials
        ],
        "online_apply": guide.online_apply,
        "visits": _visits(guide),
        "latency_ms": guide.latency_ms,
        "defects": defects,
    }


def city_truth(state: SandboxState, city: City) -> dict[str, Any]:
    site = state.world.sites[city.site_id]
    b = city.behaviour
    return {
        "city_id": city.city_id,
        "name": city.name,
        "region": city.region,
        "platform": site.site_id,
        "archetype": site.archetype,
        "scenarios": {
            scenario: {
                "full_online": city.full_online.get(scenario, False),
                "matters": {
                    matter: {ch: guide_truth(state, city, matter, ch) for ch in CHANNELS}
                    for matter in matters
                },
            }
            for scenario, matters in SCENARIOS.items()
        },
        "consult": {
            "delay_working_days": b.consult.delay_working_days,
            "quality": b.consult.quality,
        },
        "complaint": {
            "delay_working_days": b.complaint.delay_working_days,
            "quality": b.complaint.quality,
        },
        "captcha_on_forms": b.captcha_on_forms,
        "rating": b.rating,
        "reply_time_shown": b.reply_time_shown,
        "hostile_markup": b.hostile_markup,
        "interaction": "letters" if city.letters else "portal",
        "defects": [
            {
                "kind": d.kind,
                "matter": d.matter,
                "channel": d.channel,
                "element": d.element,
                "detail": d.detail,
            }
            for d in city.defects
        ],
    }


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def control_app(state: SandboxState) -> Starlette:
    async def cities(request: Request) -> JSONResponse:
        return JSONResponse([city_summary(state, c) for c in state.world.cities.values()])

    async def truth(request: Request) -> JSONResponse:
        city = state.world.cities.get(request.path_params["city_id"])
        if city is None:
            return _error(404, f"unknown city {request.path_params['city_id']!r}")
        return JSONResponse(city_truth(state, city))

    async def submissions(request: Request) -> JSONResponse:
        return JSONResponse([s.as_json() for s in state.submissions])

    async def clock(request: Request) -> JSONResponse:
        if request.method == "POST":
            body = await _json_body(request)
            try:
                if "advance" in body:
                    state.clock.advance(str(body["advance"]))
                elif "set" in body:
                    state.clock.set(str(body["set"]))
                else:
                    return _error(400, 'expected {"advance": "P3D"} or {"set": ISO time}')
            except ValueError as exc:
                return _error(400, str(exc))
        return JSONResponse({"now": state.clock.now().isoformat()})

    async def faults(request: Request) -> JSONResponse:
        if request.method == "POST":
            body = await _json_body(request)
            try:
                if body.get("clear") == "all":
                    state.faults.clear_all()
                elif body.get("clear") is True:
                    state.faults.clear(str(body.get("city")))
                elif "mode" in body:
                    state.faults.set(
                        str(body.get("city")),
                        str(body["mode"]),
                        count=body.get("count"),
                        ms=body.get("ms"),
                    )
                else:
                    return _error(400, 'expected {"city", "mode"} or {"clear": ...}')
            except FaultError as exc:
                return _error(404, str(exc))
        return JSONResponse(state.faults.listing())

    async def stats(request: Request) -> JSONResponse:
        if request.method == "POST":
            body = await _json_body(request)
            if body.get("reset"):
                for site_id in state.stats:
                    in_flight = state.stats[site_id].in_flight
                    state.stats[site_id] = SiteStats(in_flight=in_flight, max_concurrent=in_flight)
        return JSONResponse(
            {
                site_id: {
                    "requests": s.requests,
                    "max_concurrent": s.max_concurrent,
                    "min_gap_ms": None if s.min_gap_ms is None else round(s.min_gap_ms, 1),
                    "closest": list(s.closest) if s.closest else None,
                }
                for site_id, s in state.stats.items()
            }
        )

    async def not_found(request: Request) -> JSONResponse:
        return _error(404, f"no control route {request.url.path}")

    return Starlette(
        routes=[
            Route("/__sandbox/cities", cities),
            Route("/__sandbox/truth/{city_id}", truth),
            Route("/__sandbox/submissions", submissions),
            Route("/__sandbox/clock", clock, methods=["GET", "POST"]),
            Route("/__sandbox/faults", faults, methods=["GET", "POST"]),
            Route("/__sandbox/stats", stats, methods=["GET", "POST"]),
            Route("/{path:path}", not_found),
        ]
    )
