"""互动交流 and the common routes: login wall, submission, receipt, replies on working days."""

from __future__ import annotations

import re

from lxml import html

from sandbox.interaction import PASSWORD, USERNAME, WORDING
from tests.support.sandbox_client import AsgiClient, site_client

GUANGZHOU = "440100"


def login(c: AsgiClient) -> None:
    r = c.post("/login", data={"username": USERNAME, "password": PASSWORD, "next": "/hdjl/"})
    assert r.status_code == 303


def wording(c: AsgiClient) -> dict:
    return WORDING[c.archetype]


def submit(
    c: AsgiClient, kind: str, region: str, matter: str = "公共场所卫生许可（新办）", **extra
):
    """Post a form the way the site names its fields (canonical keys: title, content, ...)."""
    values = {
        "title": "美容院卫生许可咨询",
        "content": "请问开办美容院办理公共场所卫生许可需要哪些材料？",
        "matter": matter,
        "contact": "张三",
        "phone": "13800138000",
        "public": "不公开",
        **extra,
    }
    fields = wording(c)["fields"]
    form = {(fields[k][1] if k in fields else k): v for k, v in values.items()}
    return c.post(f"/hdjl/{kind}/new?region={region}", data=form)


def rows(c: AsgiClient, page: str) -> list[dict[str, str]]:
    """我的咨询's rows, keyed title, ticket, submitted, status, reply, replied."""
    w = wording(c)
    names = {w["fields"]["title"][0]: "title", w["ticket"]: "ticket", w["time"]: "submitted"}
    names |= {"状态": "status", w["reply"]: "reply", w["replied"]: "replied"}
    doc = html.fromstring(page)
    heads = [th.text_content().strip() for th in doc.xpath('//table[@class="mine"]/thead//th')]
    out = []
    for tr in doc.xpath('//table[@class="mine"]/tbody/tr'):
        cells = [td.text_content().strip() for td in tr.xpath("./td")]
        if len(cells) == len(heads):
            out.append({names[h]: cell for h, cell in zip(heads, cells, strict=True)})
    return out


def test_the_forms_are_behind_a_login_wall(apps):
    c = site_client(apps, "gdzwfw")
    r = c.get(f"/hdjl/consult/new?region={GUANGZHOU}")
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert c.get("/apply/440100-t2").status_code == 303


def test_a_wrong_password_is_refused(apps):
    c = site_client(apps, "gdzwfw")
    r = c.post("/login", data={"username": USERNAME, "password": "guess", "next": "/"})
    assert r.status_code == 200 and "用户名或密码错误" in r.text


def test_the_interaction_section_links_every_entry_and_rating_where_the_city_rates(apps):
    c = site_client(apps, "gdzwfw")
    links = html.fromstring(c.get(f"/hdjl/?region={GUANGZHOU}").text).xpath(
        '//ul[@class="hdjl-links"]//a'
    )
    assert [a.text for a in links] == ["我要咨询", "我要投诉", "我的咨询", "我的投诉", "好差评"]
    lhasa = site_client(apps, "xzzwfw")
    links = html.fromstring(lhasa.get("/hdjl/").text).xpath('//ul[@class="hdjl-links"]//a')
    assert "好差评" not in [a.text for a in links]
    assert lhasa.get("/hdjl/rating").status_code == 404


def test_a_consultation_gets_a_receipt_number_and_the_sandbox_time(apps, control):
    c = site_client(apps, "gdzwfw")
    login(c)
    r = submit(c, "consult", GUANGZHOU)
    assert r.status_code == 200
    doc = html.fromstring(r.text)
    assert doc.xpath('//*[@class="receipt-no"]')[0].text == "ZX-440100-20261102-0001"
    assert doc.xpath('//*[@class="submitted-at"]')[0].text == "2026-11-02 09:00:00"
    assert submit(c, "complaint", GUANGZHOU).status_code == 200
    subs = control.get("/__sandbox/submissions").json()
    assert [(s["kind"], s["receipt"]) for s in subs] == [
        ("consult", "ZX-440100-20261102-0001"),
        ("complaint", "TS-440100-20261102-0001"),
    ]
    assert subs[0]["city"] == "guangzhou" and subs[0]["scenario"] == "beauty-salon"
    assert subs[0]["matter"] == "public-health-permit"
    assert subs[0]["submitted_at"] == "2026-11-02T09:00:00+08:00"


