"""Tests of probes/store/ on real SQLite files (tmp_path) and real evidence files, in one
process. Several processes at once, and a process killed mid-write: ``tests/sandbox/``."""

from __future__ import annotations

import re

import pytest

from probes import store
from probes.model import Capture, ProbeResult, Step
from probes.outcomes import Outcome
from probes.store.evidence import EvidenceStore

GUIDE_HTML = (
    "<html><body><h1>公共场所卫生许可</h1>"
    "<table><tr><th>事项名称</th><td>公共场所卫生许可（新办）</td></tr>"
    "<tr><th>法定办结时限</th><td>20个工作日</td></tr>"
    "<tr><th>承诺办结时限</th><td>暂无</td></tr></table></body></html>"
)


@pytest.fixture
def evidence(tmp_path):
    return EvidenceStore(tmp_path / "evidence")


def make_result(
    evidence: EvidenceStore,
    *,
    city: str | None = "guangzhou",
    matter: str = "公共场所卫生许可",
    attempt: int = 1,
    outcome: Outcome = Outcome.OK,
    steps: int = 3,
    html: str = GUIDE_HTML,
    captured: bool = True,
    bad_step: int | None = None,
) -> ProbeResult:
    """A journey's result with real evidence files; ``bad_step`` makes that step unstorable."""
    step_rows = []
    for seq in range(1, steps + 1):
        shot = evidence.put(f"png of step {seq} {matter}".encode(), "image/png")
        duration = object() if seq == bad_step else 100 * seq
        step_rows.append(
            Step(
                seq, "search" if seq > 1 else "goto", f"#s{seq}", f"http://p/{seq}", duration, shot
            )
        )
    capture = None
    if captured:
        capture = Capture(
            url="http://p/guide/1",
            title="公共场所卫生许可",
            html=evidence.put(html.encode(), "text/html"),
            screenshot=evidence.put(b"full page png", "image/png"),
            found_by="search",
            query="卫生许可",
            rank=2,
            candidates=("卫生许可延续", "公共场所卫生许可"),
            url_trail=("http://p/", "http://p/search?q=卫生许可", "http://p/guide/1"),
            data=evidence.put(b'{"TASK_CODE": "1144"}', "application/json"),
        )
    return ProbeResult(
        city=city,
        scenario="beauty-salon",
        matter=matter,
        channel="pc",
        portal_url="http://p/",
        outcome=outcome,
        reason="found by search",
        started_at="2026-11-29T04:40:00+00:00",
        seconds=12.5,
        steps=tuple(step_rows),
        capture=capture,
        attempt=attempt,
        extra={"status": 200, "flaky": False},
    )


def count(db, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]


JUDGEMENT = dict(
    elements={
        "事项名称": "公共场所卫生许可（新办）",
        "法定办结时限": "20个工作日",
        "承诺办结时限": "暂无",
    },
    empty=["承诺办结时限"],
    materials=[
        {"name": "卫生许可申请表", "media": "纸质", "copies": "1", "required": "必要"},
        {"name": "营业执照", "media": "电子", "required": "必要", "sample_url": "http://p/s"},
    ],
    links=[{"url": "http://p/f.doc", "kind": "form", "status": 404}],
    findings=[{"code": "element_empty", "element": "承诺办结时限", "detail": "暂无"}],
    completeness=0.5,
    required=["事项名称", "法定办结时限", "承诺办结时限", "收费标准"],
    missing=["承诺办结时限", "收费标准"],
    rules_version="2026.1",
)


def test_the_database_is_created_with_its_folder_in_wal_mode_with_foreign_keys_and_busy_timeout(
    tmp_path,
):
    path = tmp_path / "deep" / "er" / "g.db"
    with store.open_db(path, busy_timeout_ms=1234) as db:
        assert path.exists()
        assert db.journal_mode == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 1234


def test_an_in_memory_database_has_the_whole_schema(tmp_path):
    with store.open_db(":memory:") as db, store.open_db(memory=True) as other:
        assert "probes" in db.table_names() and "checks" in other.table_names()
    assert not list(tmp_path.iterdir())


