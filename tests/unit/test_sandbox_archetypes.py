"""The jsonapi, listfw and zjsearch archetypes over ASGI (in-process): their search and detail
APIs and pages, and every target of the real world's sites shown and searched as the world says.
A citizen's walk in Chromium: ``tests/e2e/test_sandbox_archetypes.py``."""

from __future__ import annotations

import asyncio
import functools
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import httpx
import pytest
from lxml import html as lxml_html

from sandbox.archetypes import jsonapi, listfw, zjsearch
from tests.support.sandbox_worlds import small_world

WORLD = small_world()


def site_app(site_id: str, archetype):
    return archetype.app(WORLD.sites[site_id], WORLD)


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox")


def asgi_test(test):
    """Run an async test in a thread of its own: the sync Playwright of the browser tests keeps
    an event loop running in the main thread for as long as the module's browser lives."""

    @functools.wraps(test)
    def run() -> None:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, test()).result()

    return run


GD = WORLD.sites["gdzwfw"]
GUANGZHOU = WORLD.cities["guangzhou"]
SHENZHEN = WORLD.cities["shenzhen"]


async def gd_search(http: httpx.AsyncClient, keyword: str, area: str, **extra) -> dict:
    body = {"pageNum": 1, "pageSize": 10, "KEY_WORD": keyword, "AREA_CODE": area, **extra}
    response = await http.post("/portal/item/getCommonAuditItem", json=body)
    assert response.status_code == 200
    return response.json()["data"]["CUSTOM"]


@asgi_test
async def test_jsonapi_search_lists_the_keyword_matches_of_the_chosen_region_only():
    app = site_app("gdzwfw", jsonapi.ARCHETYPE)
    async with client(app) as http:
        gz = await gd_search(http, "公共场所卫生许可", "440100")
        sz = await gd_search(http, "公共场所卫生许可", "440300")
    names = [row["CATANAME"] for row in gz["AUDIT_ITEMLIST"]]
    assert names[:3] == [
        "公共场所卫生许可（延续）",
        "公共场所卫生许可（新证）",
        "公共场所卫生许可（变更）",
    ]
    assert gz["TOTAL"] == len(gz["AUDIT_ITEMLIST"]) >= 3
    assert {row["TASK_CODE"][2:8] for row in gz["AUDIT_ITEMLIST"]} == {"440100"}
    assert {row["TASK_CODE"][2:8] for row in sz["AUDIT_ITEMLIST"]} == {"440300"}


@asgi_test
async def test_jsonapi_search_leaves_out_unsearchable_guides_that_theme_navigation_lists():
    app = site_app("gdzwfw", jsonapi.ARCHETYPE)
    async with client(app) as http:
        found = await gd_search(http, "城乡居民基本养老保险参保登记", "440100")
        theme = await http.get("/portal/v2/theme", params={"region": "440100", "theme": "社会保障"})
    assert "城乡居民基本养老保险参保登记" not in [r["CATANAME"] for r in found["AUDIT_ITEMLIST"]]
    links = lxml_html.fromstring(theme.text).xpath("//ul[@id='result-list']//a")
    assert "城乡居民基本养老保险参保登记" in [a.text_content() for a in links]


@asgi_test
async def test_jsonapi_search_pages_through_the_results():
    app = site_app("gdzwfw", jsonapi.ARCHETYPE)
    async with client(app) as http:
        everything = await gd_search(http, "", "440100")
        second = await gd_search(http, "", "440100", pageSize=5, pageNum=2)
    assert everything["TOTAL"] == 8  # the unsearchable guide is not counted
    assert [r["TASK_CODE"] for r in second["AUDIT_ITEMLIST"]] == [
        r["TASK_CODE"] for r in everything["AUDIT_ITEMLIST"][5:8]
    ]


