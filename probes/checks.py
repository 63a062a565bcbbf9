"""Portal health checks for a round, stored, and the hardware indicator (硬件支撑) they feed.

``govprobe check`` (the ``check`` command below, registered on the main group by
``probes/cli.py``) resolves where each portal is (``probes/targets.py``), then for every city's
PC and mobile address, at most ``per_host`` at a time against one host:

1. one **visit** over HTTP (``probes/http_checks.py``): ``up``, ``slow``, ``protected``,
   ``maintenance``, ``error`` or ``down``, time to first byte and total time;
2. the **HTTPS** check of that address: redirect from plain http, the certificate, TLS version;
3. in Chromium (``probes/browser_checks.py``), the **home page** and **one guide** (the one the
   latest guide round on these same portals found): timings and LCP, page weight, mobile
   adaptation at 375 px on the mobile address, axe-core accessibility. A ``protected`` visit is
   counted as up when the browser gets through the challenge, as down when it does not;
4. per city, the **form and sample links** that guide round found in its guides.

Each result is one row of ``checks`` (``probes.store.save_check``) in a round of kind
``check``; ``kind`` says which:

    kind   classification                              detail (JSON)
    home   up | slow | protected | maintenance |       reason, final_url, size, available,
           error | down                                browser (the challenge, for protected)
    https  ok | the problem (plain_http, expired, ...)  HttpsResult: names, days_left, ...
    page   loaded | failed                             PageCheck: timings, bytes, mobile, axe
    link   ok | broken | protected | unreachable |     LinkResult: final_url, size, note
           refused

``hardware_observations`` turns the rows of one or more rounds (a week's, for availability)
into one ``HardwareObservation`` per city and item of ``scenarios/indicators.yaml``'s hardware
indicator; the rubrics are the ``*_score`` functions below, pure, and their numbers are the
``describe`` texts of the indicator file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import mean
from typing import Any
from urllib.parse import urlsplit

import click
import httpx
from playwright.async_api import Error as PlaywrightError

from probes import browser as browsers
from probes import store
from probes.browser_checks import BrowserLimits, PageCheck, check_page, new_check_context
from probes.http_checks import (
    CLASSIFICATION_ZH,
    MOBILE_USER_AGENT,
    PC_USER_AGENT,
    CheckLimits,
    HttpsResult,
    LinkResult,
    Visit,
    check_availability,
    check_https,
    check_link,
)
from probes.profiles import load_registry
from probes.scenarios import ScenarioError
from probes.scoring import HardwareObservation
from probes.targets import Target, live_targets, sandbox_directory, sandbox_targets

CHANNELS = ("pc", "mobile")
HARDWARE_ITEMS = ("availability", "speed", "https", "mobile", "accessibility")

# --- rubrics (the numbers the hardware items' `describe` texts state) -------------------------

# 2019 national website rules: 5% or more failed visits in a week fails availability outright.
AVAILABILITY_FAIL_SHARE = 0.05
# Speed: the wait for the largest paint. web.dev's "good" LCP scores full marks; a visit that
# has not loaded by the 15 s bound of the 2019 rules scores nothing; linear between.
SPEED_FULL_MS = 2_500.0
SPEED_ZERO_MS = 15_000.0
# HTTPS: a certificate expiring this soon, or TLS older than 1.2, is only half right.
EXPIRY_WARNING_DAYS = 30
OLD_TLS = frozenset({"SSLv3", "TLSv1", "TLSv1.1"})
# Accessibility: points off for each serious or critical axe rule the page violates.
ACCESSIBILITY_PENALTY = 20.0


def availability_score(available: int, failed: int) -> float | None:
    """100 x the share of visits that loaded; 0 when 5% or more failed. None: no visit."""
    visits = available + failed
    if visits == 0:
        return None
    if failed / visits >= AVAILABILITY_FAIL_SHARE:
        return 0.0
    return 100.0 * available / visits


def speed_score(speed_ms: float | None) -> float:
    """100 up to 2.5 s to the largest paint, 0 from 15 s (or never loaded), linear between."""
    if speed_ms is None:
        return 0.0
    share = (SPEED_ZERO_MS - speed_ms) / (SPEED_ZERO_MS - SPEED_FULL_MS)
    return 100.0 * min(1.0, max(0.0, share))


def https_score(https: Mapping[str, Any]) -> float | None:
    """100: the address ends on https with a valid certificate, plain http redirects there,
    TLS 1.2 or newer, more than 30 days left. 50: a valid certificate but one of those missing
    (or https offered beside an address that stays on http). 0: no https, or a certificate a
    browser refuses (expired, wrong name, self-signed, untrusted). None: nothing answered."""
    if https.get("problem") == "unreachable":
        return None
    if not https.get("cert_valid"):
        return 0.0
    days = https.get("days_left")
    whole = (
        https.get("served_over_https")
        and https.get("redirects_to_https") is not False
        and https.get("tls_version") not in OLD_TLS
        and (days is None or days > EXPIRY_WARNING_DAYS)
    )
    return 100.0 if whole else 50.0


def mobile_score(mobile: Mapping[str, Any]) -> float:
    """A third each: a viewport meta with width=device-width, no horizontal scrolling at 375 px,
    readable text (>= 60% of it at 12 px or more)."""
    return 100.0 * sum(bool(mobile.get(k)) for k in ("device_width", "fits", "readable")) / 3


def accessibility_score(axe: Mapping[str, Any]) -> float:
    """100 less 20 for each serious or critical axe-core rule violated, never below 0."""
    violated = int(axe.get("critical", 0)) + int(axe.get("serious", 0))
    return max(0.0, 100.0 - ACCESSIBILITY_PENALTY * violated)


# --- which rounds, which guides ---------------------------------------------------------------


def guide_round_for(db, target: str, sandbox_url: str | None = None) -> str | None:
    """The latest guide round on these same portals (on the sandbox: this very sandbox, whose
    ports another sandbox process does not share)."""
    for row in db.query(
        "SELECT id, params FROM rounds WHERE kind = 'guides' AND target = ?"
        " ORDER BY started_at DESC, rowid DESC",
        [target],
    ):
        params = json.loads(row["params"])
        if target != "sandbox" or params.get("sandbox_url") == sandbox_url:
            return row["id"]
    return None


@dataclass(frozen=True)
class GuideFacts:
    """What a guide round found that the checks look at: a guide per city and channel, and the
    form and sample links of each city's guides (with the portal host they were found on)."""

    guides: Mapping[tuple[str, str], str] = field(default_factory=dict)
    links: Mapping[str, tuple[tuple[str, str, str | None], ...]] = field(default_factory=dict)


