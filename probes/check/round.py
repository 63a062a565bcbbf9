"""A health-check round over every portal, stored: what the hardware indicator (硬件支撑) rests on.

``govprobe check`` (``probes/cli/check.py``, through ``probes/app/health.py``) resolves where each portal is (``probes/plan/targets.py``), then for every city's
PC and mobile address, at most ``per_host`` at a time against one host:

1. one **visit** over HTTP (``probes/check/http_checks.py``): ``up``, ``slow``, ``protected``,
   ``maintenance``, ``error`` or ``down``, time to first byte and total time; a visit with no
   answer or a 5xx is tried again under the journeys' retry policy (``probes/net/retry.py``)
   before the portal is called down, and its row says every attempt (``retried``);
2. the **HTTPS** check of that address: redirect from plain http, the certificate, TLS version;
3. in Chromium (``probes/check/browser_checks.py``), the **home page** and **one guide** (the one the
   latest guide round on these same portals found): timings and LCP, page weight, mobile
   adaptation at 375 px on the mobile address, axe-core accessibility. A ``protected`` visit is
   counted as up when the browser gets through the challenge, as down when it does not;
4. per city, the **form and sample links** that guide round found in its guides.

``http_only`` (``govprobe check --http-only``, the scheduler's ``availability`` job every 30
minutes) does steps 1 and 2 alone: no browser is started, no guide round read, no link
followed, so the visits the availability rule counts (``probes/score/hardware.py``) can be made
20 and more times a day at little cost to the portals; a ``protected`` visit stays undecided
(``available`` None) until a full round's browser tries it.

Each result is one row of ``checks`` (``probes.store.checks.save_check``) in a round of kind
``check``; ``kind`` says which:

    kind   classification                              detail (JSON)
    home   up | slow | protected | maintenance |       reason, final_url, size, available,
           error | down                                browser (the challenge, for protected),
                                                       attempts, flaky, confirmed (retried)
    https  ok | the problem (plain_http, expired, ...)  HttpsResult: names, days_left, ...
    page   loaded | failed                             PageCheck: timings, bytes, mobile, axe
    link   ok | broken | protected | unreachable |     LinkResult: final_url, size, note;
           refused                                     attempts, flaky, confirmed (retried)
The rubrics that score these rows are in ``probes/score/hardware.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.async_api import Error as PlaywrightError

from probes import store
from probes.check.browser_checks import BrowserLimits, PageCheck, check_page, new_check_context
from probes.check.http_checks import HttpsResult, Visit, check_availability, check_https
from probes.net import browser as browsers
from probes.net.gate import HostGate, gather_per_host
from probes.net.http import MOBILE_USER_AGENT, PC_USER_AGENT, CheckLimits, LinkResult, check_link
from probes.net.retry import RetryPolicy, Tries, attempts
from probes.plan.targets import Target


def guide_round_for(db, target: str, sandbox_url: str | None = None) -> str | None:
    """The latest guide round on these same portals (on the sandbox: this very sandbox, whose
    ports another sandbox process does not share)."""
    for row in store.rounds_of(db, "guides", target=target, newest_first=True):
        if target != "sandbox" or row["params"].get("sandbox_url") == sandbox_url:
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
    for p in store.found_guides(db, guide_round):
        guides.setdefault((p["city"], p["channel"]), p["guide_url"])
    links: dict[str, dict[str, tuple[str, str, str | None]]] = defaultdict(dict)
    for row in store.links_of_round(db, guide_round):
        mine = links[row["city"]]
        if row["url"] not in mine and len(mine) < links_per_city:
            mine[row["url"]] = (row["url"], row["kind"], urlsplit(row["portal_url"]).hostname)
    return GuideFacts(guides, {c: tuple(v.values()) for c, v in links.items()})


@dataclass(frozen=True)
class CheckOptions:
    concurrency: int = 4  # portal addresses checked at once
    per_host: int = 2  # at most this many at once against one host (be polite)
    browser: bool = True  # the in-browser checks (and the confirmation of protected portals)
    http_only: bool = False  # the HTTP visit and HTTPS alone: no browser, no links
    accessibility: bool = True
    links_per_city: int = 10
    limits: CheckLimits = field(default_factory=CheckLimits)
    browser_limits: BrowserLimits = field(default_factory=BrowserLimits)
    headless: bool = True
    # a visit or a link that got no answer or a 5xx is tried again under the one retry policy
    # of the journeys (probes/net/retry.py) before it is believed
    retry: RetryPolicy = field(default_factory=RetryPolicy)


def transient_visit(visit: Visit) -> bool:
    """A visit worth trying again: no answer at all, or a server error (5xx). A maintenance
    page, a 4xx or a challenge is what the portal chose to serve."""
    return visit.classification == "down" or (
        visit.classification == "error" and (visit.status or 0) >= 500
    )


def transient_link(link: LinkResult) -> bool:
    """A link check worth trying again: no answer, or a 5xx (a 404 is a broken link)."""
    return link.result == "unreachable" or (link.result == "broken" and (link.status or 0) >= 500)


def retried(tries: Tries, fields: Callable[[Any], dict], transient: Callable[[Any], bool]) -> dict:
    """What a check row's detail says of its retries, in the journeys' vocabulary: the earlier
    attempts (each with the wait after it), ``flaky`` when the last one passed, ``confirmed``
    when every one failed; ``retry_budget_spent`` when the cap left a retry unmade. Empty when
    the first attempt was believed. The row is still one visit: the availability rubric counts
    it once, by the outcome the retries settled on."""
    said: dict[str, Any] = {}
    if tries.retried:
        said["attempts"] = [
            {"attempt": n, **fields(r), "wait_s": round(wait, 3)}
            for n, (r, wait) in enumerate(zip(tries.results, tries.waits, strict=False), start=1)
        ]
        said["flaky"] = not transient(tries.last)
        said["confirmed"] = transient(tries.last)
    if tries.budget_spent:
        said["retry_budget_spent"] = True
    return said


def _visit_fields(v: Visit) -> dict:
    return {"classification": v.classification, "reason": v.reason, "status": v.status,
            "total_ms": v.total_ms}  # fmt: skip


def _link_fields(r: LinkResult) -> dict:
    return {"result": r.result, "status": r.status, "note": r.note, "total_ms": r.total_ms}


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
    progress: Callable[[str, int, int], None] = lambda phase, done, total: None,
    at: str | None = None,
) -> None:
    """Check every target and store each result in ``round_id`` as soon as it is known
    (stamped ``at``: the round's time on its clock, else each row's own real time). At
    most ``concurrency`` portal addresses (then links) are checked at once and ``per_host``
    against one host; the round's own client sends every request, each redirect hop too,
    through one politeness gate (``probes/net/gate.py``). A ``client`` passed in is used as
    it is. ``progress("checks", done, total)`` counts the addresses and links checked."""
    options = options or CheckOptions()
    facts = facts or GuideFacts()
    browsing = options.browser and not options.http_only
    browser = _LazyBrowser(launch, options.headless)
    own_client = client is None
    if client is None:
        connections = httpx.Limits(
            max_connections=4 * options.concurrency, max_keepalive_connections=0
        )
        gate = HostGate(options.per_host)
        client = httpx.AsyncClient(
            transport=gate.transport(httpx.AsyncHTTPTransport(limits=connections))
        )

    async def pages_of(t: Target) -> list[PageCheck]:
        chromium, playwright = await browser.get()
        urls = [("home", t.url)]
        guide = facts.guides.get((_city_id(t), t.channel))
        if guide:
            urls.append(("guide", guide))
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
        agent = MOBILE_USER_AGENT if t.channel == "mobile" else PC_USER_AGENT
        tries = await attempts(
            options.retry,
            lambda: check_availability(client, t.url, limits=options.limits, user_agent=agent),
            transient_visit,
        )
        visit = tries.last
        if visit.classification == "down":
            https = HttpsResult(t.url, problem="unreachable", message=visit.reason)
        else:
            https = await check_https(client, t.url, limits=options.limits, user_agent=agent)
        pages, trouble = [], ""
        if browsing and visit.classification in ("up", "slow", "protected"):
            try:
                pages = await pages_of(t)
            except (PlaywrightError, browsers.BrowserNotFound) as exc:
                trouble = str(exc).splitlines()[0][:200]  # ours: nothing measured
        save_target(db, round_id, t, visit, https, pages, trouble,
                    retried(tries, _visit_fields, transient_visit), at=at)  # fmt: skip
        step()
        return visit.classification

    down_hosts: set[str] = set()

    async def link(found: tuple[str, str, str, str | None]) -> None:
        city, url, kind, portal_host = found
        said: dict = {}
        if urlsplit(url).netloc in down_hosts:  # its portal did not answer: spare it the links
            result = LinkResult(url, "unreachable", note="not tried: the portal did not answer")
        else:
            tries = await attempts(
                options.retry,
                lambda: check_link(client, url, portal_host=portal_host, limits=options.limits),
                transient_link,
            )
            result, said = tries.last, retried(tries, _link_fields, transient_link)
        store.save_check(
            db, round_id, url=url, kind="link", city=city, status=result.status,
            classification=result.result, total_ms=result.total_ms,
            detail={**result.detail(), "link_kind": kind, **said}, at=at,
        )  # fmt: skip
        step()

    cities = {_city_id(t) for t in targets}
    links = [
        (city, url, kind, portal_host)
        for city, found in facts.links.items()
        if city in cities and not options.http_only
        for url, kind, portal_host in found
    ]
    limits = {"concurrency": options.concurrency, "per_host": options.per_host}
    total, done = len(targets) + len(links), [0]

    def step() -> None:
        done[0] += 1
        progress("checks", done[0], total)

    progress("checks", 0, total)
    try:
        visits = await gather_per_host(targets, one, url=lambda t: t.url, **limits)
        down_hosts.update(
            urlsplit(t.url).netloc for t, v in zip(targets, visits, strict=True) if v == "down"
        )
        await gather_per_host(links, link, url=lambda found: found[1], **limits)
    finally:
        await browser.close()
        if own_client:
            await client.aclose()


def save_target(
    db,
    round_id: str,
    t: Target,
    visit: Visit,
    https: HttpsResult,
    pages: list[PageCheck],
    browser_error: str = "",
    retries: Mapping[str, Any] | None = None,
    *,
    at: str | None = None,
) -> None:
    city = _city_id(t)
    detail = visit.detail() | dict(retries or {})
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
            ttfb_ms=visit.ttfb_ms, total_ms=visit.total_ms, detail=detail, at=at,
        )  # fmt: skip
        store.save_check(
            db, round_id, url=t.url, kind="https", city=city, channel=t.channel,
            classification=https.problem or "ok", detail=https.detail(), at=at,
        )  # fmt: skip
        for page in pages:
            store.save_check(
                db, round_id, url=page.url, kind="page", city=city, channel=t.channel,
                status=page.status, classification="loaded" if page.loaded else "failed",
                ttfb_ms=page.timings.get("ttfb_ms"), total_ms=page.speed_ms,
                detail=page.detail(), at=at,
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
    progress: Callable[[str, int, int], None] = lambda phase, done, total: None,
    stamp: Callable[[], str] | None = None,
) -> dict:
    """A whole check round: start it, check every target, finish it; return its id and its
    wall time (``score.hardware.summarize_checks`` reads what it found).

    ``stamp`` (``probes.plan.targets.round_stamp``: the sandbox's simulated clock) gives the
    round's times instead of the real clock: its start, read once, stamps its rows too (that
    clock moves only when someone moves it), and its end."""
    options = options or CheckOptions()
    params = dict(params or {})
    browsing = options.browser and not options.http_only
    if guide_round is None and not options.http_only:  # an HTTP-only round reads no guide
        guide_round = guide_round_for(db, target, params.get("sandbox_url"))
    params |= {
        "guide_round": guide_round,
        "concurrency": options.concurrency,
        "per_host": options.per_host,
        "browser": browsing,
        "http_only": options.http_only,
        "retry": options.retry.describe(),
        # what it ran with; Chromium only when pages are checked in it (never asked otherwise)
        "environment": browsers.environment(chromium=browsing),
    }
    facts = guide_facts(db, guide_round, links_per_city=options.links_per_city)
    at = stamp() if stamp else None
    round_id = store.start_round(db, "check", target, params, at=at)
    started = time.monotonic()
    try:
        await check_targets(
            db, round_id, targets, facts=facts, options=options, client=client, launch=launch,
            progress=progress, at=at,
        )  # fmt: skip
    except BaseException:
        store.finish_round(db, round_id, status="interrupted", at=at)  # no call to a clock now
        raise
    store.finish_round(db, round_id, at=stamp() if stamp else None)
    return {"round": round_id, "seconds": round(time.monotonic() - started, 1)}


def run_checks(db, targets: Sequence[Target], *, target: str, **kwargs: Any) -> dict:
    """``run_checks_async`` on an event loop of its own (the library entry point)."""
    return asyncio.run(run_checks_async(db, targets, target=target, **kwargs))
