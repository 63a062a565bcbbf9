"""The generic guide journey: walk a portal as a citizen would, and keep the evidence.

Step 3 of the data flow (README, "Architecture"). For one portal, channel and matter:

1. arrive at the portal (passing a script-challenge firewall the way a browser does) and
   dismiss notice overlays, ticking an agreement box when one must be ticked;
2. run the platform profile's arrival steps, if any (picking the region, ...);
3. find the site search and search the matter by name, then by its aliases; read the results
   wherever they appear (same page, loaded by XHR, inside an iframe, over several pages);
4. pick the right result among decoys (``probes/matching.py``) and follow it, in the same tab
   or a new one;
5. when search fails, navigate by category from the home page;
6. wait until the guide has settled, open its tabs and collapsed sections, and capture it
   (HTML, a screenshot, the URL trail), then check where its online-apply entry leads and
   whether its form and sample links answer.

Every step is recorded (action, what it matched, URL, duration, sometimes a screenshot). The
journey never judges: extraction and judgement run over the stored evidence afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape as html_escape
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from probes import page_scripts as js
from probes.evidence import EvidenceRef, EvidenceStore
from probes.matching import TIER_NAMES, Candidate, Pick, passed_over, pick, score
from probes.model import Capture, ProbeResult, Step
from probes.outcomes import Outcome
from probes.politeness import HostGate
from probes.profiles import Profile, ProfileStep
from probes.scenarios import Matter

UNREACHABLE = (
    "ERR_CONNECTION_REFUSED", "ERR_NAME_NOT_RESOLVED", "ERR_ADDRESS_UNREACHABLE",
    "ERR_INTERNET_DISCONNECTED", "ERR_CONNECTION_RESET", "ERR_EMPTY_RESPONSE",
    "ERR_CONNECTION_CLOSED", "ERR_CONNECTION_ABORTED", "ERR_CONNECTION_FAILED",
    "ERR_NAME_RESOLUTION_FAILED", "ERR_CONTENT_LENGTH_MISMATCH", "ERR_INCOMPLETE_CHUNKED_ENCODING",
    "ERR_NETWORK_ACCESS_DENIED", "ERR_PROXY_CONNECTION_FAILED", "ERR_TUNNEL_CONNECTION_FAILED",
    "ERR_SOCKET_NOT_CONNECTED", "ERR_NETWORK_CHANGED", "ERR_INVALID_RESPONSE",
)  # fmt: skip
TIMED_OUT = ("ERR_TIMED_OUT", "ERR_CONNECTION_TIMED_OUT")
CHALLENGE_STATUSES = (412, 521)
MAINTENANCE = re.compile(r"(系统维护|维护中|升级维护|暂停服务|系统升级|停机维护)")
CAPTCHA = re.compile(r"(请输入验证码|滑动验证|拖动滑块|人机验证|安全验证)")
# link texts of a portal's general directories, tried after those naming the matter's field
DIRECTORY_WORDS = ("按部门", "按主题", "部门", "主题", "分类", "个人办事", "法人办事", "个人服务",
                   "法人服务", "事项清单", "服务事项", "办事指南")  # fmt: skip
LOGIN_HINT = re.compile(r"(login|signin|sso|auth|passport|uc/)", re.I)


class PortalFailure(Exception):
    """The portal, not the probe, stopped the journey: carries the outcome and reason."""

    def __init__(self, outcome: Outcome, reason: str):
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason


def classify_error(exc: BaseException) -> tuple[Outcome, str]:
    """Map an exception met while walking to an outcome. Unknown errors are ours."""
    if isinstance(exc, PortalFailure):
        return exc.outcome, exc.reason
    if isinstance(exc, PlaywrightTimeout):
        return Outcome.TIMEOUT, "页面在限定时间内未响应: " + str(exc).splitlines()[0][:160]
    message = str(exc)
    if isinstance(exc, PlaywrightError):
        for code in TIMED_OUT:
            if code in message:
                return Outcome.TIMEOUT, f"net::{code}"
        for code in UNREACHABLE:
            if code in message:
                return Outcome.PORTAL_UNREACHABLE, f"net::{code}"
        if "ERR_CERT" in message or "ERR_SSL" in message:
            code = re.search(r"ERR_\w+", message)
            return (
                Outcome.PORTAL_ERROR,
                f"certificate or TLS error: {code.group(0) if code else message[:80]}",
            )
    tb = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return Outcome.PROBE_ERROR, tb[:400]


@dataclass
class JourneyConfig:
    nav_timeout_ms: int = 20_000
    matter_timeout_s: float = 120.0
    settle_max_ms: int = 6_000
    max_result_pages: int = 3
    max_categories: int = 4
    link_checks: int = 20
    link_timeout_ms: int = 8_000
    step_screenshots: bool = True  # viewport screenshots of key steps (jpeg)
    jpeg_quality: int = 50
    guide_screenshot_max_height: int = 4_000


@dataclass
class _Trace:
    """What one matter's walk has recorded so far."""

    steps: list[Step] = field(default_factory=list)
    trail: list[str] = field(default_factory=list)

    def add(self, action, matched, url, started, screenshot=None, note="") -> None:
        ms = int((time.monotonic() - started) * 1000)
        self.steps.append(Step(len(self.steps) + 1, action, matched, url, ms, screenshot, note))
        if url and (not self.trail or self.trail[-1] != url):
            self.trail.append(url)


