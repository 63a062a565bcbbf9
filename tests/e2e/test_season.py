"""A season simulated on the sandbox (issue 17's figure): four weeks of the sandbox's clock, the
jobs a season runs (``probes/schedule/jobs.py``: a guide round each week, HTTP-only checks
every six simulated hours, polls of the consultations sent in week 1), each run kept in
``job_runs`` and handed to the scheduler's result hook (``alert_job_result``, as
``govprobe schedule start --alert`` hooks it) with a real webhook as the alert URL.

The faults injected, and the one alert each must cause (none else, all season):

* 太原's portal drops every connection from day 10 15:00 to day 12 03:00 (``drop``):
  ``portal_down`` at the check round that makes it a day (day 11 15:00), not at those after;
* 太原's saved login expires before the poll of day 8 (``session_expired``): ``login_expired``;
  renewed (``govprobe login``'s library function), the next day's poll says nothing;
* 沈阳's guides are gone for the week-3 guide round (``guide_gone``): ``regressions``, the
  probes held 待复核 and out of the scores until ``govprobe confirm``; back in week 4: nothing;
* a scheduled job fails (a ``touch`` job asked to): ``job_failed``.

Check and guide rounds are stamped with the sandbox's clock (``clock="sandbox"``), so the rules
that read time see the portals' time: the stretch of a day down, the previous guide round, and
each guide round's availability week (checked here: the visits of its own simulated week).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from urllib.parse import urlsplit

import httpx
import pytest

from probes import store
from probes.alert import after_items, alert_job_result
from probes.app.consult import consult_submit, login_session
from probes.app.evaluation import score_of
from probes.check.round import CheckOptions
from probes.net.retry import RetryPolicy
from probes.schedule import jobs, scheduler
from probes.text import ALERT_ZH
from tests.support.commands import run_govprobe
from tests.support.connections import connections_to
from tests.support.webhook import receiving

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# one city of each of four archetypes (listfw, epoint, zjsearch, vueportal), each alone on its
# site, so that a fault on one touches no other; 太原 never answers, so its item stays open
CITIES = {"beijing": "北京", "shenyang": "沈阳", "nanjing": "南京", "taiyuan": "太原"}
SCENARIO = "resident-insurance"
STEP = timedelta(hours=6)  # between two HTTP-only check rounds, on the sandbox's clock
GUIDE_DAYS = (0, 7, 14, 21)  # a guide round at 09:00 (the season's start) of each
POLL_DAYS = (1, 2, 8, 9, 16, 28)  # a poll at 15:00 of each; day 28 is past 太原's window
DOWN = ((10, 15), (12, 3))  # 太原 drops every connection from the first step to the second
EVENT_OF = {words: event for event, words in ALERT_ZH.items()}


class Season:
    """The sandbox, the database and the hooks of one simulated season."""

    def __init__(self, url: str, db: str, sessions: str) -> None:
        self.url, self.db, self.sessions = url, db, sessions
        self.portals = {c["city_id"]: c for c in httpx.get(f"{url}/__sandbox/cities").json()}
        self.start = self.now()

    def now(self) -> datetime:
        return datetime.fromisoformat(httpx.get(f"{self.url}/__sandbox/clock").json()["now"])

    def move_to(self, moment: datetime) -> None:
        httpx.post(
            f"{self.url}/__sandbox/clock", json={"set": moment.isoformat()}
        ).raise_for_status()

    def fault(self, city: str, mode: str | None) -> None:
        body = {"city": city, "mode": mode} if mode else {"city": city, "clear": True}
        httpx.post(f"{self.url}/__sandbox/faults", json=body).raise_for_status()

    def job(self, job_id: str, kind: str, func, **kwargs) -> dict:
        """One run as the scheduler makes it (``RunHistory``): its start and end in
        ``job_runs``, then the result hooks with the row and its database. Its arguments are
        first read as a schedule file's are (``options`` aside: the test's shorter waits)."""
        jobs.KINDS[kind].args.model_validate({k: v for k, v in kwargs.items() if k != "options"})
        due = datetime.now(UTC).isoformat()
        with store.open_db(self.db) as db:
            store.job_run_started(db, job_id=job_id, kind=kind, scheduled_at=due)
        try:
            done = func(**kwargs) or {}
            facts = {"outcome": "ok", "round_id": done.get("round"), "counts": done.get("counts")}
        except Exception as exc:  # the scheduler's EVENT_JOB_ERROR
            facts = {"outcome": "failed", "error": f"{type(exc).__name__}: {exc}"}
        with store.open_db(self.db) as db:
            run = store.job_run_ended(db, job_id=job_id, kind=kind, scheduled_at=due, **facts)
        scheduler.on_job_result({**run, "db_path": self.db})
        return run

    def log_in(self, city: str) -> None:
        """``govprobe login --city`` as a person does it: the portal's login form, filled."""
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.portals[city]["pc_url"]))

        async def fill(page) -> None:
            await page.fill("#username", "tester")
            await page.fill("#password", "govprobe-sandbox")
            async with page.expect_navigation():
                await page.click("button[type=submit]")

        login_session(city, wait=fill, sessions=self.sessions, url=f"{origin}/login", headless=True)

    def guides(self) -> dict:
        return self.job(
            "guides", "guides", jobs.guides_job, target="sandbox", sandbox_url=self.url,
            cities=list(CITIES), scenario_ids=[SCENARIO], channels=["pc"], db_path=self.db,
            clock="sandbox", concurrency=8,  # every journey at once: two per portal
        )  # fmt: skip

    def checks(self) -> dict:
        return self.job(
            "availability", "checks", jobs.checks_job, target="sandbox", sandbox_url=self.url,
            cities=list(CITIES), db_path=self.db, http_only=True, clock="sandbox",
            # the policy of a season, its wait shortened: a visit that fails is tried again
            options=CheckOptions(retry=RetryPolicy(retries=1, backoff_s=0.1, budget_s=10)),
        )  # fmt: skip

    def poll(self) -> dict:
        return self.job(
            "poll", "poll", jobs.poll_job, target="sandbox", sandbox_url=self.url,
            db_path=self.db, sessions=self.sessions,
        )  # fmt: skip