def guide_facts(db, guide_round: str | None, *, links_per_city: int = 10) -> GuideFacts:
    if guide_round is None:
        return GuideFacts()
    guides: dict[tuple[str, str], str] = {}
    for p in db.query(
        "SELECT city, channel, guide_url FROM probes WHERE round_id = ? AND outcome = 'ok'"
        " AND guide_url IS NOT NULL AND city IS NOT NULL ORDER BY id",
        [guide_round],
    ):
        guides.setdefault((p["city"], p["channel"]), p["guide_url"])
    links: dict[str, dict[str, tuple[str, str, str | None]]] = defaultdict(dict)
    for row in db.query(
        "SELECT p.city, p.portal_url, l.url, l.kind FROM links l JOIN probes p"
        " ON p.id = l.probe_id WHERE p.round_id = ? AND p.city IS NOT NULL ORDER BY l.rowid",
        [guide_round],
    ):
        mine = links[row["city"]]
        if row["url"] not in mine and len(mine) < links_per_city:
            mine[row["url"]] = (row["url"], row["kind"], urlsplit(row["portal_url"]).hostname)
    return GuideFacts(guides, {c: tuple(v.values()) for c, v in links.items()})


def check_rounds_of_week(
    db, *, days: int = 7, target: str | None = None, until: str | None = None
) -> list[str]:
    """The check rounds started within ``days`` before the latest one (of a target; started at
    or before ``until``, an ISO time, when given): the window the availability rule counts
    failed visits in."""
    sql, params = "SELECT id, target, started_at FROM rounds WHERE kind = 'check'", []
    if target is not None:
        sql += " AND target = ?"
        params.append(target)
    if until is not None:
        sql += " AND started_at <= ?"
        params.append(until)
    rows = list(db.query(sql + " ORDER BY started_at DESC, rowid DESC", params))
    if not rows:
        return []
    latest = rows[0]
    since = datetime.fromisoformat(latest["started_at"]) - timedelta(days=days)
    return [
        r["id"]
        for r in rows
        if r["target"] == latest["target"] and datetime.fromisoformat(r["started_at"]) > since
    ]


