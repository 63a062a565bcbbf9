"""The scheduler: step 1 of the data flow (README, "Architecture"), as its own process.

``govprobe schedule start`` runs APScheduler 3 with its jobs in APScheduler's own
``SQLAlchemyJobStore`` on the scheduler's SQLite database (``results/schedule.db``, apart from
the evidence database; WAL mode, set by an engine ``connect`` event: ``probes/store/
schedule_db.py``), so a restart keeps every job, its pause and its next run time. The scheduler
only wires things together: each job calls the library function that the matching command
calls, with plain JSON-able keyword arguments:

    kind     job function     calls                                  as the command
    guides   guides_job       probes.app.guides.run_guides           govprobe run
    poll     poll_job         probes.app.consult.consult_poll        govprobe poll
    checks   checks_job       probes.app.health.check_portals        govprobe check
    touch    touch_job        (itself: a heartbeat file)             -

``scenarios/schedule.yaml`` holds the default jobs (read by ``load_schedule``, a bad file fails
naming the file and the key). ``start`` applies an entry when it is new or has changed since
the last start, so what ``pause`` or ``remove`` did to a job holds until its entry changes; an
entry dropped from the file drops its job. ``add`` puts in a job the file does not have.

Every job runs at most one instance at a time, with a misfire grace time (a run the scheduler
missed while it was down still happens if it is late by less than that), coalescing (several
missed runs happen once) and jitter (a random delay, so rounds do not start on the hour).

**One writer of the job store.** Only one scheduler runs on a job store (a lock file beside it,
holding its pid), and while it runs nothing else writes the store: APScheduler's maintainer
says never to open a store with a second scheduler while one runs, because the live one writes
each job's whole state back after a run is due, and a pause made between its read and its write
is lost. The other commands (``add``, ``remove``, ``pause``, ``resume``, ``run-now``) therefore
*ask* the running scheduler: they write a row to ``schedule_commands`` in the same database, the
scheduler polls that table every ``--wakeup`` seconds, claims the row, applies it with its own
API (``apply_command``, under APScheduler's job-store lock, so never between its read and its
write) and marks it done with the result (the job as it now is, or why it refused). The command
line waits for that answer up to ``--timeout`` seconds and, if none comes, withdraws its row
(an expired command is never applied later) and says so in Chinese. A command table rather than
a loopback endpoint: it needs no port, no token and no server thread, works for whoever can
write the job store's folder (the same people who could edit the store before), and leaves a
record of who asked what and when. When no scheduler runs, the command takes the lock itself
and edits the store with a scheduler of its own that never runs a job (``StoreEditor``):
nothing live to conflict with, and no scheduler can start meanwhile. ``list`` only reads.

**Run history.** A listener writes each run to ``job_runs`` in the evidence database (``--db``;
``probes/store/jobs.py``): started, then ok or failed, with the round it made and its counts, or
skipped (the job was still running) or missed (later than its grace time). After a run's end is
written, ``on_job_result(run)`` calls every function in ``RESULT_HOOKS`` with the row: alerts
attach there, without touching the listener. A hook that raises is logged and the others run.

SIGTERM or SIGINT stops the scheduler cleanly: no job starts any more, the commands are still
answered, the running jobs finish, then the process exits 0. Logs go to stderr, one plain line
each, or one JSON object each with ``--log-format json`` (``probes/schedule/logs.py``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import ConflictingIdError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from probes import store
from probes.schedule.file import JobSpec, Schedule, load_schedule
from probes.schedule.file import schedule_path as default_schedule
from probes.schedule.jobs import KIND_OF_REF, KINDS, ScheduleError
from probes.settings import (
    DEFAULT_DB,
    JOBS_DB,
    SCHEDULER_COMMAND_TIMEOUT_S,
    SCHEDULER_WAKEUP_S,
    TIMEZONE,
)
from probes.store import schedule_db
from probes.text import duration_text

log = logging.getLogger("probes.schedule")


WAKEUP_S = SCHEDULER_WAKEUP_S  # seconds between the running scheduler's looks at the commands

COMMAND_TIMEOUT_S = SCHEDULER_COMMAND_TIMEOUT_S  # how long a command waits for its answer


LOCK_WAIT_S = 3.0  # how long to wait for a lock another command holds for a moment


# enough for a guide round, a poll and a health check at once; a job never runs twice at once
WORKERS = 4


ACTIONS = ("add", "remove", "pause", "resume", "run-now")


RESULT_HOOKS: list[Callable[[dict], None]] = []


def on_job_result(run: dict) -> None:
    """A run ended (its ``job_runs`` row, written, with ``db_path``: the database it is in,
    where a hook reads the run's round): call each hook of ``RESULT_HOOKS``."""
    for hook in list(RESULT_HOOKS):
        try:
            hook(run)
        except Exception:
            log.exception(
                "result hook %r failed on job %s",
                hook,
                run.get("job_id"),
                extra={"event": "hook_failed", "job": run.get("job_id")},
            )


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
    """APScheduler's job API over a job store, with no loop: it never runs a job. Used to
    read the store, and to edit it while no scheduler runs (the command holds the lock)."""

    def start(self, paused: bool = True) -> None:
        super().start(paused=True)

    def shutdown(self, wait: bool = False) -> None:
        super().shutdown(wait=False)

    def wakeup(self) -> None:
        pass


def new_scheduler(engine: Engine, timezone: str = TIMEZONE) -> Scheduler:
    return Scheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine)},
        executors={"default": ThreadPoolExecutor(WORKERS)},
        job_defaults={"max_instances": 1},
        timezone=timezone,
    )


