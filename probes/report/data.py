"""The report: one self-contained HTML file for evaluators, and its tables as XLSX or CSV.

The *report* step of the data flow (README, architecture). Pure: the caller reads the round
from the database and hands in one plain dict (``ReportData``); nothing here opens SQLite, a
browser or the network. The HTML opens with no internet: inline CSS, charts as inline SVG
(``probes/report/charts.py``), screenshots as ``data:`` URIs given by the caller, no script. Every
value from a portal (titles, replies, guide values, urls) goes through Jinja2's autoescape
(``probes/report/templates/``); portal urls are shown as text, never as links.

What the caller builds (``build_report_data`` assembles it from the pieces)::

    ReportData = {
        "round": str,                      # round id
        "round_time": str,                 # when the round ran, as evaluators should read it
        "generated_at": str | None,        # when the report was made (optional)
        "score": dict,                     # probes.scoring.RoundScore.to_json()
        "indicators": [                    # indicator_tree(system): ids, 中文 names, weights
            {"id", "name", "weight", "items": [{"id", "name", "weight", "method", "kind",
                                                 "describe"}]}],
        "names": {id: 中文},               # scenario and matter ids (runner.chinese_names())
        "offline": OfflineSection | None,  # offline_section(read_offline(...), ...)
        "compare": dict | None,            # {"round": older round id, **compare(new, old)}
        "cities": {city_id: {              # each city's evidence, for its page
            "probes": [ProbeRow],          # city, scenario, matter, channel, outcome, reason,
                                           # guide_url, screenshot (data URI | None),
                                           # elements {canonical: value}, missing [canonical]
            "threads": [ThreadRow]}},      # kind, scenario, title, question, ticket,
                                           # submitted_at, reply_text, replied_at,
                                           # working_days, timeliness, effectiveness,
                                           # effectiveness_source (auto | evaluator)
    }

What evaluators read: Chinese labels throughout; English ids only in ``data-*`` attributes
(``data-city``, ``data-indicator``, ``data-item``, ``data-quadrant``, ``data-table``,
``data-chart``). An item or indicator with no measurement shows 未测, never 0. An incomplete
city shows 数据不全 and no rank. A figure resting on an evaluator's judgement (a thread whose
``effectiveness_source`` is ``evaluator``, and the effectiveness item it feeds, for the city and
for the nation) carries ※.

The spreadsheet tables (``report_tables``), one sheet each in ``write_xlsx`` and one file each
in ``write_csv`` (``<dir>/<file>.csv``, UTF-8 with a BOM so that Excel reads the Chinese)::

    sheet      file                     rows
    全国       national.csv             总分, each indicator and item, 全程网办城市数
    区域       regions.csv              each region: score, change, best and worst city
    城市       cities.csv               each city: rank, id, name, region, score, change,
                                        完整 (是 | 数据不全), each indicator, each item,
                                        评估人判定 (the items resting on an evaluator's judgement)
    探测       probes.csv               each probe (no screenshots)
    咨询投诉   threads.csv              each consultation and complaint
    线上线下   offline.csv              each city with an offline score (header only without)
    材料差异   material_differences.csv each (city, matter) whose materials differ
    可用性     availability.csv         each city's week of visits: the share loaded, the
                                        visits, the rule's, 抽样不足 (是 | 否), the score

Not measured is written 未测; a change that cannot be computed is left empty. Portal text is
never a formula: an XLSX cell starting with ``=`` is stored as text, and a CSV cell starting
with ``=``, ``+``, ``-`` or ``@`` gets a leading ``'`` (what spreadsheets read as "text").
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from probes.outcomes import IDS, LABELS_ZH, Outcome, outcome_name
from probes.plan.elements import in_canonical_order
from probes.plan.indicators import IndicatorSystem
from probes.report import charts
from probes.score.offline import (
    QUADRANTS,
    OfflineResults,
    Quadrants,
    combine,
    material_differences,
    online_city_scores,
    quadrants,
)
from probes.text import (
    CHANNEL_ZH,
    EFFECTIVENESS_ZH,
    EVALUATOR_MARK,
    KIND_ZH,
    SAMPLING_SHORT_ZH,
    SOURCE_ZH,
    TIMELINESS_ZH,
    availability_text,
    beijing,
)

TEMPLATES = Path(__file__).parent / "templates"


TITLE = "政务服务体验式评估报告"


NOT_MEASURED = "未测"


INCOMPLETE = "数据不全"


_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/=\s]*$")


class ProbeRow(TypedDict):
    city: str
    scenario: str
    matter: str
    channel: str  # pc | mobile
    outcome: str  # probes.outcomes.Outcome value
    reason: str
    guide_url: str | None
    screenshot: str | None  # data:image/png;base64,... (jpeg, webp, gif too), or None
    elements: dict[str, str]  # canonical element -> value, the elements present
    missing: list[str]  # required elements missing or empty
    evidence_problems: NotRequired[list[str]]  # evidence files changed or missing since stored


class ThreadRow(TypedDict):
    kind: str  # consult | complaint
    scenario: str
    title: str
    question: str
    ticket: str | None
    submitted_at: str | None
    reply_text: str | None
    replied_at: str | None
    working_days: float | None
    timeliness: str | None  # on_time | late | no_reply; None: still waiting
    effectiveness: str | None  # solved | partly | not; None: not judged
    effectiveness_source: str | None  # auto | evaluator


class CityEvidence(TypedDict):
    probes: list[ProbeRow]
    threads: list[ThreadRow]


class MaterialDifferenceRow(TypedDict):
    city: str
    matter: str
    online_only: list[str]
    offline_only: list[str]


class OfflineSection(TypedDict):
    source: str  # the file read
    sample: bool  # the file says it is sample data: the report says so
    scores: dict[str, float]  # city id -> offline score
    indicators: dict[str, dict[str, float]]  # city id -> indicator id -> offline score
    weights: list[float]  # [online, offline] for the combined score
    materials_compared: int  # (city, matter) pairs listed on both sides
    material_differences: list[MaterialDifferenceRow]


class ReportData(TypedDict):
    round: str
    round_time: str
    score: dict[str, Any]  # RoundScore.to_json()
    indicators: list[dict[str, Any]]  # indicator_tree(system)
    generated_at: NotRequired[str | None]
    portal_clock: NotRequired[str | None]  # the clock thread times are on, when not the real one
    names: NotRequired[dict[str, str]]  # scenario and matter id -> 中文
    offline: NotRequired[OfflineSection | None]
    compare: NotRequired[dict[str, Any] | None]  # {"round": old id, **compare(new, old)}
    cities: NotRequired[dict[str, CityEvidence]]


_EMPTY = {"elements": dict, "missing": list}


def _row(row: Mapping[str, Any], kind: type) -> dict[str, Any]:
    """``row`` with exactly the keys of ``kind`` (a ProbeRow or ThreadRow): those not given
    are None (elements {}, missing [])."""
    return {k: row.get(k, _EMPTY[k]() if k in _EMPTY else None) for k in kind.__annotations__}


def indicator_tree(system: IndicatorSystem) -> list[dict[str, Any]]:
    """The indicator system as ``ReportData["indicators"]``: ids, Chinese names, weights."""
    return [
        {
            "id": ind.id,
            "name": ind.name,
            "weight": ind.weight,
            "items": [
                {
                    "id": item.id,
                    "name": item.name,
                    "weight": item.weight,
                    "method": item.rubric.method,
                    "kind": item.rubric.kind,
                    "describe": item.describe,
                }
                for item in ind.items
            ],
        }
        for ind in system.indicators
    ]


def offline_section(
    results: OfflineResults,
    online_materials: Mapping[tuple[str, str], Sequence[str]] | None = None,
    weights: tuple[float, float] = (0.5, 0.5),
) -> OfflineSection:
    """``ReportData["offline"]`` from an imported file and, optionally, the online materials
    per (city, matter) (the guides' 申请材料, as ``probes.score.offline.material_differences``
    takes them)."""
    online_materials = online_materials or {}
    differences = material_differences(online_materials, results.materials)
    return {
        "source": str(results.source),
        "sample": results.sample,
        "scores": dict(results.scores),
        "indicators": {c: dict(v) for c, v in results.indicators.items()},
        "weights": list(weights),
        "materials_compared": sum(1 for k in online_materials if k in results.materials),
        "material_differences": [
            {
                "city": city,
                "matter": matter,
                "online_only": list(d.online_only),
                "offline_only": list(d.offline_only),
            }
            for (city, matter), d in differences.items()
        ],
    }


def build_report_data(
    *,
    round_id: str,
    round_time: str,
    score: Mapping[str, Any],
    system: IndicatorSystem,
    names: Mapping[str, str] | None = None,
    probes: Iterable[Mapping[str, Any]] = (),
    threads: Iterable[Mapping[str, Any]] = (),
    offline: OfflineSection | None = None,
    previous: tuple[str, Mapping[str, Any]] | None = None,
    generated_at: str | None = None,
    portal_clock: str | None = None,
) -> ReportData:
    """Assemble ``ReportData``: probe and thread rows (``ProbeRow``, ``ThreadRow`` keys plus
    ``city``; other keys are dropped, missing ones are None) grouped by city; rows without a
    city (a bare portal url) are left out. ``previous`` is (older round id, its score JSON)."""
    cities: dict[str, CityEvidence] = {}
    for p in probes:
        if p.get("city"):
            row = _row(p, ProbeRow)
            cities.setdefault(p["city"], {"probes": [], "threads": []})["probes"].append(row)
    for t in threads:
        if t.get("city"):
            row = _row(t, ThreadRow)
            cities.setdefault(t["city"], {"probes": [], "threads": []})["threads"].append(row)
    data: ReportData = {
        "round": round_id,
        "round_time": round_time,
        "generated_at": generated_at,
        "portal_clock": portal_clock,
        "score": dict(score),
        "indicators": indicator_tree(system),
        "names": dict(names or {}),
        "offline": offline,
        "compare": None,
        "cities": cities,
    }
    if previous is not None:
        old_round, old_score = previous
        data["compare"] = {"round": old_round, **compare(score, old_score)}
    return data


def _change(new: float | None, old: float | None) -> float | None:
    return None if new is None or old is None else round(new - old, 2)


def _changes(new: Mapping[str, Any], old: Mapping[str, Any]) -> dict[str, float | None]:
    keys = [*new, *(k for k in old if k not in new)]
    return {k: _change(new.get(k), old.get(k)) for k in keys}


def compare(score_json_new: Mapping[str, Any], score_json_old: Mapping[str, Any]) -> dict:
    """The change from the old round to the new one (new − old, 2 decimals)::

        {"national": {"score", "indicators": {id: Δ}, "items": {id: Δ}},
         "regions": {region: Δ},
         "cities": {city: {"score", "rank", "indicators": {id: Δ}, "items": {id: Δ}}}}

    ``None`` where either side is missing (not measured, or the city or region absent).
    A city's ``rank`` change is the places it rose (old rank − new rank: 3 means up three),
    ``None`` when it is unranked in either round.
    """
    new_n, old_n = score_json_new["national"], score_json_old["national"]
    new_regions = {r["region"]: r["score"] for r in score_json_new["regions"]}
    old_regions = {r["region"]: r["score"] for r in score_json_old["regions"]}
    new_cities = {c["city"]: c for c in score_json_new["cities"]}
    old_cities = {c["city"]: c for c in score_json_old["cities"]}
    cities = {}
    for city in [*new_cities, *(c for c in old_cities if c not in new_cities)]:
        new, old = new_cities.get(city), old_cities.get(city)
        if new is None or old is None:
            present = new or old or {}
            cities[city] = {
                "score": None,
                "rank": None,
                "indicators": dict.fromkeys(present.get("indicators", {})),
                "items": dict.fromkeys(present.get("items", {})),
            }
            continue
        ranks = (old["rank"], new["rank"])
        cities[city] = {
            "score": _change(new["score"], old["score"]),
            "rank": None if None in ranks else ranks[0] - ranks[1],
            "indicators": _changes(new["indicators"], old["indicators"]),
            "items": _changes(new["items"], old["items"]),
        }
    return {
        "national": {
            "score": _change(new_n["score"], old_n["score"]),
            "indicators": _changes(new_n["indicators"], old_n["indicators"]),
            "items": _changes(new_n["items"], old_n["items"]),
        },
        "regions": _changes(new_regions, old_regions),
        "cities": cities,
    }


def _fmt(value: float | None) -> str:
    return NOT_MEASURED if value is None else f"{value:.2f}"


def _fmt_change(value: float | None) -> str:
    if value is None:
        return "—"
    return "持平" if value == 0 else f"{value:+.2f}"


def _fmt_rank_change(value: int | None) -> str:
    if value is None:
        return "—"
    return "持平" if value == 0 else (f"↑{value}" if value > 0 else f"↓{-value}")


def _evaluator_items(data: ReportData) -> dict[str, set[str]]:
    """City id -> the items whose figure rests on an evaluator's judgement."""
    by_kind: dict[str, list[str]] = {}
    for ind in data["indicators"]:
        for item in ind["items"]:
            if item["method"] == "effectiveness" and item["kind"]:
                by_kind.setdefault(item["kind"], []).append(item["id"])
    marked: dict[str, set[str]] = {}
    # overrides and labels (probes/store/overrides.py): score_of lists them per city as "judged"
    for c in data["score"].get("cities", []):
        if c.get("judged"):
            marked.setdefault(c["city"], set()).update(c["judged"])
    for city, evidence in (data.get("cities") or {}).items():
        for t in evidence.get("threads", []):
            if t.get("effectiveness_source") == "evaluator":
                marked.setdefault(city, set()).update(by_kind.get(t["kind"], ()))
    return marked