def test_migrations_are_applied_in_order_and_reopening_applies_nothing_again(tmp_path):
    path = tmp_path / "g.db"
    with store.open_db(path) as db:
        assert store.applied_migrations(db) == [m.name for m in store.MIGRATIONS]
        assert store.schema_version(db) == len(store.MIGRATIONS)
        round_id = store.start_round(db, "guides", "sandbox", {})
    with store.open_db(path) as db:
        assert store.migrate(db) == []
        assert store.applied_migrations(db) == [m.name for m in store.MIGRATIONS]
        assert store.latest_round(db) == round_id


def test_a_later_migration_runs_once_after_the_earlier_ones(tmp_path):
    def add_notes(db):
        db.execute("ALTER TABLE rounds ADD COLUMN notes TEXT")

    later = (*store.MIGRATIONS, store.Migration("0099_round_notes", add_notes))
    with store.open_db(tmp_path / "g.db") as db:
        assert store.migrate(db, later) == ["0099_round_notes"]
        assert store.migrate(db, later) == []
        assert store.applied_migrations(db)[-1] == "0099_round_notes"
        assert store.schema_version(db) == len(later)
        assert "notes" in db["rounds"].columns_dict
        # code that knows fewer migrations than the database refuses to run on it
        with pytest.raises(store.StoreError, match="0099_round_notes"):
            store.migrate(db)


def test_a_duplicate_migration_name_is_refused(tmp_path):
    twice = (*store.MIGRATIONS, store.Migration(store.MIGRATIONS[0].name, lambda db: None))
    with pytest.raises(ValueError, match="duplicate migration"):
        store.check_migrations(twice)
    with store.open_db(tmp_path / "g.db") as db, pytest.raises(ValueError):
        store.migrate(db, twice)


def test_a_failing_migration_leaves_the_schema_as_it_was(tmp_path):
    def broken(db):
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    with store.open_db(tmp_path / "g.db") as db:
        with pytest.raises(RuntimeError):
            store.migrate(db, (*store.MIGRATIONS, store.Migration("0002_broken", broken)))
        assert "half_done" not in db.table_names()
        assert store.applied_migrations(db) == [m.name for m in store.MIGRATIONS]


def test_every_table_and_column_is_described_for_datasette_users(db):
    docs = store.table_docs(db)
    for table in db.table_names():
        assert docs[table]["description"], table
        assert set(docs[table]["columns"]) == set(db[table].columns_dict), table
        assert all(docs[table]["columns"].values()), table


def test_rounds_start_running_finish_and_the_latest_of_a_kind_is_found(db):
    first = store.start_round(
        db, "guides", "sandbox", {"cities": ["guangzhou"]}, at="2026-11-29T04:40:07+00:00"
    )
    check = store.start_round(db, "check", "live", None, at="2026-11-29T05:00:00+00:00")
    assert re.fullmatch(r"R20261129-0440-[0-9a-f]{4}", first)
    assert store.get_round(db, first)["status"] == "running"
    assert store.get_round(db, first)["params"] == {"cities": ["guangzhou"]}
    store.finish_round(db, first, "interrupted")
    assert store.get_round(db, first)["status"] == "interrupted"
    assert store.get_round(db, first)["finished_at"]
    assert store.latest_round(db) == check
    assert store.latest_round(db, "guides") == first
    assert store.latest_round(db, "consult") is None
    assert store.latest_round(db, status="running") == check


def test_unknown_round_kinds_targets_and_ids_are_refused(db):
    with pytest.raises(store.StoreError):
        store.start_round(db, "gides", "sandbox", {})
    with pytest.raises(store.StoreError):
        store.start_round(db, "guides", "moon", {})
    with pytest.raises(store.StoreError):
        store.finish_round(db, "R-nope")
    with pytest.raises(store.StoreError):
        store.finish_round(db, store.start_round(db, "demo", "sandbox", {}), "running")