# --- running a round --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckOptions:
    concurrency: int = 4  # portal addresses checked at once
    per_host: int = 2  # at most this many at once against one host (be polite)
    browser: bool = True  # the in-browser checks (and the confirmation of protected portals)
    accessibility: bool = True
    links_per_city: int = 10
    limits: CheckLimits = field(default_factory=CheckLimits)
    browser_limits: BrowserLimits = field(default_factory=BrowserLimits)
    headless: bool = True


class _LazyBrowser:
    """Chromium started on first need (a round where every portal is down never starts one)."""

    def __init__(self, launch: dict | None, headless: bool):
        self.launch, self.headless = launch, headless
        self._lock = asyncio.Lock()
        self._playwright = self._browser = None

    async def get(self):
        async with self._lock:
            if self._browser is None:
                from playwright.async_api import async_playwright

                launch = self.launch or browsers.launch_options(headless=self.headless)
                if self._playwright is None:
                    self._playwright = await async_playwright().start()
                self._browser = await self._playwright.chromium.launch(**launch)
            return self._browser, self._playwright

    async def close(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(PlaywrightError):
                await self._browser.close()
        if self._playwright is not None:
            await self._playwright.stop()


def _city_id(t: Target) -> str | None:
    return t.city.id if t.city else None


async def check_targets(
    db,
    round_id: str,
    targets: Sequence[Target],
    *,
    facts: GuideFacts | None = None,
    options: CheckOptions | None = None,
    client: httpx.AsyncClient | None = None,
    launch: dict | None = None,
) -> None:
    """Check every target and store each result in ``round_id`` as soon as it is known."""
    options = options or CheckOptions()
    facts = facts or GuideFacts()
    limit = asyncio.Semaphore(options.concurrency)
    hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(options.per_host))
    browser = _LazyBrowser(launch, options.headless)
    own_client = client is None
    client = client or httpx.AsyncClient(
        limits=httpx.Limits(max_connections=4 * options.concurrency, max_keepalive_connections=0)
    )

    async def pages_of(t: Target, host: str) -> list[PageCheck]:
        chromium, playwright = await browser.get()
        urls = [("home", t.url)]
        guide = facts.guides.get((_city_id(t), t.channel))
        if guide:
            urls.append(("guide", guide))
        async with hosts[host]:
            context = await new_check_context(chromium, playwright, t.channel)
            try:
                found = []
                for kind, url in urls:
                    page = await check_page(
                        context, url, kind=kind, channel=t.channel,
                        accessibility=options.accessibility, limits=options.browser_limits,
                    )  # fmt: skip
                    found.append(page)
                    if not page.loaded:
                        break
                return found
            finally:
                with contextlib.suppress(PlaywrightError):
                    await context.close()

    async def one(t: Target) -> str:
        host = urlsplit(t.url).netloc
        agent = MOBILE_USER_AGENT if t.channel == "mobile" else PC_USER_AGENT
        async with limit:
            async with hosts[host]:
                visit = await check_availability(
                    client, t.url, limits=options.limits, user_agent=agent
                )
                if visit.classification == "down":
                    https = HttpsResult(t.url, problem="unreachable", message=visit.reason)
                else:
                    https = await check_https(
                        client, t.url, limits=options.limits, user_agent=agent
                    )
            pages, trouble = [], ""
            if options.browser and visit.classification in ("up", "slow", "protected"):
                try:
                    pages = await pages_of(t, host)
                except (PlaywrightError, browsers.BrowserNotFound) as exc:
                    trouble = str(exc).splitlines()[0][:200]  # ours: nothing measured
        _save_target(db, round_id, t, visit, https, pages, trouble)
        return visit.classification

    down_hosts: set[str] = set()

    async def link(city: str, url: str, kind: str, portal_host: str | None) -> None:
        host = urlsplit(url).netloc
        if host in down_hosts:  # its portal did not answer: spare it the links
            found = LinkResult(url, "unreachable", note="not tried: the portal did not answer")
        else:
            async with limit, hosts[host]:
                found = await check_link(
                    client, url, portal_host=portal_host, limits=options.limits
                )
        store.save_check(
            db, round_id, url=url, kind="link", city=city, status=found.status,
            classification=found.result, total_ms=found.total_ms,
            detail={**found.detail(), "link_kind": kind},
        )  # fmt: skip

    cities = {_city_id(t) for t in targets}
    try:
        visits = await asyncio.gather(*(one(t) for t in targets))
        down_hosts.update(
            urlsplit(t.url).netloc for t, v in zip(targets, visits, strict=True) if v == "down"
        )
        await asyncio.gather(
            *(
                link(city, url, kind, portal_host)
                for city, links in facts.links.items()
                if city in cities
                for url, kind, portal_host in links
            )
        )
    finally:
        await browser.close()
        if own_client:
            await client.aclose()