@dataclass(frozen=True)
class _Names:
    names: Mapping[str, str]
    cities: Mapping[str, str]
    indicators: Mapping[str, str]
    items: Mapping[str, str]

    def of(self, key: str | None) -> str:
        if key is None:
            return ""
        return self.cities.get(key) or self.names.get(key) or key


def _names(data: ReportData) -> _Names:
    return _Names(
        names=data.get("names") or {},
        cities={c["city"]: c.get("name") or c["city"] for c in data["score"]["cities"]},
        indicators={i["id"]: i["name"] for i in data["indicators"]},
        items={it["id"]: it["name"] for i in data["indicators"] for it in i["items"]},
    )


def _check(data: Mapping[str, Any]) -> None:
    for key in ("round", "round_time", "score", "indicators"):
        if key not in data:
            raise ValueError(f"report data: missing {key!r}")
    for city, evidence in (data.get("cities") or {}).items():
        for p in evidence.get("probes", []):
            shot = p.get("screenshot")
            if shot is not None and not _DATA_IMAGE.match(shot):
                where = "/".join(str(p.get(k)) for k in ("scenario", "matter", "channel"))
                raise ValueError(
                    f"report data: cities.{city}: probe {where}: screenshot is not a "
                    "data:image/...;base64 URI (the report embeds, never links)"
                )


