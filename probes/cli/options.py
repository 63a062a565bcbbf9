"""The options several commands share, written once, each with one environment variable for
every command that has it (``GOVPROBE_DB``, ``GOVPROBE_JOBS``) in place of click's per-command
names (``probes.cli.config``)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence

import click

from probes.app.progress import progress_bars
from probes.net.retry import BACKOFF_S, BUDGET_S, RETRIES
from probes.plan.targets import CLOCKS
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


def _alert_urls(ctx, param, value):
    if not value:
        return ()
    from probes.alert import AlertURLError, check_urls

    try:
        return check_urls(value)
    except AlertURLError as exc:
        raise click.BadParameter(str(exc)) from None


def _probe_error_limit(ctx, param, value):
    from probes.alert import ProbeErrorLimit

    try:
        return ProbeErrorLimit.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def alert_options(f: Callable) -> Callable:
    """``--alert URL`` and ``--alert-probe-errors N|N%``: who is told what went wrong
    (``probes/alert/``), and how many of our own failures are too many."""
    f = click.option(
        "--alert-probe-errors", "alert_probe_errors", default="10%", show_default=True,
        callback=_probe_error_limit, metavar="N|N%",
        help="Alert when more results than this are our own probe_error (a count or a share).",
    )(f)  # fmt: skip
    return alert_option(f)


def alert_option(f: Callable) -> Callable:
    """``--alert URL``, repeatable: apprise URLs (dingtalk://, wecombot://, mailto://, json://)."""
    return click.option(
        "--alert", "alert_urls", multiple=True, callback=_alert_urls, metavar="URL",
        help="Send alerts here (apprise URL: dingtalk://, wecombot://, mailto://, json://...);"
        " repeatable.",
    )(f)  # fmt: skip


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


def clock_option(f: Callable) -> Callable:
    """``--clock real|sandbox``: the time a round is stamped with (``round_stamp``)."""
    return click.option(
        "--clock", type=click.Choice(CLOCKS), default="real", show_default=True,
        help="What the round's times are: the real clock, or the sandbox's simulated one (a "
        "season simulated on it: docs/operations.md, 一季的模拟); its params say which.",
    )(f)  # fmt: skip


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
