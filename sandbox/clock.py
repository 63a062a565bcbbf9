"""The sandbox clock: deterministic portal time that only moves when a test moves it.

Everything portal-visible (提交时间, reply times, whether a reply is due) reads this clock, so a
test can submit a consultation, advance the clock by some working days and see the reply.
Times are Beijing time (+08:00).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
DEFAULT_START = datetime(2026, 11, 2, 9, 0, tzinfo=BEIJING)  # a Monday

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration of weeks, days, hours, minutes, seconds: P3D, PT4H, P1DT2H30M."""
    m = _DURATION.match(text.strip().upper())
    if not m or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        raise ValueError(f"not an ISO 8601 duration: {text!r} (examples: P3D, PT4H, P1DT2H)")
    parts = {k: int(v) for k, v in m.groupdict().items() if v}
    return timedelta(**parts)


def parse_time(text: str) -> datetime:
    """An ISO 8601 time; without an offset it is taken as Beijing time."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    return value.astimezone(BEIJING)


class SandboxClock:
    """A settable clock; real time does not move it."""

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        self._now = start.astimezone(BEIJING)

    def now(self) -> datetime:
        return self._now

    def advance(self, by: timedelta | str) -> datetime:
        delta = parse_duration(by) if isinstance(by, str) else by
        if delta < timedelta(0):
            raise ValueError("the sandbox clock does not go backwards with advance; use set")
        self._now += delta
        return self._now

    def set(self, when: datetime | str) -> datetime:
        self._now = parse_time(when) if isinstance(when, str) else when.astimezone(BEIJING)
        return self._now


def shown(value: datetime) -> str:
    """How portals show a time: YYYY-MM-DD HH:MM:SS, Beijing time."""
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
