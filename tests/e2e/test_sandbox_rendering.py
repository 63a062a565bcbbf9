"""Every portal address renders in Chromium, and the guides of the script-rendered and
firewalled archetypes show what the truth says.

Epoint guides are compared field by field in ``tests/unit/test_sandbox_truth_pages.py``; the
other archetypes fill their guides by script, sit behind a script challenge or open in new
tabs, so here a real browser loads each address of the served sandbox and reads the text a
citizen sees, opening each tab and collapsed section (some render only while open) and the
materials sub-page. Element absence on those archetypes is judged by the journey benchmark
(``python -m bench.guides``), which needs the probes' extractor.
"""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from playwright.async_api import async_playwright

from probes.net.browser import find_chromium, launch_options
from tests.support.sandbox_client import run_async

pytestmark = pytest.mark.browser
CONCURRENCY = 6
# no loading indicator is shown (the archetypes' spinners while a section's content is fetched)
LOADED = (
    "() => ![...document.querySelectorAll('.loading, .el-loading-mask, .van-loading')]"
    ".some(e => e.getClientRects().length)"
)
TEXT = (
    "() => { const b = document.body.cloneNode(true);"
    " b.querySelectorAll('script, style').forEach(e => e.remove());"
    " return b.textContent; }"
)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


async def _texts(urls: list[str], mobile: set[str]) -> dict[str, tuple[int | None, str]]:
    """url -> (status of the last document, the page's text once it has settled)."""
    found: dict[str, tuple[int | None, str]] = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(**launch_options(find_chromium()))
        phone = {k: v for k, v in p.devices["Pixel 7"].items() if k != "default_browser_type"}
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(url: str) -> None:
            async with limit:
                context = await browser.new_context(**(phone if url in mobile else {}))
                page = await context.new_page()
                statuses: list[int] = []
                page.on(
                    "response",
                    lambda r: (
                        statuses.append(r.status)
                        if r.request.is_navigation_request() and r.frame == page.main_frame
                        else None
                    ),
                )
                await page.goto(url, wait_until="domcontentloaded", timeout=30_000)
                # script challenges reload the page; client-rendered guides fill in later
                await page.wait_for_load_state("networkidle", timeout=30_000)
                await page.wait_for_function(
                    "() => !document.querySelector('.loading') || "
                    "getComputedStyle(document.querySelector('.loading')).display === 'none'",
                    timeout=30_000,
                )
                status = statuses[-1] if statuses else None
                # textContent: folded sections (更多, 展开) count as shown, scripts do not; a
                # tab or collapse item rendered only while open is opened, one at a time, and
                # a sub-page the guide's 申请材料 entry leads to is read too
                texts = [await page.evaluate(TEXT)]
                for selector in ("[role=tab]", "[aria-expanded=false]"):
                    for handle in await page.query_selector_all(selector):
                        await handle.evaluate("e => e.isConnected && e.click()")
                        await page.wait_for_function(LOADED, timeout=30_000)
                        texts.append(await page.evaluate(TEXT))
                entry = page.locator("[role=button]", has_text=re.compile(r"^\s*申请材料"))
                if await entry.count():
                    await entry.first.evaluate("e => e.click()")
                    await page.wait_for_load_state("domcontentloaded")
                    await page.wait_for_function(LOADED, timeout=30_000)
                    texts.append(await page.evaluate(TEXT))
                found[url] = (status, "\n".join(texts))
                await context.close()

        await asyncio.gather(*(one(u) for u in urls))
        await browser.close()
    return found


@pytest.fixture(scope="module")
def served(sandbox_url):
    with httpx.Client(timeout=30) as client:
        cities = client.get(f"{sandbox_url}/__sandbox/cities").json()
        truths = {c["city_id"]: client.get(f"{sandbox_url}/__sandbox/truth/{c['city_id']}").json()
                  for c in cities}  # fmt: skip
    return cities, truths


def test_every_city_portal_renders_on_pc_and_mobile(served):
    cities, _ = served
    mobile = {c["mobile_url"] for c in cities}
    names: dict[str, set[str]] = {}
    for c in cities:
        for url in (c["pc_url"], c["mobile_url"]):
            names.setdefault(url, set()).add(c["name"])
    texts = run_async(lambda: _texts(sorted(names), mobile))
    for url, city_names in names.items():
        status, text = texts[url]
        assert status == 200, url
        # the citizen's city is named (or offered, on a shared provincial portal)
        assert all(name in text for name in city_names), (url, text[:200])


# Cities read per archetype: its pages are one template filled from each city's truth, so a
# few cities show the template's rendering of every element; the truth's values themselves are
# the unit lane's (tests/unit/test_sandbox_world.py), and bench.guides reads every city's guides.
PER_ARCHETYPE = 3


def test_script_rendered_and_firewalled_guides_show_the_truths_values(served):
    cities, truths = served
    wanted: dict[str, list[tuple[str, str]]] = {}
    mobile: set[str] = set()
    taken: dict[str, int] = {}
    for city in sorted(cities, key=lambda c: c["city_id"]):
        if city["archetype"] == "epoint":
            continue
        taken[city["archetype"]] = taken.get(city["archetype"], 0) + 1
        if taken[city["archetype"]] > PER_ARCHETYPE:
            continue
        for scenario in truths[city["city_id"]]["scenarios"].values():
            for matter, channels in scenario["matters"].items():
                for channel, guide in channels.items():
                    if not guide["present"]:
                        continue
                    url = guide["guide_url"]
                    if channel == "mobile":
                        mobile.add(url)
                    values = [
                        (element, value)
                        for element, value in guide["elements"].items()
                        if value is not None and element != "申请材料"
                    ]
                    values += [("申请材料", m["name"]) for m in guide["materials"]]
                    wanted[url] = [
                        (f"{city['city_id']} {matter} {channel} {e}", v) for e, v in values
                    ]
    assert len(taken) >= 4 and len(wanted) > 4 * PER_ARCHETYPE  # each archetype's guides
    texts = run_async(lambda: _texts(sorted(wanted), mobile))
    for url, expectations in wanted.items():
        status, text = texts[url]
        assert status == 200, url
        shown = _squash(text)
        for where, value in expectations:
            # a process drawn as steps shows its steps in order, without the arrows
            steps = _squash(value).replace("→", "")
            assert _squash(value) in shown or ("→" in value and steps in shown), (
                f"{where}: {value!r} not on {url}"
            )
