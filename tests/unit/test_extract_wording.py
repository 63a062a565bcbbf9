"""Extraction over the wording and markup real portals use (issue 14, part 6 and part 4's
extraction side): several label/value pairs a row (Element's el-descriptions, td grids), a
materials table split in two tables (el-table) or built with rowspan/colspan, Vant's mobile
cells, steps and collapse items, link texts that are never values (查看详情, 下载, 展开), "当场"
promises, both time limits in one sentence, label synonyms, and gb2312-declared pages that hold
characters outside GB2312.

The pages in ``tests/fixtures/wording/`` are hand-made after the UI kits' own markup, not
copied from the sandbox's templates.
"""

from __future__ import annotations

import pytest

from probes import store
from probes.charsets import codec_for, decode_html
from probes.judge.extract import Extraction, extract, is_placeholder, normalize_label
from probes.judge.rejudge import judge_round
from probes.judge.rules import accuracy, parse_days
from probes.model import Capture, ProbeResult
from probes.net.http import decode
from probes.outcomes import Outcome
from probes.plan.scenarios import load_scenarios
from probes.store.evidence import EvidenceStore
from tests.support import FIXTURES

WORDING = FIXTURES / "wording"
BASE = "https://portal.example.gov.cn/guide/item?id=1"
ORIGIN = "https://portal.example.gov.cn"


@pytest.fixture(scope="module")
def pages() -> dict[str, Extraction]:
    return {p.stem: extract(p.read_text(encoding="utf-8"), BASE) for p in WORDING.glob("*.html")}


# What each page shows: elements with a value, labels seen with none. Any other element is
# not on the page at all.
EXPECTED = {
    "el_descriptions": (
        {
            "事项名称", "实施编码", "申请材料", "法定办结时限", "承诺办结时限", "收费标准",
            "办理地点", "办理时间", "咨询方式", "监督投诉方式", "到办事现场次数", "是否网办",
        },
        set(),
    ),
    "plain_pairs": (
        {
            "事项名称", "实施编码", "法定办结时限", "承诺办结时限", "收费标准", "办理地点",
            "办理时间", "咨询方式", "监督投诉方式", "到办事现场次数", "是否网办",
        },
        set(),
    ),
    "rowspan_materials": ({"事项名称", "申请材料", "办理流程"}, set()),
    "vant_mobile": (
        {
            "事项名称", "设定依据", "受理条件", "申请材料", "办理流程", "法定办结时限",
            "承诺办结时限", "收费标准", "办理地点", "咨询方式", "监督投诉方式", "到办事现场次数",
        },
        set(),
    ),
    # every value but these is a link to somewhere else: those labels count as empty
    "detail_links": (
        {
            "事项名称", "实施编码", "设定依据", "受理条件", "法定办结时限", "承诺办结时限",
            "咨询方式", "办理结果",
        },
        {"申请材料", "办理流程", "收费标准", "办理地点"},
    ),
    "prose_limits": (
        {
            "事项名称", "办理流程", "法定办结时限", "承诺办结时限", "收费标准",
            "到办事现场次数", "是否网办", "办理结果",
        },
        set(),
    ),
}  # fmt: skip


def test_every_wording_fixture_has_expectations() -> None:
    assert {p.stem for p in WORDING.glob("*.html")} == set(EXPECTED)


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_each_page_yields_exactly_the_elements_it_shows(pages, page) -> None:
    present, empty = EXPECTED[page]
    assert set(pages[page].elements) == present
    assert set(pages[page].empty) == empty


