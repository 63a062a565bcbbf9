"""Regressions are held for review and not scored until an evaluator confirms the machine or
overrides it. The rounds are tests/support/rounds.py's: the evaluated round, then a later one."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from probes import store
from probes.alert.regressions import find_regressions, hold_regressions
from probes.app import evaluation
from probes.cli import main
from probes.outcomes import Outcome
from probes.store import overrides
from probes.store.overrides import OverrideError
from tests.support.rounds import MATTERS, write_next_round

HELD = "regression to be reviewed"


def _city(result, city):
    return next(c for c in result["cities"] if c["city"] == city)


def _probe(db, round_id, city, matter):
    return next(
        p for p in store.probes_of_round(db, round_id) if (p["city"], p["matter"]) == (city, matter)
    )


@pytest.fixture
def regressed(filled):
    """The evaluated round, then one in which 广州's second guide is gone."""
    db, path, first = filled
    second = write_next_round(
        db, Path(path), outcomes={("guangzhou", MATTERS[1]): Outcome.GUIDE_MISSING}
    )
    return db, path, second, _probe(db, second, "guangzhou", MATTERS[1])["id"]


def test_a_first_round_has_nothing_to_regress_from(filled):
    db, _path, first = filled
    assert find_regressions(db, first) == []
    assert hold_regressions(db, first) == []


def test_a_guide_gone_since_the_previous_round_is_held_and_not_scored(regressed):
    db, path, second, gone = regressed
    assert hold_regressions(db, second) == [gone]
    assert hold_regressions(db, second) == []  # a round checked again holds nothing twice
    (hold,) = store.holds_of(db, round_id=second)
    assert (hold["kind"], hold["was"], hold["now"]) == ("outcome", "ok", "guide_missing")
    guangzhou = _city(evaluation.score(path, second), "guangzhou")
    assert f"beauty-salon/{MATTERS[1]}/pc: {HELD}" in guangzhou["excluded"]
    assert guangzhou["items"]["obtainability"] == 100  # the two guides still found
    # 拉萨's third guide was missing last round as well: no regression, scored as not found
    lhasa = _city(evaluation.score(path, second), "lhasa")
    assert not any(HELD in e for e in lhasa["excluded"])


def test_confirming_the_machine_lifts_the_hold_and_scores_the_probe_as_judged(regressed):
    db, path, second, gone = regressed
    hold_regressions(db, second)
    with pytest.raises(OverrideError, match="理由"):
        overrides.confirm_machine(db, gone, by="李评估", note=" ")
    overrides.confirm_machine(db, gone, by="李评估", note="门户已撤下该指南")
    assert store.held_probe_ids(db, second) == set()
    guangzhou = _city(evaluation.score(path, second), "guangzhou")
    assert not any(HELD in e for e in guangzhou["excluded"])
    assert guangzhou["items"]["obtainability"] < 100  # the missing guide now counts
    (row,) = store.holds_of(db, probe_id=gone, active_only=False)
    assert (row["released_how"], row["released_by"], row["note"]) == (
        "confirmed", "李评估", "门户已撤下该指南"
    )  # fmt: skip
    (audit,) = overrides.audit(db, probe_id=gone)
    assert (audit["field"], audit["new"], audit["channel"]) == (
        "confirmed_machine", "guide_missing", "cli"
    )  # fmt: skip
    with pytest.raises(OverrideError, match="没有待复核"):
        overrides.confirm_machine(db, gone, by="李评估", note="再确认一次")
    assert hold_regressions(db, second) == []  # a lifted hold is not put back


def test_overriding_a_held_probe_lifts_the_hold_and_scores_the_override(regressed):
    db, path, second, gone = regressed
    hold_regressions(db, second)
    overrides.override_outcome(db, gone, "ok", by="王评估", note="指南在“特种行业”栏目下")
    assert store.held_probe_ids(db, second) == set()
    (row,) = store.holds_of(db, probe_id=gone, active_only=False)
    assert (row["released_how"], row["released_by"]) == ("overridden", "王评估")
    guangzhou = _city(evaluation.score(path, second), "guangzhou")
    assert not any(HELD in e for e in guangzhou["excluded"])
    # scored as the evaluator says: found (by navigation, 80 of 100), not missing (0)
    assert 200 / 3 < guangzhou["items"]["obtainability"] < 100
    assert "obtainability" in guangzhou["judged"]


def test_an_ok_guide_whose_elements_changed_is_held_and_leaves_handling_out(filled):
    db, path, _first = filled
    second = write_next_round(
        db, Path(path), elements={("guangzhou", MATTERS[0]): {"承诺办结时限": "5个工作日"}}
    )
    changed = _probe(db, second, "guangzhou", MATTERS[0])["id"]
    assert hold_regressions(db, second) == [changed]
    (hold,) = store.holds_of(db, round_id=second)
    assert hold["kind"] == "elements"
    assert "承诺办结时限" in hold["now"] and "承诺办结时限" not in hold["was"]
    excluded = _city(evaluation.score(path, second), "guangzhou")["excluded"]
    assert excluded.count(f"beauty-salon/{MATTERS[0]}/pc: {HELD}") == 2  # guide and handling


def test_a_blocked_regression_is_queued_as_a_regression_not_as_inconclusive(filled):
    db, path, _first = filled
    second = write_next_round(db, Path(path), outcomes={("lhasa", MATTERS[0]): Outcome.BLOCKED})
    blocked = _probe(db, second, "lhasa", MATTERS[0])["id"]
    hold_regressions(db, second)
    queue = overrides.work_queue(db, second)
    assert next(iter(queue)) == "regressions"  # the most urgent first
    assert [h["probe_id"] for h in queue["regressions"]] == [blocked]
    assert blocked not in [p["id"] for p in queue["inconclusive"]]


def test_a_round_of_another_target_is_not_compared(filled):
    db, path, _first = filled
    live = store.start_round(db, "guides", "live")
    store.finish_round(db, live)
    assert store.previous_probes(db, live) == {}
    assert find_regressions(db, live) == []


def test_govprobe_confirm_lifts_the_hold_from_the_command_line(regressed):
    db, path, second, gone = regressed
    hold_regressions(db, second)
    runner = CliRunner()
    refused = runner.invoke(
        main, ["confirm", str(gone), "--by", "李评估", "--note", "", "--db", path]
    )
    assert refused.exit_code != 0 and "理由" in refused.output
    done = runner.invoke(
        main, ["confirm", str(gone), "--by", "李评估", "--note", "确已下架", "--db", path]
    )
    assert done.exit_code == 0, done.output
    assert "已确认机器判定" in done.output
    assert store.held_probe_ids(db, second) == set()
