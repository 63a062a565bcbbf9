"""The scheduler: step 1 of the data flow (README, "Architecture"), as its own process.

``govprobe schedule start`` runs APScheduler 3 with its jobs in their own SQLite job store
(``results/schedule.db``, apart from the evidence database), so a restart keeps every job, its
pause and its next run time. The scheduler only wires things together: each job calls the
library function that the matching command calls, with plain JSON-able keyword arguments:

    kind     job function     calls                          as the command
    guides   guides_job       probes.runner.run_guides       govprobe run
    poll     poll_job         probes.runner.consult_poll     govprobe poll
    checks   checks_job       probes.checks.check_portals    govprobe check
    touch    touch_job        (itself: a heartbeat file)     -

``scenarios/schedule.yaml`` holds the default jobs (read by ``load_schedule``, a bad file fails
naming the file and the key). ``start`` applies an entry when it is new or has changed since
the last start, so what ``pause`` or ``remove`` did to a job holds until its entry changes; an
entry dropped from the file drops its job. ``add`` puts in a job the file does not have.

Every job runs at most one instance at a time, with a misfire grace time (a run the scheduler
missed while it was down still happens if it is late by less than that), coalescing (several
missed runs happen once) and jitter (a random delay, so rounds do not start on the hour).

SIGTERM or SIGINT stops the scheduler cleanly: no job starts any more, the running ones finish
(``shutdown(wait=True)``), then the process exits 0. Logs go to stderr, one plain line each.

The other commands (``list``, ``add``, ``remove``, ``pause``, ``resume``, ``run-now``) edit the
job store directly, whether the scheduler runs or not; a running scheduler re-reads the store at
least every ``--wakeup`` seconds. Only one scheduler runs on a job store at a time (a lock file
beside it), as APScheduler 3 requires.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import pickle
import re
import signal
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
import yaml
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore, ConflictingIdError, JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import datetime_to_utc_timestamp, utc_timestamp_to_datetime
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from probes.datafiles import DataFileError, format_validation_error, read_model

log = logging.getLogger("probes.schedule")

SCHEDULE_PATH = Path(__file__).resolve().parent.parent / "scenarios" / "schedule.yaml"
JOBS_PATH = Path("results/schedule.db")
DB_PATH = Path("results/govprobe.db")
TIMEZONE = "Asia/Shanghai"
WAKEUP_S = 10.0
# enough for a guide round, a poll and a health check at once; a job never runs twice at once
WORKERS = 4


class ScheduleError(DataFileError):
    """A bad schedule entry, an unknown job, or a job store already in use."""


# --- job kinds: what a job runs ----------------------------------------------------------


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("cities", "scenario_ids", check_fields=False)
    @classmethod
    def _known(cls, v: list[str], info) -> list[str]:
        # a misspelt city or scenario fails when the schedule is read, not at night in a job
        if info.field_name == "cities":
            from probes.profiles import load_registry

            load_registry().select(v)
        else:
            from probes.scenarios import load_scenarios

            known = load_scenarios()
            unknown = [s for s in v if s not in known]
            if unknown:
                raise ValueError(f"unknown scenario {unknown[0]!r} (known: {', '.join(known)})")
        return v


Target = Literal["sandbox", "live"]


class GuidesArgs(_Args):
    """Keyword arguments of ``probes.runner.run_guides``."""

    target: Target
    sandbox_url: str | None = None
    cities: list[str] = []
    scenario_ids: list[str] = []
    channels: list[Literal["pc", "mobile"]] = []
    db_path: str | None = None
    concurrency: int = Field(4, ge=1)
    per_host: int = Field(2, ge=1)
    user_agent_suffix: str = ""


class PollArgs(_Args):
    """Keyword arguments of ``probes.runner.consult_poll``."""

    target: Target
    sandbox_url: str | None = None
    sessions: str | None = None
    db_path: str | None = None
    concurrency: int = Field(4, ge=1)
    per_host: int = Field(2, ge=1)

    @model_validator(mode="after")
    def _sandbox_needs_its_url(self) -> PollArgs:
        if self.target == "sandbox" and not self.sandbox_url:
            raise ValueError("sandbox_url: polling the sandbox needs the sandbox the items went to")
        return self


class ChecksArgs(_Args):
    """Keyword arguments of ``probes.checks.check_portals``."""

    target: Target
    sandbox_url: str | None = None
    cities: list[str] = []
    db_path: str | None = None


class TouchArgs(_Args):
    path: str
    seconds: float = Field(0.0, ge=0, le=3600)


def guides_job(**kwargs: Any) -> dict:
    """A guide round, as ``govprobe run`` walks it."""
    from probes.runner import run_guides

    summary = run_guides(**kwargs)
    outcomes = Counter(p["outcome"] for p in summary["probes"])
    log.info(
        "guide round %s finished: %d probes (%s)",
        summary["round"],
        len(summary["probes"]),
        _counts(outcomes),
    )
    return {"round": summary["round"], "outcomes": dict(outcomes)}


def poll_job(**kwargs: Any) -> dict:
    """Read every open consultation and complaint, as ``govprobe poll`` does."""
    from probes.runner import consult_poll

    items = consult_poll(**kwargs)["items"]
    statuses = Counter(i["status"] for i in items)
    log.info("poll finished: %d items (%s)", len(items), _counts(statuses))
    return {"statuses": dict(statuses)}


def checks_job(**kwargs: Any) -> dict:
    """Check the portals' health, as ``govprobe check`` does (imported when it runs)."""
    try:
        from probes.checks import check_portals
    except ImportError as exc:
        raise ScheduleError(
            f"health checks cannot run: probes.checks.check_portals is not available ({exc})"
        ) from exc
    summary = check_portals(**kwargs)
    log.info("health check round %s finished", summary.get("round"))
    return {"round": summary.get("round")}


