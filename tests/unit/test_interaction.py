"""The 互动交流 journey's pure parts: field roles, choices, receipts, portal times, list rows,
cards and detail pages, judging."""

from __future__ import annotations

from datetime import datetime

import pytest

from probes.app.consult import judge_item, window_end
from probes.plan.indicators import load_indicators
from probes.plan.scenarios import load_scenarios
from probes.plan.workdays import WorkCalendar
from probes.walk.consult import (
    choice_role,
    choose_option,
    field_role,
    is_agreement,
    is_duplicate,
    is_list,
    match_row,
    mentioned,
    merge_rows,
    needs_detail,
    parse_portal_time,
    parse_receipt,
    read_card,
    read_detail,
    read_rows,
    same_title,
    says_replied,
    wanted_row,
    with_detail,
)


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


# --- forms as a person fills them ---------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "name", "role"),
    [
        ("", "xjbt", "title"),  # pinyin names where nothing labels the field
        ("", "xjnr", "content"),
        ("", "xm", "contact"),
        ("", "lxdh", "phone"),
        ("", "txtLxdh", "phone"),
        ("", "f_yzm", "captcha"),
        ("xjbt", "xjbt", "title"),  # a label that is only the name
        ("所在单位", "companyName", None),  # words speak before a name
    ],
)
def test_a_field_with_no_words_is_known_by_its_name(label, name, role) -> None:
    assert field_role(label, name=name) == role


@pytest.mark.parametrize(
    ("label", "name", "role"),
    [
        ("信件类型", "", "kind"),
        ("留言类型", "", "kind"),
        ("诉求类别", "", "kind"),
        ("所属区域", "", "region"),
        ("办理区县", "", "region"),
        ("是否公开", "", "public"),
        ("涉及事项", "", "matter"),
        ("被反映单位", "bfydw", "other"),
        ("证件类型", "", "other"),  # an ID's type is not the kind of message
        ("", "xjlx", "kind"),
        ("", "ssqy", "region"),
        ("", "sfgk", "public"),
    ],
)
def test_a_choice_is_known_by_what_it_asks(label, name, role) -> None:
    assert choice_role(label, name) == role


def _options(*texts: str, values: tuple[str, ...] | None = None) -> list[dict]:
    values = values or tuple(texts)
    return [
        {"k": k, "text": t, "value": v} for k, (t, v) in enumerate(zip(texts, values, strict=True))
    ]


def test_options_are_chosen_as_a_person_chooses_them() -> None:
    kinds = _options(
        "请选择", "咨询", "投诉", "建议", "求助", values=("", "咨询", "投诉", "建议", "求助")
    )
    assert choose_option(kinds, "kind", kind="consult") == 1
    assert choose_option(kinds, "kind", kind="complaint") == 2
    # no option of the kind sent: nothing is chosen rather than the wrong kind
    assert choose_option(_options("请选择", "建议", "求助"), "kind", kind="complaint") is None
    assert choose_option(_options("我要举报"), "kind", kind="complaint") == 0
    districts = _options("请选择", "福田区", "深圳市本级", "南山区", values=("", "1", "2", "3"))
    assert choose_option(districts, "region", kind="consult", city="深圳") == 2  # names the city
    assert choose_option(districts, "region", kind="consult", city="广州") == 1  # first real one
    assert choose_option(_options("--请选择--", "公开", "不公开"), "public", kind="consult") == 2
    assert choose_option(_options("是", "否"), "public", kind="consult", placeholders=False) == 1
    matters = _options("请选择事项", "企业设立登记", "公共场所卫生许可（新办）", "消防安全检查")
    assert choose_option(matters, "matter", kind="consult", matter="公共场所卫生许可") == 2
    departments = _options("请选择", "市卫健委", "市监局", values=("", "a", "b"))
    assert choose_option(departments, "other", kind="consult") == 1
    assert choose_option(_options("请选择", "全部"), "other", kind="consult") is None  # no real one
    disabled = [{"k": 0, "text": "已停用", "value": "x", "disabled": True}]
    assert choose_option(disabled, "other", kind="consult") is None


def test_agreement_boxes_are_ticked_but_not_a_consent_to_publish() -> None:
    assert is_agreement("我已阅读并同意《深圳市12345来信须知》")
    assert is_agreement("本人承诺所填内容真实")
    assert not is_agreement("同意公开我的信件")
    assert not is_agreement("记住我")


def test_a_refusal_names_the_fields_to_correct() -> None:
    errors = ["提交失败，请按红色提示修改后重新提交", "投诉件请选择被反映单位"]
    assert mentioned("被反映单位", errors)
    assert mentioned("所属区域", ["所属区域不能为空"])
    assert mentioned("我已阅读并同意《来信须知》", ["请阅读并同意来信须知"])
    assert not mentioned("信件标题", errors)
    assert not mentioned("", errors)
    assert is_duplicate("请勿重复提交：您已于2026-11-02 09:00:00提交过相同的信件")
    assert not is_duplicate("提交成功")