@dataclass(frozen=True)
class _OfflineFigures:
    online: dict[str, float]  # the round's ranked cities
    combined: dict[str, float]
    split: Quadrants
    indicator_ids: list[str]  # the indicators the offline file gives for some city


def _offline_figures(data: ReportData) -> _OfflineFigures | None:
    offline = data.get("offline")
    if not offline:
        return None
    online = online_city_scores(data["score"])
    scores = offline["scores"]
    return _OfflineFigures(
        online=online,
        combined=combine(online, scores, tuple(offline.get("weights") or (0.5, 0.5))),
        split=quadrants(online, scores),
        indicator_ids=[
            i["id"]
            for i in data["indicators"]
            if any(i["id"] in v for v in offline["indicators"].values())
        ],
    )


def _offline_view(data: ReportData, names: _Names) -> dict[str, Any] | None:
    offline, figures = data.get("offline"), _offline_figures(data)
    if not offline or figures is None:
        return None
    online, combined, split = figures.online, figures.combined, figures.split
    indicator_ids = figures.indicator_ids
    scores = offline["scores"]
    rows = []
    for city in [*online, *(c for c in scores if c not in online)]:
        if city not in scores:
            continue
        quadrant = split.of.get(city)
        rows.append(
            {
                "city": city,
                "name": names.of(city),
                "online": online.get(city),
                "offline": scores[city],
                "combined": combined.get(city),
                "quadrant": quadrant,
                "quadrant_name": QUADRANTS[quadrant]
                if quadrant
                else "未参与（线上数据不全或未测）",
                "indicators": [offline["indicators"].get(city, {}).get(i) for i in indicator_ids],
            }
        )
    rows.sort(key=lambda r: (r["combined"] is None, -(r["combined"] or 0)))
    counts = split.counts()
    points = [(names.of(c), online[c], scores[c], q) for c, q in split.of.items()]
    differences = [
        {
            **d,
            "name": names.of(d["city"]),
            "matter_name": names.of(d["matter"]),
        }
        for d in offline["material_differences"]
    ]
    return {
        "source": offline["source"],
        "sample": offline["sample"],
        "weights": offline.get("weights") or [0.5, 0.5],
        "online_mean": split.online_mean,
        "offline_mean": split.offline_mean,
        "quadrants": [
            {
                "id": q,
                "name": label,
                "count": counts[q],
                "cities": [names.of(c) for c in split.members(q)],
            }
            for q, label in QUADRANTS.items()
        ],
        "indicator_heads": [(i, "线下" + names.indicators.get(i, i)) for i in indicator_ids],
        "rows": rows,
        "chart": Markup(
            charts.quadrant_scatter(
                points, split.online_mean, split.offline_mean, labels=dict(QUADRANTS)
            )
        ),
        "materials_compared": offline.get("materials_compared", 0),
        "differences": differences,
        "differing_cities": len({d["city"] for d in differences}),
    }


