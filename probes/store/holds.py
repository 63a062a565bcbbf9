"""The ``holds`` table: regressions held for an evaluator, and what finding them reads.

A probe is held when it is worse than the same city, scenario, matter and channel in the
previous guide round that probed it (``probes/alert/regressions.py`` decides what is worse).
A held probe is left out of the scores (``probes/score/observations.py``) until an evaluator
confirms the machine (``overrides.confirm_machine``) or overrides the probe
(``overrides.override_outcome`` / ``override_element``); either lifts the hold, and the row
stays with who lifted it, when and how.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import sqlite_utils

from probes.store.db import insert, now_iso, one, placeholders, transaction

Key = tuple[str, str, str, str]  # (city, scenario, matter, channel)


# The last attempt of each key of a round, its outcome as it counts: an evaluator's active
# outcome override over the machine's.
_FINAL_PROBES = (
    "SELECT p.id, p.round_id, p.city, p.scenario, p.matter, p.channel, p.outcome AS machine,"
    " coalesce(o.value, p.outcome) AS outcome FROM probes p"
    " LEFT JOIN overrides o ON o.probe_id = p.id AND o.field = 'outcome'"
    " AND o.withdrawn_at IS NULL"
    " WHERE p.round_id = ? AND p.city IS NOT NULL AND p.attempt = (SELECT max(q.attempt)"
    " FROM probes q WHERE q.round_id = p.round_id AND q.city = p.city"
    " AND q.scenario = p.scenario AND q.matter = p.matter AND q.channel = p.channel)"
    " ORDER BY p.id"
)


def _key(row: dict) -> Key:
    return (row["city"], row["scenario"], row["matter"], row["channel"])


def final_probes(db: sqlite_utils.Database, round_id: str) -> dict[Key, dict]:
    """``{key: probe}``: the last attempt of each city's probe in the round, with ``outcome``
    as it counts (an active override's) and ``machine`` as the journey ended."""
    return {_key(r): r for r in db.query(_FINAL_PROBES, [round_id])}


def previous_probes(db: sqlite_utils.Database, round_id: str) -> dict[Key, dict]:
    """For each key of the round, the same key's final probe in the latest earlier guide round
    of the same target that probed it (a round of some cities leaves the others' previous
    probe where it was)."""
    current = one(db, "SELECT rowid, * FROM rounds WHERE id = ?", [round_id])
    if current is None:
        return {}
    wanted = set(final_probes(db, round_id))
    found: dict[Key, dict] = {}
    earlier = db.query(
        "SELECT id FROM rounds WHERE kind = 'guides' AND target = ? AND id != ?"
        " AND (started_at, rowid) < (?, ?) ORDER BY started_at DESC, rowid DESC",
        [current["target"], round_id, current["started_at"], current["rowid"]],
    )
    for row in list(earlier):
        if not wanted:
            break
        for key, probe in final_probes(db, row["id"]).items():
            if key in wanted:
                found[key] = probe
                wanted.discard(key)
    return found


def present_elements(db: sqlite_utils.Database, probe_ids: Iterable[int]) -> dict[int, set[str]]:
    """``{probe_id: elements shown with a value}``, after evaluators' active element overrides."""
    ids = sorted(set(probe_ids))
    shown: dict[int, set[str]] = {i: set() for i in ids}
    if not ids:
        return shown
    marks = placeholders(ids)
    for r in db.query(
        f"SELECT probe_id, element FROM elements WHERE present AND probe_id IN ({marks})", ids
    ):
        shown[r["probe_id"]].add(r["element"])
    for r in db.query(
        "SELECT probe_id, element, value FROM overrides WHERE field = 'element'"
        f" AND withdrawn_at IS NULL AND probe_id IN ({marks})",
        ids,
    ):
        (shown[r["probe_id"]].add if r["value"] == "1" else shown[r["probe_id"]].discard)(
            r["element"]
        )
    return shown


def hold_probe(
    db: sqlite_utils.Database,
    probe_id: int,
    round_id: str,
    *,
    kind: str,
    previous_probe_id: int | None,
    was: str | list[str],
    now: str | list[str],
) -> bool:
    """Hold a probe for review; False when it is (or was) held already: a round resumed or
    checked again never holds a probe twice, nor again once an evaluator lifted it."""
    with transaction(db):
        if one(db, "SELECT id FROM holds WHERE probe_id = ?", [probe_id]):
            return False
        insert(
            db,
            "holds",
            {
                "probe_id": probe_id,
                "round_id": round_id,
                "kind": kind,
                "previous_probe_id": previous_probe_id,
                "was": was if isinstance(was, str) else json.dumps(sorted(was), ensure_ascii=False),
                "now": now if isinstance(now, str) else json.dumps(sorted(now), ensure_ascii=False),
                "held_at": now_iso(),
            },
        )
    return True


def holds_of(
    db: sqlite_utils.Database,
    *,
    round_id: str | None = None,
    probe_id: int | None = None,
    active_only: bool = True,
) -> list[dict]:
    """Holds with their probe's city, scenario, matter, channel and the previous probe's round,
    oldest first; only those still holding a score unless ``active_only`` is False."""
    where, params = [], []
    if round_id is not None:
        where.append("h.round_id = ?")
        params.append(round_id)
    if probe_id is not None:
        where.append("h.probe_id = ?")
        params.append(probe_id)
    if active_only:
        where.append("h.released_at IS NULL")
    sql = (
        "SELECT h.*, p.city, p.scenario, p.matter, p.channel, p.outcome, p.reason,"
        " q.round_id AS previous_round_id FROM holds h JOIN probes p ON p.id = h.probe_id"
        " LEFT JOIN probes q ON q.id = h.previous_probe_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY h.id"
    )
    return list(db.query(sql, params))


def held_probe_ids(db: sqlite_utils.Database, round_id: str) -> set[int]:
    """The round's probes whose hold is not lifted: left out of the scores."""
    return {
        r["probe_id"]
        for r in db.query(
            "SELECT probe_id FROM holds WHERE round_id = ? AND released_at IS NULL", [round_id]
        )
    }


def release_hold(
    db: sqlite_utils.Database, probe_id: int, *, by: str, how: str, at: str, note: str = ""
) -> bool:
    """Lift the probe's hold (in the caller's transaction); False when none was holding."""
    cursor = db.conn.execute(
        "UPDATE holds SET released_at = ?, released_by = ?, released_how = ?, note = ?"
        " WHERE probe_id = ? AND released_at IS NULL",
        [at, by, how, note or None, probe_id],
    )
    return cursor.rowcount > 0
