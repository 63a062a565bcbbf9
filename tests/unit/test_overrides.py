"""Evaluators' judgements: labels and overrides move the scores, are audited, and are queued
for a second evaluator. The database is the small round of tests/support/rounds.py."""

from __future__ import annotations

import sqlite3

import pytest

from probes import store
from probes.app import evaluation
from probes.store import overrides
from probes.store.overrides import OverrideError
from tests.support.rounds import MATTERS


def _city(result, city):
    return next(c for c in result["cities"] if c["city"] == city)


def _probe(db, city, matter):
    return next(
        p
        for p in store.probes_of_round(db, _round(db))
        if p["city"] == city and p["matter"] == matter
    )


def _round(db):
    return store.latest_round(db, "guides")


def test_an_outcome_override_counts_is_audited_and_waits_for_a_second_evaluator(filled):
    db, path, round_id = filled
    before = _city(evaluation.score(path, round_id), "lhasa")
    missing = _probe(db, "lhasa", MATTERS[2])
    assert missing["outcome"] == "guide_missing"
    with pytest.raises(OverrideError, match="理由"):
        overrides.override_outcome(db, missing["id"], "ok", by="王评估", note="  ")
    with pytest.raises(OverrideError, match="无效"):
        overrides.override_outcome(db, missing["id"], "found", by="王评估", note="x")
    oid = overrides.override_outcome(
        db, missing["id"], "ok", by="王评估", note="栏目导航第二页可找到该指南（见截图）"
    )
    after = _city(evaluation.score(path, round_id), "lhasa")
    assert after["items"]["obtainability"] > before["items"]["obtainability"]
    assert {"obtainability", "completeness", "accuracy"} <= set(after["judged"])
    assert before["judged"] == []

    entry = overrides.audit(db, probe_id=missing["id"])[0]
    assert (entry["by"], entry["field"], entry["old"], entry["new"]) == (
        "王评估", "outcome", "guide_missing", "ok",
    )  # fmt: skip
    assert entry["note"].startswith("栏目导航")
    queue = overrides.work_queue(db, round_id)
    assert [o["id"] for o in queue["awaiting_second"]] == [oid]

    with pytest.raises(OverrideError, match="另一位评估人"):
        overrides.confirm_override(db, oid, by="王评估")
    overrides.confirm_override(db, oid, by="李评估", note="同意")
    assert overrides.work_queue(db, round_id)["awaiting_second"] == []
    assert overrides.audit(db, probe_id=missing["id"])[0]["field"] == "confirmed"
    # the machine's own record is untouched: the override sits beside it
    assert _probe(db, "lhasa", MATTERS[2])["outcome"] == "guide_missing"


def test_an_element_override_moves_completeness_and_withdrawing_puts_it_back(filled):
    db, path, round_id = filled
    before = evaluation.score(path, round_id)
    probe = _probe(db, "guangzhou", MATTERS[0])
    oid = overrides.override_element(
        db, probe["id"], "到办事现场次数", False, by="王评估", note="值为占位文字，不是实际内容"
    )
    middle = _city(evaluation.score(path, round_id), "guangzhou")
    assert middle["items"]["completeness"] < _city(before, "guangzhou")["items"]["completeness"]
    assert {"completeness", "visits"} <= set(middle["judged"])
    # overriding the same thing again supersedes; saying what is already said is refused
    with pytest.raises(OverrideError, match="无需改判"):
        overrides.override_element(db, probe["id"], "到办事现场次数", False, by="李评估", note="x")
    overrides.withdraw_override(db, oid, by="李评估", note="复核：该值有效")
    again = evaluation.score(path, round_id)
    assert _city(again, "guangzhou")["items"] == _city(before, "guangzhou")["items"]
    assert _city(again, "guangzhou")["judged"] == []
    fields = [(e["field"], e["old"], e["new"]) for e in overrides.audit(db, probe_id=probe["id"])]
    assert fields == [("element:到办事现场次数", "0", "1"), ("element:到办事现场次数", "1", "0")]
    assert overrides.overrides_of(db, round_id=round_id) == []
    assert len(overrides.overrides_of(db, round_id=round_id, include_withdrawn=True)) == 1


