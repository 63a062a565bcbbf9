"""The jsonapi, listfw and zjsearch archetypes in a real Chromium: a citizen's walk to each
target guide, on PC and on mobile, with each portal's own markup."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from sandbox.archetypes import jsonapi, listfw, zjsearch
from tests.support.sandbox_worlds import TARGETS, small_world
from tests.support.served import Served

pytestmark = pytest.mark.browser

WORLD = small_world()
PHONE = {
    "viewport": {"width": 375, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1",
}


def site_app(site_id: str, archetype):
    return archetype.app(WORLD.sites[site_id], WORLD)


@pytest.fixture(scope="module")
def gd_base() -> Iterator[str]:
    with Served(site_app("gdzwfw", jsonapi.ARCHETYPE)) as base:
        yield base


@pytest.fixture(scope="module")
def bj_base() -> Iterator[str]:
    with Served(site_app("bjzwfw", listfw.ARCHETYPE)) as base:
        yield base


@pytest.fixture(scope="module")
def zj_base() -> Iterator[str]:
    with Served(site_app("zjzwfw", zjsearch.ARCHETYPE)) as base:
        yield base


@pytest.fixture(scope="module")
def browser(chromium) -> Browser:
    """The session's Chromium (conftest): one sync Playwright per process, as it must be."""
    return chromium


def field_values(page: Page, row_selector: str) -> dict[str, str]:
    """label -> value of the rows of a guide table (th/td, dt/dd ...)."""
    return page.eval_on_selector_all(
        row_selector,
        """rows => Object.fromEntries(rows.map(r => [
               r.children[0].textContent.trim(), r.children[1].textContent.trim()]))""",
    )


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


GD = WORLD.sites["gdzwfw"]
GUANGZHOU = WORLD.cities["guangzhou"]
SHENZHEN = WORLD.cities["shenzhen"]


def _gd_walk_pc(page: Page, base: str, matter: str) -> None:
    guide = GUANGZHOU.target(matter, "pc")
    page.goto(base + jsonapi.ARCHETYPE.entry_path(GD, GUANGZHOU, "pc"))
    if guide.searchable:
        page.fill("#keyword", guide.name)
        page.click("#search-btn")
        page.click(f"#result-list a.item-title:text-is('{guide.name}')")
    else:
        page.click("text=按主题")
        page.click(f".theme-list a:text-is('{guide.category}')")
        page.click(f"#result-list a:text-is('{guide.name}')")
    page.wait_for_selector("body[data-loaded=true]", timeout=10_000)


@pytest.mark.parametrize("matter", TARGETS)
def test_jsonapi_pc_citizen_reaches_each_target_guide_and_reads_its_values(
    browser, matter, gd_base
):
    guide = GUANGZHOU.target(matter, "pc")
    base = gd_base
    page = browser.new_page()
    try:
        _gd_walk_pc(page, base, matter)
        values = field_values(page, ".guide-table tr:has(th + td[data-field])")
        assert values["事项名称"] == guide.name
        assert values["承诺时限"] == guide.elements.get("承诺办结时限", "")
        assert values["投诉电话"] == guide.elements["监督投诉方式"]
        assert values["到办事现场次数"] == guide.elements.get("到办事现场次数", "")
        assert page.locator("#material-list tr.material").count() == len(guide.materials)
        assert page.is_visible("#online-apply") == guide.online_apply
        consult = page.get_attribute("#consult", "href")
        assert consult == f"/hdjl/consult/new?matter={quote(guide.name)}&region=440100"
    finally:
        page.close()


@pytest.mark.parametrize("matter", TARGETS)
def test_jsonapi_mobile_citizen_reaches_each_target_guide_and_opens_its_sections(
    browser, matter, gd_base
):
    guide = SHENZHEN.target(matter, "mobile")
    base = gd_base
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        page.goto(base + jsonapi.ARCHETYPE.entry_path(GD, SHENZHEN, "mobile"))
        assert page.text_content("#current-area") == "深圳"
        if guide.searchable:
            page.fill("#keyword", guide.name)
            page.click("#search-btn")
            page.click(f"#result-list a:text-is('{guide.name}')")
        else:
            page.click(f".theme-list a:text-is('{guide.category}')")
            page.click(f"#result-list a:text-is('{guide.name}')")
        page.wait_for_selector("body[data-loaded=true]", timeout=10_000)
        assert not page.is_visible("td[data-field=CATANAME]")  # sections start collapsed
        page.click(".m-section[data-section=基本信息] .m-head")
        assert page.text_content("td[data-field=CATANAME]") == guide.name
        page.click(".m-section[data-section=申请材料] .m-head")
        assert page.locator(".m-card.material").count() == len(guide.materials)
        assert no_horizontal_scroll(page)
    finally:
        context.close()


BJ = WORLD.sites["bjzwfw"]
BEIJING = WORLD.cities["beijing"]