def touch_job(*, path: str, seconds: float = 0.0) -> None:
    """A heartbeat: append ``started`` to ``path``, wait ``seconds``, append ``finished``.

    Shows that the scheduler runs jobs, and that a stop lets a running job finish."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("a", encoding="utf-8") as f:
        f.write(f"started {datetime.now().isoformat()}\n")
        f.flush()
        time.sleep(seconds)
        f.write(f"finished {datetime.now().isoformat()}\n")


def _counts(counter: Counter) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items())) or "none"


@dataclass(frozen=True)
class Kind:
    name: str
    func_ref: str  # a textual reference: what APScheduler keeps in the job store
    args: type[_Args]


KINDS = {
    k.name: k
    for k in (
        Kind("guides", "probes.schedule:guides_job", GuidesArgs),
        Kind("poll", "probes.schedule:poll_job", PollArgs),
        Kind("checks", "probes.schedule:checks_job", ChecksArgs),
        Kind("touch", "probes.schedule:touch_job", TouchArgs),
    )
}
KIND_OF_REF = {k.func_ref: k.name for k in KINDS.values()}


# --- the schedule file -------------------------------------------------------------------

DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
DURATION_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> int:
    """``90s`` / ``30m`` / ``2h`` / ``1d`` / ``1w`` in seconds."""
    match = DURATION.match(str(text).strip().lower())
    if not match or int(match[1]) == 0:
        raise ValueError(f"{text!r}: say 90s, 30m, 2h, 1d or 1w")
    return int(match[1]) * DURATION_S[match[2]]


def cron_trigger(expr: str, timezone: str, jitter: int | None = None) -> CronTrigger:
    """A crontab line (minute hour day-of-month month day-of-week) as APScheduler's trigger.

    Days of the week must be named: APScheduler 3 counts 0 as Monday where cron counts Sunday,
    so a number there would silently run on the wrong day."""
    fields = str(expr).split()
    if len(fields) != 5:
        raise ValueError(
            f"{expr!r}: a crontab line has 5 fields (minute hour day month day-of-week)"
        )
    minute, hour, day, month, day_of_week = fields
    if any(c.isdigit() for c in day_of_week):
        raise ValueError(
            f"{expr!r}: name the days of the week (mon-fri, sun): APScheduler 3 counts 0 as "
            "Monday, cron as Sunday"
        )
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=day_of_week,
        timezone=timezone,
        jitter=jitter or None,
    )


class JobOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    misfire_grace_time: int = Field(3600, ge=1)
    coalesce: bool = True
    jitter: int = Field(0, ge=0)


class JobSpec(BaseModel):
    """One job: its id, its kind and arguments, when it runs (``cron`` or ``every``)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    kind: Literal["guides", "poll", "checks", "touch"]
    cron: str | None = None
    every: str | None = None
    args: Any = Field(default_factory=dict, validate_default=True)
    misfire_grace_time: int | None = Field(None, ge=1)
    coalesce: bool | None = None
    jitter: int | None = Field(None, ge=0)

    @field_validator("cron")
    @classmethod
    def _cron_parses(cls, v: str | None) -> str | None:
        if v is not None:
            cron_trigger(v, "UTC")
        return v

    @field_validator("every")
    @classmethod
    def _every_parses(cls, v: str | None) -> str | None:
        if v is not None:
            parse_duration(v)
        return v

    @field_validator("args", mode="before")
    @classmethod
    def _args_fit_the_kind(cls, v: Any, info) -> Any:
        kind = KINDS.get(info.data.get("kind"))
        if kind is None:
            return v
        if not isinstance(v, dict):
            raise ValueError(f"expected a mapping of the {kind.name} job's arguments")
        try:
            return kind.args.model_validate(v)
        except ValidationError as exc:
            raise ValueError(
                "; ".join(
                    ".".join(map(str, e["loc"])) + ": " + e["msg"].removeprefix("Value error, ")
                    if e["loc"]
                    else e["msg"].removeprefix("Value error, ")
                    for e in exc.errors()
                )
            ) from None

    @model_validator(mode="after")
    def _one_trigger(self) -> JobSpec:
        if (self.cron is None) == (self.every is None):
            raise ValueError(f"job {self.id!r}: give either cron or every")
        return self

    def options(self, defaults: JobOptions) -> JobOptions:
        given = {k: getattr(self, k) for k in JobOptions.model_fields}
        return defaults.model_copy(update={k: v for k, v in given.items() if v is not None})

    def trigger(self, timezone: str, jitter: int | None):
        if self.cron is not None:
            return cron_trigger(self.cron, timezone, jitter)
        seconds = parse_duration(self.every)
        return IntervalTrigger(seconds=seconds, timezone=timezone, jitter=jitter or None)

    def kwargs(self, db_path: str | Path) -> dict:
        """The job function's keyword arguments; ``db_path``, where the kind takes one and the
        entry does not say, is the scheduler's ``--db``."""
        kwargs = self.args.model_dump(mode="json", exclude_unset=True)
        if "db_path" in type(self.args).model_fields and not kwargs.get("db_path"):
            kwargs["db_path"] = str(db_path)
        return kwargs


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: str = TIMEZONE
    defaults: JobOptions = JobOptions()
    jobs: list[JobSpec] = []

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (say Asia/Shanghai)") from None
        return v

    @field_validator("jobs")
    @classmethod
    def _unique_ids(cls, jobs: list[JobSpec]) -> list[JobSpec]:
        seen = Counter(j.id for j in jobs)
        duplicates = [i for i, n in seen.items() if n > 1]
        if duplicates:
            raise ValueError(f"duplicate job id {duplicates[0]!r}")
        return jobs


