"""The bare script govprobe is measured against: the same guide pages, plain Playwright only.

    .venv/bin/python -m bench.baseline --sandbox-url URL [--concurrency 4] [--city 广州 ...]
                                       [--json]

What an evaluation team would write by hand for these four portal types, and nothing more: for
every city × scenario × channel a fresh browser context (a phone, Pixel 7, or a 1366 × 900 PC
window, as govprobe's), and for each matter: open the portal's home page (the browser passes a
script-challenge firewall by itself: the script waits for the search box), close the notice
overlay when there is one (ticking its agreement box), type the guide's name into the search
box (``input[name=keyword]``; on a provincial portal that asks first, after clicking the city), read the results (on the page, by XHR or in an iframe, up to
three pages), click the guide's title, follow it into a new tab when it opens one, and wait until
the guide shows its name and its first element. No evidence, no storage, no judging, no
politeness gate beyond govprobe's own limits: ``--concurrency`` journeys at once and at most
``--per-host`` (2) on one portal.

It knows which guide is right from the sandbox's truth (``/__sandbox/truth/{city}``: the
guide's name and address), as a script written for known portals would. Where the truth says
search does not find the guide (``findable_by: navigation``), it opens the guide's address
directly after the search came back empty: cheaper than govprobe's walk by category, so the
baseline errs on the fast side. A guide the truth says is not there ends after the search.

Prints one JSON object (``--json``) with the wall time, the journeys walked and the guides
reached at the truth's address (``sandbox.truth.same_page``, a single-page portal's hash route
included); ``python -m bench.round`` runs it beside ``govprobe run``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import defaultdict
from urllib.parse import urlsplit

import httpx
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, async_playwright

from probes.net import browser as browsers
from probes.net.browser import MOBILE_DEVICE, PC_VIEWPORT
from sandbox.truth import fetch_truths, same_page

RESULT_PAGES = 3
NAV_TIMEOUT_MS = 20_000


def marker(truth: dict) -> str:
    """A piece of text the guide shows once it has loaded: its first non-empty element."""
    for value in truth.get("elements", {}).values():
        if isinstance(value, str) and 2 <= len(value.strip()) <= 40:
            return value.strip()
    return truth["name"]


async def arrive(page: Page, url: str, city: str) -> None:
    await page.goto(url, wait_until="domcontentloaded", timeout=NAV_TIMEOUT_MS)
    box = page.locator("input[name=keyword]:visible").first
    # past a script challenge's reload; a provincial portal asks for the city first
    chooser = page.get_by_role("link", name=city, exact=True)
    await box.or_(chooser).first.wait_for(timeout=NAV_TIMEOUT_MS)
    if not await box.count():
        await chooser.first.click()
        await box.wait_for(timeout=NAV_TIMEOUT_MS)
    for selector in ("#agree", "#knowBtn", "#notice-ok"):
        target = page.locator(f"{selector}:visible")
        if await target.count():
            if selector == "#agree":
                await target.check()
            else:
                await target.click()


async def _link(page: Page, name: str):
    for frame in page.frames:
        link = frame.get_by_role("link", name=name, exact=True)
        try:
            if await link.count():
                return link.first
        except PlaywrightError:  # the frame navigated meanwhile
            continue
    return None


async def find_result(page: Page, name: str):
    """The result link titled ``name`` on this page or in its frames (results may come later,
    by XHR or in an iframe), turning to the next page when it is not on this one."""
    for _ in range(RESULT_PAGES):
        waited = 0.0
        while waited < NAV_TIMEOUT_MS / 1000:
            link = await _link(page, name)
            if link is not None:
                return link
            if waited >= 1.5:  # the list is there without it: the next page, if any
                more = await _link(page, "下一页") or await _link(page, "加载更多")
                if more is not None:
                    await more.click()
                    break
            await asyncio.sleep(0.05)
            waited += 0.05
        else:
            return None
    return None


async def journey(context, home: str, city: str, truth: dict) -> dict:
    """One matter: arrive, search its name, open the result, wait for the guide."""
    started = time.monotonic()
    page = await context.new_page()
    result = {"present": truth["present"], "reached": False, "url": None}
    try:
        await arrive(page, home, city)
        name = truth.get("name") or ""
        box = page.locator("input[name=keyword]:visible").first
        await box.fill(name or "无此事项")
        await box.press("Enter")
        await page.wait_for_load_state("domcontentloaded")
        guide = None
        if truth["present"] and truth["findable_by"] == "navigation":
            # search does not list it: the script knows its address
            await page.goto(truth["guide_url"], wait_until="domcontentloaded")
            guide = page
        elif truth["present"]:
            link = await find_result(page, name)
            if link is not None:
                if await link.get_attribute("target") == "_blank":
                    async with context.expect_page(timeout=NAV_TIMEOUT_MS) as opened:
                        await link.click()
                    guide = await opened.value
                else:
                    before = page.url
                    await link.click()
                    await page.wait_for_url(lambda u: u != before, timeout=NAV_TIMEOUT_MS)
                    guide = page
        if guide is not None:
            await guide.wait_for_load_state("domcontentloaded", timeout=NAV_TIMEOUT_MS)
            await guide.wait_for_function(
                "([a, b]) => document.body && document.body.innerText.includes(a)"
                " && document.body.innerText.includes(b)",
                arg=[name, marker(truth)],
                timeout=NAV_TIMEOUT_MS,
            )
            result["url"] = guide.url
            result["reached"] = same_page(guide.url, truth["guide_url"])
    except PlaywrightError as exc:
        result["error"] = str(exc).splitlines()[0][:200]
    finally:
        for p in list(context.pages):
            await p.close()
    result["seconds"] = round(time.monotonic() - started, 2)
    return result


async def run(sandbox_url: str, cities: list[str], concurrency: int, per_host: int) -> dict:
    with httpx.Client(timeout=30) as client:
        directory = client.get(f"{sandbox_url}/__sandbox/cities").json()
        if cities:
            directory = [c for c in directory if c["name"] in cities or c["city_id"] in cities]
    truths = fetch_truths(sandbox_url, (c["city_id"] for c in directory))
    jobs = []  # (home url, channel, [(scenario, matter, truth)])
    for scenario in ("beauty-salon", "resident-insurance"):
        for city in directory:
            for channel in ("pc", "mobile"):
                home = city["pc_url"] if channel == "pc" else city.get("mobile_url")
                if not home:
                    continue
                matters = truths[city["city_id"]]["scenarios"][scenario]["matters"]
                jobs.append((city["city_id"], city["name"], home, channel,
                             [(scenario, m, t[channel]) for m, t in matters.items()]))  # fmt: skip
    limit = asyncio.Semaphore(concurrency)
    hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))
    results: list[dict] = []
    started = time.monotonic()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**browsers.launch_options())
        device = dict(playwright.devices[MOBILE_DEVICE])
        device.pop("default_browser_type", None)

        async def one(city: str, name: str, home: str, channel: str, matters) -> None:
            async with hosts[urlsplit(home).netloc], limit:
                kwargs = device if channel == "mobile" else {"viewport": PC_VIEWPORT}
                context = await browser.new_context(
                    **kwargs, locale="zh-CN", timezone_id="Asia/Shanghai"
                )
                try:
                    for scenario, matter, truth in matters:
                        r = await journey(context, home, name, truth)
                        r |= {"city": city, "scenario": scenario, "matter": matter,
                              "channel": channel}  # fmt: skip
                        results.append(r)
                finally:
                    await context.close()

        await asyncio.gather(*(one(*job) for job in jobs))
        await browser.close()
    wall = time.monotonic() - started
    present = [r for r in results if r["present"]]
    return {
        "wall_seconds": round(wall, 1),
        "journeys": len(results),
        "present": len(present),
        "reached": sum(r["reached"] for r in present),
        "errors": [r for r in results if "error" in r or (r["present"] and not r["reached"])],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox-url", required=True)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--city", action="append", default=[])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    summary = asyncio.run(
        run(args.sandbox_url.rstrip("/"), args.city, args.concurrency, args.per_host)
    )
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return
    for r in summary.pop("errors")[:40]:
        print("  not reached:", json.dumps(r, ensure_ascii=False))
    for key, value in summary.items():
        print(f"{key:>14}: {value}")


if __name__ == "__main__":
    main()