@dataclass(frozen=True)
class _Mark:
    pages: frozenset[Page]
    url: str
    requests: int


@dataclass(frozen=True)
class _Found:
    """A guide page reached, and how."""

    page: Page
    pick: Pick
    found_by: str  # search | navigation
    query: str | None
    candidates: tuple[str, ...]  # the titles listed beside it
    choice: dict = field(default_factory=dict)  # what was picked, why, and what was passed over


@dataclass(frozen=True)
class _Seen:
    """The best result a search listed that was not an exact match: accepted only after the
    other results and the aliases have been searched for an exact one."""

    pick: Pick
    query: str
    page_no: int  # the result page (or scroll) it was listed on, 1-based
    candidates: tuple[str, ...]
    choice: dict


class PortalWalker:
    """The browser machinery every journey shares: arriving past a script challenge and
    overlays, settling, following clicks into new tabs, listing links, screenshots."""

    def __init__(
        self,
        context: BrowserContext,
        evidence: EvidenceStore,
        portal_url: str,
        channel: str,
        *,
        profile: Profile | None = None,
        city_name: str | None = None,
        config: JourneyConfig | None = None,
        gate: HostGate | None = None,
    ):
        self.context = context
        self.gate = gate  # the round's per-host limit, for requests made outside pages
        self.evidence = evidence
        self.portal_url = portal_url
        self.channel = channel
        self.profile = profile
        self.city_name = city_name or ""
        self.config = config or JourneyConfig()
        self._doc_status: dict[Page, int | None] = {}
        self._inflight: dict[Page, int] = {}
        self._requests: dict[Page, int] = {}
        self._navigating: dict[Page, bool] = {}
        # what the page was (url, requests made) when it last settled: settling again with
        # nothing new since is skipped (see _settle's ``unless_settled``)
        self._settled: dict[Page, tuple[str, int]] = {}
        # the arrival screenshots taken, by (url, visible text): an identical arrival (the
        # next matter of the same journey) keeps the earlier one instead of taking another
        self._arrival_shots: dict[tuple[str, str], EvidenceRef] = {}
        self._timers_counted = False

    async def _new_page(self) -> Page:
        if not self._timers_counted:  # every page of the context, tabs it opens included
            await self.context.add_init_script(js.PENDING_TIMERS)
            self._timers_counted = True
        page = await self.context.new_page()
        self._watch(page)
        return page

    def _watch(self, page: Page) -> None:
        """Count the page's requests (all, and in flight) and note a pending navigation, so
        that settling can tell a page still loading from one that is done."""
        if page in self._inflight:
            return
        self._inflight[page] = 0
        self._requests[page] = 0
        self._navigating[page] = False

        def started(request):
            self._inflight[page] = self._inflight.get(page, 0) + 1
            self._requests[page] = self._requests.get(page, 0) + 1
            if request.is_navigation_request() and request.frame == page.main_frame:
                self._navigating[page] = True

        def ended(request):
            self._inflight[page] = max(0, self._inflight.get(page, 0) - 1)
            failed_navigation = request.is_navigation_request() and request.failure is not None
            if failed_navigation and request.frame == page.main_frame:
                self._navigating[page] = False

        def response(resp):
            if resp.request.is_navigation_request() and resp.frame == page.main_frame:
                self._doc_status[page] = resp.status

        def navigated(frame):
            if frame == page.main_frame:
                self._navigating[page] = False

        page.on("request", started)
        page.on("requestfinished", ended)
        page.on("requestfailed", ended)
        page.on("response", response)
        page.on("framenavigated", navigated)

    async def _close_pages(self, keep: Page | None = None) -> None:
        """Close the context's pages, but ``keep`` (left open for the next walk)."""
        for page in list(self.context.pages):
            if page is keep:
                continue
            with contextlib.suppress(PlaywrightError):
                await page.close()
            for seen in (self._inflight, self._requests, self._navigating):
                seen.pop(page, None)
        self._doc_status.clear()
        self._settled.clear()

    async def _arrive(self, page: Page, trace: _Trace) -> None:
        started = time.monotonic()
        # the status is noted by the page's response handler (_watch): a script challenge may
        # already have reloaded the page by the time goto returns the first answer
        await page.goto(
            self.portal_url, wait_until="domcontentloaded", timeout=self.config.nav_timeout_ms
        )
        await self._pass_challenge(page)  # settles the page it lands on
        await self._check_portal(page)
        shot, note = await self._arrival_shot(page)
        trace.add("goto", self.portal_url, page.url, started, shot, note=note)
        await self._dismiss_overlays(page, trace)
        steps = (
            (self.profile.mobile_arrival if self.channel == "mobile" else self.profile.arrival)
            if self.profile
            else ()
        )
        for step in steps:
            await self._profile_step(page, step.render(city=self.city_name), trace)

    async def _pass_challenge(self, page: Page) -> None:
        """A script-challenge firewall answers 412/521 and sets a cookie by script; a browser
        passes after the page reloads itself. Wait for that, then try once more."""
        for attempt in range(2):
            for _ in range(60):
                if self._doc_status.get(page) not in CHALLENGE_STATUSES:
                    await self._settle(page, unless_settled=True)
                    return
                await asyncio.sleep(0.1)
            if attempt == 0:
                await page.goto(
                    page.url, wait_until="domcontentloaded", timeout=self.config.nav_timeout_ms
                )
        raise PortalFailure(
            Outcome.BLOCKED,
            f"firewall: HTTP {self._doc_status.get(page)} script challenge not passed",
        )

    async def _check_portal(self, page: Page) -> None:
        status = self._doc_status.get(page)
        if status is not None and status >= 500:
            raise PortalFailure(Outcome.PORTAL_ERROR, f"HTTP {status}")
        text = await self._text(page, 2000)
        found = MAINTENANCE.search(text)
        if found and len(text) < 1500:
            # a notice that mentions an upgrade is not a maintenance page: that page is a dead end
            links = await page.evaluate("() => document.querySelectorAll('a[href], input').length")
            if links < 5:
                raise PortalFailure(Outcome.PORTAL_ERROR, "maintenance page: " + found.group(0))
        if status is not None and status >= 400 and status not in CHALLENGE_STATUSES:
            raise PortalFailure(Outcome.PORTAL_ERROR, f"HTTP {status}")

    async def _text(self, page: Page, limit: int = 5000) -> str:
        try:
            return (await page.evaluate("() => document.body ? document.body.innerText : ''"))[
                :limit
            ]
        except PlaywrightError:
            return ""

    async def _settle(self, page: Page, *, unless_settled: bool = False) -> None:
        """Wait until a pending navigation has landed, no request is in flight and the text
        stops changing (XHR-filled pages).

        ``unless_settled``: return at once when the page has settled before and has neither
        navigated nor made a request since: for a second look right after a settle, with no
        click or key in between (after following a click, then checking for a challenge)."""
        if (
            unless_settled
            and not self._navigating.get(page)
            and self._inflight.get(page, 0) == 0
            and self._settled.get(page) == (page.url, self._requests.get(page, 0))
        ):
            return
        navigation_deadline = time.monotonic() + self.config.nav_timeout_ms / 1000
        while self._navigating.get(page) and time.monotonic() < navigation_deadline:
            await asyncio.sleep(0.05)
        deadline = time.monotonic() + self.config.settle_max_ms / 1000
        with contextlib.suppress(PlaywrightTimeout):
            await page.wait_for_load_state("domcontentloaded", timeout=self.config.nav_timeout_ms)
        last, stable = -1, 0
        while time.monotonic() < deadline:
            try:
                length, timers = await page.evaluate(js.SETTLE_STATE)
            except PlaywrightError:  # navigating: the context was destroyed, look again
                await asyncio.sleep(0.1)
                continue
            # quiet: no request in flight and no short timer about to fetch or render
            quiet = self._inflight.get(page, 0) == 0 and timers == 0
            stable = stable + 1 if (length == last and quiet) else 0
            if stable >= 2:
                self._settled[page] = (page.url, self._requests.get(page, 0))
                return
            last = length
            await asyncio.sleep(0.12)

    async def _arrival_shot(self, page: Page) -> tuple[EvidenceRef | None, str]:
        """The arrival's screenshot, and a note when it is the one of an identical earlier
        arrival in this journey (same address, same visible text): the next matter arrives
        at the same home page, and taking it again costs time and shows nothing new."""
        if not self.config.step_screenshots:
            return None, ""
        key = (page.url, await self._text(page, 20_000))
        earlier = self._arrival_shots.get(key)
        if earlier is not None:
            return earlier, "screenshot: the identical earlier arrival's"
        shot = await self._shot(page)
        if shot is not None:
            self._arrival_shots[key] = shot
        return shot, ""

    async def _shot(self, page: Page) -> EvidenceRef | None:
        if not self.config.step_screenshots:
            return None
        try:
            data = await page.screenshot(
                type="jpeg", quality=self.config.jpeg_quality, timeout=5000
            )
        except PlaywrightError:
            return None
        return self.evidence.put(data, "image/jpeg")

    async def _dismiss_overlays(self, page: Page, trace: _Trace) -> None:
        for _ in range(3):
            try:
                count = await page.evaluate(js.MARK_OVERLAYS)
            except PlaywrightError:
                return
            if not count:
                return
            started = time.monotonic()
            overlay = page.locator("[data-govprobe-overlay]").first
            for box in await overlay.locator("input[type=checkbox]").all():
                if await box.is_visible() and not await box.is_checked():
                    await box.check(timeout=3000)
            button = overlay.get_by_text(
                re.compile(
                    r"^\s*(我知道了|知道了|我已阅读|同意并继续|同意|接受|接受全部|确定|确认|进入|继续|"
                    r"关闭|×|✕|跳过\s*[(（]?\d*\s*[sS秒]?[)）]?|\d+\s*[sS秒]?\s*跳过)\s*$"
                )
            )
            if await button.count() == 0:
                button = overlay.locator("button, [role=button], .close, [class*=close]")
            if await button.count() == 0:
                return
            try:
                label = (await button.first.inner_text(timeout=2000)).strip() or "close"
                await button.first.click(timeout=5000)
            except PlaywrightError:
                # gone by itself meanwhile (a splash that counts down), or covered: look again
                await page.wait_for_timeout(150)
                continue
            await page.wait_for_timeout(150)
            trace.add("dismiss_overlay", label, page.url, started)

    async def _profile_step(self, page: Page, step: ProfileStep, trace: _Trace) -> None:
        started = time.monotonic()
        args = step.args
        optional = bool(args.get("optional"))
        try:
            match step.action:
                case "goto":
                    await page.goto(str(args["url"]), wait_until="domcontentloaded")
                    await self._pass_challenge(page)
                case "click_text":
                    target = page.get_by_text(
                        str(args["text"]), exact=bool(args.get("exact", True))
                    ).filter(visible=True)
                    if optional and not await target.count():
                        trace.add(
                            step.action, str(dict(args)), page.url, started, note="nothing to click"
                        )
                        return
                    await target.first.click(timeout=3000 if optional else 10000)
                case "click":
                    await page.locator(str(args["selector"])).first.click(
                        timeout=3000 if optional else 10000
                    )
                case "fill":
                    await page.locator(str(args["selector"])).first.fill(str(args["value"]))
                case "press":
                    await page.keyboard.press(str(args["key"]))
                case "wait":
                    await page.wait_for_timeout(int(args["ms"]))
                case "dismiss_overlays":
                    await self._dismiss_overlays(page, trace)
                    return
        except (PlaywrightTimeout, PlaywrightError):
            if optional:
                trace.add(
                    step.action, str(dict(args)), page.url, started, note="optional step skipped"
                )
                return
            raise
        await self._settle(page)
        trace.add(step.action, str(dict(args)), page.url, started)

    async def _back_home(self, page: Page, trace: _Trace) -> Page:
        for other in list(self.context.pages):
            if other is not page:
                await other.close()
        await self._arrive(page, trace)
        return page

    # -- search ---------------------------------------------------------------------------

    def _mark(self, page: Page) -> _Mark:
        """What a click is compared with afterwards: taken before the click, since a page may
        navigate or fetch before the click call returns."""
        return _Mark(frozenset(self.context.pages), page.url, self._requests.get(page, 0))

    async def _follow(self, page: Page, before: _Mark, *, expect_tab: bool = False) -> Page:
        """After a click: switch to a tab it opened (waiting for it when the link said
        ``target=_blank``), else wait for this page's navigation or requests to settle."""
        url, requests = before.url, before.requests
        deadline = time.monotonic() + (10.0 if expect_tab else 1.5)
        while time.monotonic() < deadline:
            opened = [p for p in self.context.pages if p not in before.pages]
            if opened:
                page = opened[-1]
                self._watch(page)
                await page.wait_for_load_state(
                    "domcontentloaded", timeout=self.config.nav_timeout_ms
                )
                break
            if page.url != url or self._navigating.get(page):
                break
            if not expect_tab and self._requests.get(page, 0) != requests:
                break
            await asyncio.sleep(0.05)
        await self._settle(page)
        return page

    async def _links(self, page: Page) -> list[tuple[object, dict]]:
        """Links in the page and its frames: (frame, {i, text, href, target})."""
        found = []
        for frame in page.frames:
            try:
                items = await frame.evaluate(js.LIST_LINKS)
            except PlaywrightError:
                continue
            found.extend((frame, item) for item in items)
        return found


