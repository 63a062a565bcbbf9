"""China's official working-day calendar, for the timeliness of replies.

A reply is on time when it comes within so many *working days* (``scenarios/indicators.yaml``),
and working days follow the State Council's yearly announcement: public holidays are off, and
some Saturdays and Sundays are worked in exchange (调休). The calendar comes from the
``holidays`` package's China calendar (its ``weekend_workdays`` carry the worked weekend days)
with ``scenarios/workdays-override.yaml`` on top: the newest announcement, which wins over the
package.

Counting convention, used by :meth:`WorkCalendar.workdays_between`: a reply counts the working
days *after* the submission day, up to and including the reply day. Submitted Friday 16:00 and
answered Monday 10:00 is 1 working day; answered on the submission day is 0. The time of day
does not matter. Days are China's days: an aware datetime is first converted to China Standard
Time (UTC+8, no daylight saving); a naive datetime is taken to be China time already.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import holidays
from pydantic import BaseModel, ConfigDict, Field

from probes.plan.datafiles import DataFileError, data_file, read_model
from probes.settings import CHINA, DATA_DIR

OVERRIDE_PATH = DATA_DIR / "workdays-override.yaml"  # the shipped one


class WorkdaysError(DataFileError):
    """The override file is malformed; the message names the file and the key."""


class _DayModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    date: date
    name: str = Field(min_length=1)


class _OverrideModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str = Field(min_length=1)
    holidays: list[_DayModel] = []
    workdays: list[_DayModel] = []


@dataclass(frozen=True)
class Override:
    """Days that win over the package: weekdays off, and weekend days worked."""

    source: str
    holidays: frozenset[date]
    workdays: frozenset[date]


def load_override(path: Path | str) -> Override:
    path = Path(path)
    model = read_model(path, _OverrideModel, WorkdaysError)
    # A weekend "holiday" or a weekday "workday" changes nothing: it is a typo in a date.
    for key, days, weekend_expected in (
        ("holidays", model.holidays, False),
        ("workdays", model.workdays, True),
    ):
        for i, day in enumerate(days):
            if (day.date.weekday() >= 5) != weekend_expected:
                kind = "a weekend day" if day.date.weekday() >= 5 else "a weekday"
                raise WorkdaysError(
                    f"{path}: {key}[{i}].date: {day.date} ({day.date:%A}) is {kind}; "
                    f"{key} lists only {'weekend days' if weekend_expected else 'weekdays'}"
                )
    both = {d.date for d in model.holidays} & {d.date for d in model.workdays}
    if both:
        raise WorkdaysError(f"{path}: holidays: {sorted(both)[0]} is also listed in workdays")
    return Override(
        model.source,
        frozenset(d.date for d in model.holidays),
        frozenset(d.date for d in model.workdays),
    )


def china_day(moment: datetime) -> date:
    """The calendar day in China of a moment (aware: converted to UTC+8; naive: as is)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(CHINA)
    return moment.date()


class WorkCalendar:
    """Is a day worked in China, and how many working days lie between two moments."""

    def __init__(self, override: Override | None = None):
        self.override = override
        self._package = holidays.China()  # grows year by year as dates are asked about

    @classmethod
    def load(cls, override_path: Path | str | None = None) -> WorkCalendar:
        """The package calendar with the override file on top (default: the evaluation's)."""
        return cls(load_override(override_path or data_file("workdays-override.yaml")))

    def is_workday(self, d: date) -> bool:
        if self.override is not None:
            if d in self.override.holidays:
                return False
            if d in self.override.workdays:
                return True
        # `in` populates the year; `is_working_day` alone would not, and would then miss the
        # worked weekend days of a year not asked about before.
        _ = d in self._package
        return self._package.is_working_day(d)

    def add_workdays(self, start: datetime, n: int) -> datetime:
        """The same time of day on the ``n``-th working day after ``start``'s day.

        ``workdays_between(start, add_workdays(start, n)) == n``; ``n == 0`` returns ``start``.
        The time zone of ``start`` is kept.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, not {n}")
        day = china_day(start)
        target = day
        for _ in range(n):
            target += timedelta(days=1)
            while not self.is_workday(target):
                target += timedelta(days=1)
        return start + timedelta(days=(target - day).days)

    def workdays_between(self, start: datetime, end: datetime) -> int:
        """Working days after ``start``'s day up to and including ``end``'s day (module doc).

        0 when ``end`` falls on ``start``'s day or on non-working days right after it; an
        ``end`` before ``start`` is an error.
        """
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        first, last = china_day(start), china_day(end)
        return sum(
            self.is_workday(first + timedelta(days=i)) for i in range(1, (last - first).days + 1)
        )