VALUES = [
    # el-descriptions: two pairs a row (th/td), three a row, an unknown label (窗口名称) among
    # known ones, a value spanning three columns, and label/content spans in one cell
    ("el_descriptions", "实施编码", "11350200MB0123456X3000111002000"),
    ("el_descriptions", "法定办结时限", "20个工作日"),
    ("el_descriptions", "承诺办结时限", "5个工作日"),
    ("el_descriptions", "到办事现场次数", "1次"),  # 到现场办理的次数, third pair of its row
    ("el_descriptions", "办理地点", "市行政服务中心二楼B区"),  # after 窗口名称, not swallowed
    ("el_descriptions", "收费标准", "不收费"),
    ("el_descriptions", "咨询方式", "0592-5551234"),  # not the header's 12345 or the footer's
    ("el_descriptions", "监督投诉方式", "0592-12345"),
    ("el_descriptions", "是否网办", "是"),
    # td/td: four and six cells a row, a group cell spanning two rows, an unknown label
    ("plain_pairs", "实施编码", "11530100MB1234567P4000117015000"),  # own name over 基本编码
    ("plain_pairs", "法定办结时限", "20个工作日"),
    ("plain_pairs", "承诺办结时限", "当场办结"),
    ("plain_pairs", "到办事现场次数", "0次"),  # 跑动次数
    ("plain_pairs", "收费标准", "否"),
    ("plain_pairs", "是否网办", "Ⅲ级"),
    ("plain_pairs", "办理地点", "市政务服务中心三楼卫健窗口"),  # under the 窗口信息 group
    ("plain_pairs", "办理时间", "周一至周五 9:00-12:00，14:00-17:30"),
    # Vant: label-left / value-right cells, tel: links, steps, collapse items
    ("vant_mobile", "法定办结时限", "15个工作日"),
    ("vant_mobile", "承诺办结时限", "即时办结"),
    ("vant_mobile", "到办事现场次数", "0次"),
    ("vant_mobile", "咨询方式", "0755-88123456"),
    ("vant_mobile", "监督投诉方式", "0755-12345"),  # a tel: link that says only 拨打
    ("vant_mobile", "办理流程", "申请\n申请人网上提交或窗口提交\n受理\n窗口当场受理\n发照\n核准后发放营业执照"),
    ("vant_mobile", "受理条件", "有经营能力的公民，依照规定经登记机关登记，从事工商业经营的。"),
    ("vant_mobile", "设定依据", "《促进个体工商户发展条例》第八条"),
    ("vant_mobile", "办理地点", "福田区行政服务大厅一楼"),  # not "… 查看地图"
    # link texts are never a value, nor part of one
    ("detail_links", "设定依据", "《城市市容和环境卫生管理条例》第十一条"),  # not "… 详情>>"
    ("detail_links", "办理结果", "户外广告设施设置许可决定书"),  # not "… 点击下载"
    ("detail_links", "受理条件", "设置户外广告设施应当符合户外广告设施设置规划…"),  # no 展开
    ("detail_links", "咨询方式", "0411-83333333"),  # not "… 我要咨询"
    ("detail_links", "承诺办结时限", "即办"),
    # prose: both limits in one sentence, each its own value; 到现场办理的次数
    ("prose_limits", "法定办结时限", "20个工作日"),
    ("prose_limits", "承诺办结时限", "5个工作日"),
    ("prose_limits", "到办事现场次数", "1次"),
    ("prose_limits", "是否网办", "是"),
    ("prose_limits", "收费标准", "不收费"),
    ("prose_limits", "办理流程", "申请、受理、审查、决定。"),  # a text keeps its full stop
]  # fmt: skip


@pytest.mark.parametrize(("page", "element", "value"), VALUES)
def test_values_are_read_whatever_the_wording_and_markup(pages, page, element, value) -> None:
    assert pages[page].elements[element] == value


def _abs(url: str | None) -> str | None:
    return ORIGIN + url if url and url.startswith("/") else url