@asgi_test
async def test_jsonapi_detail_uses_the_real_field_names_and_nulls_missing_elements():
    guide = GUANGZHOU.target("public-health-permit", "pc")
    code = jsonapi.task_code(GUANGZHOU, guide)
    app = site_app("gdzwfw", jsonapi.ARCHETYPE)
    async with client(app) as http:
        response = await http.get(
            "/portal/api/v2/item-event/getAuditItemDetailCur", params={"TASK_CODE": code}
        )
    data = response.json()["data"]
    item = data["AUDIT_ITEM"]
    assert item["CATANAME"] == "公共场所卫生许可（新证）"
    assert (item["PROMISE_DAY"], item["PROMISE_TYPE_TEXT"]) == (5, "个工作日")
    assert (item["ANTICIPATE_DAY"], item["ANTICIPATE_TYPE_TEXT"]) == (20, "个工作日")
    assert item["LIMIT_SCENE_NUM"] is None  # 到办事现场次数 is absent from this guide
    assert item["TSTEL"] == "暂无"  # shown empty: the placeholder as given
    assert item["TRANSACT_WEB_URL"] == f"/apply/{guide.guide_id}"
    assert [m["MATERIAL_NAME"] for m in data["AUDIT_MATERIAL"]] == [m.name for m in guide.materials]
    first = data["AUDIT_MATERIAL"][0]
    assert first["FORM_URL"] == guide.materials[0].form_url and first["FORM_GUID"]
    assert [s["STEP_NAME"] for s in data["AUDIT_ITEM_FLOWSHEET"]] == [
        "受理",
        "审查",
        "决定",
        "送达",
    ]
    assert data["AUDIT_CATALOG_LOBBY"][0]["ADDRESS"] == "市民服务中心一楼B区"
    assert data["LAW"][0]["LAW_NAME"] == "《公共场所卫生管理条例》第八条"


@asgi_test
async def test_jsonapi_unknown_task_code_is_http_200_with_the_not_found_message():
    app = site_app("gdzwfw", jsonapi.ARCHETYPE)
    async with client(app) as http:
        response = await http.get(
            "/portal/api/v2/item-event/getAuditItemDetailCur", params={"TASK_CODE": "nope"}
        )
    assert response.status_code == 200
    assert response.json() == {"errCode": 0, "msg": "未找到匹配的信息"}


@asgi_test
async def test_jsonapi_every_tenth_detail_request_is_an_html_502_page():
    guide = GUANGZHOU.target("enterprise-registration", "pc")
    params = {"TASK_CODE": jsonapi.task_code(GUANGZHOU, guide)}
    app = site_app("gdzwfw", jsonapi.ARCHETYPE)
    async with client(app) as http:
        answers = [
            await http.get("/portal/api/v2/item-event/getAuditItemDetailCur", params=params)
            for _ in range(20)
        ]
    failed = [n for n, r in enumerate(answers, start=1) if r.status_code != 200]
    assert failed == [10, 20]
    assert answers[9].headers["content-type"].startswith("text/html")
    with pytest.raises(json.JSONDecodeError):
        answers[9].json()


@asgi_test
async def test_jsonapi_mobile_search_lists_the_mobile_guides():
    app = site_app("gdzwfw", jsonapi.ARCHETYPE)
    async with client(app) as http:
        found = await gd_search(http, "企业设立登记", "440300", TERMINAL="H5")
        page = await http.get("/portal/h5/?region=440300")
    code = found["AUDIT_ITEMLIST"][0]["TASK_CODE"]
    target = SHENZHEN.target("enterprise-registration", "mobile")
    assert (
        jsonapi.ARCHETYPE.guide_path(GD, SHENZHEN, target, "mobile") == f"/portal/h5/guide/{code}"
    )
    assert 'name="viewport"' in page.text
    assert "/hdjl/?region=440300" in page.text


BJ = WORLD.sites["bjzwfw"]
BEIJING = WORLD.cities["beijing"]


async def bj_list(http: httpx.AsyncClient, keyword: str, **extra) -> dict:
    params = {
        "serverType": "1001",
        "locationCode": "110000000000",
        "keyword": keyword,
        "pageNum": "1",
        **extra,
    }
    response = await http.get("/guideservice/pubtask/getTaskList", params=params)
    assert response.status_code == 200
    return response.json()["data"]


@asgi_test
async def test_listfw_task_list_matches_every_word_and_links_the_static_pages():
    app = site_app("bjzwfw", listfw.ARCHETYPE)
    async with client(app) as http:
        both = await bj_list(http, "卫生 许可")
        one = await bj_list(http, "公共场所卫生许可（新证）")
        page = await http.get(one["list"][0]["taskUrl"])
    assert [r["taskName"] for r in both["list"]] == [
        "公共场所卫生许可（延续）",
        "公共场所卫生许可（新证）",
        "公共场所卫生许可（变更）",
        "卫生许可证遗失补办公告",
    ]
    assert both["total"] == 4
    assert set(one["list"][0]) >= {"taskName", "taskUrl", "deptName"}
    assert one["list"][0]["taskUrl"].startswith("/pubtask/task/1/110000000000/")
    assert page.status_code == 200


@asgi_test
async def test_listfw_task_list_leaves_out_unsearchable_guides_that_the_category_tree_lists():
    app = site_app("bjzwfw", listfw.ARCHETYPE)
    async with client(app) as http:
        found = await bj_list(http, "城乡居民基本养老保险参保登记")
        home = await http.get("/")
    assert found == {"list": [], "total": 0, "pageNum": 1}
    tree = lxml_html.fromstring(home.text).xpath("//div[@id='tree']//a/text()")
    assert "城乡居民基本养老保险参保登记" in tree