# probes.scoring's reasons for leaving an observation out, as evaluators read them.
_EXCLUDED_ZH = {
    "missing": "缺失",
    "probe_error": LABELS_ZH[Outcome.PROBE_ERROR],
    "blocked (needs review)": "被拦截（待复核）",
    "waiting for a reply": "等待回复",
    "timeliness to be reviewed": "及时性待复核（回复时间无法确定）",
    "regression to be reviewed": "结果较上一轮变差，待复核（暂不计分）",
    "handling not determined": "办理情况未能判定",
}


def _excluded_name(text: str, names: _Names) -> str:
    """``beauty-salon/public-health-permit/pc: timeout not confirmed`` in Chinese."""
    key, _, reason = text.partition(": ")
    parts = [CHANNEL_ZH.get(k) or KIND_ZH.get(k) or names.of(k) for k in key.split("/")]
    if reason.endswith(" not confirmed") and reason.removesuffix(" not confirmed") in IDS:
        reason = outcome_name(reason.removesuffix(" not confirmed")) + "（未确认）"
    return "/".join(parts) + "：" + _EXCLUDED_ZH.get(reason, reason)


def _probe_view(probe: Mapping[str, Any], names: _Names) -> dict[str, Any]:
    p = _row(probe, ProbeRow)
    return {
        **p,
        "scenario_name": names.of(p["scenario"]),
        "matter_name": names.of(p["matter"]),
        "channel_name": CHANNEL_ZH.get(p["channel"], p["channel"]),
        "outcome_name": outcome_name(p["outcome"]),
        "evidence_problems": p.get("evidence_problems") or [],
        "elements": {e: p["elements"][e] for e in in_canonical_order(p["elements"] or {})},
        "missing": in_canonical_order(p["missing"] or []),
    }