MATERIALS = {
    # el-table: header and body are two tables, cells wrap their text in div.cell, the header
    # has a scrollbar gutter column the body lacks
    "el_descriptions": [
        ("食品经营许可申请书", "纸质/电子", "1", "申请人自备", "必要",
         "/attach/download?id=sqs-blank", "/attach/download?id=sqs-sample"),
        ("营业执照", "电子", "1", "政府部门核发", "必要", None, None),
        ("与食品经营相适应的主要设备设施布局、操作流程等文件", "纸质", "1", "申请人自备",
         "容缺后补", None, "/attach/download?id=sbbj-sample"),
    ],
    # a header in two rows (材料要求 over 材料形式 / 份数 / 是否必要, 表格下载 over 空表 / 样表),
    # a 材料类别 column spanning rows, a 备注 spanning rows, cells spanning columns, a group row
    # and a note row across the table
    "rowspan_materials": [
        ("建筑工程施工许可证申请表", "纸质", "原件1份", "申请人自备", "必要",
         "/files/sgxk-blank.doc", "/files/sgxk-sample.pdf"),
        ("授权委托书", "纸质", "原件1份", "申请人自备", "非必要", None, None),
        ("建设工程规划许可证", "电子证照，免于提交", None, "政府部门核发", None, None, None),
        ("施工合同", "纸质、电子", "复印件1份", "申请人自备", "容缺后补", None, "/files/htsl.pdf"),
        ("质量安全监督手续", "电子", "1份", "政府部门核发", "必要", None, None),
    ],
    # the materials sub-page (申请材料（3） >), kept by the journey as a hidden snapshot
    "vant_mobile": [
        ("个体工商户登记（备案）申请书", "纸质", "1份", None, "必要", "/h5/file?id=gt-blank", None),
        ("经营者身份证明", "电子", "1份", None, "必要", None, None),
        ("经营场所使用证明", "纸质", "1份", None, "容缺后补", None, "/h5/file?id=cs-sample"),
    ],
    "detail_links": [],  # 查看详情 and 申请材料（3） > lead elsewhere, and nothing was kept
    "prose_limits": [],
}  # fmt: skip


@pytest.mark.parametrize("page", sorted(MATERIALS))
def test_materials_are_read_with_their_columns_and_links(pages, page) -> None:
    got = [
        (m.name, m.media, m.copies, m.source, m.required, m.form_url, m.sample_url)
        for m in pages[page].materials
    ]
    assert got == [(*row[:5], _abs(row[5]), _abs(row[6])) for row in MATERIALS[page]]


