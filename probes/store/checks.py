"""The ``checks`` table: one row per health-check result of a check round."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlite_utils

from probes.store.db import insert, now_iso, placeholders, transaction


def save_check(
    db: sqlite_utils.Database,
    round_id: str | None,
    *,
    url: str,
    kind: str,
    city: str | None = None,
    channel: str | None = None,
    status: int | None = None,
    classification: str | None = None,
    ttfb_ms: float | None = None,
    total_ms: float | None = None,
    detail: Mapping[str, Any] | None = None,
    at: str | None = None,
) -> int:
    """Store one HTTP health check; return its id."""
    with transaction(db):
        return insert(
            db,
            "checks",
            {
                "round_id": round_id,
                "city": city,
                "channel": channel,
                "url": url,
                "kind": kind,
                "status": status,
                "classification": classification,
                "ttfb_ms": ttfb_ms,
                "total_ms": total_ms,
                "detail": dict(detail or {}),
                "at": at or now_iso(),
            },
        )


def check_rows(
    db: sqlite_utils.Database, round_ids: Sequence[str], kind: str | None = None
) -> list[dict]:
    """The check rows of these rounds (of one ``kind``), in the order they were written;
    ``detail`` decoded."""
    marks = placeholders(round_ids)
    sql = f"SELECT * FROM checks WHERE round_id IN ({marks})"
    params: list[Any] = list(round_ids)
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    rows = list(db.query(sql + " ORDER BY id", params))
    for row in rows:
        row["detail"] = json.loads(row["detail"] or "{}")
    return rows


def check_details(
    db: sqlite_utils.Database, round_id: str, kinds: Sequence[str]
) -> Iterator[tuple[str | None, str, dict]]:
    """(city, kind, detail) of one round's rows of these kinds, in order: the lean read the
    rubrics make for every round of a season."""
    marks = placeholders(kinds)
    rows = db.conn.execute(
        f"SELECT city, kind, detail FROM checks WHERE round_id = ? AND kind IN ({marks})"
        " ORDER BY id",
        [round_id, *kinds],
    )
    for city, kind, raw in rows:
        yield city, kind, json.loads(raw or "{}")


def home_visits(
    db: sqlite_utils.Database, round_ids: Sequence[str], *, city: str | None = None
) -> list[dict]:
    """The availability visits (rows of kind ``home``) of these rounds (of one ``city``), in
    the order they were made: ``round_id``, ``city``, ``channel``, ``url``, ``classification``,
    ``at``, ``available`` (True, False, or None: undecided) and ``browser_failed`` (the browser
    sent to decide a protected visit failed on our side). Only those two of ``detail`` are
    read (by SQLite's JSON functions): a week of visits every 30 minutes is decoded in bulk."""
    if not round_ids:
        return []
    marks = placeholders(round_ids)
    sql = (
        "SELECT round_id, city, channel, url, classification, at,"
        " json_extract(detail, '$.available') AS available,"
        " json_extract(detail, '$.browser_error') IS NOT NULL AS browser_failed"
        f" FROM checks WHERE round_id IN ({marks}) AND kind = 'home'"
    )
    params: list[Any] = list(round_ids)
    if city is not None:
        sql += " AND city = ?"
        params.append(city)
    rows = list(db.query(sql + " ORDER BY at, id", params))
    for row in rows:
        if row["available"] is not None:
            row["available"] = bool(row["available"])
        row["browser_failed"] = bool(row["browser_failed"])
    return rows


def down_streaks(db: sqlite_utils.Database, round_id: str) -> list[dict]:
    """For each portal (city and channel) of a check round whose home visit there was
    ``down``: its url, the time of that visit (``at``), when its stretch of ``down`` visits
    began (``since``: the first after its last visit that was not down, of the same target),
    how many visits the stretch has (``visits``) and the time of its visit before this one
    (``before``, or None)."""
    rows = list(
        db.query(
            "SELECT c.city, c.channel, c.url, c.at, r.target FROM checks c"
            " JOIN rounds r ON r.id = c.round_id WHERE c.round_id = ? AND c.kind = 'home'"
            " AND c.classification = 'down' AND c.city IS NOT NULL ORDER BY c.id",
            [round_id],
        )
    )
    same = (
        "FROM checks c JOIN rounds r ON r.id = c.round_id WHERE c.kind = 'home' AND c.city = ?"
        " AND c.channel IS ? AND r.target = ?"
    )
    out = []
    for row in rows:
        key = [row["city"], row["channel"], row["target"]]
        up = db.execute(
            f"SELECT max(c.at) {same} AND c.at <= ? AND c.classification != 'down'",
            [*key, row["at"]],
        ).fetchone()[0]
        since, visits = db.execute(
            f"SELECT min(c.at), count(*) {same} AND c.at <= ? AND c.at > ?",
            [*key, row["at"], up or ""],
        ).fetchone()
        before = db.execute(f"SELECT max(c.at) {same} AND c.at < ?", [*key, row["at"]]).fetchone()[
            0
        ]
        out.append({**row, "since": since, "visits": visits, "before": before})
    return out
