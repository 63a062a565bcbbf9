"""The 12345 / 政民互动 letter system: its own origin, login, server-side validation, the
identical-letter refusal, the receipt, 我的信件 as cards and the detail page with its reply."""

from __future__ import annotations

import re
from dataclasses import replace

from lxml import html

from sandbox.interaction import PASSWORD, USERNAME
from sandbox.server import build_apps
from tests.support.sandbox_client import AsgiClient, site_client

SHENZHEN, XINING = "440300", "630100"
LETTER = {
    "xjlx": "咨询",
    "ssqy": "福田区",
    "sjsx": "公共场所卫生许可（新办）",
    "xjbt": "咨询开办美容院办理公共场所卫生许可证事宜",
    "xjnr": "请问开办美容院办理公共场所卫生许可证需要哪些材料？",
    "xm": "张三",
    "lxdh": "13800138000",
    "sfgk": "不公开",
    "agree": "1",
}


def letters(apps) -> AsgiClient:
    return site_client(apps, "hotline")


def login(c: AsgiClient, code: str = SHENZHEN) -> None:
    body = {"type": "person", "username": USERNAME, "password": PASSWORD}
    assert c.post(f"/{code}/api/login", json=body).json() == {"ok": True}


def tips(page: str) -> dict[str, str]:
    """The red message under each field, by the field's input name."""
    doc = html.fromstring(page)
    out = {}
    for tip in doc.xpath('//span[@class="tip"]'):
        cell = tip.getparent()
        control = cell.xpath(".//input[@name] | .//select[@name] | .//textarea[@name]")
        out[control[0].get("name")] = tip.text_content()
    return out


def test_the_portals_interaction_leads_to_the_letter_systems_origin(apps, control):
    portal = site_client(apps, "gdzwfw")
    origin = apps.state.origins["hotline"]
    assert origin not in {apps.state.origins[s] for s in apps.state.world.sites}  # its own
    cities = {c["city_id"]: c for c in control.get("/__sandbox/cities").json()}
    assert cities["shenzhen"]["letters_url"] == f"{origin}/{SHENZHEN}/"
    assert cities["guangzhou"]["letters_url"] is None
    moved = {c for c, v in cities.items() if v["letters_url"]}
    assert moved == {"shenzhen", "zhengzhou", "ningbo", "xining", "yinchuan"}
    assert len({cities[c]["archetype"] for c in moved}) >= 3  # spread over kinds of portal
    assert control.get("/__sandbox/truth/shenzhen").json()["interaction"] == "letters"
    r = portal.get(f"/hdjl/?region={SHENZHEN}")
    assert r.status_code == 302 and r.headers["location"] == f"{origin}/{SHENZHEN}/"
    r = portal.get(f"/hdjl/consult/new?region={SHENZHEN}&matter=公共场所卫生许可")
    assert r.headers["location"].startswith(f"{origin}/{SHENZHEN}/xj/write?sx=")
    assert portal.get(f"/hdjl/mine?kind=consult&region={SHENZHEN}").headers["location"] == (
        f"{origin}/{SHENZHEN}/xj/mine"
    )
    # guangzhou shares the provincial portal and keeps its own 互动交流 there
    assert portal.get("/hdjl/?region=440100").status_code == 200
    home = letters(apps).get(f"/{SHENZHEN}/").text
    assert "我要咨询" in home and "我的信件" in home and "好差评" in home  # shenzhen rates
    assert "好差评" not in letters(apps).get(f"/{XINING}/").text
    assert letters(apps).get(f"/{XINING}/pj").status_code == 404
    assert letters(apps).get("/999999/").status_code == 404


def test_the_unified_login_has_tabs_placeholders_and_a_script_button(apps):
    c = letters(apps)
    r = c.get(f"/{SHENZHEN}/xj/write")
    assert r.status_code == 302
    assert r.headers["location"] == f"/{SHENZHEN}/login?redirect=%2F{SHENZHEN}%2Fxj%2Fwrite"
    doc = html.fromstring(c.get(r.headers["location"]).text)
    assert [t.text_content() for t in doc.xpath('//li[@class="tab" or @class="tab on"]')] == [
        "个人登录",
        "法人登录",
    ]
    assert doc.xpath('//li[@data-tab="legal"]')[0].get("class") == "tab on"  # opens on 法人
    assert not doc.xpath("//label") and not doc.xpath("//form")
    assert all(i.get("placeholder") for i in doc.xpath("//input[not(@type='hidden')]"))
    assert {b.get("type") for b in doc.xpath("//button")} == {"button"}
    legal = {"type": "legal", "username": USERNAME, "password": PASSWORD}
    assert c.post(f"/{SHENZHEN}/api/login", json=legal).json()["ok"] is False
    wrong = {"type": "person", "username": USERNAME, "password": "guess"}
    assert c.post(f"/{SHENZHEN}/api/login", json=wrong).json()["msg"] == "用户名或密码错误"
    login(c)
    assert c.get(f"/{SHENZHEN}/xj/write").status_code == 200


def test_the_form_is_a_table_with_pinyin_names_and_required_choices(apps):
    c = letters(apps)
    login(c)
    doc = html.fromstring(c.get(f"/{SHENZHEN}/xj/write?sx=公共场所卫生许可").text)
    labels = [td.text_content().strip() for td in doc.xpath('//td[@class="lbl"]')]
    assert labels[:3] == ["*信件类型", "*所属区域", "涉及事项"]
    names = {e.get("name") for e in doc.xpath("//table//*[@name]")}
    assert {"xjlx", "ssqy", "xjbt", "xjnr", "xm", "lxdh", "sfgk", "agree"} <= names
    kinds = [o.text for o in doc.xpath('//select[@name="xjlx"]/option')]
    assert kinds == ["请选择", "咨询", "投诉", "建议", "求助"]
    districts = [o.text for o in doc.xpath('//select[@name="ssqy"]/option')]
    assert districts[0] == "请选择" and "福田区" in districts
    assert not doc.xpath('//input[@name="sfgk"][@checked]')  # nothing chosen for the writer
    assert doc.xpath('//input[@name="sjsx"]')[0].get("value") == "公共场所卫生许可"
    assert "须知" in doc.xpath('//a[contains(@href, "/xj/notice")]')[0].text_content()


