"""``govprobe rejudge`` judges the replies of an interaction round again from the pages its
polls kept, and scores them again, as the polls did; an evaluator's labels are kept.

The round is made as the polls make it: the sandbox in-process, each poll's list page (and the
detail pages a card list leads to) stored as evidence and read by ``probes/judge/replies.py``,
and ``_poll_item`` writing what the poll saw, with the pages it saw it in. Then what a
database may hold is changed (scores deleted, a reply the rules of the time missed, a
threshold that changed) and the rejudge is compared with the polls.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from probes import store
from probes.app import guides
from probes.app.consult import _poll_item
from probes.judge.replies import read_detail_page, read_list_page, with_detail
from probes.plan.indicators import load_indicators
from probes.plan.scenarios import load_scenarios
from probes.plan.workdays import WorkCalendar
from probes.store.evidence import evidence_for
from probes.walk.consult import Attempt
from sandbox.interaction import PASSWORD, USERNAME, WORDING
from tests.support.connections import connections_to
from tests.support.sandbox_client import AsgiClient, site_client

SCENARIOS = load_scenarios()
MESSAGE = SCENARIOS["beauty-salon"].consult
# 广州: a table with reply times; 哈尔滨: a table without (the poll's time is the reply's);
# 深圳: the 12345 letter system, cards leading to detail pages
CITIES = {"guangzhou": "gdzwfw", "harbin": "hljzwfw", "shenzhen": "hotline"}
REPLY_FACTS = ("state", "replied_at", "reply_text", "status_text", "replied_at_source",
               "reply_uncertainty_s")  # fmt: skip
SCORES = ("working_days", "timeliness", "effectiveness", "effectiveness_source")


class Portals:
    """The three cities' 我的咨询, as a poll reads them."""

    def __init__(self, apps, evidence):
        self.apps, self.evidence = apps, evidence
        self.clients: dict[str, AsgiClient] = {}
        self.control = AsgiClient(apps.control)

    def send(self, city_id: str) -> None:
        city = self.apps.state.world.cities[city_id]
        c = self.clients[city_id] = site_client(self.apps, CITIES[city_id])
        if city.letters:
            login = {"type": "person", "username": USERNAME, "password": PASSWORD}
            assert c.post(f"/{city.region_code}/api/login", json=login).json()["ok"]
            letter = {"xjlx": "咨询", "ssqy": "福田区", "xjbt": MESSAGE.title,
                      "xjnr": MESSAGE.question, "xm": "张三", "lxdh": "13800138000",
                      "sfgk": "不公开", "agree": "1"}  # fmt: skip
            assert "信件编号" in c.post(f"/{city.region_code}/xj/write", data=letter).text
            return
        c.post("/login", data={"username": USERNAME, "password": PASSWORD, "next": "/"})
        fields = WORDING[c.archetype]["fields"]
        values = {"title": MESSAGE.title, "content": MESSAGE.question, "contact": "张三",
                  "matter": "公共场所卫生许可", "phone": "13800138000"}  # fmt: skip
        form = {fields[k][1]: v for k, v in values.items()}
        assert c.post(f"/hdjl/consult/new?region={city.region_code}", data=form).status_code == 200

    def read_list(self, city_id: str, item: dict) -> tuple[Attempt, list]:
        """What the journey's ``read_list`` brings back: the list page kept and read, and the
        wanted item's detail page kept and read where the list does not show its reply."""
        city = self.apps.state.world.cities[city_id]
        c = self.clients[city_id]
        path = f"/{city.region_code}/xj/mine" if city.letters else "/hdjl/mine?kind=consult"
        url = c.base_url + path
        html = c.get(path).text
        attempt = Attempt(list_url=url)
        attempt.list_page = self.evidence.put(html.encode(), "text/html")
        attempt.evidence.append(("list_html", attempt.list_page))
        rows = list(read_list_page(html, url, [(item["ticket"], item["title"])]).rows)
        for n, row in enumerate(rows):
            if row.link and not row.reply:
                shown = c.get(row.link).text
                attempt.detail_pages[n] = self.evidence.put(shown.encode(), "text/html")
                attempt.evidence.append(("detail_html", attempt.detail_pages[n]))
                rows[n] = with_detail(row, read_detail_page(shown))
        return attempt, rows


@pytest.fixture
def polled(apps, db, tmp_path) -> tuple[str, str, dict[str, dict]]:
    """(the database's path, its interaction round, the items as the polls left them): sent
    on Monday 2026-11-02, polled then, on Thursday and on Friday (哈尔滨 answers in 4
    working days, the others in 1)."""
    path = str(tmp_path / "results" / "govprobe.db")
    portals = Portals(apps, evidence_for(path))
    round_id = store.start_round(db, "consult", "sandbox", {"dry_run": False})
    ids = {}
    for city_id in CITIES:
        portals.send(city_id)
        (sub,) = [s for s in apps.state.submissions if s.city == city_id]
        ids[city_id] = store.record_intent(
            db, city=city_id, scenario="beauty-salon", kind="consult", round_id=round_id,
            title=MESSAGE.title, content=MESSAGE.question,
        )  # fmt: skip
        store.mark_submitted(db, ids[city_id], sub.receipt, sub.submitted_at.isoformat())
    calendar, thresholds = WorkCalendar.load(), load_indicators().thresholds
    for advance in (None, "P3D", "P1D"):
        if advance:
            portals.control.post("/__sandbox/clock", json={"advance": advance})
        now = apps.state.clock.now()
        for city_id, item_id in ids.items():
            item = store.get_item(db, item_id)
            if item["state"] != "submitted":
                continue
            attempt, rows = portals.read_list(city_id, item)
            for kind, ref in attempt.evidence:
                store.add_item_evidence(db, item_id, kind, ref)
            _poll_item(db, item, rows, attempt, now, SCENARIOS, calendar, thresholds)
    store.finish_round(db, round_id)
    return path, round_id, {c: store.get_item(db, i) for c, i in ids.items()}


