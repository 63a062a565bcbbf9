"""The report: self-contained HTML whose portal text is escaped, Chinese labels, 未测 for what
was not measured, charts as SVG with a CJK font; the same tables as XLSX and CSV. Rendered in
Chromium: ``tests/e2e/test_report.py``."""

from __future__ import annotations

import copy
import csv
import logging
import re
from pathlib import Path

import lxml.html
import pytest
from openpyxl import load_workbook

from probes.outcomes import Outcome
from probes.report import charts
from probes.report.data import (
    build_report_data,
    compare,
    indicator_tree,
    offline_section,
    render_html,
    report_tables,
    write_csv,
    write_xlsx,
)
from probes.score.offline import read_offline
from probes.score.scoring import (
    CityInfo,
    GuideObservation,
    HandlingObservation,
    InteractionObservation,
    score_round,
)
from tests.support.report_data import (
    EVIL,
    GUIDE_URL,
    HARDWARE_ITEMS,
    NAMES,
    SYSTEM,
    make_data,
    probe,
    score_json,
    thread,
)


@pytest.fixture(scope="module")
def report_html() -> str:
    """The report of ``make_data()``, rendered once for the tests that only read it."""
    return render_html(make_data())


def parse(html: str):
    return lxml.html.fromstring(html)


def find_all(el, tag: str = "*", **attrs: str | bool) -> list:
    """Descendants by tag and attributes (``data_city="x"``: data-city="x"; True: present)."""
    tests = "".join(
        f"[@{k.replace('_', '-')}]" if v is True else f'[@{k.replace("_", "-")}="{v}"]'
        for k, v in attrs.items()
    )
    return el.xpath(f".//{tag}{tests}")


def find(el, tag: str = "*", **attrs: str | bool):
    found = find_all(el, tag, **attrs)
    assert found, (tag, attrs)
    return found[0]


def body_rows(table_el) -> list:
    return table_el.xpath("./tbody/tr")


def table(doc, name: str):
    return find(doc, "table", data_table=name)


def cells(row) -> list[str]:
    return [td.text_content().strip() for td in row.xpath("./td")]


def test_the_html_references_nothing_outside_itself(report_html) -> None:
    html = report_html
    doc = parse(html)
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for attr, value in el.attrib.items():
            if attr.startswith("xmlns"):
                continue  # SVG namespace names, never fetched
            if attr in (
                "href",
                "src",
                "xlink:href",
                "action",
                "{http://www.w3.org/1999/xlink}href",
            ):
                assert value.startswith(("#", "data:image/")), (el.tag, attr, value)
    assert not doc.xpath("//script | //link | //iframe | //object | //embed")
    assert not re.search(r"url\(\s*['\"]?(?!#)", html), "CSS fetches nothing"
    assert "@import" not in html
    # Every http(s) string left is a namespace name or the portal url, shown as escaped text.
    shown = GUIDE_URL.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    leftover = html.replace(shown, "")
    for match in re.finditer(r"https?://[^\s\"'<>]*", leftover):
        assert match.group(0) in ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink")
    url_cells = [td.text_content() for td in doc.xpath('//td[@class="url"]')]
    assert GUIDE_URL in url_cells


def test_portal_text_comes_out_escaped(report_html) -> None:
    html = report_html
    assert EVIL not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    doc = parse(html)
    replies = [row.xpath("./td")[-1].text_content() for row in find_all(doc, "tr", data_kind=True)]
    assert EVIL in replies  # the reply is shown, as text
    materials = table(doc, "materials")
    assert EVIL in materials.text_content()


def test_each_chart_is_an_inline_svg_with_a_chinese_font_family(report_html) -> None:
    doc = parse(report_html)
    figures = {f.get("data-chart"): f for f in find_all(doc, "figure", data_chart=True)}
    assert set(figures) == {"indicators", "regions", "ranking", "quadrants"}
    for name, figure in figures.items():
        svg = figure.xpath(".//svg")
        assert svg, name
        families = {
            m.group(1)
            for m in re.finditer(r"font-family: ([^;\"]*)", lxml.html.tostring(svg[0], encoding="unicode"))
        }  # fmt: skip
        assert families and all("Noto Sans CJK SC" in f for f in families), name
    # Ids stay unique across the charts sharing the page.
    ids = [el.get("id") for el in doc.iter() if isinstance(el.tag, str) and el.get("id")]
    assert len(ids) == len(set(ids))


