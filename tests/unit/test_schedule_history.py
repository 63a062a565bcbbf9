"""The scheduler's run history in-process: ``job_runs`` (migration 0008) as the store keeps
it, and a real APScheduler scheduler on a real SQLite job store writing it through its
listener, then calling the result hooks (``RESULT_HOOKS``) with each ended run. The scheduler
as its own process: ``tests/e2e/test_schedule.py``."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from probes import store
from probes.schedule import scheduler as sched
from probes.schedule.file import JobSpec, Schedule
from probes.store import schedule_db


def test_job_runs_is_a_documented_migration(tmp_path):
    with store.open_db(tmp_path / "g.db") as db:
        assert "0008_job_runs" in store.applied_migrations(db)
        docs = store.table_docs(db)["job_runs"]
        columns = {c[1] for c in db.execute("PRAGMA table_info(job_runs)").fetchall()}
        assert set(docs["columns"]) == columns and all(docs["columns"].values())


def test_a_run_that_ends_before_its_start_is_written_keeps_its_end(tmp_path):
    due = "2026-12-01T01:00:00+00:00"
    with store.open_db(tmp_path / "g.db") as db:
        ended = store.job_run_ended(db, job_id="g", kind="guides", scheduled_at=due,
                                    outcome="ok", round_id="R1", counts={"probes": {"ok": 3}})  # fmt: skip
        store.job_run_started(db, job_id="g", kind="guides", scheduled_at=due)
        (row,) = store.job_runs(db)
        assert row == ended and row["outcome"] == "ok" and row["counts"] == {"probes": {"ok": 3}}
        store.job_run_started(db, job_id="g", kind="guides", scheduled_at="2026-12-08T01:00:00")
        store.job_run_ended(db, job_id="p", kind="poll", scheduled_at=due, outcome="skipped")
        last = store.last_job_runs(db)
        assert {k: v["outcome"] for k, v in last.items()} == {"g": "running", "p": "skipped"}
        assert last["p"]["started_at"] is None and last["p"]["ended_at"]
        assert store.interrupt_job_runs(db, ["g"]) == 1
        assert store.last_job_runs(db)["g"]["outcome"] == "interrupted"
        with pytest.raises(store.StoreError, match="not 'running'"):
            store.job_run_ended(db, job_id="g", kind="guides", scheduled_at=due, outcome="running")


def test_the_listener_records_each_run_and_calls_every_result_hook(tmp_path, monkeypatch):
    engine = schedule_db.schedule_engine(tmp_path / "schedule.db")
    scheduler = sched.new_scheduler(engine)
    history = sched.RunHistory(scheduler, tmp_path / "g.db")
    scheduler.add_listener(history, sched.RunHistory.MASK)
    seen: list[dict] = []
    both = threading.Event()

    def broken(run: dict) -> None:
        raise RuntimeError("an alert that cannot be sent")

    def collect(run: dict) -> None:
        seen.append(run)
        if len(seen) == 2:
            both.set()

    monkeypatch.setattr(sched, "RESULT_HOOKS", [broken, collect])
    schedule = Schedule()
    for job_id, fail in (("ok-job", False), ("bad-job", True)):
        spec = JobSpec.model_validate(
            {"id": job_id, "kind": "touch", "every": "1d",
             "args": {"path": str(tmp_path / job_id), "fail": fail}}
        )  # fmt: skip
        sched.put_job(scheduler, spec, schedule=schedule, db_path=tmp_path / "g.db")
    scheduler.start()
    try:
        due = datetime.now(UTC) - timedelta(seconds=1)
        for job_id in ("ok-job", "bad-job"):
            scheduler.modify_job(job_id, next_run_time=due)
        assert both.wait(20), seen
    finally:
        scheduler.shutdown(wait=True)
        engine.dispose()
    by_job = {r["job_id"]: r for r in seen}
    assert by_job["ok-job"]["outcome"] == "ok" and by_job["ok-job"]["error"] == ""
    assert by_job["bad-job"]["outcome"] == "failed"
    assert by_job["bad-job"]["error"].startswith("RuntimeError: touch job asked to fail")
    with store.open_db(tmp_path / "g.db") as db:
        stored = {r["job_id"]: r for r in store.job_runs(db)}
    # the hooks got the rows as written, and the database they are in (to read their rounds)
    assert {j: {k: v for k, v in r.items() if k != "db_path"} for j, r in by_job.items()} == stored
    assert {r["db_path"] for r in seen} == {str(tmp_path / "g.db")}
    assert datetime.fromisoformat(stored["ok-job"]["scheduled_at"]) == due