class GuideJourney(PortalWalker):
    """One portal on one channel, in one browser context: walks each matter in turn."""

    _tab: Page | None = None  # the tab each walk starts in, kept from one walk to the next

    # -- public ---------------------------------------------------------------------------

    async def walk(self, matter: Matter, *, city: str | None, scenario: str) -> ProbeResult:
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        t0 = time.monotonic()
        trace = _Trace()
        capture = None
        extra: dict = {}
        outcome = Outcome.PROBE_ERROR  # until the walk says otherwise
        try:
            capture, extra = await asyncio.wait_for(
                self._walk(matter, trace), timeout=self.config.matter_timeout_s
            )
            if capture is None:
                outcome, reason = Outcome.GUIDE_MISSING, extra.pop("reason")
            else:
                outcome, reason = Outcome.OK, f"found by {capture.found_by}"
        except TimeoutError:
            # the whole walk ran out of time: say so, with the last page it was on (it may be
            # a slow portal or a walk with too many steps; a retry confirms which)
            last = trace.steps[-1].url if trace.steps else self.portal_url
            outcome = Outcome.TIMEOUT
            reason = f"journey exceeded {self.config.matter_timeout_s:.0f} s (last page {last})"
        except Exception as exc:  # every failure becomes an outcome, never a crash of the round
            outcome, reason = classify_error(exc)
        finally:
            # the walk's first tab stays open for the next matter (a citizen's next search
            # starts from the same tab; opening a tab costs a renderer): only after a walk
            # that ended well, so a hung or broken page is never walked again
            walked_well = outcome in (Outcome.OK, Outcome.GUIDE_MISSING)
            await self._close_pages(keep=self._tab if walked_well else None)
            if not walked_well:
                self._tab = None
        return ProbeResult(
            city=city,
            scenario=scenario,
            matter=matter.id,
            channel=self.channel,
            portal_url=self.portal_url,
            outcome=outcome,
            reason=reason,
            started_at=started_at,
            seconds=round(time.monotonic() - t0, 2),
            steps=tuple(trace.steps),
            capture=capture,
            extra=extra,
        )

    # -- the walk -------------------------------------------------------------------------

    async def _walk(self, matter: Matter, trace: _Trace) -> tuple[Capture | None, dict]:
        if self._tab is None or self._tab.is_closed():
            self._tab = await self._new_page()
        page = self._tab
        await self._arrive(page, trace)
        tried: list[str] = []
        found: _Found | None = None
        seen: _Seen | None = None  # the best partial match so far, over every query
        for query in matter.queries:
            if tried:
                page = await self._back_home(page, trace)
            tried.append(query)
            result = await self._search(page, matter, query, trace)
            if isinstance(result, _Found):
                found = result
                break
            if result is not None and (seen is None or result.pick.key > seen.pick.key):
                seen = result
        if found is None:
            # nothing exact in any search: the categories may list it (a guide the site search
            # misses); the best search result is taken only when they list nothing better
            found = await self._navigate(page, matter, trace)
            if seen is not None and (found is None or found.pick.key < seen.pick.key):
                found = await self._reopen(page, matter, seen, trace) or found
        if found is None:
            reason = f"未找到办事指南: 搜索 {'、'.join(tried)} 均无匹配结果, 按分类导航亦未找到"
            return None, {"reason": reason, "queries": tried}
        return await self._capture(found, trace)

    async def _type_search(self, page: Page, query: str, trace: _Trace) -> Page | None:
        """Type the query into the site search and submit it; the page the results are on, or
        None when the portal shows no search box. A read-only search bar (a phone portal's
        fake one that opens the search page) is clicked first, as a person taps it."""
        started = time.monotonic()
        described = await page.evaluate(js.MARK_SEARCH)
        if described and described.startswith("readonly:"):
            before = self._mark(page)
            with contextlib.suppress(PlaywrightError):
                await page.locator("[data-govprobe-search='1']").first.click(timeout=5000)
            page = await self._follow(page, before)
            trace.add("open_search", described.removeprefix("readonly:"), page.url, started)
            started = time.monotonic()
            described = await page.evaluate(js.MARK_SEARCH)
            if described and described.startswith("readonly:"):
                described = None
        if not described:
            trace.add("search", "no search box", page.url, started, note="未发现站内搜索")
            return None
        box = page.locator("[data-govprobe-search='1']").first
        await box.click(timeout=5000)
        await box.fill(query, timeout=5000)
        before = self._mark(page)
        button = page.locator("[data-govprobe-search='button']")
        if await button.count():
            await button.first.click(timeout=5000)
        else:
            await box.press("Enter")
        page = await self._follow(page, before)
        await self._pass_challenge(page)
        await self._dismiss_overlays(page, trace)
        trace.add("search", f"{described} ← {query}", page.url, started, await self._shot(page))
        return page

    async def _search(
        self, page: Page, matter: Matter, query: str, trace: _Trace
    ) -> _Found | _Seen | None:
        results = await self._type_search(page, query, trace)
        if results is None:
            return None
        return await self._pick_across_pages(results, matter, trace, "search", query)

    async def _reopen(
        self, page: Page, matter: Matter, seen: _Seen, trace: _Trace
    ) -> _Found | None:
        """Open the best partial match after all, when no exact one was listed anywhere: search
        its query again, go to the page it was on and open it by its title."""
        page = await self._back_home(page, trace)
        results = await self._type_search(page, seen.query, trace)
        if results is None:
            return None
        for page_no in range(1, seen.page_no + 1):
            if page_no > 1 and not await self._next_page(results):
                return None
            for frame, item in await self._links(results):
                if item["text"] == seen.pick.candidate.text:
                    guide_page = await self._open(results, (frame, item), trace, seen.pick)
                    return _Found(guide_page, seen.pick, "search", seen.query, seen.candidates,
                                  seen.choice)  # fmt: skip
        return None

    async def _pick_across_pages(
        self, page: Page, matter: Matter, trace: _Trace, found_by: str, query: str | None
    ) -> _Found | _Seen | None:
        """Look for the matter among the links listed here, then on the next pages (or further
        down a list that loads as it is scrolled). An exact match is opened at once. Otherwise,
        in search results, the best match of all the pages is returned as seen (the aliases
        are searched before it is accepted); in a category list, where there are no aliases
        to try, the best of the first page that lists the matter at all is opened."""
        best: _Seen | None = None
        for page_no in range(1, self.config.max_result_pages + 1):
            started = time.monotonic()
            listed = await self._pick_on_page(page, matter)
            if listed:
                chosen, frame_link, candidates, choice = listed
                choice |= {"query": query, "page": page_no}
                if chosen.exact or found_by == "navigation":
                    guide_page = await self._open(page, frame_link, trace, chosen)
                    return _Found(guide_page, chosen, found_by, query, candidates, choice)
                if best is None or chosen.key > best.pick.key:
                    best = _Seen(chosen, query or "", page_no, candidates, choice)
            if page_no == self.config.max_result_pages or not await self._next_page(page):
                break
            trace.add("next_page", f"第{page_no + 1}页", page.url, started)
        return best

    async def _pick_on_page(self, page: Page, matter: Matter):
        """(pick, (frame, link), the titles listed, the choice's record) when the matter is
        among the links here."""
        links = await self._links(page)
        # results: links that resemble the matter at all (decoys too), in page order
        relevant = [
            (f, item) for f, item in links if score(matter, item["text"], decoys=True) >= 50
        ]
        candidates = [Candidate(item["text"], n) for n, (_f, item) in enumerate(relevant)]
        chosen = pick(matter, candidates)
        if not chosen:
            return None
        listed = tuple(c.text for c in candidates)[:20]
        choice = {
            "picked": chosen.candidate.text,
            "match": TIER_NAMES.get(chosen.tier, ""),
            "why": chosen.why,
            "rank": chosen.rank,
            "passed_over": passed_over(matter, candidates[:20], chosen),
        }
        return chosen, relevant[chosen.candidate.index], listed, choice

    async def _next_page(self, page: Page) -> bool:
        """Show the next results: the pager's next control (in the page or a frame), else, with
        no pager, scroll down as a person does where a list loads more as it is scrolled. True
        when the page now shows something it did not."""
        before = await self._text(page, 100000)
        pager = False
        for frame in page.frames:
            try:
                found = await frame.evaluate(js.MARK_NEXT_PAGE)
            except PlaywrightError:
                continue
            if found == "disabled":
                return False
            if found == "marked":
                pager = True
                try:
                    await frame.locator("[data-govprobe-next='1']").first.click(timeout=5000)
                except PlaywrightError:
                    return False
                break
        if not pager:
            try:
                scrolled = await page.evaluate(js.SCROLL_LISTS)
            except PlaywrightError:
                return False
            if not scrolled:
                return False
            await asyncio.sleep(0.3)  # a list that loads on scroll fetches after the event
        await self._settle(page)
        return await self._text(page, 100000) != before

    async def _open(self, page: Page, frame_link, trace: _Trace, chosen: Pick) -> Page:
        started = time.monotonic()
        frame, item = frame_link
        locator = frame.locator(f"[data-govprobe-link='{item['i']}']").first
        before = self._mark(page)
        await locator.click(timeout=8000)
        page = await self._follow(page, before, expect_tab=item.get("target") == "_blank")
        await self._pass_challenge(page)
        await self._check_portal(page)
        note = "new tab" if page not in before.pages else ""
        trace.add(
            "open_result",
            f"#{chosen.rank} {chosen.candidate.text} ({chosen.score:.0f})",
            page.url,
            started,
            note=note,
        )
        return page

    # -- navigation by category -----------------------------------------------------------

    async def _navigate(self, page: Page, matter: Matter, trace: _Trace) -> _Found | None:
        """From the home page, follow category links (部门, 主题, ...) that name the matter's
        field, and one level below them, looking for the matter on each list."""
        directory = (*(self.profile.categories if self.profile else ()), *DIRECTORY_WORDS)
        words = (matter.category, directory)
        visited: set[tuple[str, str]] = set()
        for _ in range(self.config.max_categories):
            page = await self._back_home(page, trace)
            category = await self._open_category(page, words, visited, trace)
            if category is None:
                return None
            found = await self._pick_across_pages(category, matter, trace, "navigation", None)
            if found:
                return found
            below = await self._open_category(category, words, visited, trace)
            if below is not None:
                found = await self._pick_across_pages(below, matter, trace, "navigation", None)
                if found:
                    return found
        return None

    async def _open_category(
        self,
        page: Page,
        words: tuple[tuple[str, ...], tuple[str, ...]],
        visited: set[tuple[str, str]],
        trace: _Trace,
    ) -> Page | None:
        """Click the best category link not yet visited: one naming the matter's field (社会保障,
        卫生健康, ...) before a general directory (按部门, 按主题, ...). Returns the page it
        leads to (the same page when it only opened a collapsed branch of a tree), or None."""
        specific, directory = words
        ranked = []
        for frame, item in await self._links(page):
            text = item["text"]
            if len(text) > 14 or (item["href"], text) in visited:
                continue
            if any(w in text for w in specific):
                ranked.append((0, frame, item))
            elif any(w in text for w in directory):
                ranked.append((1, frame, item))
        for _rank, frame, item in sorted(ranked, key=lambda r: r[0]):
            visited.add((item["href"], item["text"]))
            started = time.monotonic()
            before = self._mark(page)
            try:
                await frame.locator(f"[data-govprobe-link='{item['i']}']").first.click(timeout=5000)
            except PlaywrightError:
                continue
            current = await self._follow(page, before)
            trace.add("navigate_category", item["text"], current.url, started)
            return current
        return None

    # -- capture --------------------------------------------------------------------------

    async def _expand(self, page: Page, trace: _Trace) -> list[tuple[str, str]]:
        """Open tabs and collapsed sections; return the page's states after each click, as
        (html, text) pairs, so content that a tab replaced (a framework that renders only the
        active tab) can be kept. A click that leads to another page (a section that is a
        sub-page) is kept as that page's state, and the walk comes back and goes on."""
        started = time.monotonic()
        snapshots: list[tuple[str, str]] = []
        try:
            count = await page.evaluate(js.MARK_EXPANDERS)
        except PlaywrightError:
            return snapshots
        if not count:
            return snapshots
        url = page.url
        done = 0  # expanders clicked, counted from the bottom (see below)
        while done < min(count, 40):
            targets = await page.locator("[data-govprobe-expand]").all()
            if not targets:
                break
            # bottom up: a section that opens over the headers below it has then hidden nothing
            target = list(reversed(targets[:40]))[done] if done < len(targets[:40]) else None
            done += 1
            if target is None:
                break
            requests = self._requests.get(page, 0)
            try:
                if not await target.is_visible():
                    continue
                try:
                    await target.click(timeout=500, no_wait_after=True)
                except PlaywrightTimeout:
                    # covered (a fixed bar on a phone layout, say): opening a section needs no
                    # trusted click, so let the page's own handler run
                    await target.evaluate("e => e.click()")
            except PlaywrightError:
                continue
            await asyncio.sleep(0.05)
            if page.url != url:  # it led to a sub-page: keep what it shows, then come back
                await self._settle(page)
                with contextlib.suppress(PlaywrightError):
                    snapshots.append(await page.evaluate(js.BODY_SNAPSHOT))
                if not await self._back_to(page, url):
                    break
                with contextlib.suppress(PlaywrightError):
                    await page.evaluate(js.MARK_EXPANDERS)  # marks were lost with the page
                continue
            if await self._busy(page, requests):
                await self._settle(page)  # the section loads its content: wait for it
            with contextlib.suppress(PlaywrightError):
                snapshots.append(await page.evaluate(js.BODY_SNAPSHOT))
        trace.add("expand", f"{count} tabs/sections", page.url, started)
        return snapshots

    async def _busy(self, page: Page, requests: int) -> bool:
        """Whether a page is still doing something since ``requests`` were counted: a request
        made or in flight, a navigation, or a short timer about to fetch or render."""
        if self._requests.get(page, 0) != requests or self._navigating.get(page):
            return True
        try:
            _length, timers = await page.evaluate(js.SETTLE_STATE)
        except PlaywrightError:
            return True
        return timers > 0 or self._inflight.get(page, 0) > 0

    async def _back_to(self, page: Page, url: str) -> bool:
        """Return to ``url`` after a sub-page: Back as a person does (a single-page portal keeps
        its state), else load it again. False when neither gets there."""
        with contextlib.suppress(PlaywrightError):
            await page.go_back(wait_until="domcontentloaded", timeout=self.config.nav_timeout_ms)
        await self._settle(page)
        if page.url != url:
            try:
                await page.goto(
                    url, wait_until="domcontentloaded", timeout=self.config.nav_timeout_ms
                )
            except PlaywrightError:
                return False
            await self._settle(page)
        return page.url == url

    async def _subpages(self, page: Page, trace: _Trace) -> list[tuple[str, str, str]]:
        """Follow the guide's entries to its sub-pages (申请材料（3） >, a 查看详情 beside 办理流程)
        and keep what each shows, as (url, html, text): the materials of many phone portals are
        only there. The walk comes back to the guide after each."""
        from probes.extract import load_elements

        catalog = load_elements()
        actions = {_squash_label(t) for t in catalog.online_apply_texts}
        labels = [label for label in catalog.label_map if label not in actions]
        try:
            entries = await page.evaluate(js.MARK_SUBPAGES, labels)
        except PlaywrightError:
            return []
        kept: list[tuple[str, str, str]] = []
        url = page.url
        for entry in entries[:4]:
            started = time.monotonic()
            locator = page.locator(f"[data-govprobe-sub='{entry['i']}']").first
            before = self._mark(page)
            try:
                if not await locator.count():  # the marks went with a page we came back to
                    await page.evaluate(js.MARK_SUBPAGES, labels)
                await locator.click(timeout=3000)
            except PlaywrightError:
                continue
            sub = await self._follow(page, before, expect_tab=entry.get("target") == "_blank")
            if sub is page and page.url == url:
                continue  # it opened nothing new (a tab of this page: the expansion saw it)
            await self._pass_challenge(sub)
            with contextlib.suppress(PlaywrightError):
                await sub.evaluate(js.MARK_EXPANDERS)
                for section in (await sub.locator("[data-govprobe-expand]").all())[:12]:
                    with contextlib.suppress(PlaywrightError):
                        await section.click(timeout=500, no_wait_after=True)
                await self._settle(sub)
                html, text = await sub.evaluate(js.BODY_SNAPSHOT)
                kept.append((sub.url, html, text))
            trace.add("open_subpage", f"{entry['label']}: {entry['text']}", sub.url, started)
            if sub is not page:
                with contextlib.suppress(PlaywrightError):
                    await sub.close()
            elif not await self._back_to(page, url):
                break
        return kept

    async def _capture(self, found: _Found, trace: _Trace) -> tuple[Capture, dict]:
        page, chosen = found.page, found.pick
        await self._settle(page, unless_settled=True)
        snapshots = await self._expand(page, trace)
        started = time.monotonic()
        html = await page.content()
        final_text = {
            line.strip() for line in (await page.evaluate(js.BODY_SNAPSHOT))[1].splitlines()
        }
        shot = await self._guide_screenshot(page)
        guide_url = page.url
        # a tab may replace the panel it shows: keep, hidden, each state that held text the
        # final page no longer has (tabs that only show and hide panels add nothing)
        from probes.extract import is_link_only

        kept = []
        for snapshot_html, text in snapshots:
            lines = {line.strip() for line in text.splitlines()} - {""}
            # a toggle's own label (展开 -> 收起) is not content worth a copy of the page; a
            # short value (不收费, 0次) is
            if any(not is_link_only(line) for line in lines - final_text):
                kept.append(
                    f'<div hidden data-govprobe-snapshot="{len(kept)}">{snapshot_html}</div>'
                )
                final_text |= lines
        for sub_url, sub_html, _text in await self._subpages(page, trace):
            kept.append(
                f'<div hidden data-govprobe-snapshot="{len(kept)}" '
                f'data-govprobe-subpage="{html_escape(sub_url)}">{sub_html}</div>'
            )
        if kept:
            extra_html = "".join(kept)
            html = (
                html.replace("</body>", extra_html + "</body>")
                if "</body>" in html
                else html + extra_html
            )
        html_ref = self.evidence.put(html.encode("utf-8"), "text/html")
        title = chosen.candidate.text
        trace.add("capture", title, guide_url, started, shot)
        extra: dict = {"choice": found.choice} if found.choice else {}
        apply_url, extra["online_apply"] = await self._online_apply(page, trace)
        extra["links"] = await self._check_links(guide_url, html)
        capture = Capture(
            url=guide_url,
            title=title,
            html=html_ref,
            screenshot=shot,
            found_by=found.found_by,
            query=found.query,
            rank=chosen.rank,
            candidates=found.candidates,
            url_trail=tuple(trace.trail),
            online_apply_url=apply_url,
        )
        return capture, extra

    async def _guide_screenshot(self, page: Page) -> EvidenceRef | None:
        try:
            height = await page.evaluate("() => document.documentElement.scrollHeight")
            width = page.viewport_size["width"] if page.viewport_size else 1280
            clip = {
                "x": 0,
                "y": 0,
                "width": width,
                "height": min(height, self.config.guide_screenshot_max_height),
            }
            data = await page.screenshot(
                type="jpeg",
                quality=self.config.jpeg_quality,
                full_page=True,
                clip=clip,
                timeout=10000,
            )
        except PlaywrightError:
            return None
        return self.evidence.put(data, "image/jpeg")

    async def _online_apply(self, page: Page, trace: _Trace) -> tuple[str | None, dict | None]:
        """Follow the guide's online-apply entry once: does it lead to an application?
        A login wall counts as reached (a citizen would log in there)."""
        try:
            entries = await page.evaluate(js.ONLINE_APPLY)
        except PlaywrightError:
            return None, None
        entries = [e for e in entries if e["href"].startswith(("http://", "https://"))]
        if not entries:
            return None, {"entry": False}
        started = time.monotonic()
        href = entries[0]["href"]
        probe = await self.context.new_page()
        self._watch(probe)
        info: dict = {"entry": True, "text": entries[0]["text"], "href": href}
        try:
            response = await probe.goto(
                href, wait_until="domcontentloaded", timeout=self.config.nav_timeout_ms
            )
            info["status"] = response.status if response else None
            info["final_url"] = probe.url
            has_password = await probe.locator("input[type=password]").count() > 0
            info["login_wall"] = bool(has_password or LOGIN_HINT.search(urlsplit(probe.url).path))
            info["reached"] = bool(info["status"] and info["status"] < 400)
        except PlaywrightError as exc:
            info["error"] = str(exc).splitlines()[0][:200]
            info["reached"] = False
        finally:
            await probe.close()
        trace.add(
            "online_apply",
            entries[0]["text"],
            info.get("final_url", href),
            started,
            note="login wall" if info.get("login_wall") else "",
        )
        return info.get("final_url"), info

    async def _check_links(self, guide_url: str, html: str) -> list[dict]:
        """Do the guide's form and sample links answer? Bounded in number, size and time; http(s)
        only; a private address is followed only when the portal itself lives there."""
        from probes.extract import extract

        try:  # in a thread: parsing a long guide would stall the other journeys' pages
            links = (await asyncio.to_thread(extract, html, guide_url)).links
        except Exception:  # extraction is judged again later; a failure here costs only checks
            return []
        portal_host = urlsplit(self.portal_url).hostname
        at_once = asyncio.Semaphore(3)  # a few at a time: the portal is a real office

        @contextlib.asynccontextmanager
        async def slot(url: str):
            async with at_once:
                if self.gate is None:
                    yield
                else:
                    async with self.gate.slot(url):
                        yield

        async def check(url: str) -> dict:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https"):
                return {"url": url, "status": None, "note": "not http(s)"}
            if not _allowed_host(parts.hostname, portal_host):
                return {"url": url, "status": None, "note": "private address refused"}
            async with slot(url):
                try:
                    resp = await self.context.request.get(
                        url,
                        timeout=self.config.link_timeout_ms,
                        max_redirects=3,
                        headers={"Range": "bytes=0-65535"},
                    )
                except PlaywrightError as exc:
                    return {"url": url, "status": None, "note": str(exc).splitlines()[0][:120]}
                status = resp.status
                await resp.dispose()
                return {"url": url, "status": status}

        urls = list(dict.fromkeys(links))[: self.config.link_checks]
        return list(await asyncio.gather(*(check(url) for url in urls)))


def _squash_label(text: str) -> str:
    return re.sub(r"[\s:：*★]+", "", text)


def _allowed_host(host: str | None, portal_host: str | None) -> bool:
    if not host:
        return False
    if host == portal_host:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host not in ("localhost",) and not host.endswith(
            (".local", ".internal", ".localhost")
        )
    return address.is_global