def load_schedule(path: str | Path = SCHEDULE_PATH) -> Schedule:
    """The schedule file, validated; a bad one raises ``ScheduleError`` naming file and key."""
    return read_model(path, Schedule, ScheduleError)


# --- the job store -----------------------------------------------------------------------


class SQLiteJobStore(BaseJobStore):
    """APScheduler 3's job store on the standard library's sqlite3, in WAL mode.

    The table is the one ``SQLAlchemyJobStore`` keeps (``apscheduler_jobs``: id, next run time
    as a UTC timestamp, the pickled job state), so either can read it. A second table,
    ``schedule_applied``, remembers which version of each schedule-file entry was applied."""

    def __init__(self, path: str | Path, pickle_protocol: int = pickle.HIGHEST_PROTOCOL):
        super().__init__()
        self.path = Path(path)
        self.pickle_protocol = pickle_protocol

    @contextlib.contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            if write:
                conn.execute("BEGIN IMMEDIATE")
            yield conn
            if write:
                conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def start(self, scheduler, alias):
        super().start(scheduler, alias)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(
                """
                CREATE TABLE IF NOT EXISTS apscheduler_jobs (
                    id TEXT PRIMARY KEY, next_run_time REAL, job_state BLOB NOT NULL);
                CREATE INDEX IF NOT EXISTS ix_apscheduler_jobs_next_run_time
                    ON apscheduler_jobs (next_run_time);
                CREATE TABLE IF NOT EXISTS schedule_applied (
                    id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, applied_at TEXT NOT NULL);
                """
            )

    def lookup_job(self, job_id):
        with self._connect() as conn:
            row = conn.execute(
                "SELECT job_state FROM apscheduler_jobs WHERE id = ?", (job_id,)
            ).fetchone()
        return self._reconstitute_job(row[0]) if row else None

    def get_due_jobs(self, now):
        return self._get_jobs("WHERE next_run_time <= ?", (datetime_to_utc_timestamp(now),))

    def get_next_run_time(self):
        with self._connect() as conn:
            row = conn.execute(
                "SELECT next_run_time FROM apscheduler_jobs WHERE next_run_time IS NOT NULL "
                "ORDER BY next_run_time LIMIT 1"
            ).fetchone()
        return utc_timestamp_to_datetime(row[0]) if row else None

    def get_all_jobs(self):
        jobs = self._get_jobs()
        self._fix_paused_jobs_sorting(jobs)
        return jobs

    def add_job(self, job):
        row = (job.id, datetime_to_utc_timestamp(job.next_run_time), self._state(job))
        with self._connect(write=True) as conn:
            try:
                conn.execute("INSERT INTO apscheduler_jobs VALUES (?, ?, ?)", row)
            except sqlite3.IntegrityError:
                raise ConflictingIdError(job.id) from None

    def update_job(self, job):
        row = (datetime_to_utc_timestamp(job.next_run_time), self._state(job), job.id)
        with self._connect(write=True) as conn:
            cursor = conn.execute(
                "UPDATE apscheduler_jobs SET next_run_time = ?, job_state = ? WHERE id = ?", row
            )
            if cursor.rowcount == 0:
                raise JobLookupError(job.id)

    def remove_job(self, job_id):
        with self._connect(write=True) as conn:
            cursor = conn.execute("DELETE FROM apscheduler_jobs WHERE id = ?", (job_id,))
            if cursor.rowcount == 0:
                raise JobLookupError(job_id)

    def remove_all_jobs(self):
        with self._connect(write=True) as conn:
            conn.execute("DELETE FROM apscheduler_jobs")

    def applied(self) -> dict[str, str]:
        """Schedule-file entries applied so far: id -> fingerprint."""
        with self._connect() as conn:
            return dict(conn.execute("SELECT id, fingerprint FROM schedule_applied"))

    def set_applied(self, job_id: str, fingerprint: str | None) -> None:
        with self._connect(write=True) as conn:
            if fingerprint is None:
                conn.execute("DELETE FROM schedule_applied WHERE id = ?", (job_id,))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO schedule_applied VALUES (?, ?, ?)",
                    (job_id, fingerprint, datetime.now().astimezone().isoformat()),
                )

    def _state(self, job: Job) -> bytes:
        return pickle.dumps(job.__getstate__(), self.pickle_protocol)

    def _reconstitute_job(self, job_state: bytes) -> Job:
        state = pickle.loads(job_state)
        state["jobstore"] = self
        job = Job.__new__(Job)
        job.__setstate__(state)
        job._scheduler = self._scheduler
        job._jobstore_alias = self._alias
        return job

    def _get_jobs(self, where: str = "", params: tuple = ()) -> list[Job]:
        jobs, failed = [], []
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT id, job_state FROM apscheduler_jobs {where} ORDER BY next_run_time",
                params,
            ).fetchall()
        for job_id, state in rows:
            try:
                jobs.append(self._reconstitute_job(state))
            except Exception:
                # as SQLAlchemyJobStore does: a job whose function is gone cannot run again
                self._logger.exception("job %r cannot be restored: removing it", job_id)
                failed.append(job_id)
        if failed:
            with self._connect(write=True) as conn:
                conn.executemany(
                    "DELETE FROM apscheduler_jobs WHERE id = ?", [(i,) for i in failed]
                )
        return jobs

    def __repr__(self) -> str:
        return f"<SQLiteJobStore {self.path}>"


