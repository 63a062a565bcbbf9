"""The stored pages of every sandbox archetype's 我的咨询 / 我的投诉, the 12345 letter
system's cards and detail pages, and the test-only portal of ``tests/support/unseen_letters.py``
read by ``probes/judge/replies.py`` give the rows the sandbox's truth says: each message's
ticket, title, submission time, status, reply and reply time, before and after its reply.

In-process (the apps through ASGI, no browser): the pages are server-rendered, so the HTML
served is the DOM the journey stores. That the reader reads the browser's DOM as the page
scripts it replaced read it in Chromium was checked page by page when it replaced them
(issue 15); the journeys over these pages are ``tests/e2e/test_consult.py``,
``tests/e2e/test_interaction_unseen.py`` and ``tests/e2e/test_consult_cycle.py``.
"""

from __future__ import annotations

import re

import pytest

from probes.judge.replies import ListRow, read_detail_page, read_list_page, with_detail
from probes.plan.scenarios import load_scenarios
from sandbox.interaction import PASSWORD, USERNAME, WORDING, reply_due
from sandbox.model import HOSTILE_MARKUP
from tests.support import unseen_letters
from tests.support.sandbox_client import AsgiClient, site_client

SCENARIO = load_scenarios()["beauty-salon"]
MESSAGES = {"consult": SCENARIO.consult, "complaint": SCENARIO.complaint}

# a city of each portal archetype; harbin and nanning show no reply times, chengdu's replies
# carry markup shown as text
PORTALS = {
    "listfw": "beijing",
    "epoint": "harbin",
    "jsonapi": "nanning",
    "zjsearch": "nanjing",
    "vueportal": "kunming",
    "epoint-hostile": "chengdu",
}


def _past_the_firewall(c: AsgiClient) -> None:
    """A challenged site (listfw, zjsearch): the cookie its script would set."""
    page = c.get("/").text
    found = re.search(
        r'var n="(\w+)",s="(\w+)",a=(\d+),b=(\d+);\s*var v=\(a\*b\+\(a%7\)\)\^(\d+)', page
    )
    if found is None:
        return
    n, s, a, b, x = found.groups()
    a, b, x = int(a), int(b), int(x)
    name = re.search(r'document.cookie="([^=]+)=', page).group(1)
    c.cookies.set(name, f"{n}.{s}.{(a * b + (a % 7)) ^ x}")


def _expected(apps, sub) -> ListRow:
    """The row the sandbox's truth says a portal lists for a message now."""
    city = apps.state.world.cities[sub.city]
    due = reply_due(apps.state, sub)
    answered = due is not None and apps.state.clock.now() >= due
    quality = getattr(city.behaviour, sub.kind).quality
    reply = apps.state.world.reply_text(sub.scenario, sub.kind, quality) if answered else ""
    if answered and city.behaviour.hostile_markup:
        reply += HOSTILE_MARKUP  # shown as text, never run
    return ListRow(
        title=sub.title,
        ticket=sub.receipt,
        submitted_at=sub.submitted_at.isoformat(),
        status="",
        reply=reply,
        replied_at=due.isoformat() if answered and city.behaviour.reply_time_shown else None,
        replied=answered,
    )


def _facts(row: ListRow) -> tuple:
    """What a poll keeps of a row (a reply only where the row says it was answered: a pending
    letter's detail page says 该信件正在办理中 under 答复信息)."""
    reply = row.reply if row.replied else ""
    return row.title, row.ticket, row.submitted_at, reply, row.replied_at, row.replied


@pytest.mark.parametrize("city_id", PORTALS.values(), ids=PORTALS.keys())
def test_each_archetypes_list_reads_as_the_truth_before_and_after_the_reply(apps, city_id):
    city = apps.state.world.cities[city_id]
    c = site_client(apps, city.site_id)
    _past_the_firewall(c)
    c.post("/login", data={"username": USERNAME, "password": PASSWORD, "next": "/"})
    wording = WORDING.get(c.archetype, WORDING["listfw"])  # as the sandbox words its lists
    for kind, message in MESSAGES.items():
        values = {"title": message.title, "content": message.question, "contact": "张三",
                  "matter": "公共场所卫生许可", "phone": "13800138000"}  # fmt: skip
        form = {wording["fields"][k][1]: v for k, v in values.items()}
        assert c.post(f"/hdjl/{kind}/new?region={city.region_code}", data=form).status_code == 200
    for advance in (None, "P12D"):  # before any reply, and after both
        if advance:
            AsgiClient(apps.control).post("/__sandbox/clock", json={"advance": advance})
        for kind, message in MESSAGES.items():
            url = f"{c.base_url}/hdjl/mine?kind={kind}&region={city.region_code}"
            listing = read_list_page(c.get(url).text, url, [(None, message.title)])
            (sub,) = [s for s in apps.state.submissions if s.kind == kind]
            (row,) = listing.rows
            assert listing.is_list
            assert _facts(row) == _facts(_expected(apps, sub)), (city_id, kind, advance)
            assert row.status == wording["status"][0 if row.replied else 1]