def _save_target(
    db,
    round_id: str,
    t: Target,
    visit: Visit,
    https: HttpsResult,
    pages: list[PageCheck],
    browser_error: str = "",
) -> None:
    city = _city_id(t)
    detail = visit.detail()
    if browser_error:
        detail["browser_error"] = browser_error
    home = next((p for p in pages if p.kind == "home"), None)
    if visit.classification == "protected" and home is not None:
        # the browser decides: through the challenge to a page is up, anything else is not
        detail["available"] = bool(home.loaded and home.passed and not home.maintenance)
        detail["browser"] = {"passed": home.passed, "status": home.status, "error": home.error}
    with store.transaction(db):
        store.save_check(
            db, round_id, url=t.url, kind="home", city=city, channel=t.channel,
            status=visit.status, classification=visit.classification,
            ttfb_ms=visit.ttfb_ms, total_ms=visit.total_ms, detail=detail,
        )  # fmt: skip
        store.save_check(
            db, round_id, url=t.url, kind="https", city=city, channel=t.channel,
            classification=https.problem or "ok", detail=https.detail(),
        )  # fmt: skip
        for page in pages:
            store.save_check(
                db, round_id, url=page.url, kind="page", city=city, channel=t.channel,
                status=page.status, classification="loaded" if page.loaded else "failed",
                ttfb_ms=page.timings.get("ttfb_ms"), total_ms=page.speed_ms,
                detail=page.detail(),
            )  # fmt: skip


async def run_checks_async(
    db,
    targets: Sequence[Target],
    *,
    target: str,
    params: Mapping[str, Any] | None = None,
    guide_round: str | None = None,
    options: CheckOptions | None = None,
    client: httpx.AsyncClient | None = None,
    launch: dict | None = None,
) -> dict:
    """A whole check round: start it, check every target, finish it; return its summary."""
    options = options or CheckOptions()
    params = dict(params or {})
    if guide_round is None:
        guide_round = guide_round_for(db, target, params.get("sandbox_url"))
    params |= {
        "guide_round": guide_round,
        "concurrency": options.concurrency,
        "per_host": options.per_host,
        "browser": options.browser,
    }
    facts = guide_facts(db, guide_round, links_per_city=options.links_per_city)
    round_id = store.start_round(db, "check", target, params)
    started = time.monotonic()
    try:
        await check_targets(
            db, round_id, targets, facts=facts, options=options, client=client, launch=launch
        )
    except BaseException:
        store.finish_round(db, round_id, status="interrupted")
        raise
    store.finish_round(db, round_id)
    summary = summarize_checks(db, round_id)
    summary["seconds"] = round(time.monotonic() - started, 1)
    return summary


