"""Availability sampled by the 2019 national rule: a week of visits, 20 and more a day per
address, counted from check rounds written into a real SQLite database the way
``govprobe check`` (and ``--http-only``) writes them; fewer visits are flagged, and scored only
where the rule's verdict cannot change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from probes import store
from probes.schedule.file import load_schedule
from probes.score.hardware import (
    RULE_WEEK_VISITS,
    availability_of,
    availability_score,
    check_rounds_of_week,
    hardware_observations,
)

END = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)  # the scored round's time


def iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def visit(db, round_id, city, at, *, up=True, channel="pc", host=None, **detail) -> None:
    classification = detail.pop("classification", "up" if up else "down")
    store.save_check(
        db, round_id, url=f"http://{host or city}.example/{channel}", kind="home", city=city,
        channel=channel, classification=classification,
        detail={"available": up, **detail}, at=iso(at),
    )  # fmt: skip


def check_round(db, at: datetime, *, http_only: bool) -> str:
    return store.start_round(db, "check", "live", {"http_only": http_only}, at=iso(at))


def observed(db, *rounds) -> dict[str, float]:
    return {o.city: o.value for o in hardware_observations(db, *rounds) if o.item == "availability"}


def test_a_week_of_half_hourly_visits_is_scored_by_the_rule(db) -> None:
    start = END - timedelta(days=7)
    old = check_round(db, start - timedelta(hours=1), http_only=True)  # before the week
    visit(db, old, "steady", start - timedelta(hours=1), up=False)
    for n in range(7 * 48):  # every 30 minutes, HTTP only; the full check once a night too
        at = start + timedelta(minutes=30 * n + 10)
        rounds = [check_round(db, at, http_only=True)]
        if at.hour == 19 and at.minute == 10:  # 03:10 in Beijing
            rounds.append(check_round(db, at + timedelta(minutes=5), http_only=False))
        for round_id in rounds:
            for channel in ("pc", "mobile"):
                visit(
                    db, round_id, "steady", at, channel=channel, up=not (n == 5 and channel == "pc")
                )
                # four hours down on the PC address: 8 of 686 visits, 1.2%
                visit(db, round_id, "outage", at, channel=channel,
                      up=not (100 <= n < 108 and channel == "pc"))  # fmt: skip
                # a whole day down, both addresses: 98 of 686 visits, 14%
                visit(db, round_id, "redesign", at, channel=channel, up=not 48 <= n < 96)
    week = check_rounds_of_week(db, target="live", until=iso(END))
    assert old not in week and len(week) == 7 * 48 + 7
    found = availability_of(db, *week)
    steady = found["steady"]
    assert (steady.visits, steady.failed, steady.required, steady.short) == (686, 1, 280, False)
    assert observed(db, *week) == {
        "steady": round(100 * 685 / 686, 2),
        "outage": round(100 * 678 / 686, 2),
        "redesign": 0.0,
    }


def test_the_nightly_checks_alone_are_below_the_rules_sampling_and_said_so(db) -> None:
    rounds = []
    for day in range(7):
        at = END - timedelta(days=day, hours=2)
        rounds.append(round_id := check_round(db, at, http_only=False))
        visit(db, round_id, "fine", at)
        visit(db, round_id, "one_bad_night", at, up=day != 3)
        visit(db, round_id, "gone", at, up=False)
    found = availability_of(db, *check_rounds_of_week(db, until=iso(END)))
    once = found["one_bad_night"]
    assert once.short and (once.visits, once.required) == (7, RULE_WEEK_VISITS)
    assert once.share == pytest.approx(85.71)  # shown with its 7 visits, flagged
    assert once.score is None  # 1 failure is under 1% of the week the rule samples: no verdict
    assert found["fine"].share == 100.0 and found["fine"].score is None
    # 7 failures are 5% of the rule's 140 visits whatever the others would have shown
    assert found["gone"].score == 0.0
    assert observed(db, *rounds) == {"gone": 0.0}
    assert once.to_json() | {"share": None} == {
        "visits": 7, "up": 6, "failed": 1, "required": 140, "short": True, "share": None,
        "score": None, "undecided": 0, "ours": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("up", "failed", "missing", "expected"),
    [
        (140, 0, 0, 100.0),  # the rule's week
        (133, 7, 0, 0.0),  # 5% failed
        (139, 0, 1, 100.0),  # one visit short: passes whatever it would have been
        (134, 0, 6, 100.0),  # 6 missing could fail only 4.3%
        (133, 0, 7, None),  # 7 missing could have been 5%: no verdict
        (6, 1, 133, None),  # one bad night of seven nightly visits
        (0, 7, 133, 0.0),  # 5% of the rule's visits failed already
        (0, 0, 140, None),  # no visit
    ],
)
def test_a_short_week_is_scored_only_where_the_missing_visits_cannot_change_the_verdict(
    up, failed, missing, expected
) -> None:
    score = availability_score(up, failed, missing)
    assert score == (pytest.approx(expected) if expected is not None else None)


def test_visits_that_failed_on_our_side_are_not_visits(db) -> None:
    at = END - timedelta(hours=3)
    dark = check_round(db, at, http_only=True)  # no answer from three hosts at once: ours
    for city in ("a", "b", "c"):
        visit(db, dark, city, at, up=False)
    two = check_round(db, at + timedelta(minutes=30), http_only=True)  # two hosts: the portals'
    for city in ("a", "b"):
        visit(db, two, city, at, up=False)
    walled = check_round(db, at + timedelta(hours=1), http_only=False)
    visit(db, walled, "c", at, up=None, classification="protected", browser_error="no Chromium")
    visit(db, walled, "c", at, up=None, classification="protected")  # no browser: undecided
    # the browser got through: a visit that loaded
    visit(db, walled, "c", at, up=True, classification="protected", channel="mobile")
    found = availability_of(db, dark, two, walled)
    assert (found["a"].visits, found["a"].failed, found["a"].ours) == (1, 1, 1)
    assert (found["c"].visits, found["c"].up, found["c"].ours, found["c"].undecided) == (1, 1, 2, 1)


def _fire_times(trigger, start: datetime, end: datetime) -> list[datetime]:
    times, previous, now = [], None, start
    while (t := trigger.get_next_fire_time(previous, now)) and t < end:
        times.append(t)
        previous = now = t
    return times


def test_the_default_schedule_visits_each_address_as_often_as_the_rule_asks() -> None:
    config = load_schedule()
    jobs = {j.id: j for j in config.jobs}
    day = datetime(2026, 12, 1, tzinfo=ZoneInfo("Asia/Shanghai"))

    def times(job_id: str) -> list[datetime]:
        return _fire_times(jobs[job_id].trigger(config.timezone, None), day, day + timedelta(1))

    frequent, full = times("availability"), times("checks")
    assert jobs["availability"].kind == "checks" and jobs["availability"].args.http_only
    assert len(frequent) >= 20  # the rule's visits a day, even before the full check's
    gaps = {b - a for a, b in zip(frequent, frequent[1:], strict=False)}
    assert all(timedelta(minutes=30) <= g <= timedelta(minutes=60) for g in gaps)
    assert len(full) == 1 and not jobs["checks"].args.http_only
    # the full check starts clear of the frequent visits (at most two rounds at one host)
    assert all(abs(full[0] - t) >= timedelta(minutes=5) for t in frequent)