@pytest.mark.parametrize(
    ("html", "present", "empty"),
    [
        # el-descriptions, td cells with the kit's label / content classes, three pairs a row
        (
            '<table class="el-descriptions__table"><tr>'
            '<td class="el-descriptions__label">法定办结时限</td><td class="el-descriptions__content">20个工作日</td>'
            '<td class="el-descriptions__label">承诺办结时限</td><td class="el-descriptions__content">5个工作日</td>'
            '<td class="el-descriptions__label">审批对象</td><td class="el-descriptions__content">企业法人</td>'
            "</tr></table>",
            {"法定办结时限": "20个工作日", "承诺办结时限": "5个工作日"},
            set(),
        ),
        # plain td/td with no classes at all: the structure alone
        (
            "<table><tr><td>法定办结时限</td><td>20个工作日</td><td>承诺办结时限</td><td>5个工作日</td></tr>"
            "<tr><td>办理地点</td><td>市民中心</td><td>负责人</td><td>王赟</td></tr></table>",
            {"法定办结时限": "20个工作日", "承诺办结时限": "5个工作日", "办理地点": "市民中心"},
            set(),
        ),
        # a th label beside a td value that looks like a label, on two rows of one table
        (
            "<table><tr><th>办理形式</th><td>在线办理</td></tr><tr><th>收费</th><td>不收费</td></tr></table>",
            {"是否网办": "在线办理"},
            set(),
        ),
        # a dt the catalogue does not know still ends the value of the dt before it
        (
            "<dl><dt>办理地点</dt><dd>市民中心</dd><dt>窗口名称</dt><dd>综合窗口</dd></dl>",
            {"办理地点": "市民中心"},
            set(),
        ),
        # Vant: a van-cell pair, and a value that is a label's word (在线办理)
        (
            '<div class="van-cell"><div class="van-cell__title"><span>承诺时限</span></div>'
            '<div class="van-cell__value"><span>5个工作日</span></div></div>'
            '<div class="van-cell"><div class="van-cell__title"><span>办理形式</span></div>'
            '<div class="van-cell__value"><span>在线办理</span></div></div>',
            {"承诺办结时限": "5个工作日", "是否网办": "在线办理"},
            set(),
        ),
        # a tel: link as the value, its text a number or only 拨打
        (
            '<div class="row"><span class="k">咨询电话</span><a href="tel:020-83331234">020-83331234</a></div>'
            '<div class="row"><span class="k">投诉电话</span><a href="tel:12345">拨打电话</a></div>',
            {"咨询方式": "020-83331234", "监督投诉方式": "12345"},
            set(),
        ),
        # collapse items: a title, and the content it folds
        (
            '<div class="van-collapse-item"><div class="van-collapse-item__title" role="button">'
            '<div class="van-cell__title"><span>受理条件</span></div><i class="van-icon-arrow"></i></div>'
            '<div class="van-collapse-item__wrapper" style="display:none">'
            '<div class="van-collapse-item__content">年满18周岁</div></div></div>',
            {"受理条件": "年满18周岁"},
            set(),
        ),
        # both limits in one sentence, colons
        (
            "<p>法定办结时限：20个工作日，承诺办结时限：5个工作日。</p>",
            {"法定办结时限": "20个工作日", "承诺办结时限": "5个工作日"},
            set(),
        ),
        # both limits in one sentence, 为 and no colon
        (
            "<p>法定期限为20个工作日，承诺期限为5个工作日</p>",
            {"法定办结时限": "20个工作日", "承诺办结时限": "5个工作日"},
            set(),
        ),
        # prose opened by 本事项, a Chinese number, an immediate promise
        (
            "<p>本事项法定办结时限为二十个工作日，承诺办结时限为当场办结。</p>",
            {"法定办结时限": "二十个工作日", "承诺办结时限": "当场办结"},
            set(),
        ),
        # a prose limit after another label's value ends that value
        (
            "<p>受理条件：申请材料齐全。法定期限为20个工作日，承诺期限为即办。</p>",
            {"受理条件": "申请材料齐全。", "法定办结时限": "20个工作日", "承诺办结时限": "即办"},
            set(),
        ),
        # bold labels in one sentence: each value without the comma that ended it
        (
            "<p><b>法定办结时限：</b>20个工作日，<b>承诺办结时限：</b>当场</p>",
            {"法定办结时限": "20个工作日", "承诺办结时限": "当场"},
            set(),
        ),
        # a label inside a sentence is no label
        ("<p>超过法定期限20日的，不予受理。</p>", {}, set()),
        # 当场 / 即时办结 / 即办 with no number are values
        (
            "<table><tr><th>承诺时限</th><td>当场</td></tr><tr><th>法定时限</th><td>即办</td></tr></table>",
            {"承诺办结时限": "当场", "法定办结时限": "即办"},
            set(),
        ),
        # 申请材料 shown only as a link: no materials, the label counts as empty
        (
            '<table><tr><td>申请材料</td><td><a href="/m?id=1">查看详情</a></td></tr></table>',
            {},
            {"申请材料"},
        ),
        # an entry to a sub-page: 申请材料（3） and an arrow, never the value "（3）"
        (
            '<div class="entry" onclick="go()"><span>申请材料</span><span class="count">（3）</span>'
            '<span class="arrow">&gt;</span></div>',
            {},
            {"申请材料"},
        ),
    ],
)  # fmt: skip
def test_small_wording_and_markup_variants(html, present, empty) -> None:
    ex = extract(f"<html><body>{html}</body></html>")
    assert {k: v for k, v in ex.elements.items() if k != "事项名称"} == present
    assert set(ex.empty) == empty
    assert ex.materials == ()


@pytest.mark.parametrize(
    "link", ["查看详情", "点击查看", "详情", "查看", "更多", "点击下载", "下载", "展开", "查看更多>>", "详情 >"]
)  # fmt: skip
@pytest.mark.parametrize("element_label", ["申请材料", "办理流程", "设定依据", "收费标准"])
def test_a_link_text_is_never_a_value(link, element_label) -> None:
    html = f'<table><tr><td>{element_label}</td><td><a href="/x?id=1">{link}</a></td></tr></table>'
    ex = extract(f"<html><body>{html}</body></html>")
    canonical = normalize_label(element_label)
    assert canonical not in ex.elements
    assert canonical in ex.empty
    assert ex.materials == ()
    assert is_placeholder(link, canonical)