def test_the_matter_decides_the_scenario_of_a_submission(apps, control):
    c = site_client(apps, "gdzwfw")
    login(c)
    submit(c, "consult", GUANGZHOU, matter="城乡居民基本养老保险参保登记")
    assert control.get("/__sandbox/submissions").json()[0]["scenario"] == "resident-insurance"


def test_missing_fields_are_refused_with_a_message(apps):
    c = site_client(apps, "gdzwfw")
    login(c)
    r = submit(c, "consult", GUANGZHOU, phone="12")
    assert r.status_code == 400 and "请填写11位手机号" in r.text


def test_a_reply_appears_once_the_clock_passes_the_citys_working_days(apps, control):
    # shijiazhuang answers consultations after 4 working days, partly
    c = site_client(apps, "hbzwfw")
    # the listfw firewall guards this site; an in-process test has no JavaScript, so it goes
    # around the firewall the way a browser would: with a solved cookie
    cookie = solved_cookie(apps, c)
    c.cookies.set(*cookie)
    login(c)
    submit(c, "consult", "130100000000")
    control.post("/__sandbox/clock", json={"advance": "P5DT23H"})  # Sunday: 4 working days are Fri
    mine = rows(c, c.get("/hdjl/mine?kind=consult&region=130100000000").text)
    assert mine[0]["status"] == wording(c)["status"][0]
    assert mine[0]["replied"] == "2026-11-06 09:00:00"
    assert mine[0]["reply"].startswith("您好！办理公共场所卫生许可证需提交申请书")


def test_a_reply_is_pending_until_the_last_working_day(apps, control):
    c = site_client(apps, "sczwfw")  # chengdu: 1 working day, solved
    login(c)
    control.post("/__sandbox/clock", json={"set": "2026-11-06T16:00:00+08:00"})  # a Friday
    submit(c, "consult", "510100")
    control.post("/__sandbox/clock", json={"advance": "P2D"})  # Sunday: no working day yet
    assert rows(c, c.get("/hdjl/mine?kind=consult").text)[0]["status"] == wording(c)["status"][1]
    control.post("/__sandbox/clock", json={"advance": "P1D"})  # Monday 16:00
    row = rows(c, c.get("/hdjl/mine?kind=consult").text)[0]
    assert row["status"] == wording(c)["status"][0] and row["replied"] == "2026-11-09 16:00:00"
    assert "全程网办无需到现场" in row["reply"]


def test_replies_count_worked_weekends_and_skip_holidays(apps, control):
    c = site_client(apps, "sczwfw")
    login(c)
    control.post("/__sandbox/clock", json={"set": "2026-09-30T10:00:00+08:00"})
    submit(c, "consult", "510100")
    # 10-01..10-07 are the National Day holidays; 10-08 is the first working day after
    control.post("/__sandbox/clock", json={"set": "2026-10-08T10:00:00+08:00"})
    assert rows(c, c.get("/hdjl/mine?kind=consult").text)[0]["replied"] == "2026-10-08 10:00:00"


def test_a_city_that_never_replies_stays_pending(apps, control):
    c = site_client(apps, "xzzwfw")  # lhasa
    login(c)
    submit(c, "complaint", "540100")
    control.post("/__sandbox/clock", json={"advance": "P120D"})
    row = rows(c, c.get("/hdjl/mine?kind=complaint").text)[0]
    assert row["status"] == wording(c)["status"][1] and row["reply"] == ""