@asgi_test
async def test_listfw_guide_page_shows_present_labels_only_and_placeholders_as_given():
    guide = BEIJING.target("public-health-permit", "pc")
    app = site_app("bjzwfw", listfw.ARCHETYPE)
    async with client(app) as http:
        response = await http.get(listfw.ARCHETYPE.guide_path(BJ, BEIJING, guide, "pc"))
        unknown = await http.get("/pubtask/task/1/110000000000/0123.html")
    doc = lxml_html.fromstring(response.text)
    pairs = {
        dt.text_content(): dt.getnext().xpath("string(./div[@class='fold-text'])")
        or dt.getnext().text_content()
        for dt in doc.xpath("//dl/dt")
    }
    assert "到现场办理的次数" not in pairs  # the element is absent from this guide
    assert pairs["监督电话"] == "暂无"
    assert pairs["设定依据"] == guide.elements["设定依据"]
    assert pairs["承诺办结时限"] == "5个工作日"
    rows = doc.xpath("//table[@id='materials']/tbody/tr")
    assert [r.xpath("string(td[@class='mname'])") for r in rows] == [
        m.name for m in guide.materials
    ]
    assert doc.xpath("//a[text()='表格下载']/@href") == [guide.materials[0].form_url]
    assert doc.xpath("//a[@id='onlineApply']/@href") == [f"/apply/{guide.guide_id}"]
    assert unknown.status_code == 404


ZJ = WORLD.sites["zjzwfw"]
HANGZHOU = WORLD.cities["hangzhou"]
NINGBO = WORLD.cities["ningbo"]


def result_titles(text: str) -> list[str]:
    return lxml_html.fromstring(text).xpath("//div[@class='result-item']/a/text()")


@asgi_test
async def test_zjsearch_results_page_ranks_loose_matches_of_the_chosen_city():
    app = site_app("zjzwfw", zjsearch.ARCHETYPE)
    async with client(app) as http:
        index = await http.get(
            "/zjservice/item/search/index.do", params={"keyword": "卫生许可", "areacode": "330200"}
        )
        frame = lxml_html.fromstring(index.text).xpath("//iframe[@id='searchFrame']/@src")[0]
        results = await http.get(frame)
    assert "areacode=330200" in frame
    titles = result_titles(results.text)
    assert titles[:3] == [
        "公共场所卫生许可（延续）",
        "公共场所卫生许可（新证）",
        "公共场所卫生许可（变更）",
    ]
    assert "卫生许可证遗失补办公告" in titles
    links = lxml_html.fromstring(results.text).xpath("//div[@class='result-item']/a")
    assert {a.get("target") for a in links} == {"_blank"}
    code = zjsearch.inner_code(ZJ, NINGBO.target("public-health-permit", "pc"))
    assert links[1].get("href") == f"/zjservice/item/detail/index.do?localInnerCode={code}"


@asgi_test
async def test_zjsearch_city_choice_is_remembered_in_a_cookie():
    app = site_app("zjzwfw", zjsearch.ARCHETYPE)
    async with client(app) as http:
        first = await http.get("/", params={"areacode": "330200"})
        later = await http.get("/zjservice/item/category.do", params={"name": "社会保障"})
    assert first.cookies.get("zj_areacode") == "330200"
    assert "宁波市 · 社会保障" in later.text


@asgi_test
async def test_zjsearch_search_leaves_out_unsearchable_guides_that_categories_list():
    app = site_app("zjzwfw", zjsearch.ARCHETYPE)
    name = "城乡居民基本养老保险参保登记"
    async with client(app) as http:
        found = await http.get(
            "/zjservice/item/search/results.do", params={"keyword": name, "areacode": "330100"}
        )
        listed = await http.get(
            "/zjservice/item/category.do", params={"name": "社会保障", "areacode": "330100"}
        )
    assert name not in result_titles(found.text)
    assert name in result_titles(listed.text)


