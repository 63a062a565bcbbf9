"""Scoring: from observations to items, indicators, cities, regions and the nation.

The *score* step of the data flow (README, architecture). Pure policy: no browser, HTTP,
SQLite or clock; the indicator system (``scenarios/indicators.yaml``, ``probes/plan/indicators.py``)
says which rubric each item uses and what each category scores, and this module applies it.

The levels, each a mean of the one below::

    observation (one probe: a matter on a channel; one consultation; one complaint)
      -> city x scenario x channel     mean over the matters (interaction: per scenario)
      -> city item                     mean over its scenario x channel groups
      -> city indicator                weighted mean over its *measured* items
      -> city score                    weighted mean over its *measured* indicators
      -> region, nation                mean over the *complete* cities

Rules:

* ``probe_error`` (our failure), ``blocked`` (needs a person) and a transient outcome
  (``timeout``, ``portal_error``, ``portal_unreachable``) not yet confirmed are *excluded*
  and listed, never scored as zero; so is a regression held for an evaluator (``held``:
  worse than the same probe of the previous round, until confirmed or overridden). A confirmed transient outcome scores as not found.
* An item with no measurement is ``None`` ("not measured", hardware for now), never zero.
* A city with more than ``incomplete_share`` of its expected observations missing or excluded
  is marked incomplete (``complete=False``): it keeps the score of what is left, flagged, but
  gets no rank and does not enter the region and national means.
* Ranks: 1 is best; cities whose scores agree to 2 decimals (as published) share a rank, and
  the next rank skips (1, 2, 2, 4).
* The national figure of every item, indicator and the score is the mean over the complete
  cities, as the published rubric does it: each city 100 / 50 / 0 on an interaction item, the
  nation the mean over 36.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Literal, Protocol

from probes.outcomes import TRANSIENT, Outcome
from probes.plan.cities import REGIONS
from probes.plan.indicators import IndicatorSystem, Item, Rubric

Timeliness = Literal["on_time", "late", "no_reply"]


Effectiveness = Literal["solved", "partly", "not"]


# The published rubric; the shipped indicators.yaml gives these same points.
TIMELINESS_POINTS: Mapping[str, int] = MappingProxyType({"on_time": 100, "late": 50, "no_reply": 0})


EFFECTIVENESS_POINTS: Mapping[str, int] = MappingProxyType({"solved": 100, "partly": 50, "not": 0})


# The brief's regions, in its order; a region not listed here follows in order of appearance.


INTERACTION_KINDS = frozenset({"consult", "complaint"})


def timeliness(
    working_days: int | None, window_closed: bool, *, on_time_days: int = 5
) -> Timeliness | None:
    """Classify a reply by the working days it took (``None``: no reply yet).

    Within ``on_time_days`` is on time, later is late; no reply when the observation window
    has closed is "no reply"; no reply with the window still open is ``None`` (still waiting).
    Take ``on_time_days`` from ``system.thresholds.on_time_days``.
    """
    if working_days is None:
        return "no_reply" if window_closed else None
    if working_days < 0:
        raise ValueError(f"working_days must be >= 0, not {working_days}")
    return "on_time" if working_days <= on_time_days else "late"


class AnswerPoint(Protocol):
    """A point a good answer covers; covered when any of its keywords occurs in the reply.

    ``probes.plan.scenarios.AnswerPoint`` is one.
    """

    @property
    def id(self) -> str: ...

    @property
    def keywords(self) -> Sequence[str]: ...


def _fold(text: str) -> str:
    """Full-width to half-width, case-folded, all white space removed: how keywords match."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def covered_points(reply_text: str | None, points: Sequence[AnswerPoint]) -> tuple[str, ...]:
    """The ids of the answer points the reply covers, in the order given."""
    text = _fold(reply_text or "")
    return tuple(
        p.id for p in points if text and any(k2 and k2 in text for k2 in map(_fold, p.keywords))
    )


def suggest_effectiveness(reply_text: str | None, points: Sequence[AnswerPoint]) -> Effectiveness:
    """A first judgement for a person to confirm: every point covered -> solved, some ->
    partly, none or no reply -> not."""
    if not points:
        raise ValueError("no answer points to judge the reply against")
    covered = len(covered_points(reply_text, points))
    if covered == len(points):
        return "solved"
    return "partly" if covered else "not"


