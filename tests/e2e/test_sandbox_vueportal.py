"""The vueportal archetype's two single-page apps in a real Chromium (Vue + Element UI PC portal,
Vue + Vant H5 portal on one origin), with the frameworks' own DOM shapes (el-tabs, el-table,
el-pagination, van-list, van-collapse) as ``sandbox/templates/vueportal/static/pc.js`` and
``h5.js`` render them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.support.vueportal import API, Portal, all_found, portals_of

pytestmark = pytest.mark.browser


IPHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
PC_VIEW = {"viewport": {"width": 1366, "height": 768}}
MATERIAL_HEADS = [
    "序号",
    "材料名称",
    "材料形式",
    "份数",
    "来源渠道",
    "是否必要",
    "空白表格",
    "示例样表",
]


@pytest.fixture(scope="module")
def portals(sandbox_url) -> dict[str, Portal]:
    return portals_of(sandbox_url)


class Logged:
    """A page and the API calls it made: (path, JSON body)."""

    def __init__(self, page) -> None:
        self.page = page
        self.calls: list[tuple[str, dict]] = []
        page.on("request", self._seen)

    def _seen(self, request) -> None:
        path = urlsplit(request.url).path
        if path.startswith(API) and request.method == "POST":
            self.calls.append((path.removeprefix(API), json.loads(request.post_data or "{}")))

    def paths(self) -> list[str]:
        return [path for path, _ in self.calls]


@pytest.fixture(scope="module")
def pc(chromium) -> Iterator[Logged]:
    context = chromium.new_context(**PC_VIEW)
    # the cookie bar accepted once (its own test sees it in a fresh context)
    context.add_init_script("localStorage.setItem('portal_cookie_accepted', '1')")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield Logged(page)
    finally:
        context.close()


def _pc_tabs(truth: dict) -> list[str]:
    """The el-tabs a guide should show: only those whose data the guide has."""
    e = truth["elements"]

    def has(*names: str) -> bool:
        return any(e.get(n) is not None for n in names)

    tabs = ["基本信息"]
    tabs += ["受理条件"] if has("受理条件") else []
    tabs += ["申请材料"] if truth["materials"] else []
    tabs += ["办理流程"] if has("办理流程") else []
    tabs += ["收费标准"] if has("收费标准") else []
    tabs += ["设定依据"] if has("设定依据") else []
    tabs += ["窗口信息"] if has("办理地点", "办理时间") else []
    tabs += ["咨询监督"] if has("咨询方式", "监督投诉方式") else []
    return tabs


def test_pc_search_titles_are_spans_paged_by_el_pagination_opening_guides_in_a_new_tab(pc, portals):
    jinan = portals["jinan"]
    want = jinan.want("enterprise-registration", "pc")
    page = pc.page
    everything = all_found(jinan, want["name"], "PC")
    # a noise-first city: the loose matches first, the exact name last, on page 2
    assert 10 < len(everything) <= 20 and everything[-1] == want["name"]
    page.goto(f"{jinan.base}/#/search?keyword={quote(want['name'])}")
    titles = page.locator(".item-list .item-card .item-title")
    titles.first.wait_for()
    assert page.locator(".result-head .total").inner_text() == str(len(everything))
    assert page.locator(".el-pagination__total").inner_text() == f"共 {len(everything)} 条"
    assert page.locator(".el-pager li.number.active").inner_text() == "1"
    assert page.locator(".el-pagination .btn-prev").is_disabled()
    first_page = titles.all_inner_texts()
    assert first_page == everything[:10]
    tags = titles.evaluate_all("els => els.map(e => [e.tagName, !!e.closest('a[href]')])")
    assert tags == [["SPAN", False]] * 10  # spans, no links to follow
    assert page.locator(".item-title em").count() >= 10  # the server's highlight fragments

    page.click(".el-pager li.number:text-is('2')")
    page.locator(".el-pager li.number.active:text-is('2')").wait_for()
    second_page = titles.all_inner_texts()
    assert second_page == everything[10:]
    assert not set(first_page) & set(second_page)
    assert page.locator(".el-pagination .btn-next").is_disabled()
    assert [b["pageNo"] for p, b in pc.calls if p == "/item/search"][-2:] == [1, 2]
    assert {b["pageSize"] for p, b in pc.calls if p == "/item/search"} == {10}

    with page.expect_popup() as opened:
        titles.filter(has_text=want["name"]).click()
    popup = opened.value
    try:
        popup.wait_for_load_state()
        assert popup.url == want["guide_url"]
        assert popup.locator("h2.guide-title").inner_text(timeout=10_000) == want["name"]
        assert page.url.startswith(f"{jinan.base}/#/search?")  # the results stay where they were
    finally:
        popup.close()


@pytest.mark.parametrize(
    ("city_id", "matter", "missing"),
    [
        ("jinan", "enterprise-registration", "受理条件"),
        ("taiyuan", "public-health-permit", "设定依据"),
    ],
)
def test_pc_guide_shows_only_tabs_with_data_and_only_the_active_pane(
    pc, portals, city_id, matter, missing
):
    portal = portals[city_id]
    want = portal.want(matter, "pc")
    assert want["elements"][missing] is None
    page = pc.page
    page.goto(want["guide_url"])
    expect(page.locator("h2.guide-title")).to_have_text(want["name"])  # the new guide rendered
    heads = page.locator(".el-tabs__nav[role=tablist] .el-tabs__item[role=tab]")
    assert heads.all_inner_texts() == _pc_tabs(want)
    assert missing not in heads.all_inner_texts()
    assert page.locator(".el-tabs__item.is-active").inner_text() == "基本信息"
    panes = page.locator(".el-tabs__content .el-tab-pane")
    assert panes.count() == 1
    code_cell = page.locator("#pane-basic th:text-is('实施编码') + td")
    assert code_cell.inner_text() == want["elements"]["实施编码"]

    other = "受理条件" if want["elements"]["受理条件"] is not None else "收费标准"
    page.click(f".el-tabs__item:text-is('{other}')")
    assert page.locator(".el-tabs__item.is-active").inner_text() == other
    assert panes.count() == 1
    assert page.locator("#pane-basic").count() == 0  # v-if: the first pane left the DOM
    assert want["elements"]["实施编码"] not in page.locator(".el-tabs__content").inner_text()
    assert page.locator(".el-tab-pane td").first.inner_text() == want["elements"][other]


def test_pc_materials_are_fetched_on_opening_the_tab_into_a_two_table_el_table(pc, portals):
    jinan = portals["jinan"]
    want = jinan.want("public-health-permit", "pc")
    page = pc.page
    page.goto(want["guide_url"])
    expect(page.locator("h2.guide-title")).to_have_text(want["name"])  # the new guide rendered
    page.wait_for_timeout(200)  # an eager fetch would have gone out with the detail
    code = jinan.code("public-health-permit", "pc")
    asked = [b for p, b in pc.calls if p == "/item/materials" and b["itemCode"] == code]
    assert asked == []
    assert page.locator(".el-table").count() == 0

    page.click("#tab-material")
    page.locator(".el-table .el-table__body tr.el-table__row").first.wait_for()
    asked = [b for p, b in pc.calls if p == "/item/materials" and b["itemCode"] == code]
    assert asked == [{"itemCode": code, "terminal": "PC"}]
    table = page.locator("#pane-material .el-table")
    assert table.locator("table").count() == 2  # header and body are separate <table>s
    header = table.locator(".el-table__header-wrapper > table.el-table__header")
    body = table.locator(".el-table__body-wrapper > table.el-table__body")
    assert header.locator("thead th .cell").all_inner_texts() == MATERIAL_HEADS
    assert header.locator("tbody tr").count() == 0
    assert body.locator("thead").count() == 0
    names = body.locator("tr.el-table__row td .cell.material-name").all_inner_texts()
    assert names == [m["name"] for m in want["materials"]]
    assert want["elements"]["申请材料"] == names


def test_pc_has_a_cookie_bar_to_accept_and_a_floating_chat_widget(chromium, portals):
    context = chromium.new_context(**PC_VIEW)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(portals["kunming"].base + "/#/search?keyword=" + quote("许可"))
        bar = page.locator(".cookie-bar[role=dialog]")
        assert bar.is_visible()
        assert "Cookie" in bar.inner_text()
        bubble = page.locator(".zhkf-bubble")
        assert bubble.is_visible() and bubble.inner_text().strip() == "智能客服"
        assert bubble.evaluate("e => getComputedStyle(e).position") == "fixed"
        bubble.click()
        panel = page.locator(".zhkf-panel[role=dialog]")
        assert panel.is_visible()
        panel.locator("input").fill("怎么办营业执照")
        panel.locator("button:text-is('发送')").click()
        assert panel.locator(".zhkf-msg.mine").inner_text() == "怎么办营业执照"
        panel.locator(".zhkf-msg:not(.mine)").nth(1).wait_for()  # the canned answer
        assert "12345" in panel.locator(".zhkf-msg:not(.mine)").nth(1).inner_text()
        panel.locator(".zhkf-close").click()
        assert page.locator(".zhkf-panel").count() == 0

        bar.locator("button:text-is('接受')").click()
        assert page.locator(".cookie-bar").count() == 0
        page.reload()
        page.locator(".item-title").first.wait_for()
        assert page.locator(".cookie-bar").count() == 0  # remembered
        assert page.locator(".zhkf-bubble").is_visible()
    finally:
        context.close()


@pytest.fixture(scope="module")
def h5(chromium) -> Iterator[Logged]:
    context = chromium.new_context(**IPHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield Logged(page)
    finally:
        context.close()


def test_h5_splash_advert_counts_down_and_is_skipped_once_per_session(h5, portals):
    page = h5.page
    page.goto(portals["jinan"].city["mobile_url"])
    splash = page.locator(".splash-ad[role=dialog]")
    skip = splash.locator(".splash-ad__skip")
    assert splash.is_visible()
    assert re.fullmatch(r"跳过 [45]", skip.inner_text())
    assert "van-overflow-hidden" in page.evaluate("document.body.className")
    page.wait_for_function(
        "() => (document.querySelector('.splash-ad__skip') || {}).textContent === '跳过 3'"
    )
    skip.click()
    assert splash.count() == 0
    assert "van-overflow-hidden" not in page.evaluate("document.body.className")
    page.reload()
    page.locator(".van-search").wait_for()
    assert splash.count() == 0  # shown once a session


def _no_splash(page) -> None:
    skip = page.locator(".splash-ad__skip")
    if skip.count():
        skip.click()


def test_h5_home_search_bar_is_read_only_and_routes_to_the_search_page(h5, portals):
    jinan = portals["jinan"]
    page = h5.page
    page.goto(jinan.city["mobile_url"])
    _no_splash(page)
    fake = page.locator(".van-search input.van-field__control")
    assert fake.get_attribute("readonly") is not None
    assert not fake.is_editable()
    page.locator(".van-search").click()
    page.wait_for_url(f"{jinan.base}/h5/search")
    assert page.locator(".van-nav-bar__title").inner_text() == "事项搜索"
    real = page.locator(".van-search input.van-field__control")
    assert real.is_editable()
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.type === 'search'"
    )


def test_h5_search_as_you_type_infinite_scroll_and_back_keeps_the_list(h5, portals):
    jinan = portals["jinan"]
    want = jinan.want("public-health-permit", "mobile")
    everything = all_found(jinan, "许可", "H5")
    assert len(everything) > 16 and want["name"] in everything
    page = h5.page
    page.goto(f"{jinan.base}/h5/search")
    _no_splash(page)
    searches = len([p for p in h5.paths() if p == "/item/search"])
    field = page.locator(".van-search input.van-field__control")
    field.press_sequentially("许可", delay=60)
    cells = page.locator(".van-list[role=feed] .item-cell")
    cells.first.wait_for()
    typed = [b for p, b in h5.calls if p == "/item/search"][searches:]
    assert [(b["keyword"], b["pageNo"], b["pageSize"], b["terminal"]) for b in typed] == [
        ("许可", 1, 8, "H5")
    ]  # debounced: no search for 许 alone
    page.wait_for_url(f"{jinan.base}/h5/search?keyword={quote('许可')}")
    assert page.locator(".result-head .total").inner_text() == str(len(everything))
    assert cells.count() == 8
    marks = cells.locator(".item-name .highlight")
    assert marks.count() >= 8
    assert set(marks.all_inner_texts()) == {"许可"}
    assert cells.locator(".item-name").all_inner_texts() == everything[:8]

    # van-list: the next 8 each time the list's bottom is scrolled to, until 没有更多了
    shown = 8
    while shown < len(everything):
        assert not page.locator(".van-list__finished-text").count()
        page.mouse.wheel(0, 4000)
        shown = min(shown + 8, len(everything))
        page.wait_for_function(
            f"() => document.querySelectorAll('.van-list .item-cell').length === {shown}"
        )
    page.locator(".van-list__finished-text:text-is('没有更多了')").wait_for()
    pages = [b["pageNo"] for p, b in h5.calls if p == "/item/search"][searches:]
    assert pages == list(range(1, (len(everything) + 7) // 8 + 1))
    names = cells.locator(".item-name").all_inner_texts()
    assert names == everything

    target = cells.filter(has=page.get_by_text(want["name"], exact=True))
    target.scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    target.click()
    page.wait_for_url(want["guide_url"])
    assert page.locator(".guide-head__title").inner_text() == want["name"]
    asked = len(h5.calls)
    page.locator(".van-nav-bar__left").click()
    page.wait_for_url(f"{jinan.base}/h5/search?keyword={quote('许可')}")
    expect(cells).to_have_count(17)  # the loaded list, not page 1 again
    assert cells.locator(".item-name").all_inner_texts() == names
    assert page.evaluate("window.scrollY") == pytest.approx(scrolled, abs=2)
    page.wait_for_timeout(300)
    assert h5.calls[asked:] == []  # nothing fetched again


def _h5_sections(truth: dict) -> list[str]:
    e = truth["elements"]

    def has(*names: str) -> bool:
        return any(e.get(n) is not None for n in names)

    wanted = [
        ("受理条件", ("受理条件",)),
        ("办理流程", ("办理流程",)),
        ("收费标准", ("收费标准",)),
        ("设定依据", ("设定依据",)),
        ("办理地点及时间", ("办理地点", "办理时间")),
        ("咨询投诉", ("咨询方式", "监督投诉方式")),
    ]
    return [title for title, names in wanted if has(*names)]


def test_h5_guide_sections_render_when_opened_and_materials_are_a_sub_page(h5, portals):
    jinan = portals["jinan"]
    want = jinan.want("public-health-permit", "mobile")
    materials = [m["name"] for m in want["materials"]]
    assert materials != [m["name"] for m in jinan.want("public-health-permit", "pc")["materials"]]
    page = h5.page
    page.goto(want["guide_url"])
    _no_splash(page)
    assert page.locator(".guide-head__title").inner_text() == want["name"]
    items = page.locator(".van-collapse .van-collapse-item")
    titles = items.locator(".van-collapse-item__title")
    assert titles.all_inner_texts() == _h5_sections(want)
    assert page.locator(".van-collapse-item__content").count() == 0  # nothing rendered closed
    assert want["elements"]["受理条件"] not in page.locator("#app").inner_text()

    condition = items.filter(has=page.get_by_text("受理条件", exact=True))
    condition.locator(".van-collapse-item__title").click()
    assert condition.locator(".van-collapse-item__title").get_attribute("aria-expanded") == "true"
    assert page.locator(".van-collapse-item__content").count() == 1
    shown = condition.locator(".van-collapse-item__content .van-cell__value").inner_text()
    assert shown == want["elements"]["受理条件"]
    condition.locator(".van-collapse-item__title").click()
    assert page.locator(".van-collapse-item__content").count() == 0  # closed: gone again

    contact = items.filter(has=page.get_by_text("咨询投诉", exact=True))
    contact.locator(".van-collapse-item__title").click()
    phones = contact.locator(".phone-cell .van-cell__value")
    assert phones.first.inner_text() == want["elements"]["咨询方式"]  # the text stays the value
    links = contact.locator("a.tel-link[href^='tel:']")
    hrefs = links.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    number = re.search(r"\d{3,4}-\d{7,8}", want["elements"]["咨询方式"]).group()
    assert "tel:" + number.replace("-", "") in hrefs
    for link_text in links.all_inner_texts():
        assert link_text in want["elements"]["咨询方式"] + want["elements"]["监督投诉方式"]

    entry = page.locator(".materials-entry")
    assert entry.locator(".van-cell__title").inner_text() == f"申请材料（{len(materials)}）"
    assert page.locator(".material-name").count() == 0
    entry.click()
    page.wait_for_url(want["guide_url"] + "/materials")
    names = page.locator(".material-card .material-name")
    names.first.wait_for()
    assert names.all_inner_texts() == materials
    page.locator(".van-nav-bar__left").click()
    page.wait_for_url(want["guide_url"])
    assert page.locator(".guide-head__title").inner_text() == want["name"]

    page.goto(want["guide_url"] + "/materials")  # a deep link to the sub-page works too
    names.first.wait_for()
    assert names.all_inner_texts() == materials
