"""The ``job_runs`` table: the scheduler's run history (migration 0008, every column in
``schema.py``). A run is written when it starts (``running``) and again when it ends; a run
skipped because the job was still running, or missed while the scheduler was down, is written
once, already ended."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import sqlite_utils

from probes.store.db import StoreError, now_iso, one, placeholders, sql_value, transaction
from probes.store.schema import JOB_RUN_OUTCOMES


def job_run_started(
    db: sqlite_utils.Database,
    *,
    job_id: str,
    kind: str,
    scheduled_at: str,
    started_at: str | None = None,
    pid: int | None = None,
) -> None:
    """A run handed to a worker. A run whose end was written first (a job that ended before
    the scheduler said it had started it) keeps its end."""
    with transaction(db):
        db.conn.execute(
            "INSERT OR IGNORE INTO job_runs (job_id, kind, scheduled_at, started_at, outcome, pid)"
            " VALUES (?, ?, ?, ?, 'running', ?)",
            [job_id, kind, scheduled_at, started_at or now_iso(), pid],
        )


def job_run_ended(
    db: sqlite_utils.Database,
    *,
    job_id: str,
    kind: str,
    scheduled_at: str,
    outcome: str,
    ended_at: str | None = None,
    round_id: str | None = None,
    counts: Mapping[str, Any] | None = None,
    error: str = "",
    pid: int | None = None,
) -> dict:
    """How a run ended (``ok``, ``failed``, ``skipped``, ``missed``); returns its row."""
    if outcome not in JOB_RUN_OUTCOMES - {"running", "interrupted"}:
        raise StoreError(f"a job run ends ok, failed, skipped or missed, not {outcome!r}")
    started = outcome in ("ok", "failed")
    ended = ended_at or now_iso()
    with transaction(db):
        db.conn.execute(
            "INSERT INTO job_runs (job_id, kind, scheduled_at, started_at, ended_at, outcome,"
            " round_id, counts, error, pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (job_id, scheduled_at) DO UPDATE SET ended_at = excluded.ended_at,"
            " started_at = CASE WHEN excluded.outcome IN ('ok', 'failed') THEN started_at END,"
            " outcome = excluded.outcome, round_id = excluded.round_id,"
            " counts = excluded.counts, error = excluded.error",
            [
                job_id,
                kind,
                scheduled_at,
                ended if started else None,
                ended,
                outcome,
                round_id,
                sql_value(dict(counts or {})),
                error,
                pid,
            ],
        )
        row = one(
            db,
            "SELECT * FROM job_runs WHERE job_id = ? AND scheduled_at = ?",
            [job_id, scheduled_at],
        )
    return _decoded(row)


def interrupt_job_runs(db: sqlite_utils.Database, job_ids: Iterable[str]) -> int:
    """Runs of these jobs still marked running, which a scheduler that ended (killed, or the
    machine lost) never finished: ``interrupted`` now. Returns how many."""
    ids = list(job_ids)
    if not ids:
        return 0
    marks = placeholders(ids)
    with transaction(db):
        cursor = db.conn.execute(
            f"UPDATE job_runs SET outcome = 'interrupted', ended_at = ?"
            f" WHERE outcome = 'running' AND job_id IN ({marks})",
            [now_iso(), *ids],
        )
    return cursor.rowcount


def job_runs(
    db: sqlite_utils.Database, job_id: str | None = None, *, limit: int = 200
) -> list[dict]:
    """The newest runs first, of one job or of all."""
    where, params = ("WHERE job_id = ?", [job_id]) if job_id else ("", [])
    rows = db.query(
        f"SELECT * FROM job_runs {where} ORDER BY scheduled_at DESC, id DESC LIMIT ?",
        [*params, int(limit)],
    )
    return [_decoded(r) for r in rows]


def last_job_runs(db: sqlite_utils.Database) -> dict[str, dict]:
    """Each job's newest run: job id -> row."""
    rows = db.query(
        "SELECT * FROM job_runs r WHERE r.id = (SELECT r2.id FROM job_runs r2"
        " WHERE r2.job_id = r.job_id ORDER BY r2.scheduled_at DESC, r2.id DESC LIMIT 1)"
    )
    return {r["job_id"]: _decoded(r) for r in rows}


def _decoded(row: dict | None) -> dict:
    if row is None:
        raise StoreError("job run not found")
    return row | {"counts": json.loads(row["counts"] or "{}")}