# --- the scheduler -----------------------------------------------------------------------


class Scheduler(BackgroundScheduler):
    """APScheduler's background scheduler, less one race on the way out."""

    def _process_jobs(self):
        # APScheduler 3.11 looks for due jobs once more after shutdown() has closed the
        # executors (agronholm/apscheduler#285, #985): a job due then would be handed to a
        # closed pool, fail, and lose its run, where a stopped scheduler must leave it due.
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


class StoreEditor(BaseScheduler):
    """APScheduler's job API over a job store, with no loop: it never runs a job, so the
    commands can read and edit the store while the scheduler process runs."""

    def start(self, paused: bool = True) -> None:
        super().start(paused=True)

    def shutdown(self, wait: bool = False) -> None:
        super().shutdown(wait=False)

    def wakeup(self) -> None:
        pass


def new_scheduler(store: SQLiteJobStore, timezone: str = TIMEZONE) -> Scheduler:
    return Scheduler(
        jobstores={"default": store},
        executors={"default": ThreadPoolExecutor(WORKERS)},
        job_defaults={"max_instances": 1},
        timezone=timezone,
    )


@contextlib.contextmanager
def opened(jobs_path: str | Path, *, create: bool = False) -> Iterator[StoreEditor]:
    """The job store, to read and edit jobs without running any."""
    if not create and not Path(jobs_path).exists():
        raise ScheduleError(
            f"{jobs_path}: no job store yet (govprobe schedule start or add creates it)"
        )
    editor = StoreEditor(jobstores={"default": SQLiteJobStore(jobs_path)}, timezone=TIMEZONE)
    editor.start()
    try:
        yield editor
    finally:
        editor.shutdown()