@contextlib.contextmanager
def opened(jobs_path: str | Path, *, create: bool = False) -> Iterator[StoreEditor]:
    """The job store under a scheduler that runs nothing: to read it, or to edit it when no
    scheduler runs (``command`` makes sure of that)."""
    if not create and not Path(jobs_path).exists():
        raise ScheduleError(
            f"{jobs_path}：还没有作业库（govprobe schedule start 或 schedule add 会创建它）"
        )
    engine = schedule_db.schedule_engine(jobs_path)
    editor = StoreEditor(
        jobstores={"default": SQLAlchemyJobStore(engine=engine)}, timezone=TIMEZONE
    )
    editor.start()
    try:
        yield editor
    finally:
        editor.shutdown()
        engine.dispose()


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
        raise ScheduleError(f"作业 {spec.id!r} 已存在（先 remove，或加 --replace）") from None


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
    scheduler: BaseScheduler, engine: Engine, schedule: Schedule, db_path: str | Path
) -> list[str]:
    """Bring the job store up to the schedule file: an entry that is new or changed since it
    was last applied replaces its job; an entry gone from the file removes its job; an
    unchanged entry leaves its job (paused, removed, its next run) as the operator left it.
    Returns what changed, one line each."""
    applied = schedule_db.applied(engine)
    changes = []
    for spec in schedule.jobs:
        print_ = fingerprint(spec, schedule, db_path)
        if applied.get(spec.id) == print_:
            continue
        existed = scheduler.get_job(spec.id) is not None
        put_job(scheduler, spec, schedule=schedule, db_path=db_path, replace=True)
        schedule_db.set_applied(engine, spec.id, print_)
        changes.append(f"job {spec.id} {'updated' if existed else 'added'} from the schedule file")
    wanted = {spec.id for spec in schedule.jobs}
    for job_id in sorted(set(applied) - wanted):
        if scheduler.get_job(job_id) is not None:
            scheduler.remove_job(job_id)
            changes.append(f"job {job_id} removed: no longer in the schedule file")
        schedule_db.set_applied(engine, job_id, None)
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


def list_jobs(jobs_path: str | Path, db_path: str | Path | None = None) -> list[dict]:
    """Every job with its next run and, from the run history in ``db_path``, its last run."""
    with opened(jobs_path) as scheduler:
        jobs = [describe(job) for job in scheduler.get_jobs()]
    last: dict[str, dict] = {}
    if db_path is not None and Path(db_path).is_file():
        with store.open_db(db_path, create=False) as db:
            last = store.last_job_runs(db)
    return [job | {"last_run": last.get(job["id"])} for job in jobs]


def _job(scheduler: BaseScheduler, job_id: str) -> Job:
    job = scheduler.get_job(job_id)
    if job is None:
        known = ", ".join(j.id for j in scheduler.get_jobs()) or "无"
        raise ScheduleError(f"没有作业 {job_id!r}（现有作业：{known}）")
    return job


def add_payload(
    spec: JobSpec, schedule: Schedule, db_path: str | Path, *, replace: bool = False
) -> dict:
    """What ``add`` sends: the entry, the schedule file's time zone and defaults, ``--db``."""
    return {
        "entry": spec.model_dump(mode="json", exclude_unset=True),
        "timezone": schedule.timezone,
        "defaults": schedule.defaults.model_dump(),
        "db_path": str(db_path),
        "replace": replace,
    }


