"""Alerts: a team is told when something goes wrong (after step 3-4 of the data flow).

The commands (``run``, ``check``, ``poll``, ``consult submit``: ``--alert URL``, repeatable) and
the scheduler (``alert_job_result``, one of its result hooks) call this once their work is
done: ``events`` reads what is worth telling out of the database (a failed job, an expired
login, a portal down for a day, too many of our own failures, regressions), ``send`` sends each
as one message through apprise (钉钉, 企业微信, e-mail, any webhook), and ``regressions`` finds
the probes a guide round holds for review (called by ``probes/app/guides.py`` whether or not
anyone is alerted). Sending never fails the work: a failed send is logged and returned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from probes import store
from probes.alert.events import (  # noqa: F401
    Alert,
    ProbeErrorLimit,
    check_alerts,
    guide_round_alerts,
    item_alerts,
    job_alert,
    probe_error_alert,
)
from probes.alert.send import AlertURLError, Failure, check_urls, send_alerts  # noqa: F401
from probes.settings import DEFAULT_DB

log = logging.getLogger("probes.alert")


def utc_since(moment: str) -> str:
    """An ISO time as the store writes its own (UTC, to the second), for comparing."""
    parsed = datetime.fromisoformat(moment)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat(timespec="seconds")


def notify(
    urls: Sequence[str], build: Callable[[object], list[Alert]], db_path: str | Path
) -> tuple[list[Alert], list[Failure]]:
    """Read the alerts (``build(db)``) and send them; never raises: a failure to read them is
    one more failure, logged and returned (the work they follow is done and stored)."""
    if not urls:
        return [], []
    try:
        db = store.open_db(db_path, create=False)
        try:
            alerts = build(db)
        finally:
            db.close()
    except Exception as exc:
        log.exception("alerts could not be read from %s", db_path)
        return [], [Failure(str(db_path), "alerts", f"{type(exc).__name__}: {exc}")]
    return alerts, send_alerts(alerts, urls)


def after_guides(db_path, round_id: str, urls, *, limit: ProbeErrorLimit | None = None):
    """A guide round's alerts (too many ``probe_error``, the regressions it held), sent."""
    return notify(urls, lambda db: guide_round_alerts(db, round_id, limit=limit), db_path)


def after_items(db_path, urls, *, since: str, what: str, round_id: str | None,
                outcomes: Sequence[str], reasons: Sequence[str] = (),
                limit: ProbeErrorLimit | None = None):  # fmt: skip
    """``consult submit`` or ``poll``: expired logins since ``since``, too many ``probe_error``."""

    def build(db) -> list[Alert]:
        alerts = item_alerts(db, since=utc_since(since))
        errors = probe_error_alert(
            outcomes, what=what, round_id=round_id, limit=limit or ProbeErrorLimit(),
            reasons=reasons, look_at=(f"/rounds/{round_id}",) if round_id else (),
        )  # fmt: skip
        return alerts + ([errors] if errors else [])

    return notify(urls, build, db_path)


def after_checks(db_path, round_id: str, urls):
    """A check round's alerts: the portals down for a day."""
    return notify(urls, lambda db: check_alerts(db, round_id), db_path)


def alert_job_result(
    run: Mapping, urls: Sequence[str], *, db_path: str | Path | None = None,
    limit: ProbeErrorLimit | None = None,
) -> list[Failure]:  # fmt: skip
    """The scheduler's result hook: a job run ``{job, kind, started_at, ended_at, outcome,
    error, round}`` that failed is an alert; one that succeeded has its round's alerts sent
    as its command would (a guide round's, a check round's, a poll's expired logins), read
    from ``db_path`` (default ``run["db_path"]``, else ``results/govprobe.db``). Returns the
    failed sends; never raises."""
    urls = tuple(urls or ())
    if not urls:
        return []
    failed = job_alert(run)
    if failed is not None:
        return send_alerts([failed], urls)
    path = Path(db_path or run.get("db_path") or DEFAULT_DB)
    kind, round_id = run.get("kind"), run.get("round") or run.get("round_id")
    if not path.is_file():
        return []
    if kind == "guides" and round_id:
        return after_guides(path, round_id, urls, limit=limit)[1]
    if kind in ("checks", "check") and round_id:
        return after_checks(path, round_id, urls)[1]
    if kind == "poll" and run.get("started_at"):
        since = run["started_at"]
        return notify(urls, lambda db: item_alerts(db, since=utc_since(since)), path)[1]
    return []