def test_materials_behind_a_link_come_from_the_snapshot_of_the_sub_page() -> None:
    """The guide says 查看详情; the journey kept the materials page as a hidden snapshot."""
    html = """<html><body><h1>企业设立登记</h1><table>
    <tr><th>申请材料</th><td><a href="/guide/materials?id=1">查看详情</a></td></tr>
    <tr><th>承诺时限</th><td>1个工作日</td></tr></table>
    <div hidden data-govprobe-snapshot="0" data-govprobe-subpage="https://p.example/guide/materials?id=1">
    <div class="header">市政务服务网</div><h2>申请材料</h2>
    <table><tr><th>序号</th><th>材料名称</th><th>是否必要</th></tr>
    <tr><td>1</td><td>公司登记（备案）申请书</td><td>必要</td></tr>
    <tr><td>2</td><td>公司章程</td><td>必要</td></tr></table>
    <h3>相关事项</h3><ul><li>企业注销登记</li></ul></div></body></html>"""
    ex = extract(html, "https://p.example/guide?id=1")
    assert [(m.name, m.required) for m in ex.materials] == [
        ("公司登记（备案）申请书", "必要"),
        ("公司章程", "必要"),
    ]
    assert "申请材料" not in ex.empty
    assert ex.elements["承诺办结时限"] == "1个工作日"


def test_a_related_matters_block_never_takes_the_snapshots_with_it() -> None:
    html = """<html><body><h1>企业设立登记</h1><div class="main"><p>承诺时限：1个工作日</p>
    <h3>相关事项</h3></div>
    <div hidden data-govprobe-snapshot="0"><p>法定时限：3个工作日</p></div></body></html>"""
    ex = extract(html)
    assert ex.elements.get("法定办结时限") == "3个工作日"


@pytest.mark.parametrize(
    ("label", "canonical"),
    [
        ("到现场办理的次数", "到办事现场次数"),
        ("到现场次数", "到办事现场次数"),
        ("跑动次数", "到办事现场次数"),
        ("到现场办理次数", "到办事现场次数"),
        ("最多跑动次数", "到办事现场次数"),
        ("承诺办结期限", "承诺办结时限"),
        ("法定办理期限", "法定办结时限"),
        ("申请材料（3）", "申请材料"),
        ("查看详情", None),
        ("点击下载", None),
    ],
)
def test_label_synonyms(label, canonical) -> None:
    assert normalize_label(label) == canonical


@pytest.mark.parametrize("label", ["到现场办理的次数", "到现场次数", "跑动次数"])
def test_every_visit_label_reads_as_the_visits_element(label) -> None:
    ex = extract(f"<table><tr><td>{label}</td><td>0次</td></tr></table>")
    assert ex.elements["到办事现场次数"] == "0次"


# --- 当场 / 即办 promises and the judging of promised against statutory time -----------------


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("当场", 0),
        ("当场办结", 0),
        ("即时办结", 0),
        ("即办", 0),
        ("即时", 0),
        ("当日办结", 0),
        ("当场受理，5个工作日内办结", 5),  # a number beside the word is the limit
    ],
)
def test_immediate_time_limits_read_as_zero_days(text, days) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize(
    ("statutory", "promised", "codes"),
    [
        ("20个工作日", "当场", []),
        ("20个工作日", "即时办结", []),
        ("15日", "当场办结", []),
        ("即办", "当场", []),
        ("当场办结", "即时办结", []),
        ("即办", "即办", []),
        ("当场", "3个工作日", ["promise_exceeds_statutory"]),
    ],
)
def test_an_immediate_promise_is_within_any_statutory_limit(statutory, promised, codes) -> None:
    ex = Extraction("事项", {"法定办结时限": statutory, "承诺办结时限": promised}, (), (), (), ())
    assert [f.code for f in accuracy(ex)] == codes