def _thread_view(thread: Mapping[str, Any], names: _Names) -> dict[str, Any]:
    t = _row(thread, ThreadRow)
    return {
        **t,
        "kind_name": KIND_ZH.get(t["kind"], t["kind"]),
        "scenario_name": names.of(t["scenario"]),
        "submitted_at": beijing(t["submitted_at"]),
        "replied_at": beijing(t["replied_at"]),
        "working_days": None if t["working_days"] is None else f"{t['working_days']:g}",
        "timeliness_name": TIMELINESS_ZH.get(t["timeliness"], t["timeliness"]),
        "effectiveness_name": EFFECTIVENESS_ZH.get(t["effectiveness"], t["effectiveness"]),
        "source_name": SOURCE_ZH.get(t["effectiveness_source"], t["effectiveness_source"]),
        "marked": t["effectiveness_source"] == "evaluator",
    }


def _basis(data: ReportData):
    """What the page and the tables both start from: the names, the score, the national
    figures, the comparison (national, per city, per region) and the judged items per city."""
    _check(data)
    score = data["score"]
    cmp = data.get("compare") or None
    return (
        _names(data),
        score,
        score["national"],
        cmp,
        cmp["national"] if cmp else {"score": None, "indicators": {}, "items": {}},
        cmp["cities"] if cmp else {},
        cmp["regions"] if cmp else {},
        _evaluator_items(data),
    )


