"""A consultation's or complaint's reply scored: working days, timeliness, effectiveness.

Step 6 of the data flow (README, "Architecture") for the interaction items: a poll scores an
item when its reply comes or its window closes (``probes/app/consult.py``), and
``govprobe rejudge`` scores a round's items again from the reply facts their evidence gives
(``probes/judge/rejudge.py``), so both score the same way. Working days follow China's
calendar (``probes/plan/workdays.py``), the thresholds ``scenarios/indicators.yaml``; the
policy itself is ``timeliness`` and ``suggest_effectiveness`` in ``probes/score/scoring.py``.
An evaluator's label (``govprobe label``, the ``labels`` table) is never overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from probes import store
from probes.plan.indicators import Thresholds
from probes.plan.scenarios import Scenario
from probes.plan.workdays import WorkCalendar
from probes.score.scoring import suggest_effectiveness, timeliness


def judge_item(
    item: dict, scenario: Scenario, calendar: WorkCalendar, thresholds: Thresholds
) -> tuple[int | None, str | None, str | None]:
    """(working days, timeliness, suggested effectiveness) of a replied or closed item.

    A reply whose portal shows no time was first seen by a poll: it came at some moment since
    the poll before (``reply_uncertainty_s``). When the earliest and the latest of those
    moments give different timeliness, the timeliness is ``None``: not scored, for an evaluator
    to judge (``timeliness_uncertain``); the working days are those to the poll that saw it."""
    message = scenario.consult if item["kind"] == "consult" else scenario.complaint
    if item["state"] == "replied" and item["submitted_at"] and item["replied_at"]:
        start = datetime.fromisoformat(item["submitted_at"])
        end = datetime.fromisoformat(item["replied_at"])
        days = calendar.workdays_between(start, max(start, end))
        timely = timeliness(days, True, on_time_days=thresholds.on_time_days)
        if timeliness_uncertain(item, calendar, thresholds):
            timely = None
        return (
            days,
            timely,
            suggest_effectiveness(item["reply_text"], message.answer_points),
        )
    if item["state"] == "closed":
        return None, "no_reply", suggest_effectiveness(None, message.answer_points)
    return None, None, None


def timeliness_uncertain(item: dict, calendar: WorkCalendar, thresholds: Thresholds) -> bool:
    """Could the reply, first seen by a poll, have come early enough to be on time (or late
    enough to be late) within the time since the poll before? Then the score cannot say."""
    gap = item.get("reply_uncertainty_s")
    if item.get("replied_at_source") != "first_seen" or not gap or not item["submitted_at"]:
        return False
    start = datetime.fromisoformat(item["submitted_at"])
    latest = datetime.fromisoformat(item["replied_at"])
    earliest = max(start, latest - timedelta(seconds=gap))
    on_time = thresholds.on_time_days
    bounds = {
        timeliness(calendar.workdays_between(start, moment), True, on_time_days=on_time)
        for moment in (earliest, latest)
    }
    return len(bounds) > 1


def window_end(item: dict, calendar: WorkCalendar, thresholds: Thresholds) -> datetime | None:
    """When the item's observation window closes: its submission plus the window's working
    days (``None`` before the portal's submission time is known)."""
    if not item["submitted_at"]:
        return None
    start = datetime.fromisoformat(item["submitted_at"])
    return calendar.add_workdays(start, thresholds.window_days)


def score_item(
    db, item_id: int, scenario: Scenario, calendar: WorkCalendar, thresholds: Thresholds
) -> bool:
    """Store the item's scores from its stored reply facts (``judge_item``), keeping what an
    evaluator labelled (effectiveness, timeliness); whether anything changed."""
    item = store.get_item(db, item_id)
    days, timely, effective = judge_item(item, scenario, calendar, thresholds)
    if any(label["field"] == "timeliness" for label in store.labels_of_item(db, item_id)):
        timely = item["timeliness"]
    kept = item["effectiveness_source"] == "evaluator"
    shown = (
        days,
        timely,
        item["effectiveness"] if kept else effective,
        "evaluator" if kept else ("auto" if effective is not None else None),
    )
    stored = ("working_days", "timeliness", "effectiveness", "effectiveness_source")
    if tuple(item[k] for k in stored) == shown:
        return False
    store.set_item_scores(
        db, item_id, working_days=days, timeliness=timely, effectiveness=effective
    )
    return True


def score_items(
    db,
    round_id: str,
    scenarios: Mapping[str, Scenario],
    calendar: WorkCalendar,
    thresholds: Thresholds,
) -> int:
    """Score every replied or closed item of an interaction round again; how many changed."""
    changed = 0
    for item in store.items_of(db, round_id=round_id):
        if item["state"] in ("replied", "closed"):
            scenario = scenarios[item["scenario"]]
            changed += score_item(db, item["id"], scenario, calendar, thresholds)
    return changed