def put_job(
    scheduler: BaseScheduler,
    spec: JobSpec,
    *,
    schedule: Schedule,
    db_path: str | Path,
    replace: bool = False,
) -> Job:
    options = spec.options(schedule.defaults)
    try:
        return scheduler.add_job(
            KINDS[spec.kind].func_ref,
            trigger=spec.trigger(schedule.timezone, options.jitter),
            id=spec.id,
            name=spec.id,
            kwargs=spec.kwargs(db_path),
            misfire_grace_time=options.misfire_grace_time,
            coalesce=options.coalesce,
            max_instances=1,
            replace_existing=replace,
        )
    except ConflictingIdError:
        raise ScheduleError(f"job {spec.id!r} exists already (remove it, or --replace)") from None


def fingerprint(spec: JobSpec, schedule: Schedule, db_path: str | Path) -> str:
    options = spec.options(schedule.defaults)
    entry = {
        "kind": spec.kind,
        "cron": spec.cron,
        "every": spec.every,
        "kwargs": spec.kwargs(db_path),
        "options": options.model_dump(),
        "timezone": schedule.timezone,
    }
    return hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()[:16]


def apply_schedule(
    scheduler: BaseScheduler, store: SQLiteJobStore, schedule: Schedule, db_path: str | Path
) -> list[str]:
    """Bring the job store up to the schedule file: an entry that is new or changed since it
    was last applied replaces its job; an entry gone from the file removes its job; an
    unchanged entry leaves its job (paused, removed, its next run) as the operator left it.
    Returns what changed, one line each."""
    applied = store.applied()
    changes = []
    for spec in schedule.jobs:
        print_ = fingerprint(spec, schedule, db_path)
        if applied.get(spec.id) == print_:
            continue
        existed = scheduler.get_job(spec.id) is not None
        put_job(scheduler, spec, schedule=schedule, db_path=db_path, replace=True)
        store.set_applied(spec.id, print_)
        changes.append(f"job {spec.id} {'updated' if existed else 'added'} from the schedule file")
    wanted = {spec.id for spec in schedule.jobs}
    for job_id in sorted(set(applied) - wanted):
        if scheduler.get_job(job_id) is not None:
            scheduler.remove_job(job_id)
            changes.append(f"job {job_id} removed: no longer in the schedule file")
        store.set_applied(job_id, None)
    return changes


