"""From the database to scores: observations read out of a real SQLite file, the score, an
evaluator's label, a season scored round by round with the checks of its own week.

The rounds are written through the store's own functions (``tests/support/rounds.py``), small
enough to reason about: two cities, one scenario, PC only, the interaction round beside.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from probes import store
from probes.app import evaluation
from probes.outcomes import Outcome
from probes.plan.cities import load_registry
from probes.score.observations import read_observations
from probes.store.evidence import EvidenceStore
from tests.support.rounds import MATTERS, guide_probe


def test_observations_come_from_the_probes_judgements_and_items(filled):
    db, _path, round_id = filled
    obs = read_observations(db, round_id, load_registry())
    assert {c.city for c in obs.cities} == {"guangzhou", "lhasa"}
    assert len(obs.guides) == 6
    missing = [g for g in obs.guides if g.outcome.value == "guide_missing"]
    assert [(g.city, g.completeness, g.found_by) for g in missing] == [("lhasa", None, None)]
    handled = {(h.city, h.matter): (h.online_apply, h.visits) for h in obs.handling}
    assert handled[("lhasa", MATTERS[1])] == (True, 1)
    assert handled[("guangzhou", MATTERS[2])] == (True, 0)
    assert ("lhasa", MATTERS[2]) not in handled  # no guide, nothing to tell
    # the captcha-blocked consultation is left out, not scored as zero
    assert sorted((i.city, i.kind) for i in obs.interactions) == [
        ("guangzhou", "complaint"), ("guangzhou", "consult"), ("lhasa", "complaint")
    ]  # fmt: skip


def test_the_score_counts_full_online_cities_and_interaction_points(filled):
    _db, path, round_id = filled
    result = evaluation.score(path, round_id)
    assert result["national"]["full_online_cities"] == {"beauty-salon": 1}  # guangzhou only
    gz = next(c for c in result["cities"] if c["city"] == "guangzhou")
    interaction = gz["indicators"]["interaction"]
    assert interaction == pytest.approx((100 + 50 + 100 + 50) / 4)  # timeliness and effect
    assert result["national"]["indicators"]["hardware"] is None  # not measured, never zero


def test_an_evaluator_label_changes_the_score(filled):
    db, path, round_id = filled
    before = evaluation.score(path, round_id)
    item = next(
        i for i in store.items_of(db) if i["city"] == "guangzhou" and i["kind"] == "complaint"
    )
    store.set_label(db, item["id"], "solved", "李评估", "答复已解决")
    after = evaluation.score(path, round_id)
    gz = {r["city"]: r for r in after["cities"]}["guangzhou"]
    old = {r["city"]: r for r in before["cities"]}["guangzhou"]
    assert gz["indicators"]["interaction"] > old["indicators"]["interaction"]


def _check_round(db, at: str, available: bool, visits: int) -> str:
    round_id = store.start_round(db, "check", "sandbox", at=at)
    for _ in range(visits):
        store.save_check(
            db, round_id, url="http://portal/guangzhou", kind="home", city="guangzhou",
            channel="pc", classification="up" if available else "down",
            detail={"available": available}, at=at,
        )  # fmt: skip
    store.finish_round(db, round_id, at=at)
    return round_id


def test_the_season_scores_each_round_with_the_checks_of_its_own_week(filled):
    db, _path, first = filled
    start = datetime.fromisoformat(store.get_round(db, first)["started_at"])
    day = lambda n: (start + timedelta(days=n)).isoformat(timespec="seconds")  # noqa: E731
    # the week up to the first round: 7 failed visits, 5% of the week the rule samples (0,
    # whatever the visits not made); the week up to the second: the rule's 140 visits, all up
    down = _check_round(db, day(-3), available=False, visits=7)
    up = _check_round(db, day(8), available=True, visits=140)
    second = store.start_round(db, "guides", "sandbox", at=day(9))
    for p in store.probes_of_round(db, first):
        copy = guide_probe(EvidenceStore(Path(_path).parent / "evidence"), p["city"], p["matter"],
                      Outcome(p["outcome"]))  # fmt: skip
        probe_id = store.save_probe(db, second, copy)
        if copy.capture:
            store.save_judgement(
                db, probe_id, elements={"到办事现场次数": "0次"}, empty=(), materials=(),
                links=(), findings=(), completeness=1.0, required=["到办事现场次数"],
                missing=[], rules_version="test",
            )  # fmt: skip
    store.finish_round(db, second, at=day(9))
    trend = evaluation.score_season(db, target="sandbox")
    assert [t["round"] for t in trend] == [first, second]
    assert [t["check_rounds"] for t in trend] == [[down], [up]]
    # availability is scored from each round's own week, not from the latest checks
    assert [t["national"]["items"]["availability"] for t in trend] == [0.0, 100.0]
    # scored alone, an older round keeps its own week too (not the latest checks)
    assert evaluation.score_of(db, first)["check_rounds"] == [down]
    assert evaluation.score_of(db, second)["check_rounds"] == [up]
