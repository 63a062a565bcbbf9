"""The scheduler's own database (``results/schedule.db``, apart from the evidence database),
through SQLAlchemy, which APScheduler's ``SQLAlchemyJobStore`` needs: SQLite in WAL mode, set
on every new connection by an engine ``connect`` event, with a busy timeout.

Its tables::

    apscheduler_jobs     APScheduler's own (SQLAlchemyJobStore): one row per job
      id                 the job id
      next_run_time      the next run, a UTC timestamp; NULL while the job is paused
      job_state          the pickled job (trigger, arguments, options)
    schedule_applied     which version of each schedule-file entry the scheduler applied
      id                 the job id (the entry's id)
      fingerprint        16 hex of the sha256 of the entry as applied (kind, trigger,
                         arguments, options, time zone)
      applied_at         when (ISO 8601, UTC)
    schedule_commands    what the command line asked the running scheduler to do
      id                 command id
      action             add | remove | pause | resume | run-now
      job_id             the job it is about
      payload            what ``add`` adds (JSON; {} for the others)
      requested_at       when it was asked (ISO 8601, UTC)
      requested_pid      the command line's process
      status             pending | taken (the scheduler is applying it) | done | refused
                         (the scheduler said why) | expired (no scheduler took it in time;
                         never applied afterwards)
      result             done: the job as it now is; refused: the reason (JSON)
      done_at            when the scheduler answered, or the command line gave up
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    Text,
    Unicode,
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from probes.store.db import BUSY_TIMEOUT_MS, now_iso

_METADATA = MetaData()


APPLIED = Table(
    "schedule_applied",
    _METADATA,
    Column("id", Unicode(191), primary_key=True),
    Column("fingerprint", Text, nullable=False),
    Column("applied_at", Text, nullable=False),
)


COMMANDS = Table(
    "schedule_commands",
    _METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action", Text, nullable=False),
    Column("job_id", Text),
    Column("payload", Text, nullable=False, default="{}"),
    Column("requested_at", Text, nullable=False),
    Column("requested_pid", Integer),
    Column("status", Text, nullable=False, default="pending"),
    Column("result", Text),
    Column("done_at", Text),
)


COMMAND_STATUSES = frozenset({"pending", "taken", "done", "refused", "expired"})


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def schedule_engine(path: str | Path) -> Engine:
    """An engine on the scheduler's database, its tables created (the caller disposes it)."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{file}")
    event.listen(engine, "connect", _sqlite_pragmas)
    _METADATA.create_all(engine)
    return engine


# -- schedule_applied --------------------------------------------------------------------


def applied(engine: Engine) -> dict[str, str]:
    """Schedule-file entries applied so far: id -> fingerprint."""
    with engine.connect() as conn:
        return dict(conn.execute(select(APPLIED.c.id, APPLIED.c.fingerprint)).all())


def set_applied(engine: Engine, job_id: str, fingerprint: str | None) -> None:
    with engine.begin() as conn:
        if fingerprint is None:
            conn.execute(delete(APPLIED).where(APPLIED.c.id == job_id))
            return
        row = {"id": job_id, "fingerprint": fingerprint, "applied_at": now_iso()}
        conn.execute(
            sqlite_insert(APPLIED)
            .values(row)
            .on_conflict_do_update(index_elements=["id"], set_=row)
        )


# -- schedule_commands -------------------------------------------------------------------


def post_command(
    engine: Engine, action: str, job_id: str | None, payload: dict[str, Any] | None = None
) -> int:
    """A command for the running scheduler; returns its id."""
    with engine.begin() as conn:
        cursor = conn.execute(
            insert(COMMANDS).values(
                action=action,
                job_id=job_id,
                payload=json.dumps(payload or {}, ensure_ascii=False),
                requested_at=now_iso(),
                requested_pid=os.getpid(),
                status="pending",
            )
        )
        return cursor.inserted_primary_key[0]


def pending_commands(engine: Engine) -> list[dict]:
    """The commands no scheduler has answered yet, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(COMMANDS).where(COMMANDS.c.status == "pending").order_by(COMMANDS.c.id)
        ).mappings()
        return [dict(r) | {"payload": json.loads(r["payload"])} for r in rows]


def claim_command(engine: Engine, command_id: int) -> bool:
    """The scheduler takes a pending command before applying it; False when its command line
    withdrew it first. A taken command is no longer withdrawn: its answer will come."""
    return _move(engine, command_id, "pending", status="taken")


def answer_command(engine: Engine, command_id: int, status: str, result: Any) -> bool:
    """Close a taken command, ``done`` (result: the job) or ``refused`` (result: why)."""
    if status not in ("done", "refused"):
        raise ValueError(f"a command is answered done or refused, not {status!r}")
    return _move(
        engine,
        command_id,
        "taken",
        status=status,
        result=json.dumps(result, ensure_ascii=False),
        done_at=now_iso(),
    )


def expire_command(engine: Engine, command_id: int) -> bool:
    """Withdraw a command no scheduler took in time; False when one took it meanwhile."""
    reason = json.dumps("没有调度器及时应答，命令已撤回", ensure_ascii=False)
    return _move(engine, command_id, "pending", status="expired", result=reason, done_at=now_iso())


def _move(engine: Engine, command_id: int, from_status: str, **values: Any) -> bool:
    with engine.begin() as conn:
        cursor = conn.execute(
            update(COMMANDS)
            .where(COMMANDS.c.id == command_id, COMMANDS.c.status == from_status)
            .values(**values)
        )
        return cursor.rowcount == 1


def command(engine: Engine, command_id: int) -> dict | None:
    """One command, its result decoded."""
    with engine.connect() as conn:
        row = conn.execute(select(COMMANDS).where(COMMANDS.c.id == command_id)).mappings().first()
    if row is None:
        return None
    decoded = json.loads(row["result"]) if row["result"] is not None else None
    return dict(row) | {"payload": json.loads(row["payload"]), "result": decoded}


def expire_pending(engine: Engine, reason: str, *, before: str) -> int:
    """Expire the commands asked before ``before`` (ISO, UTC) that no scheduler took: a
    scheduler starting does not do, long after, what was asked of an earlier one."""
    with engine.begin() as conn:
        cursor = conn.execute(
            update(COMMANDS)
            .where(COMMANDS.c.status.in_(("pending", "taken")), COMMANDS.c.requested_at < before)
            .values(
                status="expired",
                result=json.dumps(reason, ensure_ascii=False),
                done_at=now_iso(),
            )
        )
        return cursor.rowcount