def describe(job: Job) -> dict:
    """A job as ``list --json`` shows it."""
    trigger = job.trigger
    if isinstance(trigger, CronTrigger):
        fields = {f.name: str(f) for f in trigger.fields}
        when = "cron " + " ".join(
            fields[n] for n in ("minute", "hour", "day", "month", "day_of_week")
        )
    elif isinstance(trigger, IntervalTrigger):
        when = "every " + duration_text(int(trigger.interval_length))
    else:
        when = str(trigger)
    zone = getattr(trigger, "timezone", None)
    return {
        "id": job.id,
        "kind": KIND_OF_REF.get(job.func_ref, job.func_ref),
        "schedule": when,
        "timezone": str(zone) if zone else None,
        "jitter": getattr(trigger, "jitter", None) or 0,
        "next_run": job.next_run_time.isoformat() if job.next_run_time else None,
        "paused": job.next_run_time is None,
        "misfire_grace_time": job.misfire_grace_time,
        "coalesce": job.coalesce,
        "max_instances": job.max_instances,
        "args": dict(job.kwargs),
    }


def duration_text(seconds: int) -> str:
    for unit in ("w", "d", "h", "m"):
        if seconds % DURATION_S[unit] == 0:
            return f"{seconds // DURATION_S[unit]}{unit}"
    return f"{seconds}s"


def list_jobs(jobs_path: str | Path) -> list[dict]:
    with opened(jobs_path) as scheduler:
        return [describe(job) for job in scheduler.get_jobs()]


def _job(scheduler: BaseScheduler, jobs_path: str | Path, job_id: str) -> Job:
    job = scheduler.get_job(job_id)
    if job is None:
        known = ", ".join(j.id for j in scheduler.get_jobs()) or "none"
        raise ScheduleError(f"{jobs_path}: no job {job_id!r} (jobs: {known})")
    return job


def add_job(
    jobs_path: str | Path,
    spec: JobSpec,
    *,
    schedule: Schedule,
    db_path: str | Path = DB_PATH,
    replace: bool = False,
) -> dict:
    with opened(jobs_path, create=True) as scheduler:
        return describe(
            put_job(scheduler, spec, schedule=schedule, db_path=db_path, replace=replace)
        )


def remove_job(jobs_path: str | Path, job_id: str) -> None:
    with opened(jobs_path) as scheduler:
        _job(scheduler, jobs_path, job_id)
        scheduler.remove_job(job_id)


def pause_job(jobs_path: str | Path, job_id: str) -> dict:
    with opened(jobs_path) as scheduler:
        _job(scheduler, jobs_path, job_id)
        return describe(scheduler.pause_job(job_id))


def resume_job(jobs_path: str | Path, job_id: str) -> dict:
    with opened(jobs_path) as scheduler:
        _job(scheduler, jobs_path, job_id)
        job = scheduler.resume_job(job_id)
        if job is None:
            raise ScheduleError(f"job {job_id!r} had no run left and was removed")
        return describe(job)


def run_now(jobs_path: str | Path, job_id: str) -> dict:
    """Make the job due now: the running scheduler runs it once at its next wake-up (still one
    instance at a time), then the job keeps its schedule."""
    with opened(jobs_path) as scheduler:
        job = _job(scheduler, jobs_path, job_id)
        if job.next_run_time is None:
            raise ScheduleError(f"job {job_id!r} is paused: resume it first")
        now = datetime.now(job.trigger.timezone)
        return describe(scheduler.modify_job(job_id, next_run_time=now))


