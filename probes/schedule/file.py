"""The schedule file (``schedule.yaml`` of the evaluation data): its jobs, their triggers and options,
validated when it is loaded (a mistake names the file and the key)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from probes.plan.datafiles import data_file, read_model
from probes.schedule.jobs import KINDS, ScheduleError
from probes.settings import TIMEZONE
from probes.text import parse_duration

SCHEDULE_FILE = "schedule.yaml"


def schedule_path() -> Path:
    """The default schedule: the evaluation folder's ``schedule.yaml`` (``--data``), else the
    shipped one."""
    return data_file(SCHEDULE_FILE)


def cron_trigger(expr: str, timezone: str, jitter: int | None = None) -> CronTrigger:
    """A crontab line (minute hour day-of-month month day-of-week) as APScheduler's trigger.

    Days of the week must be named: APScheduler 3 counts 0 as Monday where cron counts Sunday,
    so a number there would silently run on the wrong day."""
    fields = str(expr).split()
    if len(fields) != 5:
        raise ValueError(
            f"{expr!r}: a crontab line has 5 fields (minute hour day month day-of-week)"
        )
    minute, hour, day, month, day_of_week = fields
    if any(c.isdigit() for c in day_of_week):
        raise ValueError(
            f"{expr!r}: name the days of the week (mon-fri, sun): APScheduler 3 counts 0 as "
            "Monday, cron as Sunday"
        )
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=day_of_week,
        timezone=timezone,
        jitter=jitter or None,
    )


class JobOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    misfire_grace_time: int = Field(3600, ge=1)
    coalesce: bool = True
    jitter: int = Field(0, ge=0)


class JobSpec(BaseModel):
    """One job: its id, its kind and arguments, when it runs (``cron`` or ``every``)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    kind: Literal["guides", "poll", "checks", "touch"]
    cron: str | None = None
    every: str | None = None
    args: Any = Field(default_factory=dict, validate_default=True)
    misfire_grace_time: int | None = Field(None, ge=1)
    coalesce: bool | None = None
    jitter: int | None = Field(None, ge=0)

    @field_validator("cron")
    @classmethod
    def _cron_parses(cls, v: str | None) -> str | None:
        if v is not None:
            cron_trigger(v, "UTC")
        return v

    @field_validator("every")
    @classmethod
    def _every_parses(cls, v: str | None) -> str | None:
        if v is not None:
            parse_duration(v)
        return v

    @field_validator("args", mode="before")
    @classmethod
    def _args_fit_the_kind(cls, v: Any, info) -> Any:
        kind = KINDS.get(info.data.get("kind"))
        if kind is None:
            return v
        if not isinstance(v, dict):
            raise ValueError(f"expected a mapping of the {kind.name} job's arguments")
        try:
            return kind.args.model_validate(v)
        except ValidationError as exc:
            raise ValueError(
                "; ".join(
                    ".".join(map(str, e["loc"])) + ": " + e["msg"].removeprefix("Value error, ")
                    if e["loc"]
                    else e["msg"].removeprefix("Value error, ")
                    for e in exc.errors()
                )
            ) from None

    @model_validator(mode="after")
    def _one_trigger(self) -> JobSpec:
        if (self.cron is None) == (self.every is None):
            raise ValueError(f"job {self.id!r}: give either cron or every")
        return self

    def options(self, defaults: JobOptions) -> JobOptions:
        given = {k: getattr(self, k) for k in JobOptions.model_fields}
        return defaults.model_copy(update={k: v for k, v in given.items() if v is not None})

    def trigger(self, timezone: str, jitter: int | None):
        if self.cron is not None:
            return cron_trigger(self.cron, timezone, jitter)
        seconds = parse_duration(self.every)
        return IntervalTrigger(seconds=seconds, timezone=timezone, jitter=jitter or None)

    def kwargs(self, db_path: str | Path) -> dict:
        """The job function's keyword arguments; ``db_path``, where the kind takes one and the
        entry does not say, is the scheduler's ``--db``."""
        kwargs = self.args.model_dump(mode="json", exclude_unset=True)
        if "db_path" in type(self.args).model_fields and not kwargs.get("db_path"):
            kwargs["db_path"] = str(db_path)
        return kwargs


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: str = TIMEZONE
    defaults: JobOptions = JobOptions()
    jobs: list[JobSpec] = []

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (say Asia/Shanghai)") from None
        return v

    @field_validator("jobs")
    @classmethod
    def _unique_ids(cls, jobs: list[JobSpec]) -> list[JobSpec]:
        seen = Counter(j.id for j in jobs)
        duplicates = [i for i, n in seen.items() if n > 1]
        if duplicates:
            raise ValueError(f"duplicate job id {duplicates[0]!r}")
        return jobs


def load_schedule(path: str | Path | None = None) -> Schedule:
    """The schedule file (default: ``schedule_path()``), validated; a bad one raises
    ``ScheduleError`` naming file and key."""
    return read_model(path or schedule_path(), Schedule, ScheduleError)
