"""The imports of offline (service-hall) results: which file, by whom, when."""

from __future__ import annotations

import sqlite_utils

from probes.model import EvidenceRef
from probes.store.db import insert, now_iso, one, transaction


def record_offline_import(
    db: sqlite_utils.Database,
    ref: EvidenceRef,
    *,
    source: str,
    suffix: str,
    sample: bool,
    cities: int,
    by: str = "",
    at: str | None = None,
) -> int:
    """Keep an imported offline results file (already in the evidence store); return its id."""
    when = at or now_iso()
    with transaction(db):
        db.conn.execute(
            "INSERT OR IGNORE INTO evidence (sha256, relpath, size, media_type, first_seen)"
            " VALUES (?, ?, ?, ?, ?)",
            [ref.sha256, ref.relpath, ref.size, ref.media_type, when],
        )
        return insert(
            db,
            "offline_imports",
            {
                "source": source,
                "sha256": ref.sha256,
                "suffix": suffix,
                "sample": sample,
                "cities": cities,
                "imported_at": when,
                "imported_by": by,
            },
        )


def latest_offline_import(db: sqlite_utils.Database) -> dict | None:
    """The newest offline import, or None."""
    return one(db, "SELECT * FROM offline_imports ORDER BY id DESC LIMIT 1")