@contextlib.contextmanager
def exclusive(jobs_path: str | Path) -> Iterator[None]:
    """One scheduler per job store: a lock file beside it, released when the process ends."""
    lock_path = Path(f"{jobs_path}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "?"
            raise ScheduleError(
                f"{jobs_path}: a scheduler is already running on it (pid {holder})"
            ) from None
        lock.truncate(0)
        lock.write(str(os.getpid()))
        lock.flush()
        try:
            yield
        finally:
            lock.truncate(0)
            fcntl.flock(lock, fcntl.LOCK_UN)


def serve(
    *,
    stop: threading.Event,
    jobs_path: str | Path = JOBS_PATH,
    config_path: str | Path = SCHEDULE_PATH,
    db_path: str | Path = DB_PATH,
    wakeup: float = WAKEUP_S,
) -> None:
    """Run the scheduler until ``stop`` is set, then let the running jobs finish."""
    schedule = load_schedule(config_path)
    with exclusive(jobs_path):
        store = SQLiteJobStore(jobs_path)
        scheduler = new_scheduler(store, schedule.timezone)
        running: Counter[str] = Counter()

        def track(event) -> None:
            running[event.job_id] += 1 if event.code == EVENT_JOB_SUBMITTED else -1

        scheduler.add_listener(track, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        scheduler.start(paused=True)
        try:
            for change in apply_schedule(scheduler, store, schedule, db_path):
                log.info("%s", change)
            jobs = scheduler.get_jobs()
            for job in jobs:
                d = describe(job)
                log.info(
                    "job %s: %s, %s, next run %s",
                    d["id"],
                    d["kind"],
                    d["schedule"],
                    d["next_run"] or "none (paused)",
                )
            scheduler.resume()
            log.info(
                "scheduler started: pid %d, %d jobs in %s, schedule %s",
                os.getpid(),
                len(jobs),
                jobs_path,
                config_path,
            )
            # other commands edit the job store from their own processes: look again regularly
            while not stop.wait(wakeup):
                scheduler.wakeup()
            scheduler.pause()
            busy = sorted(job_id for job_id, n in running.items() if n > 0)
            log.info("stopping: waiting for running jobs to finish: %s", ", ".join(busy) or "none")
        finally:
            scheduler.shutdown(wait=True)
    log.info("scheduler stopped cleanly")


# --- the command ---------------------------------------------------------------------------


def jobs_option(f: Callable) -> Callable:
    return click.option(
        "--jobs",
        "jobs_path",
        default=str(JOBS_PATH),
        show_default=True,
        help="The scheduler's own SQLite job store.",
    )(f)


def db_option(f: Callable) -> Callable:
    return click.option(
        "--db",
        "db_path",
        default=str(DB_PATH),
        show_default=True,
        help="The database the jobs write to, where their arguments do not say.",
    )(f)


def config_option(f: Callable) -> Callable:
    return click.option(
        "--config",
        "config_path",
        default=str(SCHEDULE_PATH),
        help="The schedule file (default: scenarios/schedule.yaml).",
    )(f)


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except (DataFileError, ValueError, OSError, sqlite3.Error) as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def schedule() -> None:
    """The scheduler: guide rounds, reply polls and health checks on a schedule."""


@schedule.command("start")
@db_option
@jobs_option
@config_option
@click.option(
    "--wakeup",
    default=WAKEUP_S,
    show_default=True,
    type=click.FloatRange(min=0.05),
    help="Seconds between looks at the job store for changes made by other commands.",
)
def start_command(db_path: str, jobs_path: str, config_path: str, wakeup: float) -> None:
    """Run the scheduler until SIGTERM or SIGINT (the running jobs then finish)."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        force=True,
    )
    stop = threading.Event()

    def on_signal(signum, frame) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            log.warning("%s received again: still waiting for the running jobs", name)
        else:
            log.info("%s received: stopping once the running jobs finish", name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    with _errors():
        serve(
            stop=stop, jobs_path=jobs_path, config_path=config_path, db_path=db_path, wakeup=wakeup
        )


@schedule.command("list")
@jobs_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def list_command(jobs_path: str, as_json: bool) -> None:
    """The jobs, with their schedule, next run and arguments."""
    with _errors():
        jobs = list_jobs(jobs_path)
    if as_json:
        click.echo(json.dumps({"jobs": jobs}, ensure_ascii=False))
        return
    for j in jobs:
        next_run = j["next_run"] or "paused"
        args = json.dumps(j["args"], ensure_ascii=False)
        click.echo(f"{j['id']}\t{j['kind']}\t{j['schedule']}\tnext {next_run}\t{args}")
    if not jobs:
        click.echo("no jobs", err=True)


def _arg(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise click.BadParameter(f"{text!r}: say KEY=VALUE, e.g. cities=[广州, 深圳]")
    return key.strip(), yaml.safe_load(value) if value.strip() else ""


@schedule.command("add")
@click.argument("job_id")
@click.option("--kind", required=True, type=click.Choice(list(KINDS)))
@click.option("--cron", help="A crontab line in China time, e.g. '0 1 * * sun'.")
@click.option("--every", help="An interval: 90s, 30m, 2h, 1d, 1w.")
@click.option(
    "--arg",
    "args",
    multiple=True,
    help="KEY=VALUE, an argument of the kind's function (value read as YAML); repeatable.",
)
@click.option("--jitter", type=click.IntRange(min=0), help="Random delay, seconds at most.")
@click.option("--misfire-grace", type=click.IntRange(min=1), help="Seconds a late run may be.")
@click.option("--coalesce/--no-coalesce", default=None, help="Run missed runs once.")
@click.option("--replace", is_flag=True, help="Replace a job with this id.")
@db_option
@jobs_option
@config_option
def add_command(
    job_id: str,
    kind: str,
    cron: str | None,
    every: str | None,
    args: tuple[str, ...],
    jitter: int | None,
    misfire_grace: int | None,
    coalesce: bool | None,
    replace: bool,
    db_path: str,
    jobs_path: str,
    config_path: str,
) -> None:
    """Add a job (checked as a schedule-file entry would be, with the file's defaults)."""
    entry = {
        "id": job_id,
        "kind": kind,
        "cron": cron,
        "every": every,
        "args": dict(_arg(a) for a in args),
        "jitter": jitter,
        "misfire_grace_time": misfire_grace,
        "coalesce": coalesce,
    }
    with _errors():
        config = load_schedule(config_path)
        try:
            spec = JobSpec.model_validate(entry)
        except ValidationError as exc:
            raise ScheduleError(format_validation_error("schedule add", exc)) from None
        job = add_job(jobs_path, spec, schedule=config, db_path=db_path, replace=replace)
    click.echo(f"{job['id']}: next run {job['next_run']}")


@schedule.command("remove")
@click.argument("job_id")
@jobs_option
def remove_command(job_id: str, jobs_path: str) -> None:
    """Remove a job (a schedule-file entry comes back only when it changes)."""
    with _errors():
        remove_job(jobs_path, job_id)
    click.echo(f"{job_id}: removed")


@schedule.command("pause")
@click.argument("job_id")
@jobs_option
def pause_command(job_id: str, jobs_path: str) -> None:
    """Pause a job: it keeps its place but does not run."""
    with _errors():
        pause_job(jobs_path, job_id)
    click.echo(f"{job_id}: paused")


@schedule.command("resume")
@click.argument("job_id")
@jobs_option
def resume_command(job_id: str, jobs_path: str) -> None:
    """Resume a paused job from its next scheduled time."""
    with _errors():
        job = resume_job(jobs_path, job_id)
    click.echo(f"{job_id}: next run {job['next_run']}")


@schedule.command("run-now")
@click.argument("job_id")
@jobs_option
def run_now_command(job_id: str, jobs_path: str) -> None:
    """Run a job once now (in the running scheduler, at its next wake-up)."""
    with _errors():
        run_now(jobs_path, job_id)
    click.echo(f"{job_id}: due now; the running scheduler starts it at its next wake-up")


if __name__ == "__main__":
    schedule()
