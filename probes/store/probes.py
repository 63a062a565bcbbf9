"""The probes of a guide round: each written whole in one transaction with its steps,
capture and evidence; read back by round or by probe; the evidence verified against its
hashes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from probes.model import EvidenceRef, ProbeResult
from probes.store.db import EvidenceError, StoreError, insert, now_iso, one, sql_value, transaction
from probes.store.evidence import EvidenceStore
from probes.store.schema import EVIDENCE_KINDS


def finished_at(started_at: str, seconds: float) -> str:
    try:
        start = datetime.fromisoformat(started_at)
    except ValueError:
        return now_iso()
    return (start + timedelta(seconds=seconds)).isoformat(timespec="seconds")


def _evidence_of(
    result: ProbeResult,
    evidence_refs: Mapping[str, EvidenceRef | Sequence[EvidenceRef]]
    | Iterable[tuple[str, EvidenceRef]],
) -> list[tuple[str, EvidenceRef]]:
    """Every (kind, ref) of a probe: those inside the result and those passed beside it."""
    found: list[tuple[str, EvidenceRef]] = [
        ("screenshot", s.screenshot) for s in result.steps if s.screenshot is not None
    ]
    capture = result.capture
    if capture is not None:
        found.append(("guide_html", capture.html))
        if capture.screenshot is not None:
            found.append(("guide_screenshot", capture.screenshot))
        if capture.data is not None:
            found.append(("data", capture.data))
    pairs = evidence_refs.items() if isinstance(evidence_refs, Mapping) else evidence_refs
    for kind, refs in pairs:
        for ref in [refs] if isinstance(refs, EvidenceRef) else refs:
            found.append((kind, ref))
    for kind, ref in found:
        if kind not in EVIDENCE_KINDS:
            raise StoreError(f"unknown evidence kind {kind!r}; expected {sorted(EVIDENCE_KINDS)}")
        if not isinstance(ref, EvidenceRef):
            raise StoreError(f"{kind} evidence is not an EvidenceRef: {ref!r}")
    return found


# Tables whose rows hang off a probe: a re-run of the same attempt clears them all.
_PROBE_CHILDREN = (
    "steps",
    "probe_evidence",
    "captures",
    "elements",
    "materials",
    "links",
    "findings",
    "judgements",
)


def save_probe(
    db: sqlite_utils.Database,
    round_id: str,
    result: ProbeResult,
    evidence_refs: Mapping[str, EvidenceRef | Sequence[EvidenceRef]]
    | Iterable[tuple[str, EvidenceRef]] = (),
) -> int:
    """Store one probe whole, in one transaction: its row, steps, evidence and capture.

    The evidence inside ``result`` (step screenshots, the capture's HTML, screenshot and data)
    is recorded as ``screenshot``, ``guide_html``, ``guide_screenshot`` and ``data``;
    ``evidence_refs`` adds more, as ``{kind: ref or [refs]}`` or ``[(kind, ref), ...]`` (for
    example a ``trail``).  The files must already be in the EvidenceStore.

    Idempotent per (round, city, scenario, matter, channel, attempt): saving the same attempt
    again replaces the earlier one (keeping its id; its judgement rows go with it).
    Returns the probe id.
    """
    evidence = _evidence_of(result, evidence_refs)
    capture = result.capture
    extra = dict(result.extra)
    row = {
        "round_id": round_id,
        "city": result.city,
        "scenario": result.scenario,
        "matter": result.matter,
        "channel": result.channel,
        "portal_url": result.portal_url,
        "outcome": str(result.outcome),
        "reason": result.reason,
        "guide_url": capture.url if capture else None,
        "found_by": capture.found_by if capture else None,
        "query": capture.query if capture else None,
        "rank": capture.rank if capture else None,
        "steps": len(result.steps),
        "seconds": result.seconds,
        "attempt": result.attempt,
        "flaky": bool(extra.get("flaky", False)),
        "extra": extra,
        "started_at": result.started_at,
        "finished_at": finished_at(result.started_at, result.seconds),
        "created_at": now_iso(),
    }
    with transaction(db):
        if one(db, "SELECT 1 FROM rounds WHERE id = ?", [round_id]) is None:
            raise StoreError(f"no round {round_id!r}")
        existing = one(
            db,
            "SELECT id FROM probes WHERE round_id = ? AND ifnull(city, '') = ifnull(?, '')"
            " AND scenario = ? AND matter = ? AND channel = ? AND attempt = ?",
            [round_id, result.city, result.scenario, result.matter, result.channel, result.attempt],
        )
        if existing is None:
            probe_id = insert(db, "probes", row)
        else:
            probe_id = existing["id"]
            for table in _PROBE_CHILDREN:
                db.conn.execute(f"DELETE FROM [{table}] WHERE probe_id = ?", [probe_id])
            assignments = ", ".join(f"[{k}] = ?" for k in row)
            db.conn.execute(
                f"UPDATE probes SET {assignments} WHERE id = ?",
                [sql_value(v) for v in row.values()] + [probe_id],
            )
        seen_at = now_iso()
        for kind, ref in evidence:
            db.conn.execute(
                "INSERT OR IGNORE INTO evidence (sha256, relpath, size, media_type, first_seen)"
                " VALUES (?, ?, ?, ?, ?)",
                [ref.sha256, ref.relpath, ref.size, ref.media_type, seen_at],
            )
            db.conn.execute(
                "INSERT OR IGNORE INTO probe_evidence (probe_id, kind, sha256) VALUES (?, ?, ?)",
                [probe_id, kind, ref.sha256],
            )
        for step in result.steps:
            insert(
                db,
                "steps",
                {
                    "probe_id": probe_id,
                    "seq": step.seq,
                    "action": step.action,
                    "matched": step.matched,
                    "url": step.url,
                    "duration_ms": step.duration_ms,
                    "screenshot_sha256": step.screenshot.sha256 if step.screenshot else None,
                    "note": step.note,
                },
            )
        if capture is not None:
            insert(
                db,
                "captures",
                {
                    "probe_id": probe_id,
                    "url": capture.url,
                    "title": capture.title,
                    "html_sha256": capture.html.sha256,
                    "screenshot_sha256": capture.screenshot.sha256 if capture.screenshot else None,
                    "data_sha256": capture.data.sha256 if capture.data else None,
                    "url_trail": list(capture.url_trail),
                    "candidates": list(capture.candidates),
                    "online_apply_url": capture.online_apply_url,
                },
            )
    return probe_id


def _decode_probe(row: dict) -> dict:
    row["flaky"] = bool(row["flaky"])
    row["extra"] = json.loads(row["extra"] or "{}")
    return row


def _decode_capture(row: dict) -> dict:
    row["url_trail"] = json.loads(row["url_trail"])
    row["candidates"] = json.loads(row["candidates"])
    return row


def probes_of_round(db: sqlite_utils.Database, round_id: str) -> list[dict]:
    """The round's probe rows, in the order they were first stored."""
    rows = db.query("SELECT * FROM probes WHERE round_id = ? ORDER BY id", [round_id])
    return [_decode_probe(row) for row in rows]


def steps_of_probe(db: sqlite_utils.Database, probe_id: int) -> list[dict]:
    """The probe's steps, in journey order."""
    return list(db.query("SELECT * FROM steps WHERE probe_id = ? ORDER BY seq, id", [probe_id]))


def capture_of_probe(db: sqlite_utils.Database, probe_id: int) -> dict | None:
    """The probe's capture row (JSON lists decoded), or None when no guide was captured."""
    row = one(db, "SELECT * FROM captures WHERE probe_id = ?", [probe_id])
    return _decode_capture(row) if row else None


def evidence_of_probe(db: sqlite_utils.Database, probe_id: int) -> list[dict]:
    """The probe's evidence files: kind, sha256, relpath, size, media_type."""
    return list(
        db.query(
            "SELECT pe.kind, e.sha256, e.relpath, e.size, e.media_type FROM probe_evidence pe"
            " JOIN evidence e ON e.sha256 = pe.sha256 WHERE pe.probe_id = ?"
            " ORDER BY pe.kind, e.sha256",
            [probe_id],
        )
    )


def done_keys(
    db: sqlite_utils.Database, round_id: str, *, redo: Iterable[str] = ()
) -> set[tuple[str | None, str, str, str]]:
    """(city, scenario, matter, channel) of the probes stored in a round, for resuming it.

    A probe is only stored when it has finished, so a killed run resumes with what is missing.
    Probes whose outcome is in ``redo`` (e.g. ``{"probe_error"}``) are left out, to run again.
    """
    redo = {str(o) for o in redo}
    return {
        (r["city"], r["scenario"], r["matter"], r["channel"])
        for r in db.query(
            "SELECT city, scenario, matter, channel, outcome FROM probes WHERE round_id = ?",
            [round_id],
        )
        if r["outcome"] not in redo
    }


def captures_of_round(db: sqlite_utils.Database, round_id: str) -> list[dict]:
    """What rejudging needs: ``probe_id, city, scenario, matter, channel`` and ``capture``."""
    rows = db.query(
        "SELECT p.id AS probe_id, p.city, p.scenario, p.matter, p.channel, c.*"
        " FROM probes p JOIN captures c ON c.probe_id = p.id"
        " WHERE p.round_id = ? ORDER BY p.id",
        [round_id],
    )
    out = []
    for row in rows:
        head = {k: row.pop(k) for k in ("probe_id", "city", "scenario", "matter", "channel")}
        row["probe_id"] = head["probe_id"]
        out.append({**head, "capture": _decode_capture(row)})
    return out


def read_evidence(db: sqlite_utils.Database, store: EvidenceStore, sha256: str) -> bytes:
    """An evidence file's bytes, checked against its hash first: a missing or changed file
    raises ``EvidenceError`` rather than being judged."""
    row = one(db, "SELECT relpath FROM evidence WHERE sha256 = ?", [sha256])
    if row is None:
        raise EvidenceError(f"no evidence row for {sha256}")
    problem = store.check(sha256, row["relpath"])
    if problem != "ok":
        raise EvidenceError(f"evidence {row['relpath']} is {problem}")
    return store.read(row["relpath"])


def verify_evidence(db: sqlite_utils.Database, store: EvidenceStore) -> list[dict]:
    """Re-hash every evidence file; list those ``missing`` or ``changed`` since stored."""
    problems = []
    for row in db.query("SELECT sha256, relpath FROM evidence ORDER BY sha256"):
        try:
            state = store.check(row["sha256"], row["relpath"])
        except ValueError:  # a relpath outside the store root cannot be the file we stored
            state = "changed"
        if state != "ok":
            problems.append({"sha256": row["sha256"], "relpath": row["relpath"], "problem": state})
    return problems


def evidence_count(db: sqlite_utils.Database) -> int:
    """How many evidence files the database knows of."""
    return db.execute("SELECT count(*) FROM evidence").fetchone()[0]


def get_probe(db: sqlite_utils.Database, probe_id: int) -> dict | None:
    """One probe's row, decoded; None when there is no such probe."""
    row = one(db, "SELECT * FROM probes WHERE id = ?", [probe_id])
    return _decode_probe(row) if row is not None else None


def evidence_row(db: sqlite_utils.Database, sha256: str) -> dict | None:
    """What the database knows of one evidence file (its kind, media type, path); None if none."""
    return one(db, "SELECT * FROM evidence WHERE sha256 = ?", [sha256])


def step_actions_of_round(db: sqlite_utils.Database, round_id: str) -> dict[int, list[str]]:
    """Probe id -> the actions of its steps, in order."""
    actions: dict[int, list[str]] = {}
    for probe_id, action in db.conn.execute(
        "SELECT s.probe_id, s.action FROM steps s JOIN probes p ON p.id = s.probe_id"
        " WHERE p.round_id = ? ORDER BY s.probe_id, s.seq",
        [round_id],
    ):
        actions.setdefault(probe_id, []).append(action)
    return actions


def found_guides(
    db: sqlite_utils.Database, round_id: str, channel: str | None = None
) -> list[dict]:
    """The probes of a round that found their guide (city, scenario, matter, channel,
    guide_url, portal_url), in the order they were stored; on one ``channel`` if given."""
    sql = (
        "SELECT city, scenario, matter, channel, guide_url, portal_url FROM probes"
        " WHERE round_id = ? AND outcome = 'ok' AND guide_url IS NOT NULL AND city IS NOT NULL"
    )
    args: list[Any] = [round_id]
    if channel is not None:
        sql += " AND channel = ?"
        args.append(channel)
    return list(db.query(sql + " ORDER BY id", args))