@asgi_test
async def test_zjsearch_online_jsonp_tells_whether_the_guide_is_handled_online():
    app = site_app("zjzwfw", zjsearch.ARCHETYPE)
    online = HANGZHOU.target("public-health-permit", "pc")
    offline = HANGZHOU.target("pension-registration", "pc")
    async with client(app) as http:
        answers = [
            await http.get(
                "/zjservice/item/online.do",
                params={"callback": "cb_1", "localInnerCode": zjsearch.inner_code(ZJ, g)},
            )
            for g in (online, offline)
        ]
        bad = await http.get("/zjservice/item/online.do", params={"callback": "alert(1)//"})
    payloads = [json.loads(a.text.removeprefix("/**/cb_1(").removesuffix(");")) for a in answers]
    assert answers[0].headers["content-type"].startswith("application/javascript")
    assert payloads[0]["data"] == {
        "isOnline": True,
        "onlineUrl": f"/apply/{online.guide_id}",
        "onlineDepth": "是",
    }
    assert payloads[1]["data"]["isOnline"] is False
    assert bad.status_code == 400


@asgi_test
async def test_zjsearch_detail_is_label_value_paragraphs_with_a_materials_list():
    guide = HANGZHOU.target("public-health-permit", "pc")
    app = site_app("zjzwfw", zjsearch.ARCHETYPE)
    async with client(app) as http:
        response = await http.get(zjsearch.ARCHETYPE.guide_path(ZJ, HANGZHOU, guide, "pc"))
    doc = lxml_html.fromstring(response.text)
    pairs = {
        p.xpath("string(span[@class='label'])").rstrip("："): p.xpath(
            "string(span[@class='value'])"
        )
        for p in doc.xpath("//p[@class='item']")
    }
    assert pairs["法定期限"] == "20个工作日"
    assert pairs["投诉渠道"] == "暂无"
    assert "到现场次数" not in pairs
    assert doc.xpath("//ul[@class='cl-list']/li/span[@class='cl-name']/text()") == [
        m.name for m in guide.materials
    ]
    consult = doc.xpath("//a[@class='consult']/@href")[0]
    assert consult == "/hdjl/consult/new?" + urlencode({"matter": guide.name, "region": "330100"})


async def _shows(http: httpx.AsyncClient, archetype, site, city, guide, channel) -> bool:
    """The guide's own page (or, for jsonapi, the data it loads) carries the guide's name."""
    if archetype.id == "jsonapi":
        params = {"TASK_CODE": jsonapi.task_code(city, guide)}
        if channel == "mobile":
            params["TERMINAL"] = "H5"
        for _ in range(2):  # the page retries once after the periodic 502
            answer = await http.get(
                "/portal/api/v2/item-event/getAuditItemDetailCur", params=params
            )
            if answer.status_code == 200:
                return answer.json()["data"]["AUDIT_ITEM"]["TASK_NAME"] == guide.name
        return False
    answer = await http.get(archetype.guide_path(site, city, guide, channel))
    return answer.status_code == 200 and guide.name in answer.text


async def _search_finds(http: httpx.AsyncClient, archetype, city, guide, channel) -> bool:
    if archetype.id == "jsonapi":
        found = await gd_search(
            http,
            guide.name,
            city.region_code,
            pageSize=50,
            **({"TERMINAL": "H5"} if channel == "mobile" else {}),
        )
        return guide.name in [r["CATANAME"] for r in found["AUDIT_ITEMLIST"]]
    if archetype.id == "listfw":
        params = {"serverType": "1001", "locationCode": city.region_code, "keyword": guide.name}
        if channel == "mobile":
            params["source"] = "wap"
        answer = await http.get("/guideservice/pubtask/getTaskList", params=params)
        return guide.name in [r["taskName"] for r in answer.json()["data"]["list"]]
    path = "/zjmobile/search" if channel == "mobile" else "/zjservice/item/search/results.do"
    answer = await http.get(path, params={"keyword": guide.name, "areacode": city.region_code})
    return guide.name in result_titles(answer.text)


@asgi_test
async def test_the_real_world_sites_show_every_target_and_search_only_the_searchable_ones():
    from sandbox.world import load_world

    world = load_world()
    mine = {a.id: a for a in (jsonapi.ARCHETYPE, listfw.ARCHETYPE, zjsearch.ARCHETYPE)}
    checked = 0
    for site in world.sites.values():
        archetype = mine.get(site.archetype)
        if archetype is None:
            continue
        app = archetype.app(site, world)
        async with client(app) as http:
            home = await http.get(
                archetype.entry_path(site, world.site_cities(site.site_id)[0], "pc")
            )
            assert home.status_code == 200, site.site_id
            for city in world.site_cities(site.site_id):
                for channel in ("pc", "mobile"):
                    for guide in city.guides.get(channel, ()):
                        if guide.kind != "target":
                            continue
                        where = (site.site_id, city.city_id, channel, guide.name)
                        assert await _shows(http, archetype, site, city, guide, channel), where
                        found = await _search_finds(http, archetype, city, guide, channel)
                        assert found == guide.searchable, where
                        checked += 1
    assert checked > 0
