"""What each kind of scheduled job runs, and the arguments it accepts (checked when the
schedule is loaded, so a typo fails then and not at 3 in the morning)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from probes.net.retry import BACKOFF_S, BUDGET_S, RETRIES
from probes.plan.datafiles import DataFileError

log = logging.getLogger("probes.schedule")

Target = Literal["sandbox", "live"]
Clock = Literal["real", "sandbox"]  # probes.plan.targets.CLOCKS: what a round is stamped with


# Each job returns what the run history keeps (``job_runs``): the round it made and its counts.


def guides_job(**kwargs: Any) -> dict:
    """A guide round, as ``govprobe run`` walks it."""
    from probes.app.guides import run_guides

    summary = run_guides(**kwargs)
    outcomes = Counter(p["outcome"] for p in summary["probes"])
    log.info(
        "guide round %s finished: %d probes (%s)",
        summary["round"],
        len(summary["probes"]),
        counts(outcomes),
        extra={"event": "round_finished", "round": summary["round"]},
    )
    return {"round": summary["round"], "counts": {"probes": dict(outcomes)}}


def poll_job(**kwargs: Any) -> dict:
    """Read every open consultation and complaint, as ``govprobe poll`` does."""
    from probes.app.consult import consult_poll

    polled = Counter(consult_poll(**kwargs)["polled"])
    log.info(
        "poll finished: %d items read (%s)",
        sum(polled.values()),
        counts(polled),
        extra={"event": "poll_finished"},
    )
    return {"round": None, "counts": {"items": dict(polled)}}


def checks_job(**kwargs: Any) -> dict:
    """Check the portals' health, as ``govprobe check`` does (imported when it runs)."""
    from probes.app.health import check_portals

    summary = check_portals(**kwargs)
    portals = Counter(p.get("classification") or "unknown" for p in summary.get("portals", []))
    log.info(
        "health check round %s finished: %d portals (%s)",
        summary.get("round"),
        sum(portals.values()),
        counts(portals),
        extra={"event": "round_finished", "round": summary.get("round")},
    )
    return {"round": summary.get("round"), "counts": {"portals": dict(portals)}}


def touch_job(*, path: str, seconds: float = 0.0, fail: bool = False) -> None:
    """A heartbeat: append ``started`` to ``path``, wait ``seconds``, append ``finished``.

    Shows that the scheduler runs jobs, and that a stop lets a running job finish; ``fail``
    raises after the wait, to show what a failing job leaves in the run history."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("a", encoding="utf-8") as f:
        f.write(f"started {datetime.now().isoformat()}\n")
        f.flush()
        time.sleep(seconds)
        f.write(f"finished {datetime.now().isoformat()}\n")
    if fail:
        raise RuntimeError(f"touch job asked to fail ({path})")


def counts(counter: Counter) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items())) or "none"


class ScheduleError(DataFileError):
    """A bad schedule entry, an unknown job, or a job store already in use."""


class JobArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("cities", "scenario_ids", check_fields=False)
    @classmethod
    def _known(cls, v: list[str], info) -> list[str]:
        # a misspelt city or scenario fails when the schedule is read, not at night in a job
        if info.field_name == "cities":
            from probes.plan.cities import load_registry

            load_registry().select(v)
        else:
            from probes.plan.scenarios import load_scenarios

            known = load_scenarios()
            unknown = [s for s in v if s not in known]
            if unknown:
                raise ValueError(f"没有这个场景：{unknown[0]!r}（已有：{', '.join(known)}）")
        return v


class GuidesArgs(JobArgs):
    """Keyword arguments of ``probes.app.guides.run_guides``."""

    target: Target
    sandbox_url: str | None = None
    cities: list[str] = []
    scenario_ids: list[str] = []
    channels: list[Literal["pc", "mobile"]] = []
    db_path: str | None = None
    concurrency: int = Field(4, ge=1)
    per_host: int = Field(2, ge=1)
    user_agent_suffix: str = ""
    retries: int = Field(RETRIES, ge=0, le=5)
    backoff_s: float = Field(BACKOFF_S, ge=0, le=600)
    retry_budget_s: float = Field(BUDGET_S, ge=0, le=3600)
    endpoints: list[str] = []  # Playwright browser servers (ws://...) the round is spread over
    gap_s: float | None = Field(None, ge=0, le=60)
    clock: Clock = "real"


class PollArgs(JobArgs):
    """Keyword arguments of ``probes.app.consult.consult_poll``."""

    target: Target
    sandbox_url: str | None = None
    sessions: str | None = None
    db_path: str | None = None
    concurrency: int = Field(4, ge=1)
    per_host: int = Field(2, ge=1)

    @model_validator(mode="after")
    def _sandbox_needs_its_url(self) -> PollArgs:
        if self.target == "sandbox" and not self.sandbox_url:
            raise ValueError("sandbox_url: polling the sandbox needs the sandbox the items went to")
        return self


class ChecksArgs(JobArgs):
    """Keyword arguments of ``probes.app.health.check_portals``."""

    target: Target
    sandbox_url: str | None = None
    cities: list[str] = []
    db_path: str | None = None
    http_only: bool = False
    clock: Clock = "real"


class TouchArgs(JobArgs):
    path: str
    seconds: float = Field(0.0, ge=0, le=3600)
    fail: bool = False


@dataclass(frozen=True)
class Kind:
    name: str
    func_ref: str  # a textual reference: what APScheduler keeps in the job store
    args: type[JobArgs]


KINDS = {
    k.name: k
    for k in (
        Kind("guides", "probes.schedule.jobs:guides_job", GuidesArgs),
        Kind("poll", "probes.schedule.jobs:poll_job", PollArgs),
        Kind("checks", "probes.schedule.jobs:checks_job", ChecksArgs),
        Kind("touch", "probes.schedule.jobs:touch_job", TouchArgs),
    )
}


KIND_OF_REF = {k.func_ref: k.name for k in KINDS.values()}
