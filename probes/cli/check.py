"""``govprobe check``: the portals' health checks from the command line."""

from __future__ import annotations

import json

import click
import httpx

from probes.app.health import check_portals
from probes.cli.console import print_checks
from probes.cli.options import db_option
from probes.plan.scenarios import ScenarioError


@click.command("check")
@click.option(
    "--target", type=click.Choice(["sandbox", "live"]), default="sandbox", show_default=True
)
@click.option("--sandbox-url", help="A running sandbox; without it one is started and stopped.")
@click.option("--city", "cities", multiple=True, help="City name or id (repeatable; default all).")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def check(target: str, sandbox_url: str | None, cities: tuple[str, ...], db_path: str,
          as_json: bool) -> None:  # fmt: skip
    """Check the portals' health: availability, speed, HTTPS, mobile adaptation, accessibility."""
    try:
        summary = check_portals(
            target=target, sandbox_url=sandbox_url, cities=cities, db_path=db_path
        )
    except (ScenarioError, ValueError, RuntimeError, httpx.HTTPError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        print_checks(summary)
