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
