"""The vueportal archetype's JSON API against a real sandbox process, over httpx: POST JSON
answering in 200-600 ms, "not found" as a 200, search, detail, materials, navigation, paging,
deep links. Both single-page apps in Chromium: ``tests/e2e/test_sandbox_vueportal.py``."""

from __future__ import annotations

import re

import httpx
import pytest

from sandbox.archetypes import vueportal
from tests.support.vueportal import API, Portal, data_of, portals_of, post_all


@pytest.fixture(scope="module")
def portals(sandbox_url) -> dict[str, Portal]:
    return portals_of(sandbox_url)


def test_every_api_answers_post_json_after_its_deterministic_200_to_600_ms(portals):
    jinan = portals["jinan"]
    code = jinan.code("public-health-permit", "pc")
    calls = [
        (jinan.base, "/item/search", {"keyword": "许可", "areaCode": jinan.area, "pageNo": 1}),
        (jinan.base, "/item/search", {"keyword": "登记", "areaCode": jinan.area, "terminal": "H5"}),
        (jinan.base, "/item/list", {"areaCode": jinan.area, "type": "dept", "name": "卫生健康"}),
        (jinan.base, "/catalog", {"areaCode": jinan.area, "terminal": "PC"}),
        (jinan.base, "/item/detail", {"itemCode": code, "terminal": "PC"}),
        (jinan.base, "/item/materials", {"itemCode": code, "terminal": "PC"}),
        (jinan.base, "/item/detail", {"itemCode": "NOPE", "terminal": "PC"}),
    ]
    calls += calls[:2]  # the same request again waits the same again
    answers = post_all(calls)
    waits = []
    for (_, path, _), (response, elapsed, raw) in zip(calls, answers, strict=True):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        expected = vueportal.latency_ms(API + path, raw) / 1000
        assert 0.2 <= expected <= 0.6
        assert expected - 0.01 <= elapsed < expected + 0.3, (path, expected, elapsed)
        waits.append(expected)
    assert len(set(waits)) > 3  # not one constant delay
    assert abs(answers[-1][1] - answers[1][1]) < 0.2


def test_an_unknown_item_code_is_http_200_with_code_500_and_an_error(portals):
    jinan = portals["jinan"]
    pc_code = jinan.code("public-health-permit", "pc")
    answers = post_all(
        [
            (jinan.base, "/item/detail", {"itemCode": "370100NOSUCHITEM000000", "terminal": "PC"}),
            (jinan.base, "/item/materials", {"itemCode": "nope", "terminal": "H5"}),
            # a PC guide's code is no H5 guide: the terminal selects the channel's guides
            (jinan.base, "/item/detail", {"itemCode": pc_code, "terminal": "H5"}),
            (jinan.base, "/item/detail", {"itemCode": pc_code, "terminal": "PC"}),
        ]
    )
    for response, _, _ in answers[:3]:
        assert response.status_code == 200
        answer = response.json()
        assert answer["code"] == 500
        assert isinstance(answer["error"], str) and answer["error"]
        assert answer.get("data") is None
    assert data_of(answers[3][0])["AUDIT_ITEM"]["TASK_CODE"] == pc_code


def test_search_records_carry_item_code_name_and_the_highlighted_name(portals):
    taiyuan = portals["taiyuan"]
    want = taiyuan.want("public-health-permit", "pc")
    (response, _, _), (exact, _, _) = post_all(
        [
            (taiyuan.base, "/item/search", {"keyword": "许可", "areaCode": taiyuan.area}),
            (taiyuan.base, "/item/search", {"keyword": want["name"], "areaCode": taiyuan.area}),
        ]
    )
    records = data_of(response)["records"]
    assert records
    for record in records:
        assert {"itemCode", "itemName", "highlightName", "deptName", "itemType", "isOnline"} <= set(
            record
        )
        assert record["itemCode"].startswith(taiyuan.area)
        assert "<em>许可</em>" in record["highlightName"]
        assert re.sub(r"</?em>", "", record["highlightName"]) == record["itemName"]
    codes = {r["itemName"]: r["itemCode"] for r in data_of(exact)["records"]}
    assert codes[want["name"]] == taiyuan.code("public-health-permit", "pc")


def test_detail_nulls_missing_elements_and_materials_have_their_own_api(portals):
    jinan = portals["jinan"]
    want = jinan.want("enterprise-registration", "pc")
    assert want["elements"]["受理条件"] is None
    code = jinan.code("enterprise-registration", "pc")
    (detail, _, _), (materials, _, _) = post_all(
        [
            (jinan.base, "/item/detail", {"itemCode": code, "terminal": "PC"}),
            (jinan.base, "/item/materials", {"itemCode": code, "terminal": "PC"}),
        ]
    )
    data = data_of(detail)
    assert data["AUDIT_ITEM"]["TASK_NAME"] == want["name"]
    assert data["AUDIT_ITEM"]["ACCEPT_CONDITION"] is None
    assert "AUDIT_MATERIAL" not in data
    assert data["MATERIAL_COUNT"] == len(want["materials"])
    assert [m["MATERIAL_NAME"] for m in data_of(materials)] == [
        m["name"] for m in want["materials"]
    ]