def test_a_saved_probe_reads_back_with_its_steps_capture_and_evidence(db, evidence):
    round_id = store.start_round(db, "guides", "sandbox", {})
    result = make_result(evidence)
    probe_id = store.save_probe(
        db, round_id, result, {"trail": evidence.put(b"trail", "text/plain")}
    )

    [probe] = store.probes_of_round(db, round_id)
    assert probe["id"] == probe_id
    assert probe["city"] == "guangzhou" and probe["outcome"] == "ok"
    assert probe["guide_url"] == "http://p/guide/1"
    assert (probe["found_by"], probe["query"], probe["rank"]) == ("search", "卫生许可", 2)
    assert probe["steps"] == 3 and probe["seconds"] == 12.5
    assert probe["flaky"] is False and probe["extra"] == {"status": 200, "flaky": False}
    assert probe["finished_at"] == "2026-11-29T04:40:12+00:00"

    steps = store.steps_of_probe(db, probe_id)
    assert [s["seq"] for s in steps] == [1, 2, 3]
    assert [s["screenshot_sha256"] for s in steps] == [s.screenshot.sha256 for s in result.steps]
    assert steps[1]["duration_ms"] == 200

    capture = store.capture_of_probe(db, probe_id)
    assert capture["html_sha256"] == result.capture.html.sha256
    assert capture["url_trail"] == list(result.capture.url_trail)
    assert capture["candidates"] == ["卫生许可延续", "公共场所卫生许可"]

    kinds = sorted(e["kind"] for e in store.evidence_of_probe(db, probe_id))
    assert kinds == ["data", "guide_html", "guide_screenshot", *["screenshot"] * 3, "trail"]
    for row in store.evidence_of_probe(db, probe_id):
        assert evidence.check(row["sha256"], row["relpath"]) == "ok"


def test_a_missing_guide_is_saved_without_a_capture(db, evidence):
    round_id = store.start_round(db, "guides", "sandbox", {})
    result = make_result(evidence, outcome=Outcome.GUIDE_MISSING, captured=False)
    probe_id = store.save_probe(db, round_id, result)
    assert store.capture_of_probe(db, probe_id) is None
    assert store.probes_of_round(db, round_id)[0]["guide_url"] is None
    assert store.captures_of_round(db, round_id) == []


def test_saving_the_same_probe_twice_stores_it_once(db, evidence):
    round_id = store.start_round(db, "guides", "sandbox", {})
    first = store.save_probe(db, round_id, make_result(evidence, steps=3))
    store.save_judgement(db, first, **JUDGEMENT)
    again = store.save_probe(
        db, round_id, make_result(evidence, steps=2, outcome=Outcome.TIMEOUT, captured=False)
    )
    assert again == first
    [probe] = store.probes_of_round(db, round_id)
    assert probe["outcome"] == "timeout" and probe["steps"] == 2
    assert count(db, "steps") == 2
    assert count(db, "captures") == 0
    # the old judgement judged the old capture: it goes with it
    assert store.judgement_of_probe(db, first) is None
    assert count(db, "elements") == 0


def test_a_bare_portal_probe_without_a_city_is_also_stored_once(db, evidence):
    round_id = store.start_round(db, "guides", "portal", {"url": "http://p/"})
    store.save_probe(db, round_id, make_result(evidence, city=None))
    store.save_probe(db, round_id, make_result(evidence, city=None))
    assert count(db, "probes") == 1


def test_another_attempt_or_matter_is_another_probe_and_evidence_is_stored_once(db, evidence):
    round_id = store.start_round(db, "guides", "sandbox", {})
    store.save_probe(db, round_id, make_result(evidence, attempt=1))
    store.save_probe(db, round_id, make_result(evidence, attempt=2))
    store.save_probe(db, round_id, make_result(evidence, matter="企业设立登记"))
    assert count(db, "probes") == 3
    # attempts 1 and 2 share every file: 3 shots + html + shot + data, plus 3 new step shots
    assert count(db, "evidence") == 9