def alerts_of(received: list[dict]) -> list[tuple[str, frozenset[str], str | None]]:
    """(event, the season's cities its title names, round) of each message received."""
    found = []
    for message in received:
        lines = message["message"].splitlines()
        event = EVENT_OF[lines[0].removeprefix("事件：")]
        round_id = next(
            (line.removeprefix("轮次：") for line in lines if line.startswith("轮次：")), None
        )
        named = frozenset(c for c, name in CITIES.items() if name in message["title"])
        found.append((event, named, round_id))
    return found


def city_of(score: dict, city: str) -> dict:
    return next(c for c in score["cities"] if c["city"] == city)


@pytest.mark.timeout(600)
def test_a_simulated_season_sends_exactly_the_alerts_of_its_faults(sandbox, tmp_path, monkeypatch):
    db, sessions = str(tmp_path / "govprobe.db"), str(tmp_path / "sessions")
    season = Season(sandbox, db, sessions)
    with receiving() as hook:
        monkeypatch.setattr(
            scheduler, "RESULT_HOOKS", [partial(alert_job_result, urls=[hook.alert_url])]
        )
        for city in CITIES:  # a season on live portals runs on saved logins
            season.log_in(city)
        guide_rounds, check_rounds = [], {}
        at = season.start
        while at <= season.start + timedelta(days=28, hours=6):
            season.move_to(at)
            day, hour = (at.date() - season.start.date()).days, at.hour
            if (day, hour) == DOWN[0]:
                season.fault("taiyuan", "drop")
            if (day, hour) == DOWN[1]:
                season.fault("taiyuan", None)
            if (day, hour) == (14, 9):
                season.fault("shenyang", "guide_gone")
            if day in GUIDE_DAYS and hour == 9:
                run = season.guides()
                assert run["outcome"] == "ok", run
                guide_rounds.append(run["round_id"])
            if (day, hour) == (0, 9):  # consultations sent as `govprobe consult submit --alert`
                started = store.now_iso()
                sent = consult_submit(
                    target="sandbox", sandbox_url=sandbox, cities=list(CITIES),
                    scenario_ids=[SCENARIO], kinds=["consult"], db_path=db, sessions=sessions,
                )  # fmt: skip
                assert {r["action"] for r in sent["results"]} == {"submitted"}, sent["results"]
                after_items(db, [hook.alert_url], since=started, what="咨询投诉提交",
                            round_id=sent["round"], outcomes=[r["action"] for r in sent["results"]])  # fmt: skip
            if (day, hour) == (14, 9):
                season.fault("shenyang", None)
                week3 = guide_rounds[-1]
                # held: in the review queue and out of the score until an evaluator confirms
                with store.open_db(db) as con:
                    held = [h["probe_id"] for h in store.holds_of(con, round_id=week3)]
                    before = score_of(con, week3)
                assert len(held) == 2  # both of 沈阳's matters
                gone = city_of(before, "shenyang")
                assert sum("regression to be reviewed" in e for e in gone["excluded"]) == 2
                assert gone["indicators"]["guide"] != 0.0  # not counted against the city
                for probe_id in held:
                    done = run_govprobe("confirm", str(probe_id), "--by", "李评估",
                                        "--note", "门户改版后确已无此指南", "--db", db)  # fmt: skip
                    assert done.returncode == 0, done.stderr
                with store.open_db(db) as con:
                    after = score_of(con, week3)
                gone = city_of(after, "shenyang")
                assert not any("regression" in e for e in gone["excluded"])
                assert gone["indicators"]["guide"] == 0.0  # confirmed: the guides are missing
            run = season.checks()
            assert run["outcome"] == "ok", run
            check_rounds[(day, hour)] = run["round_id"]
            if (day, hour) == (8, 15):
                season.fault("taiyuan", "session_expired")
            if day in POLL_DAYS and hour == 15:
                run = season.poll()
                assert run["outcome"] == "ok", run
                if day == 8:  # the evaluator renews the login the alert names
                    season.log_in("taiyuan")
                    season.fault("taiyuan", None)
            if (day, hour) == (20, 3):
                run = season.job(
                    "heartbeat", "touch", jobs.touch_job, path=str(tmp_path / "beat"), fail=True
                )
                assert run["outcome"] == "failed"
            if (day, hour) == (5, 3):  # a job that succeeds is not alerted
                season.job("heartbeat-ok", "touch", jobs.touch_job, path=str(tmp_path / "beat"))
            at += STEP
        received = list(hook.received)

    with store.open_db(db) as con:
        interaction = store.latest_round(con, "consult")
        items = {i["city"]: i for i in store.items_of(con)}
        scores = [score_of(con, r) for r in guide_rounds]
        rounds = {r: store.get_round(con, r) for r in guide_rounds + list(check_rounds.values())}
    assert sorted(alerts_of(received)) == sorted(
        [
            ("portal_down", frozenset({"taiyuan"}), check_rounds[(11, 15)]),
            ("login_expired", frozenset({"taiyuan"}), interaction),
            ("regressions", frozenset({"shenyang"}), guide_rounds[2]),
            ("job_failed", frozenset(), None),
        ]
    ), [m["title"] for m in received]

    # the rounds live on the sandbox's clock, and say so
    for row in rounds.values():
        assert row["params"]["clock"] == "sandbox"
    assert rounds[check_rounds[(11, 15)]]["started_at"] == (
        (season.start + timedelta(days=11, hours=6)).astimezone(UTC).isoformat()
    )
    # each guide round's availability week is its own simulated week: 28 check rounds of every
    # address (a firewalled portal's visits undecided: no browser in an HTTP-only check), and
    # 太原's outage (six rounds of both addresses) in week 3's alone
    addresses = {c: 1 + bool(season.portals[c]["mobile_url"]) for c in CITIES}
    for week, score in enumerate(scores[1:], start=2):
        assert len(score["check_rounds"]) == 28, (week, score["check_rounds"])
        for city in CITIES:
            seen = city_of(score, city)["availability"]
            outage = 6 * addresses[city] if (week, city) == (3, "taiyuan") else 0
            assert seen["visits"] + seen["undecided"] == 28 * addresses[city], (week, city, seen)
            assert seen["failed"] == outage, (week, city, seen)
    # the item left open all season was closed at its window's end, on the sandbox's clock
    assert items["taiyuan"]["state"] == "closed" and items["taiyuan"]["timeliness"] == "no_reply"
    assert {items[c]["state"] for c in ("beijing", "shenyang", "nanjing")} == {"replied"}
    # every job ran in this process, as the scheduler runs them: none left its database open
    assert connections_to(db) == 0