def _view(data: ReportData) -> dict[str, Any]:
    names, score, national, cmp, cmp_national, cmp_cities, cmp_regions, marked = _basis(data)
    counted = {c["city"] for c in score["cities"] if c["rank"] is not None}
    national_marked = set().union(*(marked.get(c, set()) for c in counted))

    indicators = [
        {
            "id": ind["id"],
            "name": ind["name"],
            "score": national["indicators"].get(ind["id"]),
            "change": cmp_national["indicators"].get(ind["id"]),
            "items": [
                {
                    "id": it["id"],
                    "name": it["name"],
                    "score": national["items"].get(it["id"]),
                    "change": cmp_national["items"].get(it["id"]),
                    "marked": it["id"] in national_marked,
                    "describe": it["describe"],
                }
                for it in ind["items"]
            ],
        }
        for ind in data["indicators"]
    ]
    regions = [
        {
            "region": r["region"],
            "score": r["score"],
            "change": cmp_regions.get(r["region"]),
            "best": names.of(r["best"]) if r["best"] else "—",
            "worst": names.of(r["worst"]) if r["worst"] else "—",
        }
        for r in score["regions"]
    ]
    evidence = data.get("cities") or {}
    cities = []
    for c in score["cities"]:
        change = cmp_cities.get(c["city"], {})
        mine = marked.get(c["city"], set())
        city_evidence = evidence.get(c["city"], {"probes": [], "threads": []})
        cities.append(
            {
                "city": c["city"],
                "name": c.get("name") or c["city"],
                "region": c["region"],
                "score": c["score"],
                "rank": c["rank"],
                "complete": c["complete"],
                "change": change.get("score"),
                "rank_change": change.get("rank"),
                "indicators": [
                    {
                        "id": ind["id"],
                        "name": ind["name"],
                        "score": c["indicators"].get(ind["id"]),
                        "change": change.get("indicators", {}).get(ind["id"]),
                        "marked": any(it["id"] in mine for it in ind["items"]),
                        "items": [
                            {
                                "id": it["id"],
                                "name": it["name"],
                                "score": c["items"].get(it["id"]),
                                "change": change.get("items", {}).get(it["id"]),
                                "marked": it["id"] in mine,
                            }
                            for it in ind["items"]
                        ],
                    }
                    for ind in data["indicators"]
                ],
                "excluded": [_excluded_name(e, names) for e in c.get("excluded", [])],
                "availability": c.get("availability"),
                "availability_text": availability_text(c.get("availability")),
                "probes": [_probe_view(p, names) for p in city_evidence.get("probes", [])],
                "threads": [_thread_view(t, names) for t in city_evidence.get("threads", [])],
            }
        )
    ranked = [c for c in cities if c["rank"] is not None]
    damaged = [
        f"{c['name']} {p['matter_name']} {p['channel_name']}"
        for c in cities
        for p in c["probes"]
        if p["evidence_problems"]
    ]
    return {
        "title": TITLE,
        "damaged": damaged,
        "round": data["round"],
        "round_time": data["round_time"],
        "generated_at": data.get("generated_at"),
        "portal_clock": data.get("portal_clock"),
        "compare_round": cmp["round"] if cmp and "round" in cmp else None,
        "national": {
            "score": national["score"],
            "change": cmp_national["score"],
            "indicators": indicators,
            "full_online": [
                (names.of(s), n) for s, n in national.get("full_online_cities", {}).items()
            ],
            "cities_counted": len(counted),
            "cities_total": len(score["cities"]),
        },
        "regions": regions,
        "cities": cities,
        "any_marked": bool(national_marked) or any(marked.values()),
        "charts": {
            "indicators": Markup(
                charts.indicator_bars([(i["name"], i["score"]) for i in indicators])
            ),
            "regions": Markup(charts.region_bars([(r["region"], r["score"]) for r in regions])),
            "ranking": Markup(charts.ranking_bars([(c["name"], c["score"]) for c in ranked])),
        },
        "offline": _offline_view(data, names),
    }


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["score"] = _fmt
    env.filters["change"] = _fmt_change
    env.filters["rank_change"] = _fmt_rank_change
    env.globals.update(NOT_MEASURED=NOT_MEASURED, INCOMPLETE=INCOMPLETE, MARK=EVALUATOR_MARK)
    return env