def test_the_captcha_fault_refuses_a_submission_without_the_right_answer(apps, control):
    control.post("/__sandbox/faults", json={"city": "chengdu", "mode": "captcha"})
    c = site_client(apps, "sczwfw")
    login(c)
    page = html.fromstring(c.get("/hdjl/consult/new").text)
    assert page.xpath('//img[@class="captcha"]')
    cid = page.xpath('//input[@name="captcha_id"]')[0].get("value")
    r = submit(c, "consult", "510100", captcha_id=cid, captcha="0000")
    wrong = r.status_code == 400 and "验证码错误" in r.text
    image = c.get(f"/captcha/{cid}.svg").text
    answer = "".join(re.findall(r">(\d)</text>", image))
    assert wrong or answer == "0000"
    assert submit(c, "consult", "510100", captcha_id=cid, captcha=answer).status_code == 200
    assert len(control.get("/__sandbox/submissions").json()) == 1 + (not wrong)


def test_online_apply_opens_after_login_and_says_so_where_there_is_none(apps):
    c = site_client(apps, "xzzwfw")
    login(c)
    assert "在线申报" in c.get("/apply/540100-t1").text  # enterprise: online
    assert "暂不支持网上申报" in c.get("/apply/540100-t2").text  # health permit: offline
    assert c.get("/apply/nope").status_code == 404


def test_material_files_serve_real_bodies_and_broken_ones_404(apps, world):
    c = site_client(apps, "xzzwfw")
    guide = world.cities["lhasa"].target("medical-insurance-registration", "pc")
    form = next(m for m in guide.materials if m.form_url)
    assert not form.form_ok  # lhasa's broken_form_link
    assert c.get(form.form_url).status_code == 404
    sample = next(m for m in guide.materials if m.sample_url)
    r = c.get(sample.sample_url)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    ok = world.cities["lhasa"].target("enterprise-registration", "pc").materials[0]
    r = c.get(ok.form_url)
    assert r.status_code == 200 and r.headers["content-type"] == "application/msword"


def test_pages_carry_a_viewport_for_phones(apps):
    c = site_client(apps, "gdzwfw")
    assert 'name="viewport"' in c.get("/login").text


def solved_cookie(apps, c: AsgiClient) -> tuple[str, str]:
    """Solve the firewall challenge the way its script does."""
    page = c.get("/hdjl/").text
    n, s = re.search(r'var n="(\w+)",s="(\w+)"', page).groups()
    a, b = (int(x) for x in re.search(r"a=(\d+),b=(\d+)", page).groups())
    x = int(re.search(r"\^(\d+)", page).group(1))
    name = re.search(r'document.cookie="([^=]+)=', page).group(1)
    return name, f"{n}.{s}.{(a * b + (a % 7)) ^ x}"


def test_some_portals_show_a_reply_but_not_when_it_came(apps, control):
    c = site_client(apps, "hljzwfw")  # harbin: epoint wording, no reply time shown
    login(c)
    submit(c, "consult", "230100")
    control.post("/__sandbox/clock", json={"advance": "P30D"})
    page = c.get("/hdjl/mine?kind=consult").text
    (row,) = rows(c, page)
    assert row["status"] == "已答复" and row["reply"] and "replied" not in row
    assert "答复时间" not in page and row["ticket"].startswith("ZX-230100-")


def test_each_platform_words_its_form_and_receipt_its_own_way(apps):
    seen = set()
    for site_id in ("gdzwfw", "hljzwfw", "bjzwfw"):  # zjsearch: in Chromium tests
        c = site_client(apps, site_id)
        if c.archetype == "listfw":
            c.cookies.set(*solved_cookie(apps, c))
        login(c)
        w = wording(c)
        form = c.get("/hdjl/complaint/new").text
        assert all(label in form for label, _name in w["fields"].values())
        receipt = submit(c, "complaint", "")
        assert receipt.status_code == 200 and w["ticket"] in receipt.text
        seen.add(w["ticket"])
    assert len(seen) >= 3  # not one template with one set of words
