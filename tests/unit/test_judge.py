"""Tests for probes/judge/rules.py: value parsing, completeness, accuracy findings."""

from __future__ import annotations

import pytest

from probes.judge.extract import Extraction, MaterialItem, extract
from probes.judge.rules import (
    Completeness,
    accuracy,
    completeness,
    looks_like_phone,
    parse_days,
    parse_visits,
)
from tests.support import FIXTURES

PAGES = FIXTURES / "pages"


def _ex(
    elements: dict[str, str] | None = None,
    materials: tuple[MaterialItem, ...] = (),
    online_apply: tuple[str, ...] = (),
    links: tuple[str, ...] = (),
) -> Extraction:
    return Extraction("测试事项", elements or {}, (), materials, online_apply, links)


def _codes(findings) -> list[str]:
    return [f.code for f in findings]


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("20个工作日", 20),
        ("即办", 0),
        ("即来即办", 0),
        ("当场办结", 0),
        ("5天", 5),
        ("15日", 15),
        ("三十个工作日", 30),
        ("十五个工作日", 15),
        ("二十日", 20),
        ("一百二十日", 120),
        ("２０个工作日", 20),  # full-width digits
        ("20（工作日）", 20),
        ("20", 20),
        ("不超过20个工作日（不含专家评审时间）", 20),
        ("3个月", 90),
        ("48小时", 2),
        ("", None),
        ("暂无", None),
        ("按规定时间", None),
    ],
)
def test_parse_days_reads_time_limits(text, days) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize(
    ("text", "visits"),
    [
        ("0次", 0),
        ("0", 0),
        ("零跑动", 0),
        ("不用跑", 0),
        ("无需到现场", 0),
        ("1次", 1),
        ("最多跑一次", 1),
        ("最多跑2次", 2),
        ("两次", 2),
        ("2", 2),
        ("", None),
        ("视情况而定", None),
    ],
)
def test_parse_visits_reads_on_site_visits(text, visits) -> None:
    assert parse_visits(text) == visits


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("0571-87654321", True),
        ("咨询电话：0571-87654321", True),
        ("(010)12345678", True),
        ("020-8311 9119", True),
        ("0571-8576 5432（转 8012）", True),
        ("028-12345678转1", True),
        ("12345", True),
        ("投诉电话12315", True),
        ("400-123-4567", True),
        ("13812345678", True),
        ("87654321", True),
        ("电话：123", False),
        ("0571-8765", False),
        ("电话待公布", False),
        ("请在工作时间拨打", False),
        ("2021年5月1日", False),
        ("123456789012345", False),
    ],
)
def test_looks_like_phone(text, phone) -> None:
    assert looks_like_phone(text) is phone


# --- completeness -----------------------------------------------------------------------------


def test_completeness_counts_elements_with_values_and_materials_as_a_list() -> None:
    ex = _ex({"事项名称": "x", "法定办结时限": "20日", "申请材料": "身份证"})
    c = completeness(ex, ["事项名称", "法定办结时限", "申请材料", "咨询方式"])
    # 申请材料 text without any parsed item does not count
    assert c == Completeness(
        required=("事项名称", "法定办结时限", "申请材料", "咨询方式"),
        present=("事项名称", "法定办结时限"),
        missing=("申请材料", "咨询方式"),
        ratio=0.5,
    )


def test_completeness_of_a_fixture_page_with_blank_labels() -> None:
    ex = extract((PAGES / "guangdong_rendered.html").read_text(encoding="utf-8"))
    c = completeness(ex, ["事项名称", "受理条件", "申请材料", "法定办结时限", "承诺办结时限"])
    assert c.missing == ("受理条件", "法定办结时限")
    assert c.ratio == pytest.approx(3 / 5)


def test_completeness_with_nothing_required_is_whole() -> None:
    assert completeness(_ex(), []).ratio == 1.0


def test_completeness_refuses_names_that_are_not_elements() -> None:
    with pytest.raises(ValueError, match="法定时限"):
        completeness(_ex(), ["法定时限"])


# --- accuracy, every rule both ways ----------------------------------------------------------

FORM = "https://p.example.gov.cn/form.docx"
SAMPLE = "https://p.example.gov.cn/sample.pdf"
MATS = (MaterialItem("申请表", form_url=FORM, sample_url=SAMPLE),)


@pytest.mark.parametrize(
    ("status", "codes"),
    [
        ({FORM: 200, SAMPLE: 204}, []),
        ({FORM: 404, SAMPLE: 200}, ["broken_form_link"]),
        ({FORM: 200, SAMPLE: None}, ["broken_sample_link"]),
        ({FORM: 500, SAMPLE: 302}, ["broken_form_link", "broken_sample_link"]),
        ({}, []),  # links not checked are not judged
    ],
)
def test_form_and_sample_links_must_answer_2xx(status, codes) -> None:
    ex = _ex(materials=MATS, links=(FORM, SAMPLE))
    findings = accuracy(ex, link_status=status)
    assert _codes(findings) == codes
    for f in findings:
        assert "申请表" in f.detail


def test_a_broken_link_detail_names_the_status() -> None:
    (f,) = accuracy(_ex(materials=MATS), link_status={FORM: 404, SAMPLE: 200})
    assert "HTTP 404" in f.detail and FORM in f.detail
    (f,) = accuracy(_ex(materials=MATS), link_status={FORM: None, SAMPLE: 200})
    assert "无响应" in f.detail


