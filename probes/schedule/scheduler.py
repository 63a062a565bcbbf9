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
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore, ConflictingIdError, JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import datetime_to_utc_timestamp, utc_timestamp_to_datetime

from probes.schedule.file import SCHEDULE_PATH, JobSpec, Schedule, load_schedule
from probes.schedule.jobs import KIND_OF_REF, KINDS, ScheduleError
from probes.settings import DEFAULT_DB, JOBS_DB, TIMEZONE
from probes.text import duration_text

log = logging.getLogger("probes.schedule")


WAKEUP_S = 10.0


# enough for a guide round, a poll and a health check at once; a job never runs twice at once
WORKERS = 4


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
    db_path: str | Path = DEFAULT_DB,
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
    jobs_path: str | Path = JOBS_DB,
    config_path: str | Path = SCHEDULE_PATH,
    db_path: str | Path = DEFAULT_DB,
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
