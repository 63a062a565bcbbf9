"""The indicator system (``scenarios/indicators.yaml``): indicators, items, weights, rubrics.

Four first-level indicators (guide 办事指南, hardware 硬件支撑, handling 事项办理, interaction
互动交流), each with second-level items; every item names a rubric ``method`` (a function of
``probes/score/scoring.py``) and the ``points`` it gives each category. The file is validated once, at
load; a bad file fails naming the file and the key (``IndicatorError:
scenarios/indicators.yaml: indicators[1].items[0].rubric.points: ...``). The values handed on
are frozen dataclasses; scoring applies them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from probes.plan.datafiles import DataFileError, data_file, read_model
from probes.settings import DATA_DIR

INDICATORS_PATH = DATA_DIR / "indicators.yaml"  # the shipped one


# Rubric method -> the categories its ``points`` must give a score, exactly.
METHOD_POINTS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "obtainability": frozenset({"search", "navigation", "direct", "not_found"}),
        "completeness": frozenset(),
        "accuracy": frozenset(),
        "direct": frozenset(),
        "full_online": frozenset({"yes", "no"}),
        "depth": frozenset({"I", "II", "III", "IV"}),
        "visits": frozenset({"0", "1", "more"}),
        "timeliness": frozenset({"on_time", "late", "no_reply"}),
        "effectiveness": frozenset({"solved", "partly", "not"}),
    }
)


# What an item reads: ``observation.field``, an observation of probes/score/scoring.py.
MEASUREMENT_PATTERN = r"^(guide|interaction|handling|hardware)\.[a-z_]+$"


KIND_METHODS = frozenset({"timeliness", "effectiveness"})  # interaction items name their kind


class IndicatorError(DataFileError):
    """The indicator file is malformed; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Method = Literal[
    "obtainability",
    "completeness",
    "accuracy",
    "direct",
    "full_online",
    "depth",
    "visits",
    "timeliness",
    "effectiveness",
]


class _RubricModel(_Strict):
    method: Method
    points: dict[str, float] = Field(default_factory=dict, validate_default=True)
    kind: Literal["consult", "complaint"] | None = Field(default=None, validate_default=True)
    free_steps: int = Field(default=0, ge=0)
    step_penalty: float = Field(default=0, ge=0, le=100)
    floor: float = Field(default=0, ge=0, le=100)

    @field_validator("points")
    @classmethod
    def _points_fit_method(cls, points: dict[str, float], info: ValidationInfo) -> dict:
        method = info.data.get("method")
        if method is None:  # the method itself failed; that error is reported
            return points
        wanted = METHOD_POINTS[method]
        if set(points) != wanted:
            missing, extra = sorted(wanted - set(points)), sorted(set(points) - wanted)
            raise ValueError(
                f"method {method!r} needs points for exactly {sorted(wanted)}"
                + (f"; missing {missing}" if missing else "")
                + (f"; unknown {extra}" if extra else "")
            )
        for key, value in points.items():
            if not 0 <= value <= 100:
                raise ValueError(f"{key}: {value} is outside 0..100")
        return points

    @field_validator("kind")
    @classmethod
    def _kind_fits_method(cls, kind: str | None, info: ValidationInfo) -> str | None:
        method = info.data.get("method")
        if method in KIND_METHODS and kind is None:
            raise ValueError(f"method {method!r} needs a kind (consult or complaint)")
        if method is not None and method not in KIND_METHODS and kind is not None:
            raise ValueError(f"method {method!r} takes no kind")
        return kind


class _ItemModel(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    weight: float = Field(gt=0)
    measurements: list[Annotated[str, Field(pattern=MEASUREMENT_PATTERN)]] = Field(min_length=1)
    rubric: _RubricModel
    describe: str = ""


class _IndicatorModel(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    weight: float = Field(gt=0)
    items: list[_ItemModel] = Field(min_length=1)


class _ThresholdsModel(_Strict):
    on_time_working_days: int = Field(ge=1)
    window_working_days: int = Field(ge=1)
    incomplete_share: float = Field(ge=0, le=1)

    @field_validator("window_working_days")
    @classmethod
    def _window_after_on_time(cls, window: int, info: ValidationInfo) -> int:
        on_time = info.data.get("on_time_working_days")
        if on_time is not None and window < on_time:
            raise ValueError(f"{window} is shorter than on_time_working_days ({on_time})")
        return window


class _SystemModel(_Strict):
    name: str = Field(min_length=1)
    thresholds: _ThresholdsModel
    indicators: list[_IndicatorModel] = Field(min_length=1)


@dataclass(frozen=True)
class Rubric:
    """How an item's measurements map to 0-100; ``method`` is a function of scoring.py."""

    method: str
    points: Mapping[str, float]
    kind: str | None = None  # consult | complaint, for interaction items
    free_steps: int = 0  # obtainability: steps that cost nothing
    step_penalty: float = 0  # obtainability: points off for each step beyond free_steps
    floor: float = 0  # obtainability: a found guide never scores below this


@dataclass(frozen=True)
class Item:
    id: str
    name: str  # 中文
    indicator: str  # the first-level indicator's id
    weight: float
    measurements: tuple[str, ...]  # observation.field names the rubric reads
    rubric: Rubric
    describe: str = ""


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str  # 中文
    weight: float
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Thresholds:
    on_time_days: int  # a reply within this many working days is on time
    window_days: int  # no reply within this many working days is "no reply"
    incomplete_share: float  # more missing or excluded than this: the city is incomplete


@dataclass(frozen=True)
class IndicatorSystem:
    name: str
    indicators: tuple[Indicator, ...]
    thresholds: Thresholds
    source: Path | None = None

    @property
    def items(self) -> tuple[Item, ...]:
        """Every item, indicator by indicator, in file order."""
        return tuple(item for ind in self.indicators for item in ind.items)

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(f"no indicator {indicator_id!r}")

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"no item {item_id!r}")


def load_indicators(path: Path | str | None = None) -> IndicatorSystem:
    """Read and validate the indicator file (default: the evaluation's ``indicators.yaml``)."""
    path = Path(path) if path is not None else data_file("indicators.yaml")
    model = read_model(path, _SystemModel, IndicatorError)

    seen_indicators: set[str] = set()
    seen_items: set[str] = set()
    for i, ind in enumerate(model.indicators):
        if ind.id in seen_indicators:
            raise IndicatorError(f"{path}: indicators[{i}].id: duplicate indicator {ind.id!r}")
        seen_indicators.add(ind.id)
        for j, item in enumerate(ind.items):
            if item.id in seen_items or item.id in seen_indicators:
                raise IndicatorError(
                    f"{path}: indicators[{i}].items[{j}].id: duplicate id {item.id!r}"
                )
            seen_items.add(item.id)

    t = model.thresholds
    return IndicatorSystem(
        name=model.name,
        indicators=tuple(
            Indicator(
                ind.id,
                ind.name,
                ind.weight,
                tuple(
                    Item(
                        id=item.id,
                        name=item.name,
                        indicator=ind.id,
                        weight=item.weight,
                        measurements=tuple(item.measurements),
                        rubric=Rubric(
                            method=item.rubric.method,
                            points=MappingProxyType(dict(item.rubric.points)),
                            kind=item.rubric.kind,
                            free_steps=item.rubric.free_steps,
                            step_penalty=item.rubric.step_penalty,
                            floor=item.rubric.floor,
                        ),
                        describe=item.describe,
                    )
                    for item in ind.items
                ),
            )
            for ind in model.indicators
        ),
        thresholds=Thresholds(t.on_time_working_days, t.window_working_days, t.incomplete_share),
        source=path,
    )
