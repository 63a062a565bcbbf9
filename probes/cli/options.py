"""The options several commands share, written once."""

from __future__ import annotations

from collections.abc import Callable

import click

from probes.net.retry import BACKOFF_S, BUDGET_S, RETRIES
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


def config_option(f: Callable) -> Callable:
    return click.option(
        "--config",
        "config_path",
        default=str(SCHEDULE_PATH),
        help="The schedule file (default: scenarios/schedule.yaml).",
    )(f)


def retry_options(f: Callable) -> Callable:
    """``--retries``, ``--backoff``, ``--retry-budget``: the one retry policy of the journeys
    and the health checks (``probes/net/retry.py``), as ``retries``, ``backoff`` and
    ``retry_budget``."""
    for option in reversed(
        (
            click.option(
                "--retries", default=RETRIES, show_default=True, type=click.IntRange(0, 5),
                help="Times a transient failure (timeout, portal error, no answer, a 5xx) is "
                "tried again before it is believed.",
            ),
            click.option(
                "--backoff", default=BACKOFF_S, show_default=True, type=click.FloatRange(0, 600),
                help="Seconds of the first wait before a retry; each later wait doubles, and "
                "each has up to half the first wait added at random.",
            ),
            click.option(
                "--retry-budget", default=BUDGET_S, show_default=True,
                type=click.FloatRange(0, 3600),
                help="No retry starts more than this many seconds after the first attempt "
                "began (a transient failure left then stays unconfirmed, never scored).",
            ),
        )
    ):  # fmt: skip
        f = option(f)
    return f