def apply_command(
    scheduler: BaseScheduler, action: str, job_id: str | None, payload: dict[str, Any]
) -> dict:
    """One command, with the scheduler's own API (the live one, or a ``StoreEditor`` when none
    runs); returns the job as it now is. A refusal raises ``ScheduleError``, said in Chinese."""
    if action == "add":
        schedule = Schedule.model_validate(
            {"timezone": payload["timezone"], "defaults": payload["defaults"]}
        )
        spec = JobSpec.model_validate(payload["entry"])
        job = put_job(
            scheduler,
            spec,
            schedule=schedule,
            db_path=payload["db_path"],
            replace=bool(payload.get("replace")),
        )
        return describe(job)
    if action not in ACTIONS:
        raise ScheduleError(f"未知的命令 {action!r}（可用：{'、'.join(ACTIONS)}）")
    job = _job(scheduler, job_id)
    if action == "remove":
        scheduler.remove_job(job_id)
        return describe(job) | {"removed": True}
    if action == "pause":
        return describe(scheduler.pause_job(job_id))
    if action == "resume":
        resumed = scheduler.resume_job(job_id)
        if resumed is None:
            raise ScheduleError(f"作业 {job_id!r} 已没有下一次运行，已被删除")
        return describe(resumed)
    # run-now: due now; a live scheduler wakes up and starts it (still one instance at a time)
    if job.next_run_time is None:
        raise ScheduleError(f"作业 {job_id!r} 已暂停：请先 resume")
    now = datetime.now(job.trigger.timezone)
    return describe(scheduler.modify_job(job_id, next_run_time=now))


@dataclass(frozen=True)
class Answer:
    """What a command did: the job as it now is, and who did it: the running scheduler's pid,
    or None when no scheduler ran and the command edited the store itself."""

    job: dict
    scheduler_pid: int | None


def command(
    jobs_path: str | Path,
    action: str,
    job_id: str | None,
    payload: dict[str, Any] | None = None,
    *,
    timeout: float = COMMAND_TIMEOUT_S,
) -> Answer:
    """Ask the running scheduler to do ``action`` and wait for its answer; with no scheduler
    running, do it on the store directly (holding the lock, so none starts meanwhile)."""
    payload = payload or {}
    with _editing_lock(jobs_path) as holder:
        if holder is None:
            with opened(jobs_path, create=action == "add") as editor:
                try:
                    return Answer(apply_command(editor, action, job_id, payload), None)
                except ScheduleError as exc:
                    raise ScheduleError(f"{jobs_path}：{exc}") from None
    return _ask(jobs_path, holder, action, job_id, payload, timeout)


def _ask(
    jobs_path: str | Path,
    pid: int,
    action: str,
    job_id: str | None,
    payload: dict[str, Any],
    timeout: float,
) -> Answer:
    engine = schedule_db.schedule_engine(jobs_path)
    try:
        command_id = schedule_db.post_command(engine, action, job_id, payload)
        deadline = time.monotonic() + timeout
        row = schedule_db.command(engine, command_id)
        while row["status"] in ("pending", "taken"):
            if time.monotonic() >= deadline:
                if schedule_db.expire_command(engine, command_id):  # no scheduler took it
                    raise ScheduleError(
                        f"{jobs_path}：调度器（pid {pid}）在 {timeout:g} 秒内没有应答命令"
                        f" #{command_id}（{action} {job_id or ''}），已撤回该命令，作业未改动。"
                        "调度器可能正在停止或已失去响应：请查看它的日志。"
                    )
                if not _pid_alive(pid):
                    raise ScheduleError(
                        f"{jobs_path}：调度器（pid {pid}）在执行命令 #{command_id} 时退出，"
                        "结果未知：请用 govprobe schedule list 查看"
                    )
                deadline = time.monotonic() + timeout  # taken: being applied, its answer comes
            time.sleep(0.05)
            row = schedule_db.command(engine, command_id)
    finally:
        engine.dispose()
    if row["status"] != "done":
        raise ScheduleError(f"{jobs_path}：{row['result']}")
    return Answer(row["result"], pid)