def test_without_offline_results_there_is_no_quadrant_chart() -> None:
    doc = parse(render_html(make_data(offline=None)))
    assert not find_all(doc, "figure", data_chart="quadrants")
    assert not find_all(doc, "section", id="offline")


def test_items_not_measured_show_未测_never_0(report_html) -> None:
    doc = parse(report_html)
    national = table(doc, "national")
    for item in HARDWARE_ITEMS:
        row = find(national, "tr", data_item=item)
        assert cells(row)[1] == "未测"
    assert cells(find(national, "tr", data_indicator="hardware"))[1] == "未测"
    ranking = table(doc, "ranking")
    for row in body_rows(ranking):
        assert find(row, "td", data_indicator="hardware").text_content() == "未测"
    city = find(find(doc, "section", data_city="guangzhou"), "table", data_table="city-scores")
    assert cells(find(city, "tr", data_item="https"))[1] == "未测"
    region = find(table(doc, "regions"), "tr", data_region="华北")
    assert cells(region)[1] == "未测"


def test_an_incomplete_city_is_flagged_and_not_ranked(report_html) -> None:
    doc = parse(report_html)
    rows = {r.get("data-city"): r for r in body_rows(table(doc, "ranking"))}
    assert cells(rows["guangzhou"])[:2] == ["1", "广州"]
    assert cells(rows["beijing"])[0] == "数据不全"
    ranking = find(find(doc, "figure", data_chart="ranking"), "svg").text_content()
    assert "北京" not in ranking and "广州" in ranking
    page = find(find(doc, "section", data_city="beijing"), "h3").text_content()
    assert "数据不全" in page


def test_labels_are_chinese_and_ids_stay_in_data_attributes(report_html) -> None:
    doc = parse(report_html)
    text = doc.text_content()
    for word in ("办事指南", "硬件支撑", "事项办理", "互动交流", "咨询回复及时性", "城市", "得分",
                 "排名", "区域", "线上得分", "线下得分", "及时性", "开办美容院", "电脑端",
                 "未找到办事指南", "按时回复", "未回复", "双高", "示例数据"):  # fmt: skip
        assert word in text, word
    body = find(doc, "body")
    for svg in body.xpath(".//svg"):
        svg.drop_tree()
    visible = body.text_content()
    for english in ("guangzhou", "consult_timeliness", "beauty-salon", "guide_missing",
                    "on_time", "both_high"):  # fmt: skip
        assert english not in visible, english


def test_figures_resting_on_an_evaluators_judgement_are_marked(report_html) -> None:
    doc = parse(report_html)
    gz = find(doc, "section", data_city="guangzhou")
    scores = find(gz, "table", data_table="city-scores")
    assert "※" in cells(find(scores, "tr", data_item="consult_effectiveness"))[1]
    assert "※" not in cells(find(scores, "tr", data_item="complaint_effectiveness"))[1]
    assert "※" not in cells(find(scores, "tr", data_item="consult_timeliness"))[1]
    consult = find(gz, "tr", data_kind="consult")
    assert "※" in cells(consult)[8]
    sz = find(doc, "section", data_city="shenzhen")
    assert "※" not in find(sz, "table", data_table="city-scores").text_content()
    national = table(doc, "national")
    assert "※" in cells(find(national, "tr", data_item="consult_effectiveness"))[1]