@dataclass(frozen=True)
class GuideObservation:
    """One probe: a matter's guide looked for on one channel of one city's portal."""

    city: str
    scenario: str
    matter: str
    channel: str  # pc | mobile
    outcome: Outcome
    found_by: str | None  # search | navigation | direct; None when not found
    steps: int
    seconds: float
    rank: int | None
    completeness: float | None  # share of required elements present, 0..1
    findings: int  # accuracy problems found
    checks: int  # accuracy checks made
    confirmed: bool = True  # a transient outcome counts only once confirmed
    probe_id: int | None = None  # the stored probe it was read from (explanations link it)
    held: bool = False  # a regression held for an evaluator (probes/alert/regressions.py)

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", Outcome(self.outcome))
        if self.completeness is not None and not 0 <= self.completeness <= 1:
            raise ValueError(f"completeness {self.completeness} is outside 0..1")
        if self.findings < 0 or self.checks < 0 or self.steps < 0:
            raise ValueError("findings, checks and steps must be >= 0")


@dataclass(frozen=True)
class InteractionObservation:
    """One consultation or complaint and how the city answered it."""

    city: str
    scenario: str
    kind: str  # consult | complaint
    timeliness: Timeliness | None  # None: still waiting
    effectiveness: Effectiveness | None  # None: not judged (yet)
    effectiveness_source: str | None = None  # auto | evaluator (as probes/store/ keeps it)
    replied: bool = False  # a reply came: no timeliness then means it is for an evaluator

    def __post_init__(self) -> None:
        if self.kind not in INTERACTION_KINDS:
            raise ValueError(f"kind {self.kind!r} is not one of {sorted(INTERACTION_KINDS)}")
        if self.timeliness is not None and self.timeliness not in TIMELINESS_POINTS:
            raise ValueError(f"timeliness {self.timeliness!r} is not one of {[*TIMELINESS_POINTS]}")
        if self.effectiveness is not None and self.effectiveness not in EFFECTIVENESS_POINTS:
            raise ValueError(
                f"effectiveness {self.effectiveness!r} is not one of {[*EFFECTIVENESS_POINTS]}"
            )


@dataclass(frozen=True)
class HandlingObservation:
    """Whether and how deep a matter can be handled online on one channel."""

    city: str
    scenario: str
    matter: str
    channel: str
    online_apply: bool | None
    visits: int | None  # on-site visits the guide states (到办事现场次数)
    depth: str | None  # 网上办理深度: I..IV (Ⅰ..Ⅳ, 1..4 and "Ⅲ级" are read too)
    held: bool = False  # its probe is a regression held for an evaluator


@dataclass(frozen=True)
class HardwareObservation:
    """A score 0..100 measured directly for an item whose rubric is ``direct``."""

    city: str
    item: str
    value: float

    def __post_init__(self) -> None:
        if not 0 <= self.value <= 100:
            raise ValueError(f"value {self.value} is outside 0..100")


@dataclass(frozen=True)
class CityInfo:
    city: str
    name: str
    region: str


@dataclass(frozen=True)
class Expected:
    """The observations every city should have; the share missing decides completeness."""

    guides: frozenset[tuple[str, str, str]]  # (scenario, matter, channel)
    interactions: frozenset[tuple[str, str]]  # (scenario, kind)
    handling: frozenset[tuple[str, str, str]]  # (scenario, matter, channel)

    @classmethod
    def from_observations(
        cls,
        guides: Iterable[GuideObservation],
        interactions: Iterable[InteractionObservation],
        handling: Iterable[HandlingObservation],
    ) -> Expected:
        """What any city has, every city should have."""
        return cls(
            frozenset((g.scenario, g.matter, g.channel) for g in guides),
            frozenset((i.scenario, i.kind) for i in interactions),
            frozenset((h.scenario, h.matter, h.channel) for h in handling),
        )

    @property
    def total(self) -> int:
        return len(self.guides) + len(self.interactions) + len(self.handling)


def _obtainability(r: Rubric, o: GuideObservation) -> float | None:
    if o.outcome != Outcome.OK:
        return r.points["not_found"]
    found_by = o.found_by or "direct"
    if found_by not in r.points:
        raise ValueError(f"found_by {o.found_by!r} is not one of search, navigation, direct")
    base = r.points[found_by]
    penalty = r.step_penalty * max(0, o.steps - r.free_steps)
    return max(base - penalty, min(base, r.floor))


def _completeness(r: Rubric, o: GuideObservation) -> float | None:
    if o.outcome != Outcome.OK or o.completeness is None:
        return None
    return 100 * o.completeness


def _accuracy(r: Rubric, o: GuideObservation) -> float | None:
    if o.outcome != Outcome.OK or o.checks == 0:
        return None
    return 100 * max(0.0, 1 - o.findings / o.checks)


