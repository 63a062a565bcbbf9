"""The 互动交流 journey's pure parts: field roles, receipts, portal times, list rows, judging."""

from __future__ import annotations

from datetime import datetime

import pytest

from probes.consult import judge_item, window_end
from probes.indicators import load_indicators
from probes.interaction import (
    field_role,
    is_list,
    match_row,
    parse_portal_time,
    parse_receipt,
    read_rows,
)
from probes.scenarios import load_scenarios
from probes.workdays import WorkCalendar


@pytest.mark.parametrize(
    ("label", "tag", "role"),
    [
        ("标题", "input", "title"),
        ("留言标题", "input", "title"),
        ("信件标题", "input", "title"),
        ("主题", "input", "title"),
        ("事项", "input", "matter"),
        ("所属事项", "input", "matter"),
        ("涉及事项", "input", "matter"),
        ("咨询事项", "input", "matter"),
        ("内容", "textarea", "content"),
        ("问题描述", "textarea", "content"),
        ("信件内容", "textarea", "content"),
        ("", "textarea", "content"),  # a bare textarea is the message
        ("联系人", "input", "contact"),
        ("联系人姓名", "input", "contact"),
        ("真实姓名", "input", "contact"),
        ("手机号码", "input", "phone"),
        ("联系电话", "input", "phone"),
        ("手机", "input", "phone"),
        ("验证码", "input", "captcha"),
        ("电子邮箱", "input", "email"),
        ("请输入主题", "input", "title"),  # a placeholder
        ("所在单位", "input", None),  # not filled
    ],
)
def test_a_field_is_known_by_the_words_that_label_it(label, tag, role) -> None:
    assert field_role(label, tag=tag) == role


def test_a_tel_input_without_words_is_a_phone() -> None:
    assert field_role("", type_="tel") == "phone"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2026-11-02 09:00:00", "2026-11-02T09:00:00+08:00"),
        ("2026/11/2 9:05", "2026-11-02T09:05:00+08:00"),
        ("2026年11月2日 14时30分", "2026-11-02T14:30:00+08:00"),
        ("２０２６－１１－０２", "2026-11-02T00:00:00+08:00"),  # full-width digits, a date alone
        ("暂无", None),
        ("2026-13-40", None),
        ("", None),
    ],
)
def test_portal_times_are_read_as_china_time(text, iso) -> None:
    assert parse_portal_time(text) == iso


@pytest.mark.parametrize(
    ("text", "ticket", "when"),
    [
        ("提交成功\n受理编号\tZX-440100-20261102-0001\n标题\t咨询\n提交时间\t2026-11-02 09:00:00",
         "ZX-440100-20261102-0001", "2026-11-02T09:00:00+08:00"),
        ("您的信件已提交，信件编号：TS-330100-20261102-0003，写信时间：2026-11-02 10:00:00。",
         "TS-330100-20261102-0003", "2026-11-02T10:00:00+08:00"),
        ("查询码: A1B2C3D4 留言时间: 2026年11月3日 8:00", "A1B2C3D4", "2026-11-03T08:00:00+08:00"),
        ("请填写标题", None, None),
    ],
)  # fmt: skip
def test_a_receipt_gives_its_ticket_and_the_portals_time(text, ticket, when) -> None:
    receipt = parse_receipt(text)
    assert (receipt.ticket, receipt.submitted_at) == (ticket, when)


LIST = {
    "headers": ["留言标题", "查询码", "留言时间", "状态", "答复内容", "答复时间"],
    "rows": [
        ["咨询开办美容院", "ZX-1", "2026-11-02 09:00:00", "已答复", "您好！…", "2026-11-04 09:00:00"],
        ["咨询开办美容院", "ZX-2", "2026-11-09 09:00:00", "办理中", "", ""],
        ["公共场所卫生许可申请超时未受理", "TS-9", "2026-11-02 09:00:00", "未答复", "", ""],
    ],
}  # fmt: skip


def test_a_list_is_read_by_what_its_headers_say() -> None:
    rows = read_rows([{"headers": ["首页", "办事"], "rows": [["a", "b"]]}, LIST])
    assert [r.ticket for r in rows] == ["ZX-1", "ZX-2", "TS-9"]
    first = rows[0]
    assert first.replied and first.replied_at == "2026-11-04T09:00:00+08:00"
    assert first.submitted_at == "2026-11-02T09:00:00+08:00"
    assert not rows[1].replied and not rows[2].replied  # 未答复 is not 已答复
    assert is_list([{"headers": LIST["headers"], "rows": []}])  # empty (暂无记录) but a list
    assert not is_list([{"headers": ["事项名称", "办理时限"], "rows": []}])


def test_a_row_is_matched_by_ticket_else_by_title_among_unclaimed_rows() -> None:
    rows = read_rows([LIST])
    assert match_row(rows, ticket="ZX-2", title="whatever").ticket == "ZX-2"
    assert match_row(rows, ticket="ZX-7", title="咨询开办美容院") is None  # a ticket is exact
    # no ticket (a crash before the receipt): the newest unclaimed row with the title
    assert match_row(rows, ticket=None, title="咨询开办美容院").ticket == "ZX-2"
    assert match_row(rows, ticket=None, title="咨询开办美容院", claimed={"ZX-2"}).ticket == "ZX-1"
    assert match_row(rows, ticket=None, title="咨询开办美容院", claimed={"ZX-1", "ZX-2"}) is None
    assert match_row([], ticket=None, title="咨询开办美容院") is None


@pytest.fixture(scope="module")
def judging():
    return load_scenarios()["beauty-salon"], WorkCalendar.load(), load_indicators().thresholds


def _item(state, submitted, replied=None, reply=None, kind="consult") -> dict:
    return {"kind": kind, "state": state, "submitted_at": submitted, "replied_at": replied,
            "reply_text": reply}  # fmt: skip


def test_a_reply_is_judged_in_working_days_across_a_holiday(judging) -> None:
    scenario, cal, th = judging
    solved = "需提交营业执照复印件、申请书；可在政务服务网在线办理；5个工作日办结"
    # submitted the day before National Day 2026: 10-01..10-07 off, 10-10 (Sat) worked
    item = _item("replied", "2026-09-30T10:00:00+08:00", "2026-10-12T09:00:00+08:00", solved)
    assert judge_item(item, scenario, cal, th) == (
        4,
        "on_time",
        "solved",
    )  # 10-08, 09, 10 (Sat), 12
    item = _item("replied", "2026-09-30T10:00:00+08:00", "2026-10-15T09:00:00+08:00", "请关注")
    assert judge_item(item, scenario, cal, th) == (7, "late", "not")
    partly = "需提交申请书、营业执照复印件等材料"
    item = _item("replied", "2026-11-02T09:00:00+08:00", "2026-11-09T09:00:00+08:00", partly)
    assert judge_item(item, scenario, cal, th) == (5, "on_time", "partly")


def test_no_reply_when_the_window_closes_and_waiting_before(judging) -> None:
    scenario, cal, th = judging
    closed = _item("closed", "2026-11-02T09:00:00+08:00")
    assert judge_item(closed, scenario, cal, th) == (None, "no_reply", "not")
    assert judge_item(_item("submitted", "2026-11-02T09:00:00+08:00"), scenario, cal, th) == (
        None,
        None,
        None,
    )
    # 20 working days from Monday 2026-11-02 is Monday 2026-11-30, same time of day
    end = window_end(closed, cal, th)
    assert end == datetime.fromisoformat("2026-11-30T09:00:00+08:00")