def test_the_quadrant_counts_and_material_differences_are_shown(report_html) -> None:
    # online (ranked): 广州 90, 深圳 80 -> mean 85; offline 95, 85 -> mean 90
    doc = parse(report_html)
    counts = {
        r.get("data-quadrant"): int(find(r, "td", data_count=True).get("data-count"))
        for r in body_rows(table(doc, "quadrants"))
    }
    assert counts == {"both_high": 1, "both_low": 1, "online_better": 0, "offline_better": 0}
    offline = {r.get("data-city"): cells(r) for r in body_rows(table(doc, "offline"))}
    assert offline["guangzhou"][:5] == ["广州", "90.00", "95.00", "92.50", "双高"]
    assert offline["beijing"][1] == "未测"  # incomplete online: no quadrant
    assert "未参与" in offline["beijing"][4]
    assert find(doc, data_differing_cities=True).get("data-differing-cities") == "1"
    assert find_all(doc, data_sample=True), "sample data is announced"


def test_a_screenshot_must_be_embedded_not_linked() -> None:
    data = make_data()
    data["cities"]["guangzhou"]["probes"][0]["screenshot"] = "https://evil.example/shot.png"
    with pytest.raises(ValueError, match="guangzhou.*screenshot is not a data:image"):
        render_html(data)


def test_a_report_from_a_real_scored_round() -> None:
    cities = [CityInfo("guangzhou", "广州", "华南"), CityInfo("shenzhen", "深圳", "华南"),
              CityInfo("lhasa", "拉萨", "西南")]  # fmt: skip
    guides, handling, interactions = [], [], []
    # 拉萨: our probes failed (excluded, not scored) and no consultation: incomplete
    for c, outcome in (("guangzhou", Outcome.OK), ("shenzhen", Outcome.GUIDE_MISSING),
                       ("lhasa", Outcome.PROBE_ERROR)):  # fmt: skip
        found = outcome == Outcome.OK
        for matter in ("public-health-permit", "enterprise-registration"):
            guides.append(
                GuideObservation(
                    c,
                    "beauty-salon",
                    matter,
                    "pc",
                    outcome,
                    "search" if found else None,
                    3,
                    2.0,
                    1 if found else None,
                    0.9 if found else None,
                    0,
                    4,
                )  # fmt: skip
            )
            handling.append(HandlingObservation(c, "beauty-salon", matter, "pc", found, 0, "IV"))
    interactions = [
        InteractionObservation("guangzhou", "beauty-salon", "consult", "on_time", "solved", "evaluator"),
        InteractionObservation("shenzhen", "beauty-salon", "consult", "late", "partly", "auto"),
    ]  # fmt: skip
    scored = score_round(cities, guides, interactions, handling, [], SYSTEM).to_json()
    data = build_report_data(
        round_id="R1", round_time="2026-11-29", score=scored, system=SYSTEM, names=NAMES,
        probes=[probe("guangzhou", "public-health-permit")],
        threads=[thread("guangzhou", effectiveness="solved", effectiveness_source="evaluator")],
    )  # fmt: skip
    doc = parse(render_html(data))
    rows = body_rows(table(doc, "ranking"))
    shown = [(r.get("data-city"), cells(r)[0], cells(r)[3]) for r in rows]
    expected = [
        (
            c["city"],
            str(c["rank"]) if c["rank"] else "数据不全",
            "未测" if c["score"] is None else f"{c['score']:.2f}",
        )
        for c in scored["cities"]
    ]
    assert shown == expected
    assert scored["cities"][-1]["city"] == "lhasa" and scored["cities"][-1]["rank"] is None
    national = table(doc, "national")
    assert cells(find(national, "tr", data_indicator="score"))[1] == (
        f"{scored['national']['score']:.2f}"
    )
    assert cells(find(national, "tr", data_item="availability"))[1] == "未测"


