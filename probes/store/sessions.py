"""Sessions of the review pages (table ``review_sessions``): opened at login, looked up on every
request, revoked at logout, kept across a restart of ``govprobe review``.

Why a table and not a file beside the review's secret: the database already takes concurrent
writers safely (WAL, one transaction per change), a revocation is one row that every process
serving the same database sees at once, and the review already reads it on every request. The
session id is never stored, only its sha256, so a copy of the database logs nobody in. The
policy (how long a session lasts, which cookie carries which id) is ``probes/review/auth.py``'s.
"""

from __future__ import annotations

import hashlib

import sqlite_utils

from probes.store.db import insert, one, transaction


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(
    db: sqlite_utils.Database, session_id: str, evaluator: str, *, at: str, expires_at: str
) -> None:
    """Record a new session; sessions that ended by themselves before ``at`` are forgotten."""
    with transaction(db):
        db.conn.execute("DELETE FROM review_sessions WHERE expires_at < ?", [at])
        insert(
            db,
            "review_sessions",
            {
                "id_sha256": _digest(session_id),
                "evaluator": evaluator,
                "created_at": at,
                "expires_at": expires_at,
            },
        )


def session_row(db: sqlite_utils.Database, session_id: str) -> dict | None:
    """The session's row (revoked or not), or None when there is no such session."""
    return one(db, "SELECT * FROM review_sessions WHERE id_sha256 = ?", [_digest(session_id)])


def revoke_session(db: sqlite_utils.Database, session_id: str, *, at: str) -> None:
    """Log a session out: from now on its cookie is refused, wherever it was copied to."""
    with transaction(db):
        db.conn.execute(
            "UPDATE review_sessions SET revoked_at = ? WHERE id_sha256 = ? AND revoked_at IS NULL",
            [at, _digest(session_id)],
        )
