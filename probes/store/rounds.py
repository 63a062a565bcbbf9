"""The ``rounds`` table: a round starts, finishes or is interrupted; the latest of a kind."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from probes.store.db import StoreError, insert, now_iso, one, transaction
from probes.store.schema import ROUND_KINDS, ROUND_STATUSES, ROUND_TARGETS


def start_round(
    db: sqlite_utils.Database,
    kind: str,
    target: str,
    params: Mapping[str, Any] | None = None,
    *,
    at: str | None = None,
) -> str:
    """Record a new running round and return its id (``R20261129-0440-ab12``)."""
    if kind not in ROUND_KINDS:
        raise StoreError(f"unknown round kind {kind!r}; expected one of {sorted(ROUND_KINDS)}")
    if target not in ROUND_TARGETS:
        raise StoreError(f"unknown target {target!r}; expected one of {sorted(ROUND_TARGETS)}")
    started = at or now_iso()
    stamp = datetime.fromisoformat(started).astimezone(UTC).strftime("%Y%m%d-%H%M")
    with transaction(db):
        while True:
            round_id = f"R{stamp}-{secrets.token_hex(2)}"
            if one(db, "SELECT 1 FROM rounds WHERE id = ?", [round_id]) is None:
                break
        insert(
            db,
            "rounds",
            {
                "id": round_id,
                "kind": kind,
                "target": target,
                "params": dict(params or {}),
                "started_at": started,
                "status": "running",
            },
        )
    return round_id


def finish_round(
    db: sqlite_utils.Database, round_id: str, status: str = "finished", *, at: str | None = None
) -> None:
    """Mark a round finished (or interrupted) now."""
    if status not in ROUND_STATUSES - {"running"}:
        raise StoreError(f"a round finishes as 'finished' or 'interrupted', not {status!r}")
    with transaction(db):
        cursor = db.conn.execute(
            "UPDATE rounds SET status = ?, finished_at = ? WHERE id = ?",
            [status, at or now_iso(), round_id],
        )
        if cursor.rowcount != 1:
            raise StoreError(f"no round {round_id!r}")


def get_round(db: sqlite_utils.Database, round_id: str) -> dict | None:
    """The round's row, params decoded; None when there is no such round."""
    row = one(db, "SELECT * FROM rounds WHERE id = ?", [round_id])
    if row is not None:
        row["params"] = json.loads(row["params"])
    return row


def latest_round(
    db: sqlite_utils.Database, kind: str | None = None, *, status: str | None = None
) -> str | None:
    """The id of the most recently started round (of a kind, with a status), or None."""
    where, params = [], []
    if kind is not None:
        where.append("kind = ?")
        params.append(kind)
    if status is not None:
        where.append("status = ?")
        params.append(status)
    sql = "SELECT id FROM rounds"
    if where:
        sql += " WHERE " + " AND ".join(where)
    row = one(db, sql + " ORDER BY started_at DESC, rowid DESC LIMIT 1", params)
    return row["id"] if row else None


def rounds_of(
    db: sqlite_utils.Database,
    kind: str,
    *,
    target: str | None = None,
    status: str | None = None,
    until: str | None = None,
    since: str | None = None,
    newest_first: bool = False,
) -> list[dict]:
    """The rounds of a kind (of a target, in a status, started at or before ``until`` and at or
    after ``since``, ISO times in UTC as ``now_iso`` writes them), oldest first unless
    ``newest_first``; ``params`` decoded."""
    sql, args = "SELECT * FROM rounds WHERE kind = ?", [kind]
    for column, value in (("target", target), ("status", status)):
        if value is not None:
            sql += f" AND {column} = ?"
            args.append(value)
    if until is not None:
        sql += " AND started_at <= ?"
        args.append(until)
    if since is not None:
        sql += " AND started_at >= ?"
        args.append(since)
    order = "DESC" if newest_first else ""
    rows = list(db.query(sql + f" ORDER BY started_at {order}, rowid {order}", args))
    for row in rows:
        row["params"] = json.loads(row["params"] or "{}")
    return rows


def rounds_overview(db: sqlite_utils.Database) -> list[dict]:
    """Every round, newest first, with how many probes and items (sent, not dry runs) it has,
    and its ``clock`` (``sandbox``: stamped with the sandbox's simulated time; else None)."""
    return list(
        db.query(
            "SELECT r.id, r.kind, r.target, r.started_at, r.finished_at, r.status,"
            " json_extract(r.params, '$.clock') AS clock,"
            " (SELECT count(*) FROM probes p WHERE p.round_id = r.id) AS probes,"
            " (SELECT count(*) FROM items i WHERE i.round_id = r.id AND NOT i.dry_run) AS items"
            " FROM rounds r ORDER BY r.started_at DESC, r.rowid DESC"
        )
    )