def _facts(item: dict) -> tuple:
    return tuple(item[k] for k in (*REPLY_FACTS, *SCORES))


def test_the_polls_kept_the_pages_each_reply_was_read_from(db, polled):
    _path, _round, items = polled
    assert {c: i["state"] for c, i in items.items()} == dict.fromkeys(CITIES, "replied")
    assert items["guangzhou"]["replied_at_source"] == "portal"
    assert items["harbin"]["replied_at_source"] == "first_seen"  # harbin shows no times
    assert items["shenzhen"]["reply_text"].startswith("您好！")  # from its detail page
    polls = [e for e in store.item_events(db, items["shenzhen"]["id"]) if e["event"] == "polled"]
    assert all(p["detail"]["list_html"] and p["detail"]["detail_html"] for p in polls)
    assert all(i["timeliness"] == "on_time" and i["effectiveness"] for i in items.values())


def test_rejudge_restores_deleted_scores_and_a_reply_older_rules_missed(db, polled):
    path, round_id, items = polled
    db.execute("UPDATE items SET working_days = NULL, timeliness = NULL, effectiveness = NULL,"
               " effectiveness_source = NULL")  # fmt: skip
    # as if the rules of the time had not read 广州's reply and its window had closed
    db.execute(
        "UPDATE items SET state = 'closed', replied_at = NULL, reply_text = NULL,"
        " status_text = NULL, replied_at_source = NULL, reply_uncertainty_s = NULL WHERE id = ?",
        [items["guangzhou"]["id"]],
    )
    db.conn.commit()
    assert guides.rejudge(path, round_id) == (round_id, 3)
    again = {c: store.get_item(db, i["id"]) for c, i in items.items()}
    assert {c: _facts(i) for c, i in again.items()} == {c: _facts(i) for c, i in items.items()}
    # the reply is seen when the poll that showed it saw it, and the change is told
    assert again["guangzhou"]["reply_seen_at"] == items["guangzhou"]["reply_seen_at"]
    told = [e for e in store.item_events(db, items["guangzhou"]["id"]) if e["event"] == "rejudged"]
    assert [e["detail"]["before"]["state"] for e in told] == ["closed"]
    # judged again with nothing changed, nothing is written
    events = len(store.item_events(db, items["harbin"]["id"]))
    assert guides.rejudge(path, round_id) == (round_id, 3)
    assert connections_to(path) == 1  # the test's own: rejudge closed what it opened
    assert len(store.item_events(db, items["harbin"]["id"])) == events


def test_a_guide_rounds_rejudge_covers_the_interaction_round_scored_with_it(db, polled):
    path, round_id, items = polled
    guide_round = store.start_round(db, "guides", "sandbox", {})
    store.finish_round(db, guide_round)
    db.execute("UPDATE items SET timeliness = NULL")
    db.conn.commit()
    assert guides.rejudge(path) == (guide_round, 3)  # no probes, three items
    assert all(store.get_item(db, i["id"])["timeliness"] == "on_time" for i in items.values())


def test_changed_rules_rescore_but_never_over_an_evaluators_label(db, polled, monkeypatch):
    path, round_id, items = polled
    store.set_label(db, items["shenzhen"]["id"], "partly", "李评估", "只答了材料")
    store.set_label(db, items["harbin"]["id"], "on_time", "李评估", field="timeliness")
    stricter = replace(load_indicators().thresholds, on_time_days=0)
    monkeypatch.setattr(
        guides, "load_indicators", lambda: replace(load_indicators(), thresholds=stricter)
    )
    guides.rejudge(path, round_id)
    again = {c: store.get_item(db, i["id"]) for c, i in items.items()}
    assert again["guangzhou"]["timeliness"] == "late"  # one working day is late now
    assert again["shenzhen"]["timeliness"] == "late"
    assert again["harbin"]["timeliness"] == "on_time"  # labelled
    assert (again["shenzhen"]["effectiveness"], again["shenzhen"]["effectiveness_source"]) == (
        "partly", "evaluator"
    )  # fmt: skip
    assert [lab["new"] for lab in store.labels_of_item(db, items["shenzhen"]["id"])] == ["partly"]


def test_a_reply_the_pages_no_longer_show_by_todays_rules_is_kept_and_told(db, polled, monkeypatch):
    import probes.judge.replies as replies

    path, round_id, items = polled
    monkeypatch.setattr(replies, "REPLIED_STATUS", replies.re.compile(r"已回复了"))
    guides.rejudge(path, round_id)
    item = store.get_item(db, items["guangzhou"]["id"])
    assert _facts(item) == _facts(items["guangzhou"])
    (told,) = [e for e in store.item_events(db, item["id"]) if e["event"] == "rejudged"]
    assert told["detail"]["reply"] == "not_in_pages"


def test_evidence_that_changed_stops_the_rejudge_before_anything_is_written(db, polled):
    path, round_id, items = polled
    db.execute("UPDATE items SET timeliness = NULL")
    db.conn.commit()
    page = next(Path(path).parent.joinpath("evidence").rglob("*.html"))
    page.write_text("<html>tampered</html>", encoding="utf-8")
    with pytest.raises(store.EvidenceError):
        guides.rejudge(path, round_id)
    assert all(store.get_item(db, i["id"])["timeliness"] is None for i in items.values())
