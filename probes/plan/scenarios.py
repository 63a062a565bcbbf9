"""Scenario files (``scenarios/*.yaml``): what each scenario looks for.

A scenario names its matters (canonical name, aliases, the variant wanted and the variants never
to pick), the elements a complete guide shows, and the consultation and complaint a citizen sends
with the points a good answer covers. Files are validated once, at load; a bad file fails with
its path and the offending key (``ScenarioError: scenarios/x.yaml: matters[2].aliases: ...``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from probes.plan.datafiles import DataFileError, read_model, scenario_files


class ScenarioError(DataFileError):
    """A scenario, profile or registry file is malformed; the message names file and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AnswerPointModel(_Strict):
    id: str
    keywords: list[str] = Field(min_length=1)


class MessageModel(_Strict):
    matter: str
    title: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answer_points: list[AnswerPointModel] = Field(min_length=1)


class MatterModel(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str = Field(min_length=2)
    aliases: list[str] = []
    prefer: list[str] = []
    avoid: list[str] = []
    licensing: bool = False
    category: list[str] = []

    @field_validator("aliases", "prefer", "avoid", "category")
    @classmethod
    def _no_blank(cls, values: list[str]) -> list[str]:
        if any(not v.strip() for v in values):
            raise ValueError("blank entry")
        return values


class RequiredModel(_Strict):
    all: list[str] = Field(min_length=1)
    licensing: list[str] = []


class ScenarioModel(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    matters: list[MatterModel] = Field(min_length=1)
    required_elements: RequiredModel
    consult: MessageModel
    complaint: MessageModel


@dataclass(frozen=True)
class AnswerPoint:
    id: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Message:
    matter: str
    title: str
    question: str
    answer_points: tuple[AnswerPoint, ...]


@dataclass(frozen=True)
class Matter:
    id: str
    name: str
    aliases: tuple[str, ...]
    prefer: tuple[str, ...]
    avoid: tuple[str, ...]
    licensing: bool
    category: tuple[str, ...]
    required: tuple[str, ...]  # elements a complete guide of this matter shows

    @property
    def queries(self) -> tuple[str, ...]:
        """What to type into a site search, in order: the canonical name, then the aliases."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Scenario:
    id: str
    name: str
    matters: tuple[Matter, ...]
    consult: Message
    complaint: Message
    source: Path

    def matter(self, matter_id: str) -> Matter:
        for m in self.matters:
            if m.id == matter_id:
                return m
        raise KeyError(f"{self.source}: no matter {matter_id!r}")


def _message(m: MessageModel) -> Message:
    points = tuple(AnswerPoint(p.id, tuple(p.keywords)) for p in m.answer_points)
    return Message(m.matter, m.title, m.question.strip(), points)


def load_scenario(path: Path | str) -> Scenario:
    path = Path(path)
    model = read_model(path, ScenarioModel, ScenarioError)
    ids = [m.id for m in model.matters]
    for i, mid in enumerate(ids):
        if mid in ids[:i]:
            raise ScenarioError(f"{path}: matters[{i}].id: duplicate matter {mid!r}")
    for kind in ("consult", "complaint"):
        if getattr(model, kind).matter not in ids:
            raise ScenarioError(
                f"{path}: {kind}.matter: {getattr(model, kind).matter!r} is not one of {ids}"
            )
    req = model.required_elements
    matters = tuple(
        Matter(
            id=m.id,
            name=m.name,
            aliases=tuple(m.aliases),
            prefer=tuple(m.prefer),
            avoid=tuple(m.avoid),
            licensing=m.licensing,
            category=tuple(m.category),
            required=tuple(req.all) + (tuple(req.licensing) if m.licensing else ()),
        )
        for m in model.matters
    )
    return Scenario(
        model.id, model.name, matters, _message(model.consult), _message(model.complaint), path
    )


def load_scenarios(directory: Path | str | None = None) -> dict[str, Scenario]:
    """Every ``*.yaml`` in the directory that declares ``matters`` (the scenario files);
    without one, the evaluation's scenarios (``probes.plan.datafiles.scenario_files``)."""
    found: dict[str, Scenario] = {}
    for path in scenario_files(directory, ScenarioError):
        scenario = load_scenario(path)
        if scenario.id in found:
            raise ScenarioError(f"{path}: id: duplicate scenario {scenario.id!r}")
        found[scenario.id] = scenario
    return found


def select_scenarios(scenario_ids) -> dict:
    scenarios = load_scenarios()
    unknown = [s for s in scenario_ids if s not in scenarios]
    if unknown:
        raise ScenarioError(f"没有这个场景：{unknown[0]!r}（已有：{', '.join(scenarios)}）")
    return {k: v for k, v in scenarios.items() if not scenario_ids or k in scenario_ids}
