"""Consultation and complaint items: the intent recorded before sending, each state change
as an event, replies, labels and the evidence of every visit."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlite_utils

from probes.model import EvidenceRef
from probes.store.db import StoreError, insert, now_iso, one, placeholders, sql_value, transaction
from probes.store.schema import ITEM_EVIDENCE_KINDS, ITEM_KINDS, LABEL_FIELDS, OPEN_ITEM_STATES


def add_event(db: sqlite_utils.Database, item_id: int, event: str, at: str, **detail: Any) -> None:
    insert(db, "item_events", {"item_id": item_id, "at": at, "event": event, "detail": detail})


def item_row(db: sqlite_utils.Database, item_id: int) -> dict:
    row = one(db, "SELECT * FROM items WHERE id = ?", [item_id])
    if row is None:
        raise StoreError(f"no item {item_id}")
    return row


def get_item(db: sqlite_utils.Database, item_id: int) -> dict:
    """The item's row (``dry_run`` as a bool); StoreError when there is none."""
    row = item_row(db, item_id)
    row["dry_run"] = bool(row["dry_run"])
    return row


def record_intent(
    db: sqlite_utils.Database,
    *,
    city: str | None,
    scenario: str,
    kind: str,
    round_id: str | None,
    matter: str | None = None,
    portal_url: str | None = None,
    title: str = "",
    content: str = "",
    poll_interval_s: int | None = None,
    dry_run: bool = False,
    at: str | None = None,
) -> int:
    """Record that an item is about to be sent, before any click; return its id.

    When an item for (city, scenario, kind, round) already exists its id is returned and
    nothing is written: the caller looks at its ``state`` and never sends twice.
    """
    if kind not in ITEM_KINDS:
        raise StoreError(f"unknown item kind {kind!r}; expected one of {sorted(ITEM_KINDS)}")
    when = at or now_iso()
    with transaction(db):
        existing = one(
            db,
            "SELECT id FROM items WHERE ifnull(city, '') = ifnull(?, '') AND scenario = ?"
            " AND kind = ? AND ifnull(round_id, '') = ifnull(?, '')",
            [city, scenario, kind, round_id],
        )
        if existing is not None:
            return existing["id"]
        item_id = insert(
            db,
            "items",
            {
                "city": city,
                "scenario": scenario,
                "kind": kind,
                "matter": matter,
                "portal_url": portal_url,
                "state": "intent",
                "intent_at": when,
                "title": title,
                "content": content,
                "poll_interval_s": poll_interval_s,
                "dry_run": dry_run,
                "round_id": round_id,
            },
        )
        add_event(db, item_id, "intent", when, dry_run=dry_run)
    return item_id


def _set_state(
    db: sqlite_utils.Database,
    item_id: int,
    state: str,
    fields: Mapping[str, Any],
    event: str,
    at: str | None,
    detail: Mapping[str, Any],
) -> None:
    when = at or now_iso()
    with transaction(db):
        old = item_row(db, item_id)["state"]
        assignments = ", ".join(f"[{k}] = ?" for k in ("state", *fields))
        db.conn.execute(
            f"UPDATE items SET {assignments} WHERE id = ?",
            [state, *(sql_value(v) for v in fields.values()), item_id],
        )
        add_event(db, item_id, event, when, old_state=old, **detail)


def mark_submitted(
    db: sqlite_utils.Database,
    item_id: int,
    ticket: str | None,
    submitted_at: str | None,
    *,
    at: str | None = None,
) -> None:
    """The portal confirmed the submission: keep its ticket and the time it shows."""
    _set_state(
        db,
        item_id,
        "submitted",
        {"ticket": ticket, "submitted_at": submitted_at},
        "submitted",
        at,
        {"ticket": ticket, "submitted_at": submitted_at},
    )


def mark_unknown(
    db: sqlite_utils.Database, item_id: int, detail: str = "", *, at: str | None = None
) -> None:
    """Submit was clicked but no confirmation came: it may have been sent; never resend it."""
    _set_state(db, item_id, "unknown", {}, "unknown", at, {"detail": detail})


