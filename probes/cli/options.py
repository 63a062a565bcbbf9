"""The options several commands share, written once, each with one environment variable for
every command that has it (``GOVPROBE_DB``, ``GOVPROBE_JOBS``) in place of click's per-command
names (``probes.cli.config``)."""

from __future__ import annotations

from collections.abc import Callable

import click

from probes.settings import DEFAULT_DB, JOBS_DB


def db_option(f: Callable | None = None, *, help: str = "The SQLite database.") -> Callable:
    """``--db`` (``results/govprobe.db``): ``@db_option`` or ``@db_option(help=...)``."""
    option = click.option(
        "--db", "db_path", type=click.Path(), default=str(DEFAULT_DB),
        show_default=True, envvar="GOVPROBE_DB", allow_from_autoenv=False, help=help,
    )  # fmt: skip
    return option(f) if f is not None else option


def jobs_option(f: Callable) -> Callable:
    return click.option(
        "--jobs",
        "jobs_path",
        type=click.Path(),
        default=str(JOBS_DB),
        envvar="GOVPROBE_JOBS",
        allow_from_autoenv=False,
        show_default=True,
        help="The scheduler's own SQLite job store.",
    )(f)


def schedule_option(f: Callable) -> Callable:
    """``--schedule``: the schedule file (``--config`` is the main group's ``govprobe.toml``)."""
    return click.option(
        "--schedule",
        "schedule_path",
        default=None,
        help="The schedule file (default: schedule.yaml of the evaluation data, --data).",
    )(f)
