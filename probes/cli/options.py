"""The options several commands share, written once."""

from __future__ import annotations

from collections.abc import Callable

import click

from probes.schedule.file import SCHEDULE_PATH
from probes.settings import DEFAULT_DB, JOBS_DB


def db_option(f: Callable | None = None, *, help: str = "The SQLite database.") -> Callable:
    """``--db`` (``results/govprobe.db``): ``@db_option`` or ``@db_option(help=...)``."""
    option = click.option("--db", "db_path", default=str(DEFAULT_DB), show_default=True, help=help)
    return option(f) if f is not None else option


def jobs_option(f: Callable) -> Callable:
    return click.option(
        "--jobs",
        "jobs_path",
        default=str(JOBS_DB),
        show_default=True,
        help="The scheduler's own SQLite job store.",
    )(f)


def schedule_option(f: Callable) -> Callable:
    """``--schedule``: the schedule file (``--config`` is the main group's ``govprobe.toml``)."""
    return click.option(
        "--schedule",
        "schedule_path",
        default=str(SCHEDULE_PATH),
        help="The schedule file (default: scenarios/schedule.yaml).",
    )(f)
