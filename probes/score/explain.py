"""Why a probe scores what it does: each item's value, its rule and the facts it rests on.

Evaluators must defend every point to a city that disputes it. For one probe, each item of the
guide indicator (易获性, 全面性, 准确性) is given with the value the rubric gives this probe,
the rule as ``scenarios/indicators.yaml`` writes it (its describe text and its numbers), and
the facts: the steps counted (only those a citizen takes to reach the guide), the channel,
search or navigation, each missing element, each accuracy finding. Pure: the caller reads the
observation and the facts out of the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from probes.plan.indicators import IndicatorSystem, Item
from probes.score.scoring import RULES, GuideObservation, guide_exclusion
from probes.text import ACTION_ZH, CHANNEL_ZH, FOUND_BY_ZH

EXCLUDED_ZH = {
    "probe_error": "探测程序错误（我方原因）：不计分",
    "blocked (needs review)": "被拦截：待复核，不计分",
    "regression to be reviewed": "较上一轮变差：待评估人复核，暂不计分",
}


def rule_text(item: Item) -> str:
    """The item's rule in words: its describe text and the rubric's numbers."""
    r = item.rubric
    numbers = "、".join(f"{k} {v:g}" for k, v in r.points.items())
    if r.method == "obtainability":
        numbers += (
            f"；超过 {r.free_steps} 步的每一步扣 {r.step_penalty:g} 分，找到的指南不低于"
            f" {r.floor:g} 分"
        )
    parts = [item.describe] if item.describe else []
    if numbers:
        parts.append(f"（{numbers}）")
    return "".join(parts)


def _facts(
    item: Item,
    obs: GuideObservation,
    counted_steps: Sequence[str],
    missing: Sequence[str],
    findings: Sequence[str],
) -> list[str]:
    found = obs.outcome.value == "ok"
    channel = CHANNEL_ZH.get(obs.channel, obs.channel)
    method = item.rubric.method
    if method == "obtainability":
        if not found:
            return [f"{channel}：未找到办事指南"]
        r = item.rubric
        over = max(0, len(counted_steps) - r.free_steps)
        steps = "→".join(ACTION_ZH.get(s, s) for s in counted_steps) or "—"
        facts = [
            f"{channel}，{FOUND_BY_ZH.get(obs.found_by or 'direct', obs.found_by or '')}找到",
            f"到达指南的步骤 {len(counted_steps)} 步：{steps}",
        ]
        if over:
            facts.append(f"超出 {r.free_steps} 步 {over} 步，扣 {over * r.step_penalty:g} 分")
        return facts
    if method == "completeness":
        if not found or obs.completeness is None:
            return ["未采集到指南，不计"]
        if not missing:
            return ["要求的要素全部齐全"]
        return [f"缺失要素：{m}" for m in missing]
    if method == "accuracy":
        if not found or obs.checks == 0:
            return ["未采集到指南，不计"]
        return [f"共核对 {obs.checks} 项，发现 {obs.findings} 处问题"] + list(findings)
    return []


def explain_guide(
    system: IndicatorSystem,
    obs: GuideObservation,
    *,
    counted_steps: Sequence[str] = (),
    missing: Sequence[str] = (),
    findings: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """One entry per guide item: ``item``, ``name``, ``value`` (None: not scored), ``lost``
    (points below 100), ``rule`` and ``facts`` (Chinese, for evaluators)."""
    excluded = guide_exclusion(obs)
    out = []
    for item in system.items:
        kind, rule = RULES[item.rubric.method]
        if kind != "guide":
            continue
        value = None if excluded else rule(item.rubric, obs)
        facts = _facts(item, obs, counted_steps, missing, findings)
        if excluded:
            facts = [EXCLUDED_ZH.get(excluded, f"不计分：{excluded}")]
        out.append(
            {
                "item": item.id,
                "name": item.name,
                "value": value,
                "lost": None if value is None else round(100 - value, 2),
                "rule": rule_text(item),
                "facts": facts,
            }
        )
    return out


def points_lost(
    system: IndicatorSystem, guides: Sequence[GuideObservation]
) -> dict[str, list[tuple[int | None, float]]]:
    """Item id -> (probe id, value) of every scored guide observation below 100 on it: where a
    city's points on the guide items were lost, to link each one to its probe."""
    lost: dict[str, list[tuple[int | None, float]]] = {}
    for item in system.items:
        kind, rule = RULES[item.rubric.method]
        if kind != "guide":
            continue
        for obs in guides:
            if guide_exclusion(obs):
                continue
            value = rule(item.rubric, obs)
            if value is not None and value < 100:
                lost.setdefault(item.id, []).append((obs.probe_id, value))
    return lost