def run_checks(db, targets: Sequence[Target], *, target: str, **kwargs: Any) -> dict:
    """``run_checks_async`` on an event loop of its own (the library entry point)."""
    return asyncio.run(run_checks_async(db, targets, target=target, **kwargs))


def check_portals(
    *,
    target: str = "sandbox",
    sandbox_url: str | None = None,
    cities: Sequence[str] = (),
    db_path: str = str(store.DEFAULT_PATH),
    options: CheckOptions | None = None,
) -> dict:
    """What ``govprobe check`` does: resolve the portals, check them, return the summary."""
    from probes.runner import sandbox_url_for

    registry = load_registry()
    chosen = registry.select(list(cities))
    db = store.open_db(db_path)
    try:
        with contextlib.ExitStack() as stack:
            params: dict[str, Any] = {"cities": list(cities), "channels": list(CHANNELS)}
            if target == "sandbox":
                url = stack.enter_context(sandbox_url_for(sandbox_url))
                params["sandbox_url"] = url
                targets = sandbox_targets(registry, chosen, CHANNELS, sandbox_directory(url))
            else:
                targets = live_targets(chosen, CHANNELS)
            return run_checks(db, targets, target=target, params=params, options=options)
    finally:
        db.close()


# --- reading rounds back ----------------------------------------------------------------------


def _rows(db, round_ids: Sequence[str], kind: str | None = None) -> list[dict]:
    marks = ", ".join("?" for _ in round_ids)
    sql = f"SELECT * FROM checks WHERE round_id IN ({marks})"
    params: list[Any] = list(round_ids)
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    rows = list(db.query(sql + " ORDER BY id", params))
    for row in rows:
        row["detail"] = json.loads(row["detail"] or "{}")
    return rows


def uptime(db, *round_ids: str) -> dict[tuple[str | None, str | None, str], float | None]:
    """(city, channel, url) -> the share of its visits that loaded in these rounds (None when
    no visit counted: a protected portal no browser tried)."""
    seen: dict[tuple, list[bool]] = defaultdict(list)
    for row in _rows(db, round_ids, "home"):
        key = (row["city"], row["channel"], row["url"])
        seen.setdefault(key, [])
        if row["detail"].get("available") is not None:
            seen[key].append(bool(row["detail"]["available"]))
    return {k: (sum(v) / len(v) if v else None) for k, v in seen.items()}


@dataclass(frozen=True)
class _RoundFacts:
    """What one check round says for the hardware items: each city's visits (loaded or not)
    and each (city, item)'s page, HTTPS, mobile and axe scores."""

    visits: Mapping[str, tuple[bool, ...]]
    values: Mapping[tuple[str, str], tuple[float, ...]]


def _round_facts(db, round_id: str) -> _RoundFacts:
    visits: dict[str, list[bool]] = defaultdict(list)
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    rows = db.conn.execute(
        "SELECT city, kind, detail FROM checks WHERE round_id = ?"
        " AND kind IN ('home', 'https', 'page') ORDER BY id",  # links are not scored here
        [round_id],
    )
    for city, kind, raw in rows:
        if not city:
            continue
        detail = json.loads(raw or "{}")
        if kind == "home" and detail.get("available") is not None:
            visits[city].append(bool(detail["available"]))
        elif kind == "https":
            score = https_score(detail)
            if score is not None:
                values[(city, "https")].append(score)
        elif kind == "page":
            loaded = bool(detail.get("loaded"))
            values[(city, "speed")].append(speed_score(detail.get("speed_ms") if loaded else None))
            if loaded and detail.get("mobile"):
                values[(city, "mobile")].append(mobile_score(detail["mobile"]))
            if loaded and detail.get("axe"):
                values[(city, "accessibility")].append(accessibility_score(detail["axe"]))
    return _RoundFacts(
        {c: tuple(v) for c, v in visits.items()}, {k: tuple(v) for k, v in values.items()}
    )