def test_a_link_outside_the_materials_is_judged_too() -> None:
    other = "https://p.example.gov.cn/other.doc"
    ex = _ex(links=(other,))
    assert _codes(accuracy(ex, link_status={other: 410})) == ["broken_form_link"]
    assert accuracy(ex, link_status={other: 200}) == ()


@pytest.mark.parametrize(
    ("statutory", "promised", "codes"),
    [
        ("20个工作日", "5个工作日", []),
        ("20个工作日", "20个工作日", []),
        ("20个工作日", "三十个工作日", ["promise_exceeds_statutory"]),
        ("即办", "1天", ["promise_exceeds_statutory"]),
        ("20个工作日", "按规定", ["unparseable_time_limit"]),
        ("见相关文件", "5日", ["unparseable_time_limit"]),
    ],
)
def test_the_promised_time_must_not_exceed_the_statutory_one(statutory, promised, codes) -> None:
    ex = _ex({"法定办结时限": statutory, "承诺办结时限": promised})
    findings = accuracy(ex)
    assert _codes(findings) == codes
    if codes == ["promise_exceeds_statutory"]:
        assert statutory in findings[0].detail and promised in findings[0].detail


def test_a_single_time_limit_is_not_compared() -> None:
    assert accuracy(_ex({"承诺办结时限": "30日"})) == ()


@pytest.mark.parametrize(
    ("element", "value", "bad"),
    [
        ("咨询方式", "咨询电话：0571-87654321", False),
        ("咨询方式", "窗口咨询", False),  # does not claim to be a phone
        ("咨询方式", "咨询电话：待公布", True),
        ("咨询方式", "0571-8765", True),
        ("监督投诉方式", "投诉电话12315", False),
        ("监督投诉方式", "电话：123", True),
        ("监督投诉方式", "登录网站提交投诉", False),
    ],
)
def test_contact_values_that_claim_a_phone_must_hold_one(element, value, bad) -> None:
    findings = accuracy(_ex({element: value}))
    assert _codes(findings) == (["bad_phone"] if bad else [])
    if bad:
        assert findings[0].element == element and value in findings[0].detail


@pytest.mark.parametrize(
    ("claim", "entries", "reached", "inconsistent"),
    [
        ("是", ("https://p/apply",), None, False),
        ("是", (), None, True),
        ("可网办", (), None, True),
        ("Ⅳ级（全程网办）", (), None, True),
        ("III级", ("https://p/apply",), None, False),
        ("是", ("https://p/apply",), False, True),  # the entry led nowhere
        ("否", (), None, False),
        ("否", ("https://p/apply",), None, True),
        ("不可网办", ("https://p/apply",), None, True),
        ("仅窗口办理", (), None, False),
        ("II级", ("https://p/apply",), None, False),  # says neither yes nor no
        (None, ("https://p/apply",), None, False),
    ],
)
def test_the_online_claim_must_match_the_online_entry(
    claim, entries, reached, inconsistent
) -> None:
    ex = _ex({"是否网办": claim} if claim else {}, online_apply=entries)
    findings = accuracy(ex, online_apply_reached=reached)
    assert _codes(findings) == (["online_inconsistent"] if inconsistent else [])


def _mats(*names: str) -> tuple[MaterialItem, ...]:
    return tuple(MaterialItem(n) for n in names)


@pytest.mark.parametrize(
    ("mine", "theirs", "only_mine", "only_theirs"),
    [
        (("身份证", "营业执照"), ("身份证", "营业执照"), [], []),
        (("《申请书》", "身份证（原件）"), ("申请书", "身份证复印件"), [], []),
        (("1. 申请书", "营业执照 副本"), ("申请书；", "营业执照副本"), [], []),
        (("身份证", "营业执照"), ("身份证",), ["营业执照"], []),
        (("身份证",), ("身份证", "章程", "租赁合同"), [], ["章程", "租赁合同"]),
        ((), ("身份证",), [], ["身份证"]),
    ],
)
def test_materials_must_agree_across_channels(mine, theirs, only_mine, only_theirs) -> None:
    findings = accuracy(_ex(materials=_mats(*mine)), other_channel=_ex(materials=_mats(*theirs)))
    if not (only_mine or only_theirs):
        assert findings == ()
        return
    (f,) = findings
    assert f.code == "materials_differ"
    for name in only_mine + only_theirs:
        assert name in f.detail
    for name in set(mine) - set(only_mine):
        assert name not in f.detail


def test_a_clean_fixture_guide_has_no_findings() -> None:
    ex = extract((PAGES / "epoint_tabbed.html").read_text(encoding="utf-8"), "https://p.gov.cn/")
    status = dict.fromkeys(ex.links, 200)
    assert accuracy(ex, link_status=status, other_channel=ex) == ()


def test_a_faulty_fixture_guide_has_the_findings_an_evaluator_would_note() -> None:
    ex = extract((PAGES / "div_grid.html").read_text(encoding="utf-8"), "https://p.gov.cn/")
    status = {u: (404 if "sample" in u else 200) for u in ex.links}
    findings = accuracy(ex, link_status=status)
    assert sorted(_codes(findings)) == ["bad_phone", "broken_sample_link"]
