"""China's working-day calendar across the Spring Festival and National Day weeks of 2025 and 2026.

The dates, from the State Council announcements as the holidays package (0.109) carries them:

* Spring Festival 2025: off Tue 2025-01-28 .. Tue 2025-02-04; worked Sun 2025-01-26, Sat 2025-02-08.
* National Day and Mid-Autumn 2025: off Wed 2025-10-01 .. Wed 2025-10-08; worked Sun 2025-09-28,
  Sat 2025-10-11.
* Spring Festival 2026: off Sun 2026-02-15 .. Mon 2026-02-23; worked Sat 2026-02-14, Sat 2026-02-28.
* Mid-Autumn 2026: off Fri 2026-09-25. National Day 2026: off Thu 2026-10-01 .. Wed 2026-10-07;
  worked Sun 2026-09-20, Sat 2026-10-10.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from probes.plan.workdays import OVERRIDE_PATH, WorkCalendar, WorkdaysError, load_override


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.load()


def _range(first: str, last: str) -> list[date]:
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


HOLIDAY_WEEKS = [
    ("2025-01-28", "2025-02-04"),
    ("2025-10-01", "2025-10-08"),
    ("2026-02-15", "2026-02-23"),
    ("2026-10-01", "2026-10-07"),
]
WORKED_WEEKENDS = ["2025-01-26", "2025-02-08", "2025-09-28", "2025-10-11"]
WORKED_WEEKENDS += ["2026-02-14", "2026-02-28", "2026-09-20", "2026-10-10"]


@pytest.mark.parametrize("day", [d for week in HOLIDAY_WEEKS for d in _range(*week)], ids=str)
def test_every_day_of_a_golden_week_is_off(cal: WorkCalendar, day: date) -> None:
    assert not cal.is_workday(day)


@pytest.mark.parametrize("day", WORKED_WEEKENDS)
def test_a_weekend_day_worked_in_exchange_is_a_workday(cal: WorkCalendar, day: str) -> None:
    d = date.fromisoformat(day)
    assert d.weekday() >= 5
    assert cal.is_workday(d)


@pytest.mark.parametrize(
    ("day", "worked"),
    [
        ("2025-01-27", True),  # Monday before the festival
        ("2025-02-05", True),  # first day back
        ("2025-02-09", False),  # ordinary Sunday after the worked Saturday
        ("2025-09-27", False),  # ordinary Saturday before the worked Sunday
        ("2025-10-09", True),
        ("2026-02-24", True),
        ("2026-09-25", False),  # Mid-Autumn 2026, a Friday
        ("2026-10-08", True),
        ("2026-10-11", False),  # Sunday after the worked Saturday
    ],
)
def test_days_around_the_holidays(cal: WorkCalendar, day: str, worked: bool) -> None:
    assert cal.is_workday(date.fromisoformat(day)) is worked


def test_a_worked_weekend_is_known_without_asking_about_its_year_first() -> None:
    assert WorkCalendar(None).is_workday(date(2026, 9, 20))


@pytest.mark.parametrize(
    ("submitted", "replied", "expected"),
    [
        ("2025-01-17T16:00", "2025-01-20T10:00", 1),  # ordinary Friday -> Monday
        ("2025-01-20T09:00", "2025-01-20T17:30", 0),  # same working day
        ("2025-01-24T16:00", "2025-01-27T10:00", 2),  # Sunday 01-26 was worked
        ("2025-01-27T09:00", "2025-02-05T09:00", 1),  # across the whole festival
        ("2025-02-07T16:00", "2025-02-10T10:00", 2),  # Saturday 02-08 was worked
        ("2025-01-25T10:00", "2025-01-27T10:00", 2),  # submitted on a Saturday: 26 and 27
        ("2025-09-26T16:00", "2025-09-29T10:00", 2),  # Sunday 09-28 was worked
        ("2025-09-30T16:00", "2025-10-09T10:00", 1),  # across National Day 2025
        ("2025-10-10T16:00", "2025-10-13T10:00", 2),  # Saturday 10-11 was worked
        ("2025-01-27T09:00", "2025-02-10T09:00", 5),  # 02-05, 06, 07, 08 (Sat), 10
        ("2026-02-13T16:00", "2026-02-24T10:00", 2),  # Saturday 02-14 worked, 15..23 off
        ("2026-09-18T16:00", "2026-09-21T10:00", 2),  # Sunday 09-20 was worked
        ("2026-09-24T16:00", "2026-09-28T10:00", 1),  # Mid-Autumn Friday 09-25 off
        ("2026-09-30T16:00", "2026-10-08T10:00", 1),  # across National Day 2026
        ("2026-10-09T16:00", "2026-10-12T10:00", 2),  # Saturday 10-10 was worked
    ],
)
def test_working_days_between_submission_and_reply(
    cal: WorkCalendar, submitted: str, replied: str, expected: int
) -> None:
    start, end = datetime.fromisoformat(submitted), datetime.fromisoformat(replied)
    assert cal.workdays_between(start, end) == expected


def test_aware_moments_are_counted_in_china_time(cal: WorkCalendar) -> None:
    # Thursday 17:00 UTC is Friday 01:00 in China; Friday 06:00 UTC is Friday 14:00 there.
    start = datetime(2025, 1, 16, 17, 0, tzinfo=UTC)
    end = datetime(2025, 1, 17, 6, 0, tzinfo=UTC)
    assert cal.workdays_between(start, end) == 0


def test_a_reply_before_the_submission_is_an_error(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="before"):
        cal.workdays_between(datetime(2025, 1, 2), datetime(2025, 1, 1))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2025-01-27T09:00", 5, "2025-02-10T09:00"),  # 02-05 .. 02-08 (Sat) .. 02-10
        ("2025-09-30T15:30", 5, "2025-10-14T15:30"),  # 10-09, 10, 11 (Sat), 13, 14
        ("2026-02-13T16:00", 5, "2026-02-27T16:00"),  # 02-14 (Sat), 24, 25, 26, 27
        ("2026-09-30T08:00", 5, "2026-10-13T08:00"),  # 10-08, 09, 10 (Sat), 12, 13
        ("2025-01-17T16:00", 0, "2025-01-17T16:00"),
        ("2025-01-25T10:00", 1, "2025-01-26T10:00"),  # from a Saturday to the worked Sunday
    ],
)
def test_adding_working_days(cal: WorkCalendar, start: str, n: int, expected: str) -> None:
    got = cal.add_workdays(datetime.fromisoformat(start), n)
    assert got == datetime.fromisoformat(expected)


def test_adding_working_days_keeps_the_time_zone(cal: WorkCalendar) -> None:
    start = datetime(2025, 9, 30, 7, 30, tzinfo=UTC)  # 15:30 in China
    assert cal.add_workdays(start, 1) == datetime(2025, 10, 9, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize("start", ["2025-01-24T16:00", "2025-02-08T11:00", "2026-09-19T12:00"])
@pytest.mark.parametrize("n", [0, 1, 3, 5, 20])
def test_adding_then_counting_gives_back_the_number(cal: WorkCalendar, start: str, n: int) -> None:
    s = datetime.fromisoformat(start)
    assert cal.workdays_between(s, cal.add_workdays(s, n)) == n


def test_negative_working_days_are_refused(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_workdays(datetime(2025, 1, 1), -1)


def test_the_shipped_override_agrees_with_the_package_for_2026() -> None:
    with_override, package_only = WorkCalendar.load(), WorkCalendar(None)
    days = _range("2026-01-01", "2026-12-31")
    assert [d for d in days if with_override.is_workday(d) != package_only.is_workday(d)] == []
    assert load_override(OVERRIDE_PATH).source


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "override.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_override_wins_over_the_package(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "source: a test announcement\n"
        "holidays: [{date: 2025-01-27, name: 春节}]\n"
        "workdays: [{date: 2025-01-25, name: 调休上班}]\n",
    )
    cal = WorkCalendar.load(path)
    assert not cal.is_workday(date(2025, 1, 27))
    assert cal.is_workday(date(2025, 1, 25))
    assert cal.is_workday(date(2025, 1, 26))  # the package's worked Sunday still holds


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("holidays: []\n", "override.yaml: source: Field required"),
        ("source: x\nworkdays: [{date: 2025-01-27, name: a}]\n", "workdays[0].date"),
        ("source: x\nholidays: [{date: 2025-01-25, name: a}]\n", "holidays[0].date"),
        ("source: x\nholidays: [{date: '2025-13-01', name: a}]\n", "holidays[0].date"),
        ("source: x\nholidays: [{date: 2025-13-01, name: a}]\n", "month must be in 1..12"),
        ("source: x\nholidays: [{date: 2025-01-27}]\n", "holidays[0].name"),
        ("source: x\nextra: 1\n", "extra"),
        ("source: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_bad_override_names_the_file_and_key(tmp_path: Path, text: str, where: str) -> None:
    with pytest.raises(WorkdaysError, match="override.yaml") as info:
        WorkCalendar.load(_write(tmp_path, text))
    assert where in str(info.value)
