"""The options several commands share, written once."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence

import click

from probes.app.progress import progress_bars
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


def progress_option(f: Callable | None = None, *, phases: Sequence[str] = ()) -> Callable:
    """``--progress/--no-progress``: bars on stderr while the command runs (by default when
    stderr is a terminal), so its stdout (tables, ``--json``) stays clean. The command gets, as
    ``progress``, the ``probes.app.progress.Progress`` to hand to its library function
    (``phases``: numbered in this order, as the demo's are)."""

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def with_bars(*args, progress: bool | None, **kwargs):
            show = sys.stderr.isatty() if progress is None else progress
            with progress_bars(show, phases) as bars:
                return command(*args, progress=bars, **kwargs)

        return click.option(
            "--progress/--no-progress",
            "progress",
            default=None,
            help="Progress bars on stderr, in Chinese (default: when stderr is a terminal).",
        )(with_bars)

    return decorate(f) if f is not None else decorate