def hardware_observations(
    db, *round_ids: str, cache: dict[str, _RoundFacts] | None = None
) -> list[HardwareObservation]:
    """One observation per city and hardware item, from the checks of these rounds (default:
    the latest check round; pass ``check_rounds_of_week(db)`` for the weekly availability rule).

    availability  visits that loaded / visits, PC and mobile together; 0 at >= 5% failed
    speed         mean over the pages loaded in Chromium of ``speed_score`` (a failed load: 0)
    https         mean over the city's addresses of ``https_score`` (unreachable: left out)
    mobile        mean over the mobile address's pages of ``mobile_score``
    accessibility mean over the pages axe checked of ``accessibility_score``

    An item with nothing measured for a city gets no observation (未测, never zero).
    ``cache`` (round id -> what it says) lets a caller scoring many weeks in a row read each
    finished check round once (``probes.evaluation.score_season``).
    """
    if not round_ids:
        latest = store.latest_round(db, "check")
        round_ids = (latest,) if latest else ()
    if not round_ids:
        return []
    visits: dict[str, list[bool]] = defaultdict(list)
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    for round_id in round_ids:
        facts = cache.get(round_id) if cache is not None else None
        if facts is None:
            facts = _round_facts(db, round_id)
            if cache is not None:
                cache[round_id] = facts
        for city, seen in facts.visits.items():
            visits[city].extend(seen)
        for key, scores in facts.values.items():
            values[key].extend(scores)
    found = []
    for city in sorted(set(visits) | {c for c, _ in values}):
        for item in HARDWARE_ITEMS:
            if item == "availability":
                ok = visits.get(city, [])
                value = availability_score(sum(ok), len(ok) - sum(ok))
            else:
                scores = values.get((city, item))
                value = math.fsum(scores) / len(scores) if scores else None  # fast, exact sum
            if value is not None:
                found.append(HardwareObservation(city, item, round(value, 2)))
    return found


def summarize_checks(db, round_id: str) -> dict:
    """The round as ``govprobe check --json`` prints it (README, "Commands")."""
    rows = _rows(db, [round_id])
    row_of_round = store.get_round(db, round_id) or {}
    portals: dict[tuple, dict] = {}
    for row in rows:
        if row["kind"] not in ("home", "https", "page"):
            continue
        if row["kind"] == "page":
            key = next((k for k in portals if k[0] == row["city"] and k[1] == row["channel"]), None)
        else:
            key = (row["city"], row["channel"], row["url"])
        entry = portals.setdefault(key, {"city": key[0], "channel": key[1], "url": key[2]})
        d = row["detail"]
        if row["kind"] == "home":
            entry |= {
                "classification": row["classification"],
                "available": d.get("available"),
                "status": row["status"],
                "ttfb_ms": row["ttfb_ms"],
                "total_ms": row["total_ms"],
                "reason": d.get("reason", ""),
            }
            if "browser" in d:
                entry["browser"] = d["browser"]
        elif row["kind"] == "https":
            entry["https"] = {
                k: d.get(k)
                for k in ("served_over_https", "redirects_to_https", "cert_valid", "problem",
                          "names", "days_left", "tls_version")
            }  # fmt: skip
            entry["https"]["score"] = https_score(d)
        else:
            axe = d.get("axe") or {}
            entry.setdefault("pages", []).append(
                {
                    "kind": d.get("kind"),
                    "url": row["url"],
                    "loaded": d.get("loaded"),
                    "error": d.get("error", ""),
                    "speed_ms": d.get("speed_ms"),
                    "lcp_ms": (d.get("timings") or {}).get("lcp_ms"),
                    "bytes": d.get("bytes"),
                    "requests": d.get("requests"),
                    "axe": {k: axe.get(k) for k in ("critical", "serious", "moderate", "minor")}
                    if axe
                    else None,
                    "mobile": {k: d["mobile"].get(k) for k in ("device_width", "fits", "readable")}
                    if d.get("mobile")
                    else None,
                }
            )
    times = uptime(db, round_id)
    for key, entry in portals.items():
        entry["uptime"] = times.get(key)
    links = [
        {
            "city": r["city"],
            "url": r["url"],
            "result": r["classification"],
            "status": r["status"],
            "note": r["detail"].get("note", ""),
        }
        for r in rows
        if r["kind"] == "link"
    ]
    return {
        "round": round_id,
        "target": row_of_round.get("target"),
        "portals": list(portals.values()),
        "counts": dict(Counter(e.get("classification") for e in portals.values())),
        "links": links,
        "hardware": [
            {"city": o.city, "item": o.item, "value": o.value}
            for o in hardware_observations(db, round_id)
        ],
    }


