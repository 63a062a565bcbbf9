"""The browser machinery every journey shares.

``PortalWalker`` arrives at a portal past a script challenge and notice overlays, lets a page
settle, follows clicks into new tabs, lists links and takes screenshots; ``Trace`` is what one
walk has recorded so far (its steps and URL trail); ``JourneyConfig`` bounds a walk in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from probes.model import EvidenceRef, Step
from probes.net.gate import HostGate
from probes.net.signs import CHALLENGE_STATUSES, MAINTENANCE, PortalFailure
from probes.outcomes import Outcome
from probes.plan.profiles import Profile, ProfileStep
from probes.store.evidence import EvidenceStore
from probes.walk import scripts as js


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


def timed(kind: str):
    """Add the time a walker's method takes to ``walker.spent[kind]`` (seconds): where a walk's
    time goes, by kind of work, kept with each probe (``extra["spent_ms"]``) and summed by
    ``python -m bench.round --profile``. Kinds nest (an arrival's time holds its settles)."""

    def wrap(method):
        @functools.wraps(method)
        async def measured(self, *args, **kwargs):
            started = time.monotonic()
            try:
                return await method(self, *args, **kwargs)
            finally:
                self.spent[kind] += time.monotonic() - started

        return measured

    return wrap


@dataclass
class Trace:
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
        self.spent: Counter[str] = Counter()  # seconds by kind of work (``timed``)

    @timed("new_page")
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

    @timed("arrive")
    async def _arrive(self, page: Page, trace: Trace) -> None:
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
            f"防火墙：HTTP {self._doc_status.get(page)} 脚本验证未能通过",
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
                raise PortalFailure(Outcome.PORTAL_ERROR, "维护页面：" + found.group(0))
        if status is not None and status >= 400 and status not in CHALLENGE_STATUSES:
            raise PortalFailure(Outcome.PORTAL_ERROR, f"HTTP {status}")

    async def _text(self, page: Page, limit: int = 5000) -> str:
        try:
            return (await page.evaluate("() => document.body ? document.body.innerText : ''"))[
                :limit
            ]
        except PlaywrightError:
            return ""

    @timed("settle")
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

    @timed("screenshot")
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

    @timed("overlays")
    async def _dismiss_overlays(self, page: Page, trace: Trace) -> None:
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

    async def _profile_step(self, page: Page, step: ProfileStep, trace: Trace) -> None:
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
                            step.action, str(dict(args)), page.url, started, note="没有可点击的元素"
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
                trace.add(step.action, str(dict(args)), page.url, started, note="可选步骤，已跳过")
                return
            raise
        await self._settle(page)
        trace.add(step.action, str(dict(args)), page.url, started)

    async def _back_home(self, page: Page, trace: Trace) -> Page:
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

    @timed("follow")
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