def test_an_exception_in_the_middle_of_save_probe_leaves_nothing_half_written(db, evidence):
    round_id = store.start_round(db, "guides", "sandbox", {})
    with pytest.raises(Exception, match="type 'object' is not supported"):
        store.save_probe(db, round_id, make_result(evidence, steps=3, bad_step=2))
    for table in ("probes", "steps", "evidence", "probe_evidence", "captures"):
        assert count(db, table) == 0, table

    # and a failed re-save leaves the earlier version whole
    probe_id = store.save_probe(db, round_id, make_result(evidence, steps=3))
    with pytest.raises(Exception, match="type 'object' is not supported"):
        store.save_probe(db, round_id, make_result(evidence, steps=4, bad_step=4))
    assert store.probes_of_round(db, round_id)[0]["steps"] == 3
    assert len(store.steps_of_probe(db, probe_id)) == 3
    assert store.capture_of_probe(db, probe_id) is not None


def test_done_keys_name_the_stored_probes_and_can_leave_our_own_errors_to_redo(db, evidence):
    round_id = store.start_round(db, "guides", "sandbox", {})
    other = store.start_round(db, "guides", "sandbox", {})
    store.save_probe(db, round_id, make_result(evidence))
    store.save_probe(
        db, round_id, make_result(evidence, matter="企业设立登记", outcome=Outcome.PROBE_ERROR)
    )
    store.save_probe(db, other, make_result(evidence, matter="消防安全检查"))
    assert store.done_keys(db, round_id) == {
        ("guangzhou", "beauty-salon", "公共场所卫生许可", "pc"),
        ("guangzhou", "beauty-salon", "企业设立登记", "pc"),
    }
    assert store.done_keys(db, round_id, redo={Outcome.PROBE_ERROR}) == {
        ("guangzhou", "beauty-salon", "公共场所卫生许可", "pc")
    }


def test_a_probe_of_an_unknown_round_is_refused(db, evidence):
    with pytest.raises(store.StoreError, match="no round"):
        store.save_probe(db, "R-nope", make_result(evidence))
    assert count(db, "probes") == 0


def test_a_judgement_is_stored_with_every_element_material_link_and_finding(db, evidence):
    round_id = store.start_round(db, "guides", "sandbox", {})
    probe_id = store.save_probe(db, round_id, make_result(evidence))
    store.save_judgement(db, probe_id, **JUDGEMENT)
    judged = store.judgement_of_probe(db, probe_id)
    assert judged["completeness"] == 0.5 and judged["rules_version"] == "2026.1"
    assert judged["missing"] == ["承诺办结时限", "收费标准"]
    elements = {e["element"]: (e["value"], e["present"], e["empty"]) for e in judged["elements"]}
    assert elements == {
        "事项名称": ("公共场所卫生许可（新办）", True, False),
        "法定办结时限": ("20个工作日", True, False),
        "承诺办结时限": ("暂无", False, True),
        "收费标准": (None, False, False),
    }
    assert [(m["seq"], m["name"]) for m in judged["materials"]] == [
        (1, "卫生许可申请表"),
        (2, "营业执照"),
    ]
    assert judged["materials"][1]["sample_url"] == "http://p/s"
    assert judged["links"][0]["status"] == "404"
    assert judged["findings"][0]["code"] == "element_empty"


def test_a_new_judgement_replaces_the_previous_rows(db, evidence):
    round_id = store.start_round(db, "guides", "sandbox", {})
    probe_id = store.save_probe(db, round_id, make_result(evidence))
    store.save_judgement(db, probe_id, **JUDGEMENT)
    store.save_judgement(
        db,
        probe_id,
        elements={"事项名称": "公共场所卫生许可"},
        empty=[],
        materials=[{"name": "申请表"}],
        links=[],
        findings=[],
        completeness=1.0,
        required=["事项名称"],
        missing=[],
        rules_version="2026.2",
    )
    judged = store.judgement_of_probe(db, probe_id)
    assert judged["rules_version"] == "2026.2" and judged["completeness"] == 1.0
    assert [e["element"] for e in judged["elements"]] == ["事项名称"]
    assert [m["name"] for m in judged["materials"]] == ["申请表"]
    assert judged["links"] == [] and judged["findings"] == []
    assert count(db, "judgements") == 1