# --- the command ------------------------------------------------------------------------------

ITEM_ZH = {
    "availability": "可用性",
    "speed": "访问速度",
    "https": "安全连接",
    "mobile": "移动端适配",
    "accessibility": "无障碍",
}


def print_checks(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    from probes.runner import CHANNEL_ZH, chinese_names

    names = chinese_names()
    table = Table(title=f"门户健康检查 轮次 {summary['round']}")
    for col in ("城市", "渠道", "状态", "HTTP", "首字节 ms", "总耗时 ms", "HTTPS", "最大绘制 ms"):
        table.add_column(col)
    for p in summary["portals"]:
        https = p.get("https") or {}
        lcp = next((pg["lcp_ms"] for pg in p.get("pages", []) if pg["kind"] == "home"), None)
        state = CLASSIFICATION_ZH.get(p.get("classification"), p.get("classification") or "-")
        if p.get("classification") == "protected":
            state += "（浏览器通过）" if p.get("available") else "（浏览器未通过）"
        table.add_row(
            names.get(p["city"], p["city"] or "-"),
            CHANNEL_ZH.get(p["channel"], p["channel"] or "-"),
            state,
            str(p.get("status") or "-"),
            f"{p['ttfb_ms']:.0f}" if p.get("ttfb_ms") is not None else "-",
            f"{p['total_ms']:.0f}" if p.get("total_ms") is not None else "-",
            https.get("problem") or "有效",
            f"{lcp:.0f}" if lcp is not None else "-",
        )
    console = Console()
    console.print(table)
    counts = summary["counts"]
    console.print("  ".join(f"{CLASSIFICATION_ZH.get(k, k)} {v}" for k, v in counts.items()))
    per_item: dict[str, list[float]] = defaultdict(list)
    for o in summary["hardware"]:
        per_item[o["item"]].append(o["value"])
    console.print(
        "  ".join(
            f"{ITEM_ZH[i]} {mean(per_item[i]):.2f}" if per_item.get(i) else f"{ITEM_ZH[i]} 未测"
            for i in HARDWARE_ITEMS
        )
    )


@click.command("check")
@click.option(
    "--target", type=click.Choice(["sandbox", "live"]), default="sandbox", show_default=True
)
@click.option("--sandbox-url", help="A running sandbox; without it one is started and stopped.")
@click.option("--city", "cities", multiple=True, help="City name or id (repeatable; default all).")
@click.option(
    "--db", "db_path", default=str(store.DEFAULT_PATH), show_default=True, help="SQLite database."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def check(target: str, sandbox_url: str | None, cities: tuple[str, ...], db_path: str,
          as_json: bool) -> None:  # fmt: skip
    """Check the portals' health: availability, speed, HTTPS, mobile adaptation, accessibility."""
    try:
        summary = check_portals(
            target=target, sandbox_url=sandbox_url, cities=cities, db_path=db_path
        )
    except (ScenarioError, ValueError, RuntimeError, httpx.HTTPError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        print_checks(summary)
