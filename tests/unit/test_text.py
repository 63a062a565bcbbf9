"""The words and times evaluators read (probes/text.py): one vocabulary, Beijing time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from probes.text import beijing, duration_text, iso_duration, parse_duration


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2026-12-02T07:07:04+00:00", "2026-12-02 15:07"),  # UTC, as rounds are stored
        ("2026-12-02T15:07:04+08:00", "2026-12-02 15:07"),  # a portal's own time
        ("2026-12-02T23:30:00-05:00", "2026-12-03 12:30"),  # another day in Beijing
        ("2026-12-02 09:00", "2026-12-02 09:00"),  # no offset: already Beijing time
        (datetime(2026, 12, 2, 7, 7, tzinfo=UTC), "2026-12-02 15:07"),
        (None, ""),
        ("", ""),
        ("下周一", "下周一"),  # text that is not a time is shown as it is
    ],
)
def test_times_are_shown_in_beijing_time_to_the_minute(stored, shown):
    assert beijing(stored) == shown


def test_one_duration_vocabulary_for_seconds_and_iso():
    assert [parse_duration(t) for t in ("90s", "30m", "2h", "1d", "1w")] == [
        90, 1800, 7200, 86400, 604800,
    ]  # fmt: skip
    assert [iso_duration(t) for t in ("3d", "4h", "30m", "2w", "p1dt2h")] == [
        "P3D", "PT4H", "PT30M", "P2W", "P1DT2H",
    ]  # fmt: skip
    assert duration_text(parse_duration("2h")) == "2h" and duration_text(90) == "90s"
    for bad in ("", "3", "3y", "0d"):
        with pytest.raises(ValueError, match="say"):
            parse_duration(bad)
    with pytest.raises(ValueError, match="ISO 8601"):
        iso_duration("soon")
