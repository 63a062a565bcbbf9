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


def config_option(f: Callable) -> Callable:
    return click.option(
        "--config",
        "config_path",
        default=str(SCHEDULE_PATH),
        help="The schedule file (default: scenarios/schedule.yaml).",
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