def test_only_one_override_of_a_thing_is_active(filled):
    db, _path, round_id = filled
    probe = _probe(db, "lhasa", MATTERS[2])
    first = overrides.override_outcome(db, probe["id"], "ok", by="王评估", note="找到了")
    second = overrides.override_outcome(db, probe["id"], "blocked", by="李评估", note="需登录")
    active = overrides.overrides_of(db, round_id=round_id)
    assert [(o["id"], o["value"]) for o in active] == [(second, "blocked")]
    assert overrides.audit(db, probe_id=probe["id"])[0]["old"] == "ok"
    with pytest.raises(sqlite3.IntegrityError):  # the database itself keeps one active
        db.conn.execute(
            "UPDATE overrides SET withdrawn_at = NULL, withdrawn_by = NULL WHERE id = ?", [first]
        )


def test_a_reply_label_is_judged_and_leaves_the_queue(filled):
    db, path, round_id = filled
    consult_round = store.latest_round(db, "consult")
    queue = overrides.work_queue(db, round_id, consult_round)
    auto = {(i["city"], i["kind"]) for i in queue["auto_effectiveness"]}
    assert ("guangzhou", "complaint") in auto
    item = next(i for i in queue["auto_effectiveness"] if i["city"] == "guangzhou"
                and i["kind"] == "complaint")  # fmt: skip
    with pytest.raises(OverrideError):
        overrides.label_reply(db, item["id"], "maybe", by="王评估", note="x")
    overrides.label_reply(db, item["id"], "solved", by="王评估", note="答复给出了办理结果")
    result = evaluation.score(path, round_id)
    assert "complaint_effectiveness" in _city(result, "guangzhou")["judged"]
    assert "complaint_effectiveness" in result["national"]["judged"]
    left = overrides.work_queue(db, round_id, consult_round)["auto_effectiveness"]
    assert item["id"] not in {i["id"] for i in left}
    assert overrides.audit(db, item_id=item["id"])[0]["new"] == "solved"


def test_inconclusive_probes_are_queued_until_an_evaluator_settles_them(filled):
    db, _path, round_id = filled
    probe = _probe(db, "lhasa", MATTERS[1])
    db.conn.execute("UPDATE probes SET outcome = 'probe_error' WHERE id = ?", [probe["id"]])
    queued = overrides.work_queue(db, round_id)["inconclusive"]
    assert [p["id"] for p in queued] == [probe["id"]]
    overrides.override_outcome(db, probe["id"], "ok", by="王评估", note="人工复走：指南在")
    assert overrides.work_queue(db, round_id)["inconclusive"] == []


def test_the_database_describes_itself_and_answers_common_questions(filled):
    db, _path, round_id = filled
    docs = store.table_docs(db)
    assert "overrides" in docs and docs["overrides"]["columns"]["note"]
    for view in ("round_outcomes", "guide_completeness", "threads", "evaluator_changes",
                 "active_overrides"):  # fmt: skip
        assert docs[view]["description"], view
    outcomes = {
        (r["city"], r["outcome"]): r["probes"]
        for r in db.query("SELECT * FROM round_outcomes WHERE round_id = ?", [round_id])
    }
    assert outcomes[("lhasa", "guide_missing")] == 1 and outcomes[("guangzhou", "ok")] == 3
    probe = _probe(db, "lhasa", MATTERS[2])
    overrides.override_outcome(db, probe["id"], "ok", by="王评估", note="找到了")
    change = next(iter(db.query("SELECT * FROM evaluator_changes")))
    assert (change["city"], change["round_id"], change["by"]) == ("lhasa", round_id, "王评估")


def test_the_report_marks_figures_resting_on_an_override(filled, tmp_path):
    from probes.report import data as report_data

    db, path, round_id = filled
    assert "guangzhou" not in report_data._evaluator_items(evaluation.report_data(path, round_id))
    probe = _probe(db, "guangzhou", MATTERS[0])
    overrides.override_element(db, probe["id"], "到办事现场次数", False, by="王评估", note="占位")
    data = evaluation.report_data(path, round_id)
    assert {"completeness", "visits"} <= report_data._evaluator_items(data)["guangzhou"]
    html = report_data.render_html(data)
    assert "评估人更正了机器判定" in html
