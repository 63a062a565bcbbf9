"""The ``govprobe`` command: thin click wrappers, each calling one library function."""

from __future__ import annotations

import os
import subprocess
import sys

import click


@click.group()
@click.version_option(package_name="govprobe")
def main() -> None:
    """govprobe: evaluate city government-service portals the way a citizen meets them."""


@main.group()
def browser() -> None:
    """The Chromium that journeys drive."""


@browser.command("ensure")
def browser_ensure() -> None:
    """Find a Chromium, installing one if needed, and say which was used."""
    from probes.browser import BrowserNotFound, ensure_chromium

    try:
        choice = ensure_chromium(log=lambda m: click.echo(m, err=True))
    except BrowserNotFound as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"browser: {choice.describe()}")


@main.group()
def sandbox() -> None:
    """The simulated city portals (run as their own process: probes never import them)."""


@sandbox.command("serve", context_settings={"ignore_unknown_options": True})
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True, type=int)
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
def sandbox_serve(host: str, port: int, extra: tuple[str, ...]) -> None:
    """Serve every city portal from one process (the same as ``python -m sandbox serve``)."""
    cmd = [sys.executable, "-m", "sandbox", "serve", "--host", host, "--port", str(port), *extra]
    os.execv(sys.executable, cmd) if hasattr(os, "execv") else subprocess.run(cmd, check=True)
