"""The judgements of probes (completeness, accuracy, the elements found), one per probe and
rules version."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlite_utils

from probes.store.db import StoreError, insert, now_iso, one, transaction


def save_judgement(
    db: sqlite_utils.Database,
    probe_id: int,
    *,
    elements: Mapping[str, str],
    empty: Sequence[str],
    materials: Sequence[Mapping[str, Any]],
    links: Sequence[Mapping[str, Any]],
    findings: Sequence[Mapping[str, Any]],
    completeness: float,
    required: Sequence[str],
    missing: Sequence[str],
    rules_version: str,
    judged_at: str | None = None,
) -> None:
    """Replace a probe's judgement (elements, materials, links, findings, summary) at once.

    ``elements`` maps each element shown with a real value to that value; ``empty`` names those
    whose label was shown with no real value (暂无, blank).  ``present`` means a real value, as
    the brief counts it; required elements in ``missing`` that have no label get a row with
    ``present = 0, empty = 0``, so the table shows every element judged.
    """
    empty_set = set(empty)
    element_rows = [
        {
            "probe_id": probe_id,
            "element": name,
            "value": value,
            "present": name not in empty_set,
            "empty": name in empty_set,
        }
        for name, value in elements.items()
    ]
    element_rows += [
        {"probe_id": probe_id, "element": name, "value": "", "present": False, "empty": True}
        for name in dict.fromkeys(empty)
        if name not in elements
    ]
    labelled = set(elements) | empty_set
    element_rows += [
        {"probe_id": probe_id, "element": name, "value": None, "present": False, "empty": False}
        for name in dict.fromkeys(missing)
        if name not in labelled
    ]
    material_rows = [
        {
            "probe_id": probe_id,
            "seq": m.get("seq", i),
            **{
                k: m.get(k)
                for k in ("media", "copies", "source", "required", "form_url", "sample_url")
            },
            "name": m["name"],
        }
        for i, m in enumerate(materials, start=1)
    ]
    link_rows = [
        {
            "probe_id": probe_id,
            "url": link["url"],
            "kind": link["kind"],
            "status": None if link.get("status") is None else str(link["status"]),
            "checked_at": link.get("checked_at"),
        }
        for link in links
    ]
    finding_rows = [
        {
            "probe_id": probe_id,
            "code": f["code"],
            "element": f.get("element"),
            "detail": f.get("detail") or "",
        }
        for f in findings
    ]
    with transaction(db):
        if one(db, "SELECT 1 FROM probes WHERE id = ?", [probe_id]) is None:
            raise StoreError(f"no probe {probe_id}")
        for table in ("elements", "materials", "links", "findings", "judgements"):
            db.conn.execute(f"DELETE FROM [{table}] WHERE probe_id = ?", [probe_id])
        for table, rows in (
            ("elements", element_rows),
            ("materials", material_rows),
            ("links", link_rows),
            ("findings", finding_rows),
        ):
            for row in rows:
                insert(db, table, row)
        insert(
            db,
            "judgements",
            {
                "probe_id": probe_id,
                "completeness": float(completeness),
                "required": list(required),
                "missing": list(missing),
                "judged_at": judged_at or now_iso(),
                "rules_version": rules_version,
            },
        )


def judgement_of_probe(db: sqlite_utils.Database, probe_id: int) -> dict | None:
    """The probe's judgement: the summary row plus its elements, materials, links, findings."""
    summary = one(db, "SELECT * FROM judgements WHERE probe_id = ?", [probe_id])
    if summary is None:
        return None
    summary["required"] = json.loads(summary["required"])
    summary["missing"] = json.loads(summary["missing"])
    for table, order in (
        ("elements", "rowid"),
        ("materials", "seq"),
        ("links", "rowid"),
        ("findings", "rowid"),
    ):
        rows = list(
            db.query(f"SELECT * FROM {table} WHERE probe_id = ? ORDER BY {order}", [probe_id])
        )
        for row in rows:
            row.pop("probe_id")
            for flag in ("present", "empty"):
                if flag in row:
                    row[flag] = bool(row[flag])
        summary[table] = rows
    return summary