def test_compare_gives_the_change_per_indicator_item_and_city() -> None:
    new, old = score_json(), score_json()
    old["national"]["score"] = 80.5
    old["national"]["indicators"]["guide"] = 90.0
    old["cities"][0].update(score=85.0, rank=2)
    old["cities"][1].update(score=81.0, rank=1)
    old["cities"][0]["items"].update(obtainability=None, completeness=85.0)
    del old["cities"][2]  # beijing absent from the old round
    old["regions"][0]["score"] = 84.0
    change = compare(new, old)
    assert change["national"]["score"] == 4.5
    assert change["national"]["indicators"] == {
        "guide": -5.0, "hardware": None, "handling": 0.0, "interaction": 0.0
    }  # fmt: skip
    assert change["regions"] == {"华南": 1.0, "华北": None}
    gz = change["cities"]["guangzhou"]
    assert (gz["score"], gz["rank"]) == (5.0, 1)  # up one place
    assert gz["items"]["obtainability"] is None and gz["items"]["completeness"] == 5.0
    assert change["cities"]["shenzhen"]["rank"] == -1
    assert change["cities"]["beijing"]["score"] is None
    assert change["cities"]["beijing"]["indicators"] == dict.fromkeys(
        ["guide", "hardware", "handling", "interaction"]
    )


def test_the_report_shows_the_change_from_the_previous_round() -> None:
    old = score_json()
    old["cities"][0].update(score=85.0, rank=2)
    data = make_data(compare={"round": "R0", **compare(score_json(), old)})
    doc = parse(render_html(data))
    rows = {r.get("data-city"): cells(r) for r in body_rows(table(doc, "ranking"))}
    assert rows["guangzhou"][-2:] == ["+5.00", "↑1"]
    assert rows["beijing"][-2:] == ["持平", "—"]
    assert "对比轮次 R0" in doc.text_content()


SHEETS = ["全国", "区域", "城市", "探测", "咨询投诉", "线上线下", "材料差异", "可用性"]


def test_the_workbook_has_the_documented_sheets(tmp_path: Path) -> None:
    path = write_xlsx(make_data(), tmp_path / "out" / "report.xlsx")
    book = load_workbook(path, read_only=True)
    try:
        assert book.sheetnames == SHEETS
        rows = list(book["城市"].iter_rows(values_only=True))
        header, body = rows[0], rows[1:]
        assert header[:7] == ("排名", "城市代码", "城市", "区域", "得分", "较上轮", "完整")
        by_city = {r[1]: dict(zip(header, r, strict=True)) for r in body}
        assert by_city["guangzhou"]["得分"] == 90.0
        assert by_city["guangzhou"]["硬件支撑"] == "未测"
        assert by_city["guangzhou"]["评估人判定"] == "咨询回复有效性"
        assert by_city["beijing"]["排名"] is None and by_city["beijing"]["完整"] == "数据不全"
        threads = list(book["咨询投诉"].iter_rows(values_only=True))
        assert EVIL in [r[-1] for r in threads]
        offline = list(book["线上线下"].iter_rows(values_only=True))
        assert offline[0][-1] == "线下办事指南" and len(offline) == 4
    finally:
        book.close()


def test_the_workbook_keeps_its_sheets_without_offline_results(tmp_path: Path) -> None:
    path = write_xlsx(make_data(offline=None), tmp_path / "report.xlsx")
    book = load_workbook(path, read_only=True)
    try:
        assert book.sheetnames == SHEETS
        assert len(list(book["线上线下"].iter_rows(values_only=True))) == 1  # the header
    finally:
        book.close()


