"""Working days on China's official calendar: public holidays off, swapped weekends worked (调休).

Reply deadlines and reply visibility count working days, as the 2017 inspection rules do.
The calendar comes from the ``holidays`` package's China calendar.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

import holidays


@cache
def _calendar(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year)


def is_working_day(day: date) -> bool:
    """True on a working day: a weekday that is no holiday, or a weekend day worked in exchange."""
    return _calendar(day.year).is_working_day(day)


def add_working_days(start: datetime, days: int) -> datetime:
    """The moment ``days`` working days after ``start``, at the same time of day.

    Submitted on Monday 09:00 with 5 working days: visible the next Monday 09:00 (no holidays).
    """
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current.date()):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