def test_navigation_lists_a_guide_that_site_search_misses(portals, world):
    jinan = portals["jinan"]
    want = jinan.want("pension-registration", "pc")
    assert want["findable_by"] == "navigation"
    guide = next(g for g in world.cities["jinan"].guides["pc"] if g.name == want["name"])
    found = {"keyword": want["name"], "areaCode": jinan.area, "pageSize": 50}
    listed = {"type": "dept", "name": guide.category, "areaCode": jinan.area, "pageSize": 50}
    (searched, _, _), (navigated, _, _) = post_all(
        [(jinan.base, "/item/search", found), (jinan.base, "/item/list", listed)]
    )
    assert data_of(searched)["records"]  # the search finds its neighbours ...
    assert want["name"] not in [r["itemName"] for r in data_of(searched)["records"]]  # not it
    codes = {r["itemName"]: r["itemCode"] for r in data_of(navigated)["records"]}
    assert codes[want["name"]] == jinan.code("pension-registration", "pc")


def test_a_body_that_is_not_a_json_object_is_http_200_with_an_error(portals):
    jinan = portals["jinan"]
    with httpx.Client(timeout=10) as http:
        form = http.post(
            jinan.base + API + "/item/search", data={"keyword": "许可", "areaCode": jinan.area}
        )
        array = http.post(jinan.base + API + "/item/search", json=[{"keyword": "许可"}])
    for response in (form, array):
        assert response.status_code == 200
        answer = response.json()
        assert answer["code"] != 200 and answer["error"] and answer["data"] is None


def test_a_get_on_an_api_path_is_not_the_api_but_a_404(portals):
    base = portals["kunming"].base
    with httpx.Client(timeout=10) as http:
        for path in ("/item/search", "/item/detail", "/catalog", "/nothing"):
            response = http.get(base + API + path)
            assert response.status_code == 404
            assert "json" not in response.headers.get("content-type", "")
            assert "__PORTAL_CONFIG__" not in response.text  # nor the shell


def test_page_sizes_are_10_on_pc_and_8_on_h5_and_pages_are_disjoint(portals):
    kunming = portals["kunming"]
    body = {"keyword": "登记", "areaCode": kunming.area}
    pc = [(kunming.base, "/item/search", {**body, "pageNo": n, "terminal": "PC"}) for n in (1, 2)]
    h5 = [
        (kunming.base, "/item/search", {**body, "pageNo": n, "terminal": "H5"}) for n in range(1, 6)
    ]
    every = [(kunming.base, "/item/search", {**body, "pageSize": 50, "terminal": "H5"})]
    pages = [data_of(r) for r, _, _ in post_all(pc + h5 + every)]
    pc_pages, h5_pages, (h5_all,) = pages[:2], pages[2:7], pages[7:]
    assert [p["pageSize"] for p in pc_pages] == [10, 10]
    assert [len(p["records"]) for p in pc_pages] == [10, 10]
    assert [p["pageNo"] for p in pc_pages] == [1, 2]
    first, second = ({r["itemCode"] for r in p["records"]} for p in pc_pages)
    assert len(first) == len(second) == 10 and not first & second
    total = h5_pages[0]["total"]
    assert 24 < total <= 32  # five pages of 8 hold them all, the fifth one empty
    assert {p["pageSize"] for p in h5_pages} == {8}
    assert [p["pageNo"] for p in h5_pages] == [1, 2, 3, 4, 5]
    assert [len(p["records"]) for p in h5_pages[:3]] == [8, 8, 8]
    assert h5_pages[4]["records"] == []
    seen = [r["itemCode"] for p in h5_pages for r in p["records"]]
    assert len(seen) == len(set(seen)) == total  # disjoint pages, together all of them
    assert seen == [r["itemCode"] for r in h5_all["records"]]  # in one stable order


def test_deep_links_to_any_pc_or_h5_path_answer_the_same_html_shell(portals):
    base = portals["jinan"].base
    code = portals["jinan"].code("public-health-permit", "mobile")
    with httpx.Client(timeout=10) as http:
        pc = [http.get(base + p) for p in ("/", "/index.html", "/guide/x?itemCode=1", "/a/b/c")]
        h5 = [
            http.get(base + p)
            for p in (
                "/h5/home",
                "/h5",
                "/h5/search?keyword=许可",
                f"/h5/guide/{code}",
                f"/h5/guide/{code}/materials",
                "/h5/no/such/page",
            )
        ]
        script = http.get(base + "/static/js/h5.js")
    for response in pc + h5:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
    assert {r.text for r in pc} == {pc[0].text}
    assert {r.text for r in h5} == {h5[0].text}
    assert '<div id="app"></div>' in pc[0].text and '<div id="app"></div>' in h5[0].text
    assert "/static/js/pc.js" in pc[0].text and "/static/js/h5.js" not in pc[0].text
    assert "/static/js/h5.js" in h5[0].text and "/static/js/pc.js" not in h5[0].text
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
