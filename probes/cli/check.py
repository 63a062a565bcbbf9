"""``govprobe check``: the portals' health checks from the command line."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click
import httpx

from probes.cli.options import (
    alert_option,
    clock_option,
    db_option,
    progress_option,
    retry_options,
)
from probes.plan.scenarios import ScenarioError

if TYPE_CHECKING:
    from probes.app.progress import Progress


@click.command("check")
@click.option(
    "--target", type=click.Choice(["sandbox", "live"]), default="sandbox", show_default=True
)
@click.option("--sandbox-url", help="A running sandbox; without it one is started and stopped.")
@click.option("--city", "cities", multiple=True, help="City name or id (repeatable; default all).")
@click.option(
    "--http-only",
    is_flag=True,
    help="Only the HTTP visit and HTTPS of each address, no browser (the frequent availability "
    "check of the national rule; speed, adaptation and accessibility wait for a full check).",
)
@db_option
@alert_option
@retry_options
@clock_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@progress_option
def check(target: str, sandbox_url: str | None, cities: tuple[str, ...], http_only: bool,
          db_path: str, alert_urls: tuple[str, ...], retries: int, backoff: float,
          retry_budget: float, clock: str, as_json: bool, progress: Progress) -> None:  # fmt: skip
    """Check the portals' health: availability, speed, HTTPS, mobile adaptation, accessibility."""
    # imported here: Playwright and the checks load only for the command that runs them
    from probes.app.health import check_portals
    from probes.check.round import CheckOptions
    from probes.cli.console import print_checks
    from probes.net.retry import RetryPolicy

    options = CheckOptions(retry=RetryPolicy(retries, backoff, retry_budget))
    try:
        summary = check_portals(
            target=target, sandbox_url=sandbox_url, cities=cities, db_path=db_path,
            http_only=http_only, options=options, clock=clock, progress=progress,
        )  # fmt: skip
    except (ScenarioError, ValueError, RuntimeError, httpx.HTTPError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        print_checks(summary)
    if alert_urls:
        from probes import alert
        from probes.cli import said_alerts

        said_alerts(alert.after_checks(db_path, summary["round"], alert_urls))
    _browser_measured_something(summary["portals"])


def _browser_measured_something(portals: list[dict]) -> None:
    """Exit non-zero when the browser checks ran on no portal at all: each one the browser was
    sent to failed on our side (no browser, a crash). The HTTP visits are kept and scored; the
    speed, adaptation and accessibility of the round are not measured, and a team must know."""
    tried = [p for p in portals if p.get("pages") or p.get("browser_error")]
    if tried and all(p.get("browser_error") and not p.get("pages") for p in tried):
        raise click.ClickException(
            f"浏览器检查：没有测得任何结果，{len(tried)} 个门户全部是探测程序错误"
            f"（我方原因，不计入城市）：{tried[0]['browser_error']}"
        )