def test_a_judgement_that_fails_halfway_keeps_the_previous_one(db, evidence):
    round_id = store.start_round(db, "guides", "sandbox", {})
    probe_id = store.save_probe(db, round_id, make_result(evidence))
    store.save_judgement(db, probe_id, **JUDGEMENT)
    broken = {**JUDGEMENT, "materials": [{"name": "a"}, {"no name": "b"}]}
    with pytest.raises(KeyError):
        store.save_judgement(db, probe_id, **broken)
    duplicate_seq = {**JUDGEMENT, "materials": [{"name": "a", "seq": 1}, {"name": "b", "seq": 1}]}
    with pytest.raises(Exception, match="UNIQUE"):
        store.save_judgement(db, probe_id, **duplicate_seq)
    assert store.judgement_of_probe(db, probe_id)["rules_version"] == "2026.1"
    assert count(db, "materials") == 2


def test_captures_of_round_lists_what_judging_needs_and_only_captured_probes(db, evidence):
    round_id = store.start_round(db, "guides", "sandbox", {})
    judged = store.save_probe(db, round_id, make_result(evidence))
    second = store.save_probe(db, round_id, make_result(evidence, matter="企业设立登记"))
    store.save_probe(db, round_id, make_result(evidence, matter="消防", captured=False))
    entries = store.captures_of_round(db, round_id)
    assert [(e["probe_id"], e["matter"]) for e in entries] == [
        (judged, "公共场所卫生许可"),
        (second, "企业设立登记"),
    ]
    assert entries[0]["capture"]["url"] == "http://p/guide/1"
    html = store.read_evidence(db, evidence, entries[0]["capture"]["html_sha256"])
    assert html.decode() == GUIDE_HTML


def test_evidence_whose_file_changed_or_vanished_is_refused(db, evidence):
    round_id = store.start_round(db, "guides", "sandbox", {})
    result = make_result(evidence)
    store.save_probe(db, round_id, result)
    evidence.path(result.capture.html.relpath).write_text("<html>edited</html>")
    with pytest.raises(store.EvidenceError, match="changed"):
        store.read_evidence(db, evidence, result.capture.html.sha256)
    evidence.path(result.capture.html.relpath).unlink()
    with pytest.raises(store.EvidenceError, match="missing"):
        store.read_evidence(db, evidence, result.capture.html.sha256)
    with pytest.raises(store.EvidenceError, match="no evidence row"):
        store.read_evidence(db, evidence, "0" * 64)


def test_verify_evidence_finds_a_changed_and_a_deleted_file(db, evidence):
    round_id = store.start_round(db, "guides", "sandbox", {})
    result = make_result(evidence)
    store.save_probe(db, round_id, result)
    assert store.verify_evidence(db, evidence) == []

    changed = result.capture.html
    deleted = result.steps[0].screenshot
    evidence.path(changed.relpath).write_bytes(b"<html>tampered</html>")
    evidence.path(deleted.relpath).unlink()
    problems = store.verify_evidence(db, evidence)
    assert sorted((p["sha256"], p["relpath"], p["problem"]) for p in problems) == sorted(
        [
            (changed.sha256, changed.relpath, "changed"),
            (deleted.sha256, deleted.relpath, "missing"),
        ]
    )


