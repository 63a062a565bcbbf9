"""``govprobe schedule``: start the scheduler, list, add, pause, resume and run its jobs."""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

import click
import yaml
from pydantic import ValidationError

from probes.cli.options import alert_options, db_option, jobs_option, schedule_option
from probes.plan.datafiles import DataFileError, format_validation_error
from probes.schedule.file import JobSpec, load_schedule
from probes.schedule.jobs import KINDS, ScheduleError
from probes.settings import SCHEDULER_COMMAND_TIMEOUT_S as COMMAND_TIMEOUT_S
from probes.settings import SCHEDULER_WAKEUP_S as WAKEUP_S
from probes.text import beijing

log = logging.getLogger("probes.schedule")


def _logs():
    from probes.schedule import logs

    return logs


def _scheduler():
    """The scheduler's module, imported when a command needs it (it loads SQLAlchemy and
    APScheduler: every other govprobe command starts without them)."""
    from probes.schedule import scheduler

    return scheduler


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    import sqlalchemy.exc

    try:
        yield
    except (
        DataFileError,
        ValueError,
        OSError,
        sqlite3.Error,
        sqlalchemy.exc.SQLAlchemyError,
    ) as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def schedule() -> None:
    """The scheduler: guide rounds, reply polls and health checks on a schedule."""


def timeout_option(f):
    return click.option(
        "--timeout",
        default=COMMAND_TIMEOUT_S,
        show_default=True,
        type=click.FloatRange(min=0.1),
        help="Seconds to wait for the running scheduler to answer.",
    )(f)


def _done(job_id: str, answer, what: str) -> None:
    """One line: what was done, and by whom (the running scheduler, or the command itself)."""
    if answer.scheduler_pid is None:
        by = "没有调度器在运行，已直接修改作业库"
    else:
        by = f"由运行中的调度器（pid {answer.scheduler_pid}）执行"
    click.echo(f"{job_id}：{what}（{by}）")


def _next(job: dict) -> str:
    return f"下次运行 {beijing(job['next_run'], seconds=True)}" if job["next_run"] else "已暂停"


@schedule.command("start")
@db_option(
    help="The database the jobs write to, where their arguments do not say, and the run history."
)
@jobs_option
@schedule_option
@click.option(
    "--wakeup",
    default=WAKEUP_S,
    show_default=True,
    type=click.FloatRange(min=0.05),
    help="Seconds between looks at the command table (what list/add/pause/... ask).",
)
@click.option(
    "--log-format",
    type=click.Choice(["plain", "json"]),
    default="plain",
    show_default=True,
    help="plain: one line per event; json: one JSON object per line.",
)
@alert_options
def start_command(
    db_path: str, jobs_path: str, schedule_path: str, wakeup: float, log_format: str,
    alert_urls: tuple[str, ...], alert_probe_errors,
) -> None:  # fmt: skip
    """Run the scheduler until SIGTERM or SIGINT (the running jobs then finish); with
    ``--alert``, each run that fails, is missed or is cut short, and what each round found
    (regressions held, portals down, logins expired, too many probe errors), is sent there."""
    _logs().configure_logging(log_format)
    if alert_urls:
        from functools import partial

        from probes.alert import alert_job_result
        from probes.schedule.scheduler import RESULT_HOOKS

        RESULT_HOOKS.append(
            partial(_alert, alert_job_result, urls=alert_urls, limit=alert_probe_errors)
        )
    stop = threading.Event()

    def on_signal(signum, frame) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            log.warning(
                "%s received again: still waiting for the running jobs",
                name,
                extra={"event": "signal"},
            )
        else:
            log.info(
                "%s received: stopping once the running jobs finish",
                name,
                extra={"event": "signal"},
            )
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    with _errors():
        _scheduler().serve(
            stop=stop,
            jobs_path=jobs_path,
            schedule_path=schedule_path,
            db_path=db_path,
            wakeup=wakeup,
        )


@schedule.command("list")
@jobs_option
@db_option(help="The database holding the run history (job_runs).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def list_command(jobs_path: str, db_path: str, as_json: bool) -> None:
    """The jobs: their schedule, next run and last run's result (read only)."""
    from probes.cli.console import print_jobs

    with _errors():
        jobs = _scheduler().list_jobs(jobs_path, db_path)
    if as_json:
        click.echo(json.dumps({"jobs": jobs}, ensure_ascii=False))
        return
    if not jobs:
        click.echo("没有作业", err=True)
        return
    print_jobs(jobs)


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
@db_option(help="The database the jobs write to, where their arguments do not say.")
@jobs_option
@schedule_option
@timeout_option
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
    schedule_path: str,
    timeout: float,
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
        config = load_schedule(schedule_path)
        try:
            spec = JobSpec.model_validate(entry)
        except ValidationError as exc:
            raise ScheduleError(format_validation_error("schedule add", exc)) from None
        payload = _scheduler().add_payload(spec, config, db_path, replace=replace)
        answer = _scheduler().command(jobs_path, "add", job_id, payload, timeout=timeout)
    _done(job_id, answer, f"已添加，{_next(answer.job)}")


@schedule.command("remove")
@click.argument("job_id")
@jobs_option
@timeout_option
def remove_command(job_id: str, jobs_path: str, timeout: float) -> None:
    """Remove a job (a schedule-file entry comes back only when it changes)."""
    with _errors():
        answer = _scheduler().command(jobs_path, "remove", job_id, timeout=timeout)
    _done(job_id, answer, "已删除")


@schedule.command("pause")
@click.argument("job_id")
@jobs_option
@timeout_option
def pause_command(job_id: str, jobs_path: str, timeout: float) -> None:
    """Pause a job: it keeps its place but does not run (a running run finishes)."""
    with _errors():
        answer = _scheduler().command(jobs_path, "pause", job_id, timeout=timeout)
    _done(job_id, answer, "已暂停")


@schedule.command("resume")
@click.argument("job_id")
@jobs_option
@timeout_option
def resume_command(job_id: str, jobs_path: str, timeout: float) -> None:
    """Resume a paused job from its next scheduled time."""
    with _errors():
        answer = _scheduler().command(jobs_path, "resume", job_id, timeout=timeout)
    _done(job_id, answer, f"已恢复，{_next(answer.job)}")


@schedule.command("run-now")
@click.argument("job_id")
@jobs_option
@timeout_option
def run_now_command(job_id: str, jobs_path: str, timeout: float) -> None:
    """Run a job once now in the running scheduler (then it keeps its schedule)."""
    with _errors():
        answer = _scheduler().command(jobs_path, "run-now", job_id, timeout=timeout)
    if answer.scheduler_pid is None:
        _done(job_id, answer, "已设为到期，调度器下次启动时运行")
    else:
        _done(job_id, answer, "已设为到期，调度器随即开始运行")


if __name__ == "__main__":
    schedule()


def _alert(send, run: dict, *, urls, limit) -> None:
    """A result hook: the run's alerts, each failed send logged (never the scheduler's end)."""
    for failure in send(run, urls, limit=limit) or ():
        log.warning("%s", failure.said(), extra={"event": "alert_failed", "job": run.get("job_id")})
