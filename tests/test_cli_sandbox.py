"""``govprobe sandbox clock`` moves the served sandbox's clock over HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from probes.cli import main
from probes.text import iso_duration


@pytest.mark.parametrize(
    ("given", "iso"),
    [("3d", "P3D"), ("4h", "PT4H"), ("30m", "PT30M"), ("2w", "P2W"), ("p1dt2h", "P1DT2H")],
)
def test_short_durations_become_iso_8601(given, iso):
    assert iso_duration(given) == iso


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


def test_a_bad_duration_is_refused_naming_it(sandbox_url):
    done = CliRunner().invoke(
        main, ["sandbox", "clock", "--sandbox-url", sandbox_url, "--advance", "soon"]
    )
    assert done.exit_code != 0
    assert "'soon'" in done.output
