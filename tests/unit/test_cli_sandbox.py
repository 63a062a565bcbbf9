"""Short durations for ``govprobe sandbox clock --advance`` become ISO 8601."""

from __future__ import annotations

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


def test_a_bad_duration_is_refused_naming_it():
    # refused before any request: the address is never asked
    done = CliRunner().invoke(
        main, ["sandbox", "clock", "--sandbox-url", "http://127.0.0.1:9", "--advance", "soon"]
    )
    assert done.exit_code != 0
    assert "'soon'" in done.output