def test_an_immediate_promise_on_a_page_is_present_and_judged_within() -> None:
    ex = extract(
        "<table><tr><td>法定时限</td><td>20个工作日</td><td>承诺时限</td><td>当场</td></tr></table>"
    )
    assert ex.elements["承诺办结时限"] == "当场"
    assert accuracy(ex) == ()


# --- gb2312-declared pages holding characters GB2312 lacks -----------------------------------

RARE = "朱镕基路 张堃 昇平 王赟 刘䶮"  # 䶮 is a four-byte GB18030 character, outside GBK too
GB_PAGE = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset={label}">'
    "<title>事项</title></head><body><h1>公共场所卫生许可</h1><table>"
    "<tr><th>办理地点</th><td>{rare}政务服务中心</td></tr>"
    "<tr><th>承诺时限</th><td>5个工作日</td></tr></table></body></html>"
)


def _gb_bytes(label: str) -> bytes:
    return GB_PAGE.format(label=label, rare=RARE).encode("gb18030")


def test_the_rare_characters_are_not_gb2312_but_gb18030_bytes() -> None:
    with pytest.raises(UnicodeEncodeError):
        RARE.encode("gb2312")
    assert "\ufffd" in _gb_bytes("gb2312").decode("gb2312", errors="replace")


@pytest.mark.parametrize(
    "label", ["gb2312", "GB2312", "gbk", "GB_2312-80", "x-gbk", "csGB2312", "gb18030"]
)
def test_a_gb_family_label_decodes_as_gb18030(label) -> None:
    assert codec_for(label) == "gb18030"
    body = _gb_bytes(label)
    for text in (
        decode_html(body),
        decode_html(body, label),
        decode(body, None),
        decode(body, label),
    ):
        assert RARE in text
        assert "\ufffd" not in text


def test_a_content_type_header_charset_wins_over_a_missing_meta() -> None:
    body = f"<html><body><p>办理地点：{RARE}</p></body></html>".encode("gb18030")
    assert RARE in decode(body, "gb2312")
    assert RARE in decode_html(body, "GB2312")


def test_a_body_cut_inside_its_last_character_still_decodes() -> None:
    body = _gb_bytes("gb2312")
    cut = body[: body.index(RARE[-1].encode("gb18030")) + 2]  # half of a four-byte character
    assert RARE[:-1] in decode(cut, "gb2312")


def test_extract_reads_raw_gb_bytes_by_their_declaration() -> None:
    ex = extract(_gb_bytes("gb2312"))
    assert ex.elements["办理地点"] == f"{RARE}政务服务中心"


def test_extract_reads_stored_utf8_evidence_whose_meta_still_says_gb2312() -> None:
    """The journey stores the browser's DOM as UTF-8; the page's <meta> is still in it."""
    stored = GB_PAGE.format(label="gb2312", rare=RARE).encode("utf-8")
    assert extract(stored).elements["办理地点"] == f"{RARE}政务服务中心"


def test_judging_a_round_reads_gb_bytes_evidence_without_replacement_characters(
    db, tmp_path
) -> None:
    evidence = EvidenceStore(tmp_path / "evidence")
    round_id = store.start_round(db, "guides", "sandbox", {})
    capture = Capture(
        url="http://portal.example/guide",
        title="公共场所卫生许可",
        html=evidence.put(_gb_bytes("gb2312"), "text/html"),
        screenshot=None,
        found_by="search",
        query="公共场所卫生许可",
        rank=1,
    )
    result = ProbeResult(
        city="guangzhou",
        scenario="beauty-salon",
        matter="public-health-permit",
        channel="pc",
        portal_url="http://portal.example/",
        outcome=Outcome.OK,
        reason="found by search",
        started_at="2026-11-29T00:00:00+00:00",
        seconds=1.0,
        capture=capture,
    )
    probe = store.save_probe(db, round_id, result)
    assert judge_round(db, evidence, round_id, load_scenarios()) == 1
    judged = store.judgement_of_probe(db, probe)
    place = next(e for e in judged["elements"] if e["element"] == "办理地点")
    assert place["value"] == f"{RARE}政务服务中心"
