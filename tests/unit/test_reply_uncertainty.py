"""A reply whose portal shows no time is dated by the poll that first saw it. When it could have
come early enough to be on time or late enough to be late (the time since the poll before), it
is not scored 逾期 on a guess: its timeliness waits for an evaluator (issue 16, item 1)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from probes import store
from probes.plan.indicators import load_indicators
from probes.plan.scenarios import load_scenarios
from probes.plan.workdays import WorkCalendar
from probes.score.replies import score_item
from probes.score.scoring import InteractionObservation, _interaction_exclusion

SUBMITTED = "2026-11-02T09:00:00+08:00"  # a Monday
DAY = 86400


def _replied(db, *, seen_after_days: int, since_days: int | None, source="first_seen") -> int:
    """An item submitted on SUBMITTED and replied: first seen ``seen_after_days`` later by a
    poll whose previous poll was ``since_days`` before it (None: the portal shows the time)."""
    item = store.record_intent(
        db, city="chengdu", scenario="beauty-salon", kind="consult", round_id=None,
        title="卫生许可", content="问题",
    )  # fmt: skip
    store.mark_submitted(db, item, "ZX-1", SUBMITTED)
    seen = datetime.fromisoformat(SUBMITTED) + timedelta(days=seen_after_days)
    store.record_reply(
        db, item, replied_at=seen.isoformat(), reply_text="请携带材料到窗口办理。",
        source=source, uncertainty_s=None if since_days is None else since_days * DAY,
    )  # fmt: skip
    return item


@pytest.fixture
def scoring():
    system = load_indicators()
    return load_scenarios()["beauty-salon"], WorkCalendar(), system.thresholds


def test_a_reply_first_seen_long_after_the_poll_before_is_not_scored_late(scoring):
    scenario, cal, th = scoring
    with store.open_db(memory=True) as db:
        # polled on Wednesday (nothing), then 40 days later: the reply came in between
        item = _replied(db, seen_after_days=42, since_days=40)
        score_item(db, item, scenario, cal, th)
        got = store.get_item(db, item)
        assert got["timeliness"] is None and got["working_days"] > th.on_time_days
        observed = InteractionObservation(
            "chengdu", "beauty-salon", "consult", got["timeliness"], got["effectiveness"],
            replied=True,
        )  # fmt: skip
        assert _interaction_exclusion(observed) == "timeliness to be reviewed"
        # an evaluator who checked the portal says it was on time: kept, and scored
        store.set_label(db, item, "on_time", "李评估", "门户留言页显示 11 月 3 日已答复",
                        field="timeliness")  # fmt: skip
        score_item(db, item, scenario, cal, th)
        assert store.get_item(db, item)["timeliness"] == "on_time"


@pytest.mark.parametrize(
    ("seen_after_days", "since_days", "source", "expected"),
    [
        (42, 2, "first_seen", "late"),  # late however early it came since the poll before
        (3, 2, "first_seen", "on_time"),  # on time however late it came
        (42, None, "portal", "late"),  # the portal shows the time: no doubt
    ],
)
def test_a_reply_whose_time_cannot_change_its_timeliness_is_scored(
    scoring, seen_after_days, since_days, source, expected
):
    scenario, cal, th = scoring
    with store.open_db(memory=True) as db:
        item = _replied(db, seen_after_days=seen_after_days, since_days=since_days, source=source)
        score_item(db, item, scenario, cal, th)
        assert store.get_item(db, item)["timeliness"] == expected