def test_the_letter_systems_cards_and_detail_pages_read_as_the_truth(apps):
    c = site_client(apps, "hotline")
    letter = {"xjbt": SCENARIO.consult.title, "xjnr": SCENARIO.consult.question, "xm": "张三",
              "lxdh": "13800138000", "sfgk": "不公开", "agree": "1"}  # fmt: skip
    for code, district in (("440300", "福田区"), ("630100", "城东区")):  # 西宁 shows no times
        body = {"type": "person", "username": USERNAME, "password": PASSWORD}
        assert c.post(f"/{code}/api/login", json=body).json()["ok"]
        assert "信件编号" in c.post(f"/{code}/xj/write", data={**letter, "xjlx": "咨询",
                                    "ssqy": district}).text  # fmt: skip
    for advance in (None, "P12D"):
        if advance:
            AsgiClient(apps.control).post("/__sandbox/clock", json={"advance": advance})
        for sub in apps.state.submissions:
            code = apps.state.world.cities[sub.city].region_code
            url = f"{c.base_url}/{code}/xj/mine"
            listing = read_list_page(c.get(url).text, url, [(None, sub.title)])
            (row,) = listing.rows
            assert listing.is_list and row.link == f"{c.base_url}/{code}/xj/detail/{sub.receipt}"
            assert not row.reply  # the cards show the state; the reply is on the detail page
            row = with_detail(row, read_detail_page(c.get(row.link).text))
            assert _facts(row) == _facts(_expected(apps, sub)), (sub.city, advance)
            assert row.status == ("已答复" if row.replied else "办理中")


def test_the_unseen_portals_sections_and_dl_detail_read_as_its_letters():
    unseen_letters.LETTERS.clear()
    unseen_letters.SESSIONS.clear()
    c = AsgiClient(unseen_letters.app, base_url="http://unseen.test")
    assert c.post("/api/passport", json={"u": unseen_letters.USER, "p": unseen_letters.PASSWORD}).json()["ok"]  # fmt: skip
    for kind, message in (("咨询", SCENARIO.consult), ("投诉", SCENARIO.complaint)):
        body = {"kind": kind, "area": unseen_letters.AREAS[1], "dept": unseen_letters.DEPTS[0],
                "subject": message.title, "body": message.question, "who": "张三",
                "tel": "13800138000", "agree": True}  # fmt: skip
        assert c.post("/api/letters", json=body).json()["no"]
    listing = read_list_page(c.get("/hudong/mine").text, "http://unseen.test/hudong/mine")
    assert listing.is_list
    rows = {row.ticket: row for row in listing.rows}
    assert set(rows) == {x["no"] for x in unseen_letters.LETTERS}
    for letter in unseen_letters.LETTERS:
        row = rows[letter["no"]]
        answered = letter["kind"] == "咨询"
        assert (row.title, row.submitted_at) == (letter["subject"], "2026-11-02T10:00:00+08:00")
        assert (row.status, row.replied, row.link) == (
            "已办结" if answered else "处理中", answered, ""
        )  # fmt: skip
        # 查看 works by script: the row names the element to click
        path, text = listing.links[row.mark]
        assert text == "查看" and path.startswith("/html/body/main/section")
        detail = read_detail_page(c.get(f"/hudong/rec/{letter['no']}").text)
        done = with_detail(row, detail)
        if answered:
            assert done.reply == "\n\n".join(unseen_letters.REPLY)  # two paragraphs
            assert done.replied_at == "2026-11-03T16:30:00+08:00" and detail["unit"]
        else:
            assert not done.reply and not done.replied and done.status == "处理中"
