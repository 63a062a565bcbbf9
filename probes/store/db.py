"""Storage: the SQLite schema and every write govprobe makes.

In the data flow (see the README's architecture section) this is the *store the evidence* step,
and the place that judgement, rejudging, consultations and health checks write to.  Nothing else
writes to the database.

- One database file (``results/govprobe.db`` by default), WAL mode, foreign keys on, a busy
  timeout, so that a report can read while a scheduled run writes and two runs never lose rows.
- The schema is built by an ordered list of named migrations (``MIGRATIONS``); each applied name
  is recorded in ``_migrations`` and ``PRAGMA user_version`` counts them.
- Every table and column is described in ``_meta`` (``table_name``, ``column_name``,
  ``description``; ``column_name`` is ``''`` for the table itself) so that a datasette user can
  read what each field means.
- Every write that touches more than one row runs in one ``BEGIN IMMEDIATE`` transaction: a run
  killed at any moment leaves a probe either whole or absent, never half-written.
- Evidence files live in an ``EvidenceStore`` (content-addressed by sha256); the database holds
  their hashes, so ``verify_evidence`` can prove every file is the one that was judged, and
  ``read_evidence`` refuses a file that no longer matches, so last month's captures can be
  judged again with today's rules (``probes/judge/rejudge.py``) with no browser.

Rows come back as plain dicts (the storage edge); JSON columns are decoded on the way out.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

BUSY_TIMEOUT_MS = 30_000


class StoreError(ValueError):
    """A write the store refuses: an unknown round or item, a value outside its set."""


class EvidenceError(StoreError):
    """An evidence file that is missing or no longer matches the hash its row carries."""


def now_iso() -> str:
    """The current time, ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction, taken at once (``BEGIN IMMEDIATE``), committed or rolled back.

    Immediate, so that a writer that read first cannot fail on upgrade while another process
    writes: it waits for the lock (``busy_timeout``) before it reads anything.  Nested use joins
    the outer transaction.
    """
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def placeholders(values: Iterable[Any]) -> str:
    """One ``?`` per value, comma-separated: the inside of ``IN (...)`` or ``VALUES (...)``."""
    return ", ".join("?" for _ in values)


def insert(db: sqlite_utils.Database, table: str, row: Mapping[str, Any]) -> int:
    columns = ", ".join(f"[{k}]" for k in row)
    marks = placeholders(row)
    cursor = db.conn.execute(
        f"INSERT INTO [{table}] ({columns}) VALUES ({marks})", [sql_value(v) for v in row.values()]
    )
    return cursor.lastrowid


def sql_value(value: Any) -> Any:
    """A Python value as SQLite stores it: JSON for containers, 0/1 for booleans."""
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=isinstance(value, dict))
    if isinstance(value, bool):
        return int(value)
    return value


def one(db: sqlite_utils.Database, sql: str, params: Sequence[Any] = ()) -> dict | None:
    return next(iter(db.query(sql, params)), None)


def connect(path: str | Path) -> sqlite_utils.Database:
    """A connection to an existing database, as it is (no migration): foreign keys on, the busy
    timeout; for one request of the review pages (sqlite3 connections stay in their thread)."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA foreign_keys = ON")
    return db
