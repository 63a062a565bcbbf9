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

from probes.cli.options import config_option, db_option, jobs_option
from probes.plan.datafiles import DataFileError, format_validation_error
from probes.schedule.file import JobSpec, load_schedule
from probes.schedule.jobs import KINDS, ScheduleError
from probes.schedule.scheduler import (
    WAKEUP_S,
    add_job,
    list_jobs,
    log,
    pause_job,
    remove_job,
    resume_job,
    run_now,
    serve,
)


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
@db_option(help="The database the jobs write to, where their arguments do not say.")
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
@db_option(help="The database the jobs write to, where their arguments do not say.")
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