def answer_commands(scheduler: BaseScheduler, engine: Engine) -> int:
    """Apply the pending commands (the running scheduler's side); returns how many."""
    answered = 0
    for cmd in schedule_db.pending_commands(engine):
        if not schedule_db.claim_command(engine, cmd["id"]):
            continue  # withdrawn by its command line, which stopped waiting
        job_id, action = cmd["job_id"], cmd["action"]
        try:
            result: Any = apply_command(scheduler, action, job_id, cmd["payload"])
            status = "done"
        except (ScheduleError, ValueError) as exc:  # a pydantic ValidationError is a ValueError
            status, result = "refused", str(exc)
        except Exception as exc:
            log.exception("command #%d (%s %s) failed", cmd["id"], action, job_id)
            status, result = "refused", f"调度器执行命令时出错：{type(exc).__name__}: {exc}"
        schedule_db.answer_command(engine, cmd["id"], status, result)
        answered += 1
        log.info(
            "command #%d from pid %s: %s %s: %s",
            cmd["id"],
            cmd["requested_pid"],
            action,
            job_id,
            status if status == "done" else f"{status}: {result}",
            extra={"event": "command", "job": job_id},
        )
    return answered


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_path(jobs_path: str | Path) -> Path:
    path = Path(f"{jobs_path}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _editing_lock(jobs_path: str | Path) -> Iterator[int | None]:
    """The lock for a command: None while this process holds it (no scheduler runs), or the
    pid of the scheduler that holds it. Another command's edit holds it a moment: wait."""
    deadline = time.monotonic() + LOCK_WAIT_S
    with _lock_path(jobs_path).open("a+") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.seek(0)
                holder = lock.read().strip()
                if holder.isdigit() and _pid_alive(int(holder)):
                    yield int(holder)
                    return
                if time.monotonic() >= deadline:
                    raise ScheduleError(
                        f"{jobs_path}：作业库正被另一个命令修改，{LOCK_WAIT_S:g} 秒后仍未释放"
                    ) from None
                time.sleep(0.05)
                continue
            try:
                yield None
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
            return


@contextlib.contextmanager
def exclusive(jobs_path: str | Path) -> Iterator[None]:
    """One scheduler per job store: a lock file beside it, holding its pid, released when the
    process ends. A command's edit holds the lock for a moment: wait for it."""
    deadline = time.monotonic() + LOCK_WAIT_S
    with _lock_path(jobs_path).open("a+") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                lock.seek(0)
                holder = lock.read().strip()
                if (holder.isdigit() and _pid_alive(int(holder))) or time.monotonic() > deadline:
                    raise ScheduleError(
                        f"{jobs_path}: a scheduler is already running on it (pid {holder or '?'})"
                    ) from None
                time.sleep(0.05)
        lock.truncate(0)
        lock.write(str(os.getpid()))
        lock.flush()
        try:
            yield
        finally:
            lock.truncate(0)
            fcntl.flock(lock, fcntl.LOCK_UN)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class RunHistory:
    """The scheduler's listener: each run into ``job_runs`` (``db_path``), its start and then
    its end, and ``on_job_result`` with the row once it has ended."""

    MASK = (
        EVENT_JOB_SUBMITTED
        | EVENT_JOB_EXECUTED
        | EVENT_JOB_ERROR
        | EVENT_JOB_MISSED
        | EVENT_JOB_MAX_INSTANCES
    )

    def __init__(self, scheduler: BaseScheduler, db_path: str | Path):
        self.scheduler = scheduler
        self.db_path = db_path
        self.pid = os.getpid()
        self._kinds: dict[str, str] = {}
        self._running: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def busy(self) -> list[str]:
        """The jobs running now."""
        with self._lock:
            return sorted({job_id for (job_id, _), n in self._running.items() if n > 0})

    def interrupted(self, job_ids: list[str]) -> int:
        """Runs an earlier scheduler on this store left ``running``: it ended without them."""
        with store.open_db(self.db_path) as db:
            return store.interrupt_job_runs(db, job_ids)

    def __call__(self, event) -> None:
        try:
            self._record(event)
        except Exception:  # the history must never stop the scheduler
            log.exception("run history: could not record an event of job %s", event.job_id)

    def _kind(self, job_id: str) -> str:
        job = self.scheduler.get_job(job_id)
        if job is not None:
            self._kinds[job_id] = KIND_OF_REF.get(job.func_ref, job.func_ref)
        return self._kinds.get(job_id, "unknown")

    def _record(self, event) -> None:
        job_id = event.job_id
        kind = self._kind(job_id)
        if event.code in (EVENT_JOB_SUBMITTED, EVENT_JOB_MAX_INSTANCES):
            for moment in event.scheduled_run_times:
                if event.code == EVENT_JOB_SUBMITTED:
                    with self._lock:
                        self._running[(job_id, _utc(moment))] += 1
                    with store.open_db(self.db_path) as db:
                        store.job_run_started(
                            db, job_id=job_id, kind=kind, scheduled_at=_utc(moment), pid=self.pid
                        )
                    log.info(
                        "job %s started (due %s)",
                        job_id,
                        moment.isoformat(),
                        extra={"event": "job_started", "job": job_id},
                    )
                else:
                    self._ended(job_id, kind, moment, "skipped")
            return
        with self._lock:
            self._running[(job_id, _utc(event.scheduled_run_time))] -= 1
        if event.code == EVENT_JOB_MISSED:
            self._ended(job_id, kind, event.scheduled_run_time, "missed")
        elif event.code == EVENT_JOB_ERROR:
            error = f"{type(event.exception).__name__}: {event.exception}"
            self._ended(job_id, kind, event.scheduled_run_time, "failed", error=error)
        else:
            retval = event.retval if isinstance(event.retval, dict) else {}
            self._ended(
                job_id,
                kind,
                event.scheduled_run_time,
                "ok",
                round_id=retval.get("round"),
                counts=retval.get("counts") or {},
            )

    def _ended(self, job_id: str, kind: str, moment: datetime, outcome: str, **facts) -> None:
        with store.open_db(self.db_path) as db:
            run = store.job_run_ended(
                db,
                job_id=job_id,
                kind=kind,
                scheduled_at=_utc(moment),
                outcome=outcome,
                pid=self.pid,
                **facts,
            )
        level, event, said = _RUN_ENDS[outcome]
        log.log(
            level,
            "job %s %s (due %s)%s",
            job_id,
            said,
            moment.isoformat(),
            f": {run['error']}" if run["error"] else "",
            extra={"event": event, "job": job_id, "round": run["round_id"]},
        )
        # the hooks read the run's round where the run is kept (alert_job_result would
        # otherwise look in the default database, which a --db elsewhere is not)
        on_job_result({**run, "db_path": str(self.db_path)})


# how a run's end is logged: level, event, words
_RUN_ENDS = {
    "ok": (logging.INFO, "job_finished", "finished"),
    "failed": (logging.ERROR, "job_failed", "failed"),
    "skipped": (logging.WARNING, "job_skipped", "skipped: its last run is still going"),
    "missed": (logging.WARNING, "job_missed", "missed: later than its grace time"),
}


def serve(
    *,
    stop: threading.Event,
    jobs_path: str | Path = JOBS_DB,
    schedule_path: str | Path | None = None,
    db_path: str | Path = DEFAULT_DB,
    wakeup: float = WAKEUP_S,
) -> None:
    """Run the scheduler until ``stop`` is set, then let the running jobs finish."""
    schedule_path = schedule_path or default_schedule()
    schedule = load_schedule(schedule_path)
    started_at = store.now_iso()
    with exclusive(jobs_path):
        engine = schedule_db.schedule_engine(jobs_path)
        stale = schedule_db.expire_pending(
            engine, "调度器重新启动前提出的命令，未执行", before=started_at
        )
        scheduler = new_scheduler(engine, schedule.timezone)
        history = RunHistory(scheduler, db_path)
        scheduler.add_listener(history, RunHistory.MASK)
        scheduler.start(paused=True)
        try:
            for change in apply_schedule(scheduler, engine, schedule, db_path):
                log.info("%s", change, extra={"event": "schedule_applied"})
            jobs = scheduler.get_jobs()
            interrupted = history.interrupted([job.id for job in jobs])
            if interrupted or stale:
                log.warning(
                    "an earlier scheduler ended uncleanly: %d runs marked interrupted,"
                    " %d unanswered commands expired",
                    interrupted,
                    stale,
                    extra={"event": "recovered"},
                )
            for job in jobs:
                d = describe(job)
                log.info(
                    "job %s: %s, %s, next run %s",
                    d["id"],
                    d["kind"],
                    d["schedule"],
                    d["next_run"] or "none (paused)",
                    extra={"event": "job_loaded", "job": d["id"]},
                )
            scheduler.resume()
            log.info(
                "scheduler started: pid %d, %d jobs in %s, schedule %s",
                os.getpid(),
                len(jobs),
                jobs_path,
                schedule_path,
                extra={"event": "scheduler_started"},
            )
            while not stop.wait(wakeup):
                answer_commands(scheduler, engine)
            scheduler.pause()
            log.info(
                "stopping: waiting for running jobs to finish: %s",
                ", ".join(history.busy()) or "none",
                extra={"event": "stopping"},
            )
            # still answered while the running jobs finish: a paused scheduler starts nothing
            while history.busy():
                answer_commands(scheduler, engine)
                time.sleep(wakeup)
        finally:
            scheduler.shutdown(wait=True)
            engine.dispose()
    log.info("scheduler stopped cleanly", extra={"event": "scheduler_stopped"})