def test_validation_is_server_side_with_red_messages_and_the_values_kept(apps, control):
    c = letters(apps)
    login(c)
    r = c.post(f"/{SHENZHEN}/xj/write", data={"xjbt": "我的标题", "xjnr": "太短"})
    assert r.status_code == 200
    assert tips(r.text) == {
        "xjlx": "请选择信件类型",
        "ssqy": "请选择所属区域",
        "xjnr": "请填写信件内容（不少于10个字）",
        "xm": "请填写姓名",
        "lxdh": "请填写正确的11位联系电话",
        "sfgk": "请选择是否公开",
        "agree": "请阅读并同意来信须知",
    }
    assert 'value="我的标题"' in r.text and "太短</textarea>" in r.text
    assert "color: #e4393c" in r.text  # the messages are red
    # a complaint must name the 被反映单位, which the page does not mark as required
    complaint = {**LETTER, "xjlx": "投诉", "xjbt": "公共场所卫生许可申请超时未受理"}
    r = c.post(f"/{SHENZHEN}/xj/write", data=complaint)
    assert tips(r.text) == {"bfydw": "投诉件请选择被反映单位"}
    assert re.search(r'<option value="投诉" selected>', r.text)
    assert control.get("/__sandbox/submissions").json() == []


def test_a_letter_gets_a_receipt_and_an_identical_one_is_refused(apps, control):
    c = letters(apps)
    login(c)
    r = c.post(f"/{SHENZHEN}/xj/write", data=LETTER)
    text = html.fromstring(r.text).text_content()
    assert "信件编号：ZX202611024403000001" in text
    assert re.search(r"查询码：[0-9A-F]{6}", text) and "提交时间：2026-11-02 09:00:00" in text
    again = c.post(f"/{SHENZHEN}/xj/write", data=LETTER)
    assert "请勿重复提交" in again.text and "信件编号" not in again.text
    subs = control.get("/__sandbox/submissions").json()
    assert [(s["city"], s["kind"], s["scenario"], s["receipt"]) for s in subs] == [
        ("shenzhen", "consult", "beauty-salon", "ZX202611024403000001")
    ]
    assert apps.state.submissions[0].district == "福田区" and not apps.state.submissions[0].public
    # the same letter to another city is another letter; past the window, it may come again
    login(c, XINING)
    assert "信件编号" in c.post(f"/{XINING}/xj/write", data={**LETTER, "ssqy": "城东区"}).text
    control.post("/__sandbox/clock", json={"advance": "PT11M"})
    assert "信件编号" in c.post(f"/{SHENZHEN}/xj/write", data=LETTER).text
    assert len(control.get("/__sandbox/submissions").json()) == 3


def test_my_letters_are_cards_leading_to_the_reply_on_working_days(apps, control):
    c = letters(apps)
    login(c)
    c.post(f"/{SHENZHEN}/xj/write", data=LETTER)  # shenzhen: consultations in 1 working day
    page = c.get(f"/{SHENZHEN}/xj/mine").text
    doc = html.fromstring(page)
    assert not doc.xpath("//table")
    (card,) = doc.xpath('//div[@class="xj-card"]')
    text = card.text_content()
    assert LETTER["xjbt"] in text and "信件编号：ZX202611024403000001" in text
    assert "办理中" in text and "来信时间：2026-11-02 09:00:00" in text
    detail = card.xpath(".//a")[0].get("href")
    pending = html.fromstring(c.get(detail).text).text_content()
    assert "正在办理中" in pending and "答复内容" not in pending
    control.post("/__sandbox/clock", json={"advance": "P1D"})
    assert "已答复" in c.get(f"/{SHENZHEN}/xj/mine").text
    shown = html.fromstring(c.get(detail).text)
    pairs = {
        kv.xpath('./div[@class="k"]')[0].text: kv.xpath('./div[@class="v"]')[0].text_content()
        for kv in shown.xpath('//div[@class="kv"]')
    }
    assert pairs["答复单位"] == "深圳市卫生健康委员会"
    assert pairs["答复时间"] == "2026-11-03 09:00:00"
    assert pairs["答复内容"].startswith("您好！办理公共场所卫生许可证需提交")
    assert c.get(f"/{SHENZHEN}/xj/detail/ZX000").status_code == 404
    assert "暂无信件" in c.get(f"/{XINING}/xj/mine").text  # each city's letters are its own


def test_where_the_city_hides_reply_times_and_shows_markup_as_text(world):
    hostile = replace(
        world.cities["xining"],
        behaviour=replace(world.cities["xining"].behaviour, hostile_markup=True),
    )
    apps = build_apps(replace(world, cities={**world.cities, "xining": hostile}))
    c = letters(apps)
    login(c, XINING)
    c.post(f"/{XINING}/xj/write", data={**LETTER, "ssqy": "城东区"})
    AsgiClient(apps.control).post("/__sandbox/clock", json={"advance": "P10D"})
    page = c.get(f"/{XINING}/xj/detail/ZX202611026301000001").text
    assert "答复单位" in page and "答复内容" in page and "答复时间" not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page and "<script>window" not in page