def record_reply(
    db: sqlite_utils.Database,
    item_id: int,
    *,
    replied_at: str | None,
    reply_text: str,
    status_text: str | None = None,
    seen_at: str | None = None,
    source: str = "portal",
    uncertainty_s: int | None = None,
) -> None:
    """A reply appeared: keep its text, its time and when we saw it.

    ``source`` says where ``replied_at`` comes from: ``portal`` (the time the portal shows) or
    ``first_seen`` (the portal shows none: the poll that first saw it, the reply having come
    up to ``uncertainty_s`` seconds before, the time since the poll before).
    """
    if source not in ("portal", "first_seen"):
        raise StoreError(f"reply time source {source!r} is not 'portal' or 'first_seen'")
    seen = seen_at or now_iso()
    _set_state(
        db,
        item_id,
        "replied",
        {
            "replied_at": replied_at,
            "reply_text": reply_text,
            "status_text": status_text,
            "reply_seen_at": seen,
            "replied_at_source": source,
            "reply_uncertainty_s": uncertainty_s,
        },
        "replied",
        seen,
        {"replied_at": replied_at, "status_text": status_text, "source": source},
    )


def add_item_evidence(
    db: sqlite_utils.Database, item_id: int, kind: str, ref: EvidenceRef, *, at: str | None = None
) -> None:
    """Keep an evidence file (already in the evidence store) as part of an item's record."""
    if kind not in ITEM_EVIDENCE_KINDS:
        raise StoreError(
            f"unknown item evidence kind {kind!r}; expected {sorted(ITEM_EVIDENCE_KINDS)}"
        )
    when = at or now_iso()
    with transaction(db):
        db.execute(
            "INSERT OR IGNORE INTO evidence (sha256, relpath, size, media_type, first_seen)"
            " VALUES (?, ?, ?, ?, ?)",
            [ref.sha256, ref.relpath, ref.size, ref.media_type, when],
        )
        db.execute(
            "INSERT OR IGNORE INTO item_evidence (item_id, kind, sha256, at) VALUES (?, ?, ?, ?)",
            [item_id, kind, ref.sha256, when],
        )


def evidence_of_item(db: sqlite_utils.Database, item_id: int) -> list[dict]:
    """The item's evidence files, oldest first: kind, sha256, relpath, media_type, at."""
    return list(
        db.query(
            "SELECT ie.kind, ie.sha256, ie.at, e.relpath, e.media_type, e.size"
            " FROM item_evidence ie JOIN evidence e USING (sha256)"
            " WHERE ie.item_id = ? ORDER BY ie.at, ie.rowid",
            [item_id],
        )
    )


# Fields a journey may set on an item beside its state.
_NOTE_FIELDS = frozenset({"list_url", "rating_entry", "outcome", "reason", "portal_url", "matter"})


def note_item(
    db: sqlite_utils.Database,
    item_id: int,
    event: str,
    *,
    at: str | None = None,
    detail: Mapping[str, Any] | None = None,
    **fields: Any,
) -> None:
    """Record what a journey learnt about an item (its list page, a rating entry, how an
    attempt ended) as an event, keeping the newest value of each field on the item;
    ``detail`` goes into the event only."""
    unknown = set(fields) - _NOTE_FIELDS
    if unknown:
        raise StoreError(
            f"cannot note {sorted(unknown)} on an item; expected {sorted(_NOTE_FIELDS)}"
        )
    when = at or now_iso()
    with transaction(db):
        item_row(db, item_id)
        if fields:
            assignments = ", ".join(f"[{k}] = ?" for k in fields)
            db.conn.execute(
                f"UPDATE items SET {assignments} WHERE id = ?",
                [*(sql_value(v) for v in fields.values()), item_id],
            )
        add_event(db, item_id, event, when, **fields, **dict(detail or {}))


def claimed_tickets(
    db: sqlite_utils.Database, city: str | None, kind: str, *, besides: int | None = None
) -> set[str]:
    """Tickets of a city's items of a kind already known to be someone's: a list row with one
    of these is not the item being reconciled."""
    rows = db.query(
        "SELECT ticket FROM items WHERE ifnull(city, '') = ifnull(?, '') AND kind = ?"
        " AND ticket IS NOT NULL AND id IS NOT ?",
        [city, kind, besides],
    )
    return {r["ticket"] for r in rows}


def items_of(
    db: sqlite_utils.Database, *, round_id: str | None = None, include_dry_run: bool = False
) -> list[dict]:
    """Every item (of a round), in the order they were decided, ``dry_run`` as a bool."""
    sql, params = "SELECT * FROM items WHERE 1 = 1", []
    if round_id is not None:
        sql += " AND round_id = ?"
        params.append(round_id)
    if not include_dry_run:
        sql += " AND dry_run = 0"
    rows = list(db.query(sql + " ORDER BY intent_at, id", params))
    for row in rows:
        row["dry_run"] = bool(row["dry_run"])
    return rows