def render_html(data: ReportData) -> str:
    """The whole report as one self-contained HTML document (module docstring)."""
    return _environment().get_template("report.html").render(**_view(data))


@dataclass(frozen=True)
class Table:
    sheet: str  # the XLSX sheet's name (中文)
    file: str  # the CSV file's name
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def _cell(value: float | None) -> float | str:
    return NOT_MEASURED if value is None else value


def _delta(value: float | None) -> float | str:
    return "" if value is None else value


def report_tables(data: ReportData) -> list[Table]:
    """The report's tables, as ``write_xlsx`` and ``write_csv`` write them."""
    names, score, national, cmp, cmp_national, cmp_cities, cmp_regions, marked = _basis(data)

    nat_rows: list[tuple[Any, ...]] = [
        ("总分", "score", "总分", _cell(national["score"]), _delta(cmp_national["score"]))
    ]
    for ind in data["indicators"]:
        nat_rows.append(
            (
                "一级指标",
                ind["id"],
                ind["name"],
                _cell(national["indicators"].get(ind["id"])),
                _delta(cmp_national["indicators"].get(ind["id"])),
            )
        )
        for it in ind["items"]:
            nat_rows.append(
                (
                    "二级指标",
                    it["id"],
                    f"{ind['name']}/{it['name']}",
                    _cell(national["items"].get(it["id"])),
                    _delta(cmp_national["items"].get(it["id"])),
                )
            )
    for scenario, n in national.get("full_online_cities", {}).items():
        nat_rows.append(("全程网办城市数", scenario, names.of(scenario), n, ""))

    region_rows = tuple(
        (
            r["region"],
            _cell(r["score"]),
            _delta(cmp_regions.get(r["region"])),
            names.of(r["best"]),
            names.of(r["worst"]),
        )
        for r in score["regions"]
    )

    item_heads = [
        (it["id"], f"{ind['name']}/{it['name']}")
        for ind in data["indicators"]
        for it in ind["items"]
    ]
    city_rows = []
    for c in score["cities"]:
        change = cmp_cities.get(c["city"], {})
        city_rows.append(
            (
                "" if c["rank"] is None else c["rank"],
                c["city"],
                names.of(c["city"]),
                c["region"],
                _cell(c["score"]),
                _delta(change.get("score")),
                "是" if c["complete"] else INCOMPLETE,
                *(_cell(c["indicators"].get(i["id"])) for i in data["indicators"]),
                *(_cell(c["items"].get(i)) for i, _ in item_heads),
                "、".join(names.items[i] for i, _ in item_heads if i in marked.get(c["city"], ())),
            )
        )

    evidence = data.get("cities") or {}
    probe_rows = []
    thread_rows = []
    for city, ev in evidence.items():
        for p in (_probe_view(p, names) for p in ev.get("probes", [])):
            probe_rows.append(
                (
                    city,
                    names.of(city),
                    p["scenario_name"],
                    p["matter_name"],
                    p["channel_name"],
                    p["outcome_name"],
                    p["reason"] or "",
                    p["guide_url"] or "",
                    "、".join(p["missing"] or ()),
                )
            )
        for t in (_thread_view(t, names) for t in ev.get("threads", [])):
            thread_rows.append(
                (
                    city,
                    names.of(city),
                    t["kind_name"],
                    t["scenario_name"],
                    t["title"] or "",
                    t["question"] or "",
                    t["ticket"] or "",
                    t["submitted_at"] or "",
                    t["replied_at"] or "",
                    "" if t["working_days"] is None else t["working_days"],
                    t["timeliness_name"],
                    t["effectiveness_name"],
                    t["source_name"],
                    t["reply_text"] or "",
                )
            )

    offline = data.get("offline")
    offline_heads: list[tuple[str, str]] = []
    offline_rows = []
    material_rows = []
    figures = _offline_figures(data)
    if offline and figures:
        online, combined, split = figures.online, figures.combined, figures.split
        offline_heads = [(i, "线下" + names.indicators[i]) for i in figures.indicator_ids]
        for city, off in offline["scores"].items():
            quadrant = split.of.get(city)
            offline_rows.append(
                (
                    city,
                    names.of(city),
                    _cell(online.get(city)),
                    off,
                    _cell(None if city not in combined else round(combined[city], 2)),
                    QUADRANTS[quadrant] if quadrant else "",
                    *(_cell(offline["indicators"].get(city, {}).get(i)) for i, _ in offline_heads),
                )
            )
        for d in offline["material_differences"]:
            material_rows.append(
                (
                    d["city"],
                    names.of(d["city"]),
                    names.of(d["matter"]),
                    "；".join(d["online_only"]),
                    "；".join(d["offline_only"]),
                )
            )

    return [
        Table("全国", "national.csv", ("层级", "代码", "名称", "得分", "较上轮"), tuple(nat_rows)),
        Table(
            "区域", "regions.csv", ("区域", "得分", "较上轮", "最佳城市", "最差城市"), region_rows
        ),
        Table(
            "城市",
            "cities.csv",
            (
                "排名",
                "城市代码",
                "城市",
                "区域",
                "得分",
                "较上轮",
                "完整",
                *(i["name"] for i in data["indicators"]),
                *(h for _, h in item_heads),
                "评估人判定",
            ),
            tuple(city_rows),
        ),
        Table(
            "探测",
            "probes.csv",
            ("城市代码", "城市", "场景", "事项", "渠道", "结果", "原因", "指南地址", "缺失要素"),
            tuple(probe_rows),
        ),
        Table(
            "咨询投诉",
            "threads.csv",
            (
                "城市代码",
                "城市",
                "类型",
                "场景",
                "标题",
                "问题",
                "工单号",
                "提交时间",
                "回复时间",
                "工作日",
                "及时性",
                "有效性",
                "判定来源",
                "回复内容",
            ),
            tuple(thread_rows),
        ),
        Table(
            "线上线下",
            "offline.csv",
            (
                "城市代码",
                "城市",
                "线上得分",
                "线下得分",
                "综合得分",
                "象限",
                *(h for _, h in offline_heads),
            ),
            tuple(offline_rows),
        ),
        Table(
            "材料差异",
            "material_differences.csv",
            ("城市代码", "城市", "事项", "仅线上", "仅线下"),
            tuple(material_rows),
        ),
        Table(
            "可用性",
            "availability.csv",
            (
                "城市代码",
                "城市",
                "访问正常比例",
                "访问次数",
                "规则要求次数",
                "失败次数",
                SAMPLING_SHORT_ZH,
                "得分",
            ),
            tuple(
                (
                    c["city"],
                    names.of(c["city"]),
                    _cell(a["share"]),
                    a["visits"],
                    a["required"],
                    a["failed"],
                    "是" if a["short"] else "否",
                    _cell(a["score"]),
                )
                for c in score["cities"]
                if (a := c.get("availability"))
            ),
        ),  # fmt: skip
    ]


def write_xlsx(data: ReportData, path: Path | str) -> Path:
    """Every table of ``report_tables`` as a sheet of one workbook (module docstring)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    book = Workbook()
    book.remove(book.active)
    for table in report_tables(data):
        sheet = book.create_sheet(table.sheet)
        sheet.append(list(table.headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(list(row))
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, float):
                    cell.number_format = "0.00"
                elif isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # portal text, never a formula
        sheet.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _csv_text(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) gets a leading '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_csv(data: ReportData, dir_or_path: Path | str) -> list[Path]:
    """A path ending in ``.csv``: the city table alone. Otherwise a directory (made if need
    be) with every table of ``report_tables``, one file each. Returns the files written."""
    target = Path(dir_or_path)
    tables = report_tables(data)
    if target.suffix.lower() == ".csv":
        chosen = [(t, target) for t in tables if t.file == "cities.csv"]
    else:
        chosen = [(t, target / t.file) for t in tables]
    written = []
    for table, path in chosen:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(table.headers)
            writer.writerows([_csv_text(v) for v in row] for row in table.rows)
        written.append(path)
    return written
