"""Portal health checks in the browser: load timings, page weight, mobile adaptation, axe.

Part of the hardware checks (硬件支撑, issue 6; ``probes/check/round.py`` runs them). Where a page
must really render, Chromium loads it (through Playwright, in a ``BrowserContext`` the caller
passes in) and reports:

* **timings** from the page's own Navigation Timing (time to first byte, DOMContentLoaded,
  load) and its largest contentful paint (LCP); a script challenge passed on the way counts in
  ``speed_ms``, the time a citizen waits from asking for the page to its largest paint;
* **weight**: bytes transferred for the document and every resource it loaded, and how many;
* **mobile adaptation**, on the H5 site in a phone context 375 px wide: a viewport meta with
  ``width=device-width``, no horizontal scrolling, and readable text (Lighthouse's rule: at
  least 60% of the visible text at 12 px or more);
* **accessibility** with axe-core (``axe-playwright-python`` ships it, no download): the
  violated rules by impact, ``serious`` and ``critical`` being the ones scored;
* whether a **script challenge** (HTTP 412 / 521) was met and passed: how ``protected``
  portals are confirmed to be up.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import asdict, dataclass, field
from importlib.resources import files

from playwright.async_api import Browser, BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from probes.net.browser import new_context
from probes.net.http import notice_says
from probes.net.signs import CHALLENGE_STATUSES, classify_error

MOBILE_WIDTH = 375


MOBILE_VIEWPORT = {"width": MOBILE_WIDTH, "height": 812}


READABLE_PX = 12


READABLE_SHARE = 0.6  # Lighthouse "font-size": legible when >= 60% of the text is >= 12 px


SCORED_IMPACTS = ("critical", "serious")


# What each page is measured with, run in it by ``page.evaluate``: one file per script in js/
# beside this module (package data), its opening comment saying what it returns.
_JS = files("probes.check") / "js"
_NAVIGATION = (_JS / "navigation.js").read_text(encoding="utf-8")
_LCP = (_JS / "lcp.js").read_text(encoding="utf-8")
_TEXT_AND_LINKS = (_JS / "text_and_links.js").read_text(encoding="utf-8")
_MOBILE = (_JS / "mobile.js").read_text(encoding="utf-8")


@dataclass(frozen=True)
class BrowserLimits:
    visit_ms: int = 15_000  # a visit that does not load within 15 s fails (2019 rules)
    challenge_s: float = 8.0  # how long a script challenge may take to reload the page
    axe_s: float = 30.0


@dataclass(frozen=True)
class PageCheck:
    """What the browser saw of one page (a portal's home page or one guide)."""

    url: str
    kind: str  # home | guide
    channel: str  # pc | mobile
    loaded: bool
    error: str = ""
    status: int | None = None  # the final document's HTTP status
    final_url: str | None = None
    challenge: bool = False  # a script challenge answered first
    passed: bool | None = None  # ... and the browser got through it
    maintenance: bool = False
    timings: dict = field(default_factory=dict)  # ttfb / dom_content_loaded / load / lcp, ms
    speed_ms: float | None = None  # asking for the page -> its largest paint (or load)
    bytes: int | None = None
    requests: int | None = None
    mobile: dict | None = None  # viewport_meta, device_width, fits, readable, ...
    axe: dict | None = None  # counts by impact and the scored rules

    def detail(self) -> dict:
        return asdict(self)


def mobile_adaptation(found: dict, width: int = MOBILE_WIDTH) -> dict:
    """Judge the facts ``_MOBILE`` read from a page shown ``width`` px wide."""
    content = (found.get("viewport_meta") or "").replace(" ", "").lower()
    chars, small = found.get("text_chars") or 0, found.get("small_chars") or 0
    return {
        **found,
        "width": width,
        "device_width": "width=device-width" in content,
        "fits": (found.get("scroll_width") or 0) <= width + 1,
        "readable": chars > 0 and (chars - small) / chars >= READABLE_SHARE,
    }


def axe_counts(violations: list[dict]) -> dict:
    """Violated axe rules by impact, and the serious and critical ones by id with node counts."""
    counts = {impact: 0 for impact in ("critical", "serious", "moderate", "minor")}
    scored = {}
    for v in violations:
        impact = v.get("impact") or "minor"
        counts[impact] = counts.get(impact, 0) + 1
        if impact in SCORED_IMPACTS:
            scored[v["id"]] = len(v.get("nodes", ()))
    return {**counts, "scored_rules": scored}


async def new_check_context(browser: Browser, playwright, channel: str) -> BrowserContext:
    """A PC window (as the journeys use) or a phone 375 px wide (the mobile adaptation check):
    ``probes.net.browser.new_context`` with the checks' phone."""
    return await new_context(browser, playwright, channel, phone_viewport=MOBILE_VIEWPORT)


async def _run_axe(page: Page, limits: BrowserLimits) -> dict | None:
    """axe-core's violations on the page; None when axe itself failed (nothing measured)."""
    from axe_playwright_python.async_playwright import Axe

    try:
        results = await asyncio.wait_for(Axe().run(page), timeout=limits.axe_s)
    except (PlaywrightError, TimeoutError):
        return None
    return axe_counts(results.response.get("violations", []))


async def check_page(
    context: BrowserContext,
    url: str,
    *,
    kind: str = "home",
    channel: str = "pc",
    accessibility: bool = True,
    limits: BrowserLimits | None = None,
) -> PageCheck:
    """Load one page in a fresh tab of ``context`` and measure it (module docstring)."""
    limits = limits or BrowserLimits()
    page = await context.new_page()
    statuses: list[int] = []

    def response(resp) -> None:
        if resp.request.is_navigation_request() and resp.frame == page.main_frame:
            statuses.append(resp.status)

    page.on("response", response)
    started_epoch_ms = time.time() * 1000
    try:
        await page.goto(url, wait_until="load", timeout=limits.visit_ms)
        challenge = bool(statuses) and statuses[0] in CHALLENGE_STATUSES
        deadline = time.monotonic() + limits.challenge_s
        while statuses and statuses[-1] in CHALLENGE_STATUSES and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if challenge:
            await page.wait_for_load_state("load", timeout=limits.visit_ms)
        status = statuses[-1] if statuses else None
        passed = (status not in CHALLENGE_STATUSES) if challenge else None
        navigation = await page.evaluate(_NAVIGATION)
        lcp = await page.evaluate(_LCP)
        text, links = await page.evaluate(_TEXT_AND_LINKS)
        final_url = page.url
        shown = status is not None and status < 400 and passed is not False  # a real page
        mobile = None
        if shown and channel == "mobile":
            mobile = mobile_adaptation(await page.evaluate(_MOBILE, READABLE_PX))
        axe = await _run_axe(page, limits) if shown and accessibility else None
    except (PlaywrightError, TimeoutError) as exc:
        _, reason = classify_error(exc)
        return PageCheck(
            url, kind, channel, loaded=False, error=reason,
            status=statuses[-1] if statuses else None,
            challenge=bool(statuses) and statuses[0] in CHALLENGE_STATUSES,
        )  # fmt: skip
    finally:
        with contextlib.suppress(PlaywrightError):
            await page.close()
    painted = lcp if lcp is not None else navigation.get("load_ms")
    waited = max(0.0, (navigation.get("time_origin") or started_epoch_ms) - started_epoch_ms)
    timings = {
        k: round(navigation[k], 1)
        for k in ("ttfb_ms", "dom_content_loaded_ms", "load_ms")
        if navigation.get(k) is not None
    }
    if lcp is not None:
        timings["lcp_ms"] = round(lcp, 1)
    if challenge:
        timings["challenge_ms"] = round(waited, 1)
    return PageCheck(
        url,
        kind,
        channel,
        loaded=shown,
        error="" if status is None or status < 400 else f"HTTP {status}",
        status=status,
        final_url=final_url,
        challenge=challenge,
        passed=passed,
        maintenance=notice_says(" ".join(text.split()), links) is not None,
        timings=timings,
        speed_ms=round(waited + painted, 1) if painted is not None else None,
        bytes=navigation.get("bytes"),
        requests=navigation.get("requests"),
        mobile=mobile,
        axe=axe,
    )