def judgements_of_round(db: sqlite_utils.Database, round_id: str) -> dict[int, dict]:
    """Probe id -> its judgement's ``completeness``, ``required`` and ``missing`` (decoded)."""
    return {
        r["probe_id"]: {
            "completeness": r["completeness"],
            "required": json.loads(r["required"]),
            "missing": json.loads(r["missing"]),
        }
        for r in db.query(
            "SELECT j.probe_id, j.completeness, j.required, j.missing FROM judgements j"
            " JOIN probes p ON p.id = j.probe_id WHERE p.round_id = ?",
            [round_id],
        )
    }


def shown_elements(
    db: sqlite_utils.Database, round_id: str, only: Sequence[str] | None = None
) -> dict[int, dict[str, str]]:
    """Probe id -> {element: value} of the elements its guide shows (``only`` these, if given)."""
    sql = (
        "SELECT e.probe_id, e.element, e.value FROM elements e JOIN probes p ON p.id = e.probe_id"
        " WHERE p.round_id = ? AND e.present"
    )
    args: list[Any] = [round_id]
    if only is not None:
        sql += f" AND e.element IN ({', '.join('?' for _ in only)})"
        args += list(only)
    shown: dict[int, dict[str, str]] = {}
    for r in db.query(sql, args):
        shown.setdefault(r["probe_id"], {})[r["element"]] = r["value"]
    return shown


def finding_counts(db: sqlite_utils.Database, round_id: str) -> dict[str, dict[int, int]]:
    """``{"findings": {probe id: n}, "links": {probe id: n}}``: accuracy findings, and links
    that answered with a status, per probe of the round."""
    counts = {}
    for table, where in (("findings", ""), ("links", " AND t.status IS NOT NULL")):
        counts[table] = {
            r["probe_id"]: r["n"]
            for r in db.query(
                f"SELECT t.probe_id, count(*) AS n FROM {table} t"
                f" JOIN probes p ON p.id = t.probe_id WHERE p.round_id = ?{where}"
                " GROUP BY t.probe_id",
                [round_id],
            )
        }
    return counts


def materials_of_round(
    db: sqlite_utils.Database, round_id: str, channel: str = "pc"
) -> dict[tuple[str, str], list[str]]:
    """(city, matter) -> the 申请材料 its guide on ``channel`` lists, in the round, in order."""
    out: dict[tuple[str, str], list[str]] = {}
    for r in db.query(
        "SELECT p.city, p.matter, m.name FROM materials m JOIN probes p ON p.id = m.probe_id"
        " WHERE p.round_id = ? AND p.channel = ? AND p.city IS NOT NULL ORDER BY p.id, m.seq",
        [round_id, channel],
    ):
        out.setdefault((r["city"], r["matter"]), []).append(r["name"])
    return out


def materials_of_probes(db: sqlite_utils.Database, round_id: str) -> dict[int, list[str]]:
    """Probe id -> the 申请材料 its guide lists, in order."""
    out: dict[int, list[str]] = {}
    for r in db.query(
        "SELECT m.probe_id, m.name FROM materials m JOIN probes p ON p.id = m.probe_id"
        " WHERE p.round_id = ? ORDER BY m.probe_id, m.seq",
        [round_id],
    ):
        out.setdefault(r["probe_id"], []).append(r["name"])
    return out


def links_of_round(db: sqlite_utils.Database, round_id: str) -> list[dict]:
    """The form and sample links the round's guides carry (city, portal_url, url, kind), in
    the order they were stored."""
    return list(
        db.query(
            "SELECT p.city, p.portal_url, l.url, l.kind FROM links l JOIN probes p"
            " ON p.id = l.probe_id WHERE p.round_id = ? AND p.city IS NOT NULL ORDER BY l.rowid",
            [round_id],
        )
    )
