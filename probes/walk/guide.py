"""The generic guide journey: walk a portal as a citizen would, and keep the evidence.

Step 3 of the data flow (README, "Architecture"). For one portal, channel and matter:

1. arrive at the portal (passing a script-challenge firewall the way a browser does) and
   dismiss notice overlays, ticking an agreement box when one must be ticked;
2. run the platform profile's arrival steps, if any (picking the region, ...);
3. find the site search and search the matter by name, then by its aliases; read the results
   wherever they appear (same page, loaded by XHR, inside an iframe, over several pages);
4. pick the right result among decoys (``probes/walk/matching.py``) and follow it, in the same tab
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
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape as html_escape
from urllib.parse import urlsplit

import httpx
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from probes.model import Capture, EvidenceRef, ProbeResult
from probes.net.http import (
    MOBILE_USER_AGENT,
    PC_USER_AGENT,
    CheckLimits,
    browser_cookies,
    check_link,
)
from probes.net.signs import classify_error
from probes.outcomes import Outcome
from probes.plan.scenarios import Matter
from probes.text import FOUND_BY_ZH
from probes.walk import scripts as js
from probes.walk.matching import TIER_NAMES, Candidate, Pick, passed_over, pick, score
from probes.walk.walker import PortalWalker, Trace, timed

# link texts of a portal's general directories, tried after those naming the matter's field
DIRECTORY_WORDS = ("按部门", "按主题", "部门", "主题", "分类", "个人办事", "法人办事", "个人服务",
                   "法人服务", "事项清单", "服务事项", "办事指南")  # fmt: skip


LOGIN_HINT = re.compile(r"(login|signin|sso|auth|passport|uc/)", re.I)


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


class GuideJourney(PortalWalker):
    """One portal on one channel, in one browser context: walks each matter in turn."""

    _tab: Page | None = None  # the tab each walk starts in, kept from one walk to the next

    # -- public ---------------------------------------------------------------------------

    async def walk(self, matter: Matter, *, city: str | None, scenario: str) -> ProbeResult:
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        t0 = time.monotonic()
        self.spent.clear()
        trace = Trace()
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
                outcome, reason = (
                    Outcome.OK,
                    FOUND_BY_ZH.get(capture.found_by, capture.found_by) + "找到",
                )
        except TimeoutError:
            # the whole walk ran out of time: say so, with the last page it was on (it may be
            # a slow portal or a walk with too many steps; a retry confirms which)
            last = trace.steps[-1].url if trace.steps else self.portal_url
            outcome = Outcome.TIMEOUT
            reason = f"探测超过 {self.config.matter_timeout_s:.0f} 秒仍未完成（最后页面 {last}）"
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
            extra={
                **extra,
                "spent_ms": {k: round(v * 1000) for k, v in sorted(self.spent.items())},
            },
        )

    # -- the walk -------------------------------------------------------------------------

    async def _walk(self, matter: Matter, trace: Trace) -> tuple[Capture | None, dict]:
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

    @timed("search")
    async def _type_search(self, page: Page, query: str, trace: Trace) -> Page | None:
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
            trace.add("search", "无搜索框", page.url, started, note="未发现站内搜索")
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
        self, page: Page, matter: Matter, query: str, trace: Trace
    ) -> _Found | _Seen | None:
        results = await self._type_search(page, query, trace)
        if results is None:
            return None
        return await self._pick_across_pages(results, matter, trace, "search", query)

    async def _reopen(self, page: Page, matter: Matter, seen: _Seen, trace: Trace) -> _Found | None:
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

    @timed("read_results")
    async def _pick_across_pages(
        self, page: Page, matter: Matter, trace: Trace, found_by: str, query: str | None
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

    async def _open(self, page: Page, frame_link, trace: Trace, chosen: Pick) -> Page:
        started = time.monotonic()
        frame, item = frame_link
        locator = frame.locator(f"[data-govprobe-link='{item['i']}']").first
        before = self._mark(page)
        await locator.click(timeout=8000)
        page = await self._follow(page, before, expect_tab=item.get("target") == "_blank")
        await self._pass_challenge(page)
        await self._check_portal(page)
        note = "在新标签页打开" if page not in before.pages else ""
        trace.add(
            "open_result",
            f"#{chosen.rank} {chosen.candidate.text} ({chosen.score:.0f})",
            page.url,
            started,
            note=note,
        )
        return page

    # -- navigation by category -----------------------------------------------------------

    @timed("navigate")
    async def _navigate(self, page: Page, matter: Matter, trace: Trace) -> _Found | None:
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
        trace: Trace,
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

    @timed("expand")
    async def _expand(self, page: Page, trace: Trace) -> list[tuple[str, str]]:
        """Open tabs and collapsed sections; return the page's states after each click that
        showed text no earlier state had, as (html, text) pairs, so content that a tab replaced
        (a framework that renders only the active tab) can be kept. A click that leads to another page (a section that is a
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
                state = await page.evaluate(js.SNAPSHOT_IF_NEW)  # None: nothing new shown
                if state is not None:
                    snapshots.append(state)
        trace.add("expand", f"展开 {count} 个标签与栏目", page.url, started)
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

    @timed("subpages")
    async def _subpages(self, page: Page, trace: Trace) -> list[tuple[str, str, str]]:
        """Follow the guide's entries to its sub-pages (申请材料（3） >, a 查看详情 beside 办理流程)
        and keep what each shows, as (url, html, text): the materials of many phone portals are
        only there. The walk comes back to the guide after each."""
        from probes.plan.elements import load_elements

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

    @timed("capture")
    async def _capture(self, found: _Found, trace: Trace) -> tuple[Capture, dict]:
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
        from probes.judge.extract import is_link_only

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
        # side by side: the entry is followed in a tab of its own while the form and sample
        # links are asked over HTTP; both pass the round's gate
        links = asyncio.ensure_future(self._check_links(page, guide_url, html))
        try:
            apply_url, extra["online_apply"] = await self._online_apply(page, trace)
            extra["links"] = await links
        finally:
            if not links.done():  # the walk failed or ran out of time meanwhile
                links.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await links
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

    @timed("screenshot")
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

    @timed("online_apply")
    async def _online_apply(self, page: Page, trace: Trace) -> tuple[str | None, dict | None]:
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
            note="需要登录" if info.get("login_wall") else "",
        )
        return info.get("final_url"), info

    @timed("link_checks")
    async def _check_links(self, page: Page, guide_url: str, html: str) -> list[dict]:
        """Do the guide's form and sample links answer? Each is asked by
        ``probes.net.http.check_link``: http(s) only, bounded in size and time, every redirect
        hop checked again, a private address never requested unless the portal itself lives
        there. A few at a time, each once it holds its host's slot of the round's gate (the
        wait is not counted against its time bound; its redirect hops pass the gate too), with
        what the browser would send: its user agent and the context's cookies (a firewall's,
        a session's). Stored as ``{"url", "status", "note", "result"}``; ``status`` is None when
        nothing answered (``unreachable``, ``refused``, too many redirects)."""
        from probes.judge.extract import extract

        try:  # in a thread: parsing a long guide would stall the other journeys' pages
            links = (await asyncio.to_thread(extract, html, guide_url)).links
        except Exception:  # extraction is judged again later; a failure here costs only checks
            return []
        urls = list(dict.fromkeys(links))[: self.config.link_checks]
        if not urls:
            return []
        portal_host = urlsplit(self.portal_url).hostname
        limits = CheckLimits(link_s=self.config.link_timeout_ms / 1000, max_redirects=3)
        try:
            agent = await page.evaluate("navigator.userAgent")
            cookies = browser_cookies(await self.context.cookies())
        except PlaywrightError:
            agent = MOBILE_USER_AGENT if self.channel == "mobile" else PC_USER_AGENT
            cookies = browser_cookies(())
        at_once = asyncio.Semaphore(3)  # a few at a time: the portal is a real office
        transport = self.gate.transport() if self.gate is not None else None

        async def check(url: str) -> dict:
            slot = self.gate.slot(url) if self.gate is not None else contextlib.nullcontext()
            async with at_once, slot:
                found = await check_link(
                    client, url, portal_host=portal_host, limits=limits, user_agent=agent
                )
            return {"url": url, "status": found.status, "note": found.note, "result": found.result}

        async with httpx.AsyncClient(transport=transport, cookies=cookies) as client:
            return list(await asyncio.gather(*(check(url) for url in urls)))


def _squash_label(text: str) -> str:
    return re.sub(r"[\s:：*★]+", "", text)