def test_record_intent_twice_returns_the_same_item_and_nothing_is_sent_twice(db):
    round_id = store.start_round(db, "consult", "sandbox", {})
    key = dict(city="guangzhou", scenario="beauty-salon", kind="consult", round_id=round_id)
    first = store.record_intent(db, **key, title="开美容院要哪些材料", content="请问……")
    again = store.record_intent(db, **key, title="different words")
    assert again == first
    assert count(db, "items") == 1
    assert store.get_item(db, first)["title"] == "开美容院要哪些材料"
    assert [e["event"] for e in store.item_events(db, first)] == ["intent"]
    # a complaint, or the same item in another round, is another item
    assert store.record_intent(db, **{**key, "kind": "complaint"}) != first
    assert store.record_intent(db, **{**key, "round_id": None}) != first
    assert store.record_intent(db, **{**key, "round_id": None}) == store.record_intent(
        db, **{**key, "round_id": None}
    )


def test_an_item_goes_from_intent_to_reply_and_every_step_is_an_event(db):
    round_id = store.start_round(db, "consult", "sandbox", {})
    sent = store.record_intent(
        db, city="guangzhou", scenario="s", kind="consult", round_id=round_id
    )
    lost = store.record_intent(db, city="shenzhen", scenario="s", kind="consult", round_id=round_id)
    dry = store.record_intent(
        db, city="wuhan", scenario="s", kind="consult", round_id=round_id, dry_run=True
    )
    store.mark_submitted(db, sent, "ZX2026-001", "2026-11-30 09:12:00")
    store.mark_unknown(db, lost, "no confirmation page")
    assert {i["id"]: i["state"] for i in store.open_items(db)} == {
        sent: "submitted",
        lost: "unknown",
    }
    assert dry in [i["id"] for i in store.open_items(db, include_dry_run=True)]

    store.record_reply(
        db,
        sent,
        replied_at="2026-12-02 16:00:00",
        reply_text="需要以下材料……",
        status_text="已回复",
    )
    item = store.get_item(db, sent)
    assert (item["state"], item["ticket"], item["replied_at"]) == (
        "replied",
        "ZX2026-001",
        "2026-12-02 16:00:00",
    )
    assert item["reply_seen_at"]
    assert sent not in [i["id"] for i in store.open_items(db)]
    events = store.item_events(db, sent)
    assert [e["event"] for e in events] == ["intent", "submitted", "replied"]
    assert events[1]["detail"]["ticket"] == "ZX2026-001"
    assert events[2]["detail"]["old_state"] == "submitted"
    store.close_item(db, lost, "window closed")
    assert store.get_item(db, lost)["state"] == "closed"


def test_an_evaluator_label_is_audited_and_survives_automatic_scoring(db):
    item = store.record_intent(db, city="guangzhou", scenario="s", kind="complaint", round_id=None)
    store.set_item_scores(db, item, working_days=3, timeliness="on_time", effectiveness="partly")
    assert store.get_item(db, item)["effectiveness_source"] == "auto"
    store.set_label(db, item, "solved", "evaluator-li", "reply names every material")
    store.set_item_scores(db, item, working_days=3, timeliness="on_time", effectiveness="not")
    row = store.get_item(db, item)
    assert (row["effectiveness"], row["effectiveness_source"]) == ("solved", "evaluator")
    [label] = store.labels_of_item(db, item)
    assert (label["field"], label["old"], label["new"], label["by"]) == (
        "effectiveness",
        "partly",
        "solved",
        "evaluator-li",
    )
    assert label["note"] == "reply names every material"
    with pytest.raises(store.StoreError):
        store.set_label(db, item, "x", "evaluator-li", field="ticket")
    with pytest.raises(store.StoreError):
        store.mark_submitted(db, 9999, "t", None)


def test_a_health_check_is_stored_with_its_detail(db):
    round_id = store.start_round(db, "check", "sandbox", {})
    check_id = store.save_check(
        db,
        round_id,
        url="http://p/",
        kind="home",
        city="guangzhou",
        status=200,
        classification="ok",
        ttfb_ms=12.5,
        total_ms=40.0,
        detail={"https": False},
    )
    row = db["checks"].get(check_id)
    assert (row["status"], row["classification"], row["detail"]) == (200, "ok", '{"https": false}')