@pytest.mark.parametrize("matter", TARGETS)
def test_listfw_pc_citizen_reaches_each_target_guide_and_reads_its_values(browser, matter, bj_base):
    guide = BEIJING.target(matter, "pc")
    base = bj_base
    page = browser.new_page()
    try:
        page.goto(base + listfw.ARCHETYPE.entry_path(BJ, BEIJING, "pc"))
        if guide.searchable:
            page.fill("#searchInput", guide.name)
            page.click("button.sbtn")
            page.click(f"#searchResult a.res-title:text-is('{guide.name}')")
        else:
            page.click(f".tree .node > span:text-is('{guide.category}')")
            page.click(f".tree a:text-is('{guide.name}')")
        assert "/pubtask/task/1/110000000000/" in page.url
        values = page.eval_on_selector_all(
            ".bszn dt",
            "dts => Object.fromEntries(dts.map(dt => [dt.textContent.trim(),"
            " (dt.nextElementSibling.querySelector('.fold-text') || dt.nextElementSibling)"
            ".textContent.trim()]))",
        )
        assert values["事项名称"] == guide.name
        assert values.get("承诺办结时限") == guide.elements.get("承诺办结时限")
        materials = page.locator("#materials tr.material")
        assert materials.count() == len(guide.materials)
        if len(guide.materials) > 3:
            assert not materials.nth(3).is_visible()
            page.click("text=更多")
            assert materials.nth(3).is_visible()
        page.click(".fold .toggle-more >> nth=0")
        assert page.is_visible(".fold.unfold")
    finally:
        page.close()


@pytest.mark.parametrize("matter", TARGETS)
def test_listfw_mobile_citizen_reaches_each_target_guide_on_the_wap_site(browser, matter, bj_base):
    guide = BEIJING.target(matter, "mobile")
    base = bj_base
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        page.goto(base + listfw.ARCHETYPE.entry_path(BJ, BEIJING, "mobile"))
        if guide.searchable:
            page.fill("#searchInput", guide.name)
            page.click("button.sbtn")
            page.click(f"#wapResult a:text-is('{guide.name}')")
        else:
            page.click(f".tree a:text-is('{guide.category}')")
            page.click(f"#wapCategory a:text-is('{guide.name}')")
        assert page.url.startswith(base + "/wap/pubtask/task/1/")
        assert page.text_content(".task-name") == guide.name
        assert page.locator("#materials li.material").count() == len(guide.materials)
        assert no_horizontal_scroll(page)
    finally:
        context.close()


ZJ = WORLD.sites["zjzwfw"]
HANGZHOU = WORLD.cities["hangzhou"]
NINGBO = WORLD.cities["ningbo"]


@pytest.mark.parametrize("matter", TARGETS)
def test_zjsearch_pc_citizen_switches_city_and_opens_each_target_in_a_new_tab(
    browser, matter, zj_base
):
    guide = NINGBO.target(matter, "pc")
    base = zj_base
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(base + "/")
        with pytest.raises(PlaywrightTimeout):  # the notice overlay blocks the page
            page.click("#switchCity", timeout=500)
        page.click("#knowBtn")
        page.click("#switchCity")
        page.click(".city-opt:text-is('宁波')")
        assert page.text_content("#curCity") == "宁波市"
        if guide.searchable:
            page.fill("#searchKey", guide.name)
            page.click("#searchBtn")
            frame = page.frame_locator("#searchFrame")
            link = frame.locator(f".result-item a:text-is('{guide.name}')")
        else:
            page.click(f".cat-list a:text-is('{guide.category}')")
            link = page.locator(f".result-item a:text-is('{guide.name}')")
        with context.expect_page() as opened:
            link.click()
        detail = opened.value
        detail.wait_for_load_state()
        assert detail.text_content(".item-title") == guide.name
        assert (
            detail.text_content("p.item:has(.label:text-is('事项名称：')) .value")
            == guide.elements["事项名称"]
        )
        detail.wait_for_selector("body[data-online=loaded]")
        assert detail.is_visible("#onlineBtn") == guide.online_apply
        assert detail.locator("li.material").count() == len(guide.materials)
    finally:
        context.close()


@pytest.mark.parametrize("matter", TARGETS)
def test_zjsearch_mobile_citizen_reaches_each_target_guide_on_zheliban(browser, matter, zj_base):
    guide = HANGZHOU.target(matter, "mobile")
    base = zj_base
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        page.goto(base + zjsearch.ARCHETYPE.entry_path(ZJ, HANGZHOU, "mobile"))
        page.click("#knowBtn")
        if guide.searchable:
            page.fill("#searchKey", guide.name)
            page.click("#searchBtn")
        else:
            page.click(f".cat-list a:text-is('{guide.category}')")
        page.click(f".result-item a:text-is('{guide.name}')")
        assert page.url.startswith(base + "/zjmobile/detail?localInnerCode=")
        page.wait_for_selector("body[data-online=loaded]")
        depth = page.locator("p.item:has(.label:text-is('网上办理深度：')) .value")
        assert depth.text_content() == guide.elements["是否网办"]
        assert page.locator("li.material").count() == len(guide.materials)
        assert no_horizontal_scroll(page)
    finally:
        context.close()
