"""Tests for probes/judge/extract.py over hand-written guide pages in five markup styles."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probes.judge.extract import Extraction, extract, is_placeholder, normalize_label
from probes.plan.elements import ElementsError, load_elements
from probes.settings import DATA_DIR
from tests.support import FIXTURES

PAGES = FIXTURES / "pages"
BASE = "https://portal.example.gov.cn/guide/item?id=1"
CANONICAL = set(load_elements().names)


@pytest.fixture(scope="module")
def pages() -> dict[str, Extraction]:
    return {p.stem: extract(p.read_text(encoding="utf-8"), BASE) for p in PAGES.glob("*.html")}


# What each page shows: elements with a value, labels seen empty. Elements in neither were not
# on the page at all (the Beijing page's only 联系电话 is in the footer).
EXPECTED = {
    "epoint_tabbed": (
        {
            "事项名称", "实施编码", "设定依据", "受理条件", "申请材料", "法定办结时限",
            "承诺办结时限", "收费标准", "办理地点", "办理时间", "咨询方式", "到办事现场次数",
            "是否网办",
        },
        {"办理流程", "监督投诉方式", "办理结果"},
    ),
    "beijing_dl": (
        {
            "事项名称", "实施编码", "设定依据", "受理条件", "申请材料", "办理流程",
            "承诺办结时限", "收费标准", "办理地点", "监督投诉方式", "到办事现场次数", "是否网办",
        },
        {"法定办结时限", "办理时间"},
    ),
    "zhejiang_colon": (
        CANONICAL,
        set(),
    ),
    "guangdong_rendered": (
        {
            "事项名称", "实施编码", "申请材料", "办理流程", "承诺办结时限", "收费标准",
            "咨询方式", "监督投诉方式", "是否网办",
        },
        {"设定依据", "受理条件", "法定办结时限", "办理地点", "办理时间", "到办事现场次数", "办理结果"},
    ),
    "div_grid": (
        {
            "事项名称", "实施编码", "受理条件", "申请材料", "办理流程", "承诺办结时限",
            "办理地点", "办理时间", "咨询方式", "监督投诉方式", "到办事现场次数", "是否网办",
        },
        {"设定依据", "法定办结时限", "收费标准"},
    ),
}  # fmt: skip


def test_every_fixture_page_has_expectations() -> None:
    assert {p.stem for p in PAGES.glob("*.html")} == set(EXPECTED)


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_each_page_yields_exactly_the_elements_it_shows(pages, page) -> None:
    present, empty = EXPECTED[page]
    ex = pages[page]
    assert set(ex.elements) == present
    assert set(ex.empty) == empty
    assert not set(ex.elements) & set(ex.empty)


VALUES = [
    ("epoint_tabbed", "事项名称", "公共场所卫生许可（新证）"),
    ("epoint_tabbed", "实施编码", "11330100002489321R4000117006000"),  # own name beats 基本编码
    ("epoint_tabbed", "法定办结时限", "20个工作日"),
    ("epoint_tabbed", "承诺办结时限", "5个工作日"),
    ("epoint_tabbed", "收费标准", "不收费"),
    ("epoint_tabbed", "咨询方式", "咨询电话：0571-87654321"),  # not the header's or footer's
    ("epoint_tabbed", "到办事现场次数", "1次"),
    ("epoint_tabbed", "是否网办", "Ⅳ级（全程网办）"),
    ("beijing_dl", "事项名称", "城乡居民基本养老保险参保登记"),
    ("beijing_dl", "承诺办结时限", "即办"),
    ("beijing_dl", "是否网办", "否"),
    ("beijing_dl", "受理条件", "年满16周岁（不含在校学生），非国家机关和事业单位工作人员及不属于职工基本养老保险制度覆盖范围的本市户籍城乡居民。"),
    ("zhejiang_colon", "事项名称", "企业设立登记（有限责任公司）"),
    ("zhejiang_colon", "法定办结时限", "15个工作日"),  # two pairs on one line
    ("zhejiang_colon", "承诺办结时限", "1个工作日"),
    ("zhejiang_colon", "到办事现场次数", "0次"),  # ASCII colon after a <br>
    ("zhejiang_colon", "办理地点", "杭州市市民之家行政服务中心三楼市场监管窗口"),
    ("zhejiang_colon", "受理条件", "申请人应当具备：1.有符合公司章程规定的全体股东认缴的出资额；2.有公司名称，建立符合有限责任公司要求的组织机构。"),
    ("zhejiang_colon", "监督投诉方式", "投诉电话12315"),
    ("zhejiang_colon", "办理结果", "营业执照"),
    ("guangdong_rendered", "事项名称", "公众聚集场所投入使用、营业前消防安全检查"),
    ("guangdong_rendered", "咨询方式", "020-8311 9119"),
    ("guangdong_rendered", "是否网办", "III级"),
    ("guangdong_rendered", "收费标准", "否"),
    ("guangdong_rendered", "办理流程", "受理 审查 决定 送达"),
    ("div_grid", "承诺办结时限", "三十个工作日"),
    ("div_grid", "是否网办", "是"),
    ("div_grid", "咨询方式", "028-12345678转1"),  # a vertical table: labels above values
    ("div_grid", "到办事现场次数", "最多跑一次"),
    ("div_grid", "受理条件", "具有本市户籍且未参加城镇职工基本医疗保险的城乡居民。"),
    ("div_grid", "办理流程", "提交申请\n社保经办机构审核\n参保登记完成"),
]  # fmt: skip


@pytest.mark.parametrize(("page", "element", "value"), VALUES)
def test_values_are_read_from_the_guide_not_from_the_page_furniture(
    pages, page, element, value
) -> None:
    assert pages[page].elements[element] == value


MATERIALS = {
    "epoint_tabbed": [
        ("公共场所卫生许可申请表", "/files/sqb-blank.docx", "/files/sqb-sample.pdf"),
        ("营业执照（复印件）", None, None),
        ("卫生管理制度", None, "https://files.example.gov.cn/wsgl-sample.pdf"),
    ],
    "beijing_dl": [
        ("居民身份证", None, None),
        (
            "城乡居民基本养老保险参保登记表",
            "https://banshi.beijing.gov.cn/file/cjyl-blank.xlsx",
            None,
        ),
    ],
    "zhejiang_colon": [
        ("公司登记（备案）申请书", "/zjservice/download?f=sqs", "/zjservice/download?f=sqs-yl"),
        ("公司章程", None, None),
        ("《法定代表人、董事、监事和经理信息表》", "/zjservice/download?f=xxb", None),
        ("住所使用相关文件", None, None),
    ],
    "guangdong_rendered": [
        ("消防安全检查申报表", "/portal/attach/FORM_GUID_1", "/portal/attach/EXAMPLE_GUID_1"),
        ("营业执照或者工商行政管理机关出具的企业名称预先核准通知书", None, None),
        ("消防安全制度、灭火和应急疏散预案、场所平面布置图", None, None),
    ],
    "div_grid": [
        ("居民身份证或户口簿", None, None),
        ("城乡居民基本医疗保险参保登记表", "/files/yb-blank.pdf", "/files/yb-sample.pdf"),
    ],
}


def _absolute(url: str | None) -> str | None:
    return "https://portal.example.gov.cn" + url if url and url.startswith("/") else url


@pytest.mark.parametrize("page", sorted(MATERIALS))
def test_materials_come_with_absolute_form_and_sample_links(pages, page) -> None:
    ex = pages[page]
    got = [(m.name, m.form_url, m.sample_url) for m in ex.materials]
    assert got == [(n, _absolute(f), _absolute(s)) for n, f, s in MATERIALS[page]]
    assert ex.elements["申请材料"] == "；".join(n for n, _, _ in MATERIALS[page])
    expected_links = [_absolute(u) for _, f, s in MATERIALS[page] for u in (f, s) if u]
    assert list(ex.links) == expected_links  # the footer's 表格下载 is not one of them


@pytest.mark.parametrize(
    ("page", "index", "media", "copies", "source", "required"),
    [
        ("epoint_tabbed", 0, "纸质/电子", "1", "申请人自备", "必要"),
        ("epoint_tabbed", 2, "电子", "1", "申请人自备", "容缺后补"),
        ("beijing_dl", 0, "原件", "1", "公安机关", "必要"),
        ("guangdong_rendered", 2, "纸质", None, "申请人自备", "非必要"),
        ("zhejiang_colon", 3, None, "1份", None, "容缺后补"),
        ("div_grid", 0, "纸质", "1份", None, None),
    ],
)
def test_material_details_are_read_from_columns_or_parentheses(
    pages, page, index, media, copies, source, required
) -> None:
    m = pages[page].materials[index]
    assert (m.media, m.copies, m.source, m.required) == (media, copies, source, required)


@pytest.mark.parametrize(
    ("page", "online"),
    [
        ("epoint_tabbed", ("https://portal.example.gov.cn/epointzwmhwz/apply/online?taskguid=8d2f",)),
        ("beijing_dl", ()),  # a disabled button, and 立即申报 only in the sidebar
        ("zhejiang_colon", ("https://www.zjzwfw.gov.cn/zjservice/apply?id=qysl",)),  # onclick
        ("guangdong_rendered", ("https://www.gdzwfw.gov.cn/portal/declare?TASK_CODE=11440100MB2C91231E4440111005000",)),
        ("div_grid", ("https://portal.example.gov.cn/sczw/apply?code=510100-yb",)),
    ],
)  # fmt: skip
def test_online_apply_entries_are_the_guides_own(pages, page, online) -> None:
    assert pages[page].online_apply == online


@pytest.mark.parametrize(
    ("page", "title"),
    [
        ("epoint_tabbed", "公共场所卫生许可（新证）"),
        ("beijing_dl", "城乡居民基本养老保险参保登记"),
        ("zhejiang_colon", "企业设立登记（有限责任公司）"),
        ("div_grid", "城乡居民基本医疗保险参保登记"),
    ],
)
def test_the_title_is_the_guides_name(pages, page, title) -> None:
    assert pages[page].title == title


@pytest.mark.parametrize(
    ("html", "title"),
    [
        ("<html><head><title>企业注销登记 - 浙江政务服务网</title></head><body><p>x</p></body></html>", "企业注销登记"),
        ("<html><head><title>办事指南</title></head><body><h1> 企业 注销登记 </h1></body></html>", "企业 注销登记"),
        ("<html><body><p>事项名称：企业注销登记</p><h1>别的</h1></body></html>", "企业注销登记"),
    ],
)  # fmt: skip
def test_the_matter_name_falls_back_to_the_h1_then_the_title(html, title) -> None:
    ex = extract(html)
    assert ex.title == title
    assert ex.elements["事项名称"] == title


def test_relative_links_stay_relative_without_a_base_url() -> None:
    ex = extract((PAGES / "div_grid.html").read_text(encoding="utf-8"))
    assert ex.materials[1].form_url == "/files/yb-blank.pdf"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("事项名称", "事项名称"),
        ("服务名称：", "事项名称"),
        ("★法定办结时限：", "法定办结时限"),
        ("1. 申请条件", "受理条件"),
        ("（三）办理流程", "办理流程"),
        ("法定时限（工作日）", "法定办结时限"),
        ("承诺时限(工作日):", "承诺办结时限"),
        ("【办理流程】", "办理流程"),
        ("  到 现 场 次 数  ", "到办事现场次数"),
        ("业务办理项编码", "实施编码"),
        ("网上办理深度", "是否网办"),
        ("收费项目信息", "收费标准"),
        ("投诉渠道", "监督投诉方式"),
        ("结果样本", "办理结果"),
        ("申请材料目录", "申请材料"),
        ("办理流程说明", "办理流程"),
        ("事项类型", None),  # a known label, but not an element govprobe reports
        ("办理时限", None),  # ambiguous: 法定 or 承诺?
        ("相关事项", None),
        ("", None),
        ("申请人应当具备以下申请条件", None),
    ],
)
def test_labels_normalize_to_canonical_names(text, canonical) -> None:
    assert normalize_label(text) == canonical


@pytest.mark.parametrize(
    ("value", "element", "placeholder"),
    [
        ("", None, True),
        ("   ", None, True),
        ("暂无", None, True),
        ("无", "办理地点", True),
        ("无", "收费标准", True),
        ("-", None, True),
        ("--", None, True),
        ("—— ", None, True),
        ("/", None, True),
        ("待补充", None, True),
        ("null", None, True),
        ("{{ ANTICIPATE_DAY }}", "法定办结时限", True),
        ("暂无。", None, True),
        ("不收费", "收费标准", False),
        ("否", "收费标准", False),
        ("否", "是否网办", False),
        ("0次", "到办事现场次数", False),
        ("0", "到办事现场次数", False),
        ("20个工作日", "法定办结时限", False),
        ("无犯罪记录证明", "申请材料", False),
    ],
)
def test_placeholders_count_as_missing_but_real_noes_do_not(value, element, placeholder) -> None:
    assert is_placeholder(value, element) is placeholder


@pytest.mark.parametrize(
    ("html", "present", "empty"),
    [
        # td/td pairs, several a row, and a label whose value cell is a placeholder
        (
            "<table><tr><td>法定时限</td><td>20日</td><td>承诺时限</td><td>暂无</td></tr></table>",
            {"法定办结时限": "20日"},
            {"承诺办结时限"},
        ),
        # a label cell whose value looks like a label itself stays a value
        (
            "<table><tr><th>办理形式</th><td>在线办理</td></tr></table>",
            {"是否网办": "在线办理"},
            set(),
        ),
        # a section heading with the value in the following block
        (
            "<div><h4>办理地点</h4><p>市民中心</p><h4>办理时间</h4><p></p></div>",
            {"办理地点": "市民中心"},
            {"办理时间"},
        ),
        # the label in a <b> and the value in its tail; br-separated pairs
        (
            "<p><b>受理条件：</b>年满18周岁<br/><b>设定依据：</b>《条例》</p>",
            {"受理条件": "年满18周岁", "设定依据": "《条例》"},
            set(),
        ),
        # a non-canonical label ends the value before it
        (
            "<p>事项类型：行政许可 法定时限：20个工作日 实施主体：市局</p>",
            {"法定办结时限": "20个工作日"},
            set(),
        ),
        # role=tab headers pointing at panels by aria-controls
        (
            '<div role="tablist"><span role="tab" aria-controls="p1">收费标准</span>'
            '<span role="tab" aria-controls="p2">咨询方式</span></div>'
            '<div role="tabpanel" id="p1">不收费</div><div role="tabpanel" id="p2"> </div>',
            {"收费标准": "不收费"},
            {"咨询方式"},
        ),
        # a UI kit's tabs: headers and panels paired by position, one header not a label
        (
            '<div class="el-tabs"><div class="el-tabs__header"><div class="el-tabs__nav">'
            '<div class="el-tabs__item">申请条件</div><div class="el-tabs__item">办理地点/时间</div>'
            '<div class="el-tabs__item">收费标准</div></div></div><div class="el-tabs__content">'
            '<div class="el-tab-pane">年满18岁</div><div class="el-tab-pane"><p>办理地点：市民中心'
            '</p></div><div class="el-tab-pane">不收费</div></div></div>',
            {"受理条件": "年满18岁", "办理地点": "市民中心", "收费标准": "不收费"},
            set(),
        ),
        # tab panels without ids, after a bar of li headers
        (
            '<ul class="tabs"><li>基本信息</li><li>申请条件</li><li>办理流程</li></ul>'
            '<div class="tab-con"><table><tr><td>承诺时限</td><td>5日</td></tr></table></div>'
            '<div class="tab-con">有营业执照</div><div class="tab-con"></div>',
            {"受理条件": "有营业执照", "承诺办结时限": "5日"},
            {"办理流程"},
        ),
    ],
)
def test_small_markup_variants(html, present, empty) -> None:
    ex = extract(f"<html><body>{html}</body></html>")
    assert {k: v for k, v in ex.elements.items() if k != "事项名称"} == present
    assert set(ex.empty) == empty


def test_numbered_text_under_the_materials_label_becomes_materials() -> None:
    ex = extract("<div><h3>申请材料</h3><p>1.身份证；2.营业执照；3.申请书</p></div>")
    assert [m.name for m in ex.materials] == ["身份证", "营业执照", "申请书"]


def test_a_materials_label_with_nothing_under_it_is_empty() -> None:
    ex = extract("<dl><dt>申请材料</dt><dd>暂无</dd><dt>受理条件</dt><dd>无</dd></dl>")
    assert ex.materials == ()
    assert set(ex.empty) == {"申请材料", "受理条件"}


def test_scripts_styles_and_templates_are_never_read() -> None:
    ex = extract(
        "<html><head><style>p::before{content:'办理地点：'}</style></head><body>"
        "<script>var s = '收费标准：不收费';</script><noscript>咨询电话：12345</noscript>"
        "<template><p>办理时间：全天</p></template><p>正文</p></body></html>"
    )
    assert set(ex.elements) <= {"事项名称"}
    assert ex.empty == ()


# --- the catalogue file -----------------------------------------------------------------------


def test_the_catalogue_holds_the_sixteen_elements_of_the_brief() -> None:
    assert load_elements().names == (
        "事项名称", "实施编码", "设定依据", "受理条件", "申请材料", "办理流程", "法定办结时限",
        "承诺办结时限", "收费标准", "办理地点", "办理时间", "咨询方式", "监督投诉方式",
        "到办事现场次数", "是否网办", "办理结果",
    )  # fmt: skip


def _catalogue(tmp_path: Path, text: str | None = None, old: str = "", new: str = "") -> Path:
    """A catalogue file: the given text, or the real one with one edit."""
    if text is None:
        good = (DATA_DIR / "elements.yaml").read_text("utf-8")
        assert old in good
        text = good.replace(old, new)
    path = tmp_path / "elements.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("elements: []\nplaceholders: []\n", "material_columns: Field required"),
        ("- a\n- b\n", "expected a mapping at the top level"),
        ("elements: [\n", "not valid YAML"),
    ],
)
def test_a_broken_catalogue_names_the_file_and_the_key(tmp_path, text, message) -> None:
    path = _catalogue(tmp_path, text)
    with pytest.raises(ElementsError) as err:
        load_elements(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_a_label_given_to_two_elements_is_refused_with_its_key(tmp_path) -> None:
    path = _catalogue(
        tmp_path, old="labels: [法定办结时限,", new="labels: [承诺时限, 法定办结时限,"
    )
    with pytest.raises(ElementsError, match=r"elements\[7\]\.labels\[2\]: label '承诺时限'"):
        load_elements(path)


def test_an_element_without_labels_is_refused_with_its_key(tmp_path) -> None:
    path = _catalogue(
        tmp_path,
        old="labels: [审批结果, 结果名称, 办理结果, 结果样本, 审批结果名称]",
        new="labels: []",
    )
    with pytest.raises(ElementsError, match=r"elements\[15\]\.labels: .*non-empty"):
        load_elements(path)


# --- no page makes extract fail ---------------------------------------------------------------

_TAGS = [
    "div",
    "p",
    "span",
    "table",
    "tr",
    "td",
    "th",
    "dl",
    "dt",
    "dd",
    "ul",
    "li",
    "b",
    "h3",
    "a",
]
_WORDS = [
    "事项名称", "法定时限", "承诺时限（工作日）", "★申请材料", "1. 申请条件", "咨询电话", "暂无",
    "在线办理", "空表", "样表", "：", ":", "20个工作日", "-", "<", ">", "&amp;", "&#0;", "\x00",
    "<br>", "</td>", "<tr>", "<script>", "</div>", "<!--", "]]>", "<?xml version='1.0' encoding='gbk'?>",
]  # fmt: skip


@st.composite
def _soup(draw) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            tag = draw(st.sampled_from(_TAGS))
            attrs = draw(
                st.sampled_from(["", ' class="tab-pane"', ' href="#x"', ' id="x"', ' role="tab"'])
            )
            parts.append(f"<{tag}{attrs}>")
        elif kind == 1:
            parts.append(f"</{draw(st.sampled_from(_TAGS))}>")
        elif kind == 2:
            parts.append(draw(st.sampled_from(_WORDS)))
        else:
            parts.append(draw(st.text(max_size=12)))
    return "".join(parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html=st.one_of(_soup(), st.text(max_size=200)))
def test_arbitrary_html_never_breaks_extract(html) -> None:
    ex = extract(html, BASE)
    assert isinstance(ex, Extraction)
    assert set(ex.elements) <= CANONICAL
    assert set(ex.empty) <= CANONICAL
    assert not set(ex.elements) & set(ex.empty)


@pytest.mark.parametrize("depth", [300, 3000])
def test_deeply_nested_markup_never_breaks_extract(depth) -> None:
    html = "<div>" * depth + "<p>法定时限：20个工作日</p>" + "</div>" * depth
    ex = extract(html)
    assert set(ex.elements) <= CANONICAL


def test_materials_laid_out_as_cards_are_read_with_their_links():
    html = """<html><body><h1>公共场所卫生许可</h1><h3>申请材料</h3><div id="list">
    <div class="card"><div>1. 营业执照复印件</div><div>纸质 | 1份 | 必要</div>
      <div><a href="/f/1">空表下载</a> <a href="/s/1">样表下载</a></div></div>
    <div class="card"><div>2. 公共场所卫生许可申请书</div><div>电子 | 非必要</div></div>
    </div></body></html>"""
    ex = extract(html, "http://portal.example/guide")
    assert [m.name for m in ex.materials] == ["营业执照复印件", "公共场所卫生许可申请书"]
    assert ex.materials[0].form_url == "http://portal.example/f/1"
    assert ex.materials[0].sample_url == "http://portal.example/s/1"
    assert ex.materials[1].required == "非必要"


def test_a_section_header_that_only_toggles_is_a_label_and_its_cards_are_materials():
    html = """<html><body><h1>企业设立登记</h1><section>
    <a class="m-head" href="javascript:void(0)">申请材料</a><div class="m-body"><div id="ml">
    <div class="m-card"><div>1. 公司登记（备案）申请书</div><div>纸质 | 必要</div></div>
    <div class="m-card"><div>2. 公司章程</div><div>纸质 | 容缺后补</div></div></div></div>
    </section><p><a href="/materials">申请材料</a> 办理流程：受理→审查</p></body></html>"""
    ex = extract(html, "http://portal.example/")
    assert [(m.name, m.required) for m in ex.materials] == [
        ("公司登记（备案）申请书", "必要"),
        ("公司章程", "容缺后补"),
    ]


def test_a_link_that_goes_somewhere_is_not_a_label():
    html = """<html><body><h1>企业设立登记</h1>
    <div><a href="/guide/fees">收费标准</a><span>点击查看全部事项</span></div></body></html>"""
    assert "收费标准" not in extract(html).elements