# --- lists as cards, detail pages -----------------------------------------------------------


def _segments(*pieces: str | tuple[str, str]) -> list[dict]:
    return [{"t": p, "v": ""} if isinstance(p, str) else {"t": p[0], "v": p[1]} for p in pieces]


SANDBOX_CARD = {
    "i": 0,
    "segments": _segments(
        "[咨询]", "咨询开办美容院办理公共场所卫生许可证事宜", "信件编号：ZX202611024403000001",
        "已答复", "来信时间：2026-11-02 09:00:00",
    ),
    "links": [{"k": 0, "text": "咨询开办美容院办理公共场所卫生许可证事宜",
               "href": "http://127.0.0.1:8734/440300/xj/detail/ZX202611024403000001"}],
}  # fmt: skip
OTHER_CARD = {  # 受理号 with no colon, a 查看 link, the status and time unlabelled
    "i": 3,
    "segments": _segments("公共场所卫生许可申请超时未受理", "受理号 SL000002", "处理中", "·",
                          "2026-11-02 10:00", "查看"),
    "links": [{"k": 0, "text": "查看", "href": "http://example.test/rec/SL000002"}],
}  # fmt: skip


def test_a_card_is_read_like_a_row() -> None:
    row = read_card(SANDBOX_CARD)
    assert (row.title, row.ticket, row.status) == (
        "咨询开办美容院办理公共场所卫生许可证事宜",
        "ZX202611024403000001",
        "已答复",
    )
    assert row.submitted_at == "2026-11-02T09:00:00+08:00" and row.replied and not row.reply
    assert row.link.endswith("/xj/detail/ZX202611024403000001") and row.mark == "0-0"
    other = read_card(OTHER_CARD)
    assert (other.title, other.ticket, other.status) == (
        "公共场所卫生许可申请超时未受理",
        "SL000002",
        "处理中",
    )
    assert other.submitted_at == "2026-11-02T10:00:00+08:00" and not other.replied
    assert other.link == "http://example.test/rec/SL000002" and other.mark == "3-0"
    assert read_card({"i": 1, "segments": _segments("已答复"), "links": []}) is None  # a filter


def test_a_detail_page_is_read_by_its_labels() -> None:
    reply = "您好！办理公共场所卫生许可证需提交申请书。\n\n可在网上办理。"
    page = _segments(
        ("信件编号：", "ZX1"), "ZX1", ("办理状态：", "已答复"), "已答复",
        ("答复信息", "答复单位\n市卫健委\n答复时间\n2026-11-03 09:00:00"),  # a section heading
        ("答复单位", "市卫健委"), "市卫健委", ("答复时间", "2026-11-03 09:00:00"),
        "2026-11-03 09:00:00", ("答复内容", reply), "您好！办理公共场所卫生许可证需提交申请书。",
        "可在网上办理。", "返回我的信件",
    )  # fmt: skip
    detail = read_detail(page)
    assert detail["ticket"] == "ZX1" and detail["status"] == "已答复"
    assert detail["unit"] == "市卫健委" and detail["replied"] == "2026-11-03 09:00:00"
    assert detail["reply"] == reply
    row = with_detail(read_card(SANDBOX_CARD), detail)
    assert row.reply == reply and row.replied_at == "2026-11-03T09:00:00+08:00"
    pending = read_detail(_segments("办理状态：处理中", "答复内容：暂未答复"))
    assert pending == {"status": "处理中", "reply": ""}


def test_cards_and_table_rows_are_merged_and_matched_once() -> None:
    table = read_rows([LIST])
    card = read_card({**SANDBOX_CARD, "segments": _segments("咨询开办美容院", "编号：ZX-1")})
    merged = merge_rows(table, [card, read_card(OTHER_CARD)])
    assert [r.ticket for r in merged] == ["ZX-1", "ZX-2", "TS-9", "SL000002"]
    assert merged[0].link == card.link  # the table's row gets the block's detail link
    assert wanted_row(merged[3], [(None, "公共场所卫生许可申请超时未受理")])
    assert wanted_row(merged[3], [("SL000002", "whatever")])
    assert not wanted_row(merged[3], [("SL000009", "公共场所卫生许可申请超时未受理")])
    assert needs_detail(read_card(SANDBOX_CARD))  # answered, reply not on the card
    assert not needs_detail(read_card(OTHER_CARD))  # pending, with a ticket
    # a shortened title still finds its item
    assert same_title("咨询开办美容院办理公共场所…", "咨询开办美容院办理公共场所卫生许可证事宜")
    assert not same_title("咨询…", "咨询开办美容院办理公共场所卫生许可证事宜")
    assert not says_replied("未办结") and says_replied("已办结") and says_replied("", "您好")
