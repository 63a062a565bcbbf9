"""``govprobe sandbox clock`` moves the served sandbox's clock over HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta

from click.testing import CliRunner

from probes.cli import main


def test_the_clock_is_read_advanced_and_set(sandbox_url):
    runner = CliRunner()
    before = runner.invoke(main, ["sandbox", "clock", "--sandbox-url", sandbox_url])
    assert before.exit_code == 0, before.output
    moved = runner.invoke(
        main, ["sandbox", "clock", "--sandbox-url", sandbox_url, "--advance", "3d"]
    )
    assert moved.exit_code == 0, moved.output
    start = datetime.fromisoformat(before.output.strip())
    assert datetime.fromisoformat(moved.output.strip()) - start == timedelta(days=3)
    back = runner.invoke(
        main, ["sandbox", "clock", "--sandbox-url", sandbox_url, "--set", start.isoformat()]
    )
    assert datetime.fromisoformat(back.output.strip()) == start