def test_the_city_table_round_trips_through_csv(tmp_path: Path) -> None:
    data = make_data()
    written = write_csv(data, tmp_path / "tables")
    assert sorted(p.name for p in written) == sorted(t.file for t in report_tables(data))
    with (tmp_path / "tables" / "cities.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["城市代码"] for r in rows] == [c["city"] for c in data["score"]["cities"]]
    items = [(i["id"], f"{ind['name']}/{i['name']}") for ind in data["indicators"] for i in ind["items"]]  # fmt: skip
    for row, c in zip(rows, data["score"]["cities"], strict=True):
        assert row["城市"] == c["name"]
        assert row["排名"] == ("" if c["rank"] is None else str(c["rank"]))
        assert float(row["得分"]) == c["score"]
        for item_id, head in items:
            want = c["items"][item_id]
            assert (row[head] == "未测") if want is None else (float(row[head]) == want)


FORMULA = '=HYPERLINK("http://evil.example","点此")'


def test_portal_text_is_never_a_spreadsheet_formula(tmp_path: Path) -> None:
    data = make_data()
    data["cities"]["shenzhen"]["threads"][0]["reply_text"] = FORMULA
    book = load_workbook(write_xlsx(data, tmp_path / "report.xlsx"))
    replies = [row[-1] for row in book["咨询投诉"].iter_rows(min_row=2)]
    assert [(c.value, c.data_type) for c in replies if c.value == FORMULA] == [(FORMULA, "s")]
    write_csv(data, tmp_path / "csv")
    with (tmp_path / "csv" / "threads.csv").open(encoding="utf-8-sig", newline="") as f:
        assert "'" + FORMULA in [row[-1] for row in csv.reader(f)]


def test_a_csv_path_gets_the_city_table_alone(tmp_path: Path) -> None:
    written = write_csv(make_data(), tmp_path / "cities-R1.csv")
    assert written == [tmp_path / "cities-R1.csv"]
    header = (tmp_path / "cities-R1.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("排名,城市代码,城市,区域,得分")


def test_the_indicator_tree_carries_chinese_names_and_the_effectiveness_kinds() -> None:
    tree = indicator_tree(SYSTEM)
    assert [i["name"] for i in tree] == ["办事指南", "硬件支撑", "事项办理", "互动交流"]
    kinds = {it["id"]: it["kind"] for i in tree for it in i["items"] if it["method"] == "effectiveness"}  # fmt: skip
    assert kinds == {"consult_effectiveness": "consult", "complaint_effectiveness": "complaint"}


def test_the_offline_section_compares_materials_from_an_imported_file(tmp_path: Path) -> None:
    path = tmp_path / "offline.csv"
    path.write_text(
        "city,offline_score,matter,materials\n广州,90,公共场所卫生许可,申请书；营业执照\n深圳,80,,\n",
        encoding="utf-8",
    )
    online = {
        ("guangzhou", "public-health-permit"): ["申请书", "营业执照复印件", "卫生检测报告"],
        ("shenzhen", "public-health-permit"): ["申请书"],
    }
    section = offline_section(read_offline(path), online, weights=(0.6, 0.4))
    assert section["scores"] == {"guangzhou": 90.0, "shenzhen": 80.0}
    assert section["materials_compared"] == 1
    assert section["material_differences"] == [
        {
            "city": "guangzhou",
            "matter": "public-health-permit",
            "online_only": ["卫生检测报告"],
            "offline_only": [],
        }
    ]
    assert section["weights"] == [0.6, 0.4] and section["sample"] is False


def test_charts_render_without_a_cjk_font_and_say_so(monkeypatch, caplog) -> None:
    from matplotlib import font_manager

    latin = [f for f in font_manager.fontManager.ttflist if f.name == "DejaVu Sans"]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    charts.cjk_font.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="probes.charts"):
            svg = charts.indicator_bars([("办事指南", 90.0), ("硬件支撑", None)])
        assert svg.startswith("<svg") and "办事指南" in svg and "未测" in svg
        assert any("no CJK font" in r.message for r in caplog.records)
    finally:
        charts.cjk_font.cache_clear()


def test_a_chart_keeps_text_as_text_and_escapes_it() -> None:
    svg = charts.quadrant_scatter([(EVIL, 90.0, 80.0, "online_better")], 85.0, 85.0)
    assert "<path" in svg and "<text" in svg
    assert EVIL not in svg and "&lt;script&gt;" in svg
    assert "<?xml" not in svg and "<metadata" not in svg
    if charts.cjk_font() == "Noto Sans CJK SC":
        assert "font-family: 'Noto Sans CJK SC'" in svg


def test_the_data_is_not_changed_by_rendering() -> None:
    data = make_data()
    before = copy.deepcopy(data)
    render_html(data)
    report_tables(data)
    assert data == before