def fully_online(h: HandlingObservation) -> bool | None:
    """Applied for online and no visit; ``None`` when the observation cannot tell."""
    if h.online_apply is False or (h.visits is not None and h.visits > 0):
        return False
    if h.online_apply is True and h.visits == 0:
        return True
    return None


def _full_online(r: Rubric, h: HandlingObservation) -> float | None:
    full = fully_online(h)
    return None if full is None else r.points["yes" if full else "no"]


_DEPTH_ALIASES = {"Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "Ⅳ": "IV", "1": "I", "2": "II", "3": "III"}


_DEPTH_ALIASES |= {"4": "IV", "一": "I", "二": "II", "三": "III", "四": "IV"}


def depth_level(depth: str) -> str:
    """``Ⅲ级``, ``III``, ``3`` -> ``III``; anything else is an error."""
    text = unicodedata.normalize("NFKC", depth).strip().upper().removeprefix("第")
    text = text.removesuffix("级").strip()
    text = _DEPTH_ALIASES.get(text, text)
    if text not in {"I", "II", "III", "IV"}:
        raise ValueError(f"online-handling depth {depth!r} is not one of I..IV")
    return text


def _depth(r: Rubric, h: HandlingObservation) -> float | None:
    return None if h.depth is None else r.points[depth_level(h.depth)]


def _visits(r: Rubric, h: HandlingObservation) -> float | None:
    if h.visits is None:
        return None
    return r.points[str(h.visits) if h.visits in (0, 1) else "more"]


def _timeliness(r: Rubric, i: InteractionObservation) -> float | None:
    return None if i.timeliness is None else r.points[i.timeliness]


def _effectiveness(r: Rubric, i: InteractionObservation) -> float | None:
    if i.effectiveness is not None:
        return r.points[i.effectiveness]
    if i.timeliness == "no_reply":  # no reply solves nothing
        return r.points["not"]
    return None


def _direct(r: Rubric, h: HardwareObservation) -> float | None:
    return h.value


# Rubric method -> (the observations it reads, the function). Every method of
# probes.indicators.METHOD_POINTS has one (tests/test_scoring.py checks).
RULES: Mapping[str, tuple[str, Callable[[Rubric, Any], float | None]]] = MappingProxyType(
    {
        "obtainability": ("guide", _obtainability),
        "completeness": ("guide", _completeness),
        "accuracy": ("guide", _accuracy),
        "full_online": ("handling", _full_online),
        "depth": ("handling", _depth),
        "visits": ("handling", _visits),
        "timeliness": ("interaction", _timeliness),
        "effectiveness": ("interaction", _effectiveness),
        "direct": ("hardware", _direct),
    }
)


# A probe worse than the same probe of the previous round: not scored until an evaluator
# confirms the machine or overrides it (the holds table).
REGRESSION_HELD = "regression to be reviewed"


def guide_exclusion(o: GuideObservation) -> str | None:
    """Why a guide observation is left out of the score, or ``None`` when it counts."""
    if o.held:
        return REGRESSION_HELD
    if o.outcome == Outcome.PROBE_ERROR:
        return "probe_error"
    if o.outcome == Outcome.BLOCKED:
        return "blocked (needs review)"
    if o.outcome in TRANSIENT and not o.confirmed:
        return f"{o.outcome.value} not confirmed"
    return None


def _interaction_exclusion(i: InteractionObservation) -> str | None:
    if i.timeliness is not None:
        return None
    # a reply whose time the portal does not show, first seen too late to tell on time from
    # late (probes/score/replies.py): not scored until an evaluator judges it
    return "timeliness to be reviewed" if i.replied else "waiting for a reply"


def _handling_exclusion(h: HandlingObservation) -> str | None:
    if h.held:
        return REGRESSION_HELD
    if h.online_apply is None and h.visits is None and h.depth is None:
        return "handling not determined"
    return None


# Observation kind -> (its expected key, why it is left out).
_KEYED: Mapping[str, tuple[Callable[[Any], tuple[str, ...]], Callable[[Any], str | None]]] = (
    MappingProxyType(
        {
            "guide": (lambda o: (o.scenario, o.matter, o.channel), guide_exclusion),
            "interaction": (lambda o: (o.scenario, o.kind), _interaction_exclusion),
            "handling": (lambda o: (o.scenario, o.matter, o.channel), _handling_exclusion),
        }
    )
)


@dataclass(frozen=True)
class CityScore:
    city: str
    name: str
    region: str
    score: float | None
    rank: int | None  # None: incomplete or nothing measured
    indicators: Mapping[str, float | None]
    items: Mapping[str, float | None]
    complete: bool
    excluded: tuple[str, ...]  # "scenario/matter/channel: reason", missing ones too
    missing_share: float  # of the expected observations, missing or excluded


@dataclass(frozen=True)
class RegionScore:
    region: str
    score: float | None
    best: str | None  # city id; on a tie, the tied city listed first
    worst: str | None  # on a tie, the tied city listed last


@dataclass(frozen=True)
class NationalScore:
    score: float | None
    indicators: Mapping[str, float | None]
    items: Mapping[str, float | None]
    full_online_cities: Mapping[str, int]  # scenario -> cities opening it fully online on PC


def _r2(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


@dataclass(frozen=True)
class RoundScore:
    national: NationalScore
    regions: tuple[RegionScore, ...]
    cities: tuple[CityScore, ...]  # by rank, unranked last

    def city(self, city_id: str) -> CityScore:
        for c in self.cities:
            if c.city == city_id:
                return c
        raise KeyError(f"no city {city_id!r}")

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values, scores rounded to 2 decimals; the caller adds ``round``."""
        n = self.national
        return {
            "national": {
                "score": _r2(n.score),
                "indicators": {k: _r2(v) for k, v in n.indicators.items()},
                "items": {k: _r2(v) for k, v in n.items.items()},
                "full_online_cities": dict(n.full_online_cities),
            },
            "regions": [
                {"region": r.region, "score": _r2(r.score), "best": r.best, "worst": r.worst}
                for r in self.regions
            ],
            "cities": [
                {
                    "city": c.city,
                    "name": c.name,
                    "region": c.region,
                    "score": _r2(c.score),
                    "rank": c.rank,
                    "indicators": {k: _r2(v) for k, v in c.indicators.items()},
                    "items": {k: _r2(v) for k, v in c.items.items()},
                    "complete": c.complete,
                    "excluded": list(c.excluded),
                }
                for c in self.cities
            ],
        }


def _mean(values: Iterable[float]) -> float | None:
    vs = list(values)
    return sum(vs) / len(vs) if vs else None


def _weighted_mean(pairs: Iterable[tuple[float | None, float]]) -> float | None:
    """Mean of the measured values (not None), by weight."""
    measured = [(v, w) for v, w in pairs if v is not None]
    total = sum(w for _, w in measured)
    return sum(v * w for v, w in measured) / total if measured else None


def competition_ranks(scores: Mapping[str, float]) -> dict[str, int]:
    """1 is best; equal scores (to 2 decimals) share a rank and the next rank skips."""
    rounded = {k: round(v, 2) for k, v in scores.items()}
    first: dict[float, int] = {}  # score -> 1 + how many scored higher
    for position, value in enumerate(sorted(rounded.values(), reverse=True), start=1):
        first.setdefault(value, position)
    return {k: first[v] for k, v in rounded.items()}


def _group(kind: str, obs: Any) -> tuple[str, ...]:
    if kind in ("guide", "handling"):
        return (obs.scenario, obs.channel)
    if kind == "interaction":
        return (obs.scenario,)
    return ()


def _item_value(item: Item, usable: Mapping[str, Sequence[Any]]) -> float | None:
    """Probe values -> mean per city x scenario x channel -> mean over those groups."""
    kind, rule = RULES[item.rubric.method]
    groups: dict[tuple[str, ...], list[float]] = defaultdict(list)
    for obs in usable[kind]:
        if kind == "interaction" and obs.kind != item.rubric.kind:
            continue
        if kind == "hardware" and obs.item != item.id:
            continue
        value = rule(item.rubric, obs)
        if value is not None:
            groups[_group(kind, obs)].append(value)
    return _mean(sum(vs) / len(vs) for vs in groups.values())


def _score_city(
    info: CityInfo,
    obs: Mapping[str, Sequence[Any]],
    expected: Expected,
    system: IndicatorSystem,
) -> CityScore:
    excluded: list[str] = []
    bad_keys = 0  # expected keys with no observation that counts
    usable: dict[str, list[Any]] = {"hardware": list(obs["hardware"])}
    for kind, keys in (
        ("guide", expected.guides),
        ("interaction", expected.interactions),
        ("handling", expected.handling),
    ):
        key_of, exclusion = _KEYED[kind]
        by_key: dict[tuple[str, ...], list[Any]] = defaultdict(list)
        for o in obs[kind]:
            by_key[key_of(o)].append(o)
        usable[kind] = []
        for key in sorted(set(by_key) | set(keys)):
            label = "/".join(key)
            if key not in by_key:
                excluded.append(f"{label}: missing")
            good = []
            for o in by_key.get(key, []):
                reason = exclusion(o)
                if reason is None:
                    good.append(o)
                else:
                    excluded.append(f"{label}: {reason}")
            bad_keys += key in keys and not good
            usable[kind].extend(good)

    items = {item.id: _item_value(item, usable) for item in system.items}
    indicators = {
        ind.id: _weighted_mean((items[i.id], i.weight) for i in ind.items)
        for ind in system.indicators
    }
    score = _weighted_mean((indicators[ind.id], ind.weight) for ind in system.indicators)
    share = bad_keys / expected.total if expected.total else 0.0
    return CityScore(
        city=info.city,
        name=info.name,
        region=info.region,
        score=score,
        rank=None,
        indicators=MappingProxyType(indicators),
        items=MappingProxyType(items),
        complete=share <= system.thresholds.incomplete_share,
        excluded=tuple(excluded),
        missing_share=share,
    )


def _full_online_cities(
    cities: Sequence[CityInfo], handling: Sequence[HandlingObservation], expected: Expected
) -> dict[str, int]:
    """Per scenario, the cities whose every matter is handled fully online on PC."""
    # (city, scenario) -> matter -> verdicts, in one pass (not one pass per city: 300 cities)
    verdicts: dict[tuple[str, str], dict[str, list[bool | None]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for h in handling:
        if h.channel == "pc":
            verdicts[(h.city, h.scenario)][h.matter].append(fully_online(h))
    counts: dict[str, int] = {}
    for scenario in sorted({s for s, _, _ in expected.handling}):
        matters = {m for s, m, c in expected.handling if s == scenario and c == "pc"}
        count = 0
        for info in cities:
            mine = verdicts.get((info.city, scenario), {})
            if matters and all(mine.get(m) and all(mine[m]) for m in matters):
                count += 1
        counts[scenario] = count
    return counts


def score_round(
    cities: Sequence[CityInfo],
    guides: Sequence[GuideObservation],
    interactions: Sequence[InteractionObservation],
    handling: Sequence[HandlingObservation],
    hardware: Sequence[HardwareObservation],
    system: IndicatorSystem,
    *,
    expected: Expected | None = None,
) -> RoundScore:
    """Score one round of observations (module docstring for the levels and the rules).

    ``expected`` defaults to what any city has (``Expected.from_observations``).
    """
    for item in system.items:
        if item.rubric.method not in RULES:
            raise ValueError(f"item {item.id!r}: no scoring rule for {item.rubric.method!r}")
    known = {c.city for c in cities}
    if len(known) != len(cities):
        raise ValueError("a city is listed twice")
    per_city: dict[str, dict[str, list[Any]]] = {
        c.city: {"guide": [], "interaction": [], "handling": [], "hardware": []} for c in cities
    }
    for kind, observations in (
        ("guide", guides),
        ("interaction", interactions),
        ("handling", handling),
        ("hardware", hardware),
    ):
        for o in observations:
            if o.city not in known:
                raise ValueError(f"{kind} observation for unknown city {o.city!r}")
            per_city[o.city][kind].append(o)
    if expected is None:
        expected = Expected.from_observations(guides, interactions, handling)

    scored = [_score_city(c, per_city[c.city], expected, system) for c in cities]
    ranked = {c.city: c.score for c in scored if c.complete and c.score is not None}
    ranks = competition_ranks(ranked)
    order = {c.city: i for i, c in enumerate(cities)}
    city_scores = sorted(
        (replace(c, rank=ranks.get(c.city)) for c in scored),
        key=lambda c: (c.rank is None, c.rank or 0, order[c.city]),
    )
    counted = [c for c in city_scores if c.rank is not None]

    region_names = [r for r in REGIONS if any(c.region == r for c in cities)]
    region_names += [r for r in dict.fromkeys(c.region for c in cities) if r not in REGIONS]
    regions = []
    for region in region_names:
        members = [c for c in counted if c.region == region]  # best first
        regions.append(
            RegionScore(
                region,
                _mean(c.score for c in members if c.score is not None),
                members[0].city if members else None,
                members[-1].city if members else None,
            )
        )

    national = NationalScore(
        score=_mean(c.score for c in counted if c.score is not None),
        indicators=MappingProxyType(
            {
                ind.id: _mean(v for c in counted if (v := c.indicators[ind.id]) is not None)
                for ind in system.indicators
            }
        ),
        items=MappingProxyType(
            {
                item.id: _mean(v for c in counted if (v := c.items[item.id]) is not None)
                for item in system.items
            }
        ),
        full_online_cities=MappingProxyType(_full_online_cities(cities, handling, expected)),
    )
    return RoundScore(national, tuple(regions), tuple(city_scores))
