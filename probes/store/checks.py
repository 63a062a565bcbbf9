"""TODO."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlite_utils

from probes.store.db import insert, now_iso, transaction


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