def close_item(
    db: sqlite_utils.Database, item_id: int, detail: str = "", *, at: str | None = None
) -> None:
    """Stop following an item (the observation window closed, or an evaluator closed it)."""
    _set_state(db, item_id, "closed", {}, "closed", at, {"detail": detail})


def set_item_scores(
    db: sqlite_utils.Database,
    item_id: int,
    *,
    working_days: float | None,
    timeliness: str | None,
    effectiveness: str | None,
    at: str | None = None,
) -> None:
    """Store the automatic scores of an item; an evaluator's effectiveness label is kept."""
    when = at or now_iso()
    with transaction(db):
        row = item_row(db, item_id)
        keep = row["effectiveness_source"] == "evaluator"
        db.conn.execute(
            "UPDATE items SET working_days = ?, timeliness = ?, effectiveness = ?,"
            " effectiveness_source = ? WHERE id = ?",
            [
                working_days,
                timeliness,
                row["effectiveness"] if keep else effectiveness,
                "evaluator" if keep else ("auto" if effectiveness is not None else None),
                item_id,
            ],
        )
        add_event(
            db,
            item_id,
            "scored",
            when,
            working_days=working_days,
            timeliness=timeliness,
            effectiveness=effectiveness,
            kept_evaluator_label=keep,
        )


def open_items(db: sqlite_utils.Database, *, include_dry_run: bool = False) -> list[dict]:
    """Items that may still get a reply (intent, submitted, unknown), oldest first."""
    marks = placeholders(OPEN_ITEM_STATES)
    sql = f"SELECT * FROM items WHERE state IN ({marks})"
    if not include_dry_run:
        sql += " AND dry_run = 0"
    rows = list(db.query(sql + " ORDER BY intent_at, id", OPEN_ITEM_STATES))
    for row in rows:
        row["dry_run"] = bool(row["dry_run"])
    return rows


def item_events(db: sqlite_utils.Database, item_id: int) -> list[dict]:
    """What happened to an item, in order, ``detail`` decoded."""
    rows = list(db.query("SELECT * FROM item_events WHERE item_id = ? ORDER BY id", [item_id]))
    for row in rows:
        row["detail"] = json.loads(row["detail"])
    return rows


def set_label(
    db: sqlite_utils.Database,
    item_id: int,
    value: str,
    by: str,
    note: str = "",
    *,
    field: str = "effectiveness",
    at: str | None = None,
    channel: str = "cli",
) -> None:
    """An evaluator sets an item's effectiveness (or timeliness); the change is audited, with
    the channel it came through (``web``: the review pages; ``cli``: the command line or a
    script). The checks on who and why are ``probes/store/overrides.py``'s ``label_reply``."""
    if field not in LABEL_FIELDS:
        raise StoreError(f"cannot label {field!r}; expected one of {sorted(LABEL_FIELDS)}")
    when = at or now_iso()
    with transaction(db):
        old = item_row(db, item_id)[field]
        if field == "effectiveness":
            db.conn.execute(
                "UPDATE items SET effectiveness = ?, effectiveness_source = 'evaluator'"
                " WHERE id = ?",
                [value, item_id],
            )
        else:
            db.conn.execute(f"UPDATE items SET [{field}] = ? WHERE id = ?", [value, item_id])
        insert(
            db,
            "labels",
            {
                "item_id": item_id,
                "field": field,
                "old": old,
                "new": value,
                "by": by,
                "at": when,
                "note": note,
                "channel": channel,
            },
        )
        add_event(db, item_id, "labelled", when, field=field, old=old, new=value, by=by)


def labels_of_item(db: sqlite_utils.Database, item_id: int) -> list[dict]:
    """The audit trail of an item's labels, oldest first."""
    return list(db.query("SELECT * FROM labels WHERE item_id = ? ORDER BY id", [item_id]))


def events_with_reason(db: sqlite_utils.Database, prefix: str, *, since: str) -> list[dict]:
    """Item events at or after ``since`` (ISO) whose reason starts with ``prefix`` (e.g.
    ``login_expired``), oldest first, with the item's city, kind, portal and round."""
    rows = db.query(
        "SELECT e.id, e.item_id, e.at, e.event, json_extract(e.detail, '$.reason') AS reason,"
        " i.city, i.kind, i.scenario, i.portal_url, i.round_id FROM item_events e"
        " JOIN items i ON i.id = e.item_id WHERE e.at >= ?"
        " AND json_extract(e.detail, '$.reason') LIKE ? ESCAPE '\\' ORDER BY e.id",
        [since, prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"],
    )
    return list(rows)
