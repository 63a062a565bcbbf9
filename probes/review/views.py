"""What each review page shows, read out of the database as plain dicts for the templates.

The *review* end of the data flow (README, "Architecture"): the store's readers
(``probes/store/``), the score with the evaluators' judgements applied
(``probes.app.evaluation.score_of``) and the overrides and audit log (``probes/store/overrides.py``). No
page writes here; the forms' POSTs call ``probes/store/overrides.py`` from ``probes/review/app.py``.
Values stay as the portal gave them: the templates escape them (Jinja2 autoescape).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from probes import store
from probes.app.evaluation import checks_until, score_of
from probes.outcomes import LABELS_ZH, Outcome, outcome_name
from probes.plan.elements import in_canonical_order
from probes.plan.indicators import load_indicators
from probes.report.data import indicator_tree
from probes.score.explain import rule_text
from probes.store import overrides
from probes.store.evidence import EvidenceStore
from probes.text import (
    ACTION_ZH,
    ANSWER_POINT_ZH,
    CHANNEL_ZH,
    EFFECTIVENESS_ZH,
    EVENT_ZH,
    FIELD_ZH,
    FOUND_BY_ZH,
    HOLD_KIND_ZH,
    HOLD_RELEASE_ZH,
    INTEGRITY_ZH,
    JOB_KIND_ZH,
    JOB_OUTCOME_ZH,
    KIND_ZH,
    SANDBOX_CLOCK_NOTE,
    SOURCE_ZH,
    TIMELINESS_ZH,
    VISIT_STATE_ZH,
    availability_text,
    beijing,
    change_name,
    job_counts_text,
    present_name,
)

ITEM_STATE_ZH = {
    "intent": "待发送",
    "submitted": "已提交",
    "unknown": "提交结果不明",
    "replied": "已回复",
    "closed": "已关闭",
}


EVIDENCE_KIND_ZH = {
    "screenshot": "步骤截图",
    "guide_html": "指南页面 HTML",
    "guide_screenshot": "指南整页截图",
    "data": "页面数据 JSON",
    "trail": "访问轨迹",
    "form": "填写的表单",
    "receipt": "提交回执",
    "list": "我的咨询列表截图",
    "list_html": "我的咨询列表 HTML",
    "detail_html": "信件详情 HTML",
    "trace": "Playwright 追踪（trace.zip）",
    "har": "网络记录（HAR）",
}


# Where an audit row's change came from (``overrides.CHANNELS``); None: before it was recorded.
CHANNEL_OF_CHANGE_ZH = {"web": "网页", "cli": "命令行", None: "未记录"}


QUEUE_ZH = {  # the most urgent first
    "regressions": "结果较上一轮变差（待复核，暂不计分）",
    "awaiting_second": "改判待第二位评估人确认",
    "timeliness_uncertain": "及时性待复核（门户不显示回复时间，无法确定是否按时）",
    "inconclusive": "尚无定论（本方错误、被拦截或未确认的故障）",
    "flaky": "重试结果不一致",
    "auto_effectiveness": "有效性仅有自动建议",
}


# A portal url is a link only when it is plainly http(s); anything else (javascript:, data:,
# a url with spaces or control characters) is shown as text.
_HTTP_URL = re.compile(r"^https?://[^\s<>\"'`\x00-\x1f\x7f]+$", re.IGNORECASE)


SHA256 = re.compile(r"^[0-9a-f]{64}$")


def http_url(url: Any) -> str | None:
    """``url`` when it may be a link (http or https), else None."""
    return url if isinstance(url, str) and _HTTP_URL.match(url) else None


def readable_url(url: Any) -> str:
    """A url as a person reads it: percent-escapes decoded (``%E4%BC%81`` -> 企); text only."""
    return unquote(url, errors="replace") if isinstance(url, str) else ""


@dataclass(frozen=True)
class Names:
    """Chinese names for ids: cities, scenarios, matters (``runner.chinese_names()``)."""

    names: dict[str, str]

    def of(self, key: str | None) -> str:
        if key is None:
            return ""
        return self.names.get(key, key)


def integrity(evidence: EvidenceStore, sha256: str, relpath: str) -> str:
    """``ok``, ``changed`` or ``missing``: the bytes on disk hashed against the stored hash."""
    try:
        return evidence.check(sha256, relpath)
    except ValueError:  # a relpath outside the store cannot be the file that was stored
        return "changed"


def _with_integrity(evidence: EvidenceStore, rows: list[dict]) -> list[dict]:
    return [
        {
            **r,
            "kind_name": EVIDENCE_KIND_ZH.get(r["kind"], r["kind"]),
            "integrity": integrity(evidence, r["sha256"], r["relpath"]),
        }
        for r in rows
    ]


def evidence_file(db, evidence: EvidenceStore, sha256: str) -> tuple[dict, bytes] | None:
    """The evidence row and its bytes, or None when the hash names no evidence row.

    Raises ``store.EvidenceError`` when the file is missing or no longer hashes to its name.
    """
    row = store.evidence_row(db, sha256)
    if row is None:
        return None
    return row, store.read_evidence(db, evidence, sha256)


def evidence_problems(db, evidence: EvidenceStore) -> dict[str, Any]:
    """Every evidence file re-hashed: how many, and those missing or changed."""
    total = store.evidence_count(db)
    problems = store.verify_evidence(db, evidence)
    for p in problems:
        p["problem_name"] = INTEGRITY_ZH.get(p["problem"], p["problem"])
    return {"total": total, "problems": problems}


def rounds(db) -> list[dict]:
    """Every round, newest first, with how many probes and items (sent, not dry runs) it has."""
    return store.rounds_overview(db)


def _indicators(scores: dict, items: dict, judged: set[str]) -> list[dict]:
    return [
        {
            "id": ind["id"],
            "name": ind["name"],
            "score": scores.get(ind["id"]),
            "judged": any(it["id"] in judged for it in ind["items"]),
            "items": [
                {
                    "id": it["id"],
                    "name": it["name"],
                    "score": items.get(it["id"]),
                    "judged": it["id"] in judged,
                }
                for it in ind["items"]
            ],
        }
        for ind in indicator_tree(load_indicators())
    ]


def _city_score(c: dict, names: Names) -> dict:
    judged = set(c.get("judged") or ())
    return {
        **c,
        "name": c.get("name") or names.of(c["city"]),
        "judged": sorted(judged),
        "indicator_rows": _indicators(c["indicators"], c["items"], judged),
    }


def guide_round(db, round_id: str, names: Names) -> dict:
    """A guide round's score: the nation, each city with its four indicators (judged ones
    marked), the interaction round scored with it."""
    result = score_of(db, round_id)
    national = result["national"]
    return {
        "round": store.get_round(db, round_id),
        "interaction_round": result["interaction_round"],
        "score": national["score"],
        "national": _indicators(
            national["indicators"], national["items"], set(national.get("judged") or ())
        ),
        "cities": [_city_score(c, names) for c in result["cities"]],
    }


def _thread_row(item: dict, names: Names) -> dict:
    return {
        **item,
        "city_name": names.of(item["city"]),
        "kind_name": KIND_ZH.get(item["kind"], item["kind"]),
        "scenario_name": names.of(item["scenario"]),
        "state_name": ITEM_STATE_ZH.get(item["state"], item["state"]),
        "timeliness_name": TIMELINESS_ZH.get(item["timeliness"], item["timeliness"]),
        "effectiveness_name": EFFECTIVENESS_ZH.get(item["effectiveness"], item["effectiveness"]),
        "source_name": SOURCE_ZH.get(item["effectiveness_source"], item["effectiveness_source"]),
        "judged": item["effectiveness_source"] == "evaluator",
    }


def threads(db, round_id: str, names: Names, *, city: str | None = None) -> list[dict]:
    """The consultations and complaints of an interaction round (of one city)."""
    return [
        _thread_row(i, names)
        for i in store.items_of(db, round_id=round_id)
        if city is None or i["city"] == city
    ]


def _probe_row(p: dict, names: Names, active: dict[str, Any] | None = None) -> dict:
    active = active or {}
    said = active.get("outcome")
    return {
        **p,
        "city_name": names.of(p["city"]),
        "scenario_name": names.of(p["scenario"]),
        "matter_name": names.of(p["matter"]),
        "channel_name": CHANNEL_ZH.get(p["channel"], p["channel"]),
        "outcome_name": outcome_name(p["outcome"]),
        "override_outcome": said,
        "override_outcome_name": outcome_name(said) if said else None,
        "overridden_elements": len(active.get("elements", {})),
    }


# A cell of the availability strip shows its worst visit; with no visit that counts, what the
# visits that did not count were (ours, undecided), else no visit at all.
_STRIP_ORDER = ("down", "maintenance", "slow", "up", "ours", "undecided", "none")


def _hour_cell(start: datetime, states: list[str]) -> dict:
    state = min(states, key=_STRIP_ORDER.index) if states else "none"
    said = "、".join(
        f"{VISIT_STATE_ZH[s]} {n}"
        for s, n in sorted(Counter(states).items(), key=lambda kv: _STRIP_ORDER.index(kv[0]))
    )
    when = f"{beijing(start)}–{beijing(start + timedelta(hours=1))[-5:]}"
    title = f"{when}：{VISIT_STATE_ZH[state]}" + (
        f"（{len(states)} 次访问：{said}）" if states else ""
    )
    return {"state": state, "title": title}


def availability_strip(db, round_row: dict, city_id: str) -> dict:
    """A city's week of availability visits as a status page shows it: per address, one cell
    per hour of the 7 days up to the round's time (the week its availability is scored on),
    coloured by its worst visit, titled in Beijing time; and the week's figure in words."""
    from probes.score.hardware import (
        availability_of,
        check_rounds_of_week,
        failed_on_our_side,
        visit_state,
        week_window,
    )

    until = checks_until(round_row)
    rounds = check_rounds_of_week(db, target=round_row["target"], until=until)
    window = week_window(db, target=round_row["target"], until=until)
    rows = store.home_visits(db, rounds)  # every city's: whether a round failed on our side
    per_round: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        per_round[row["round_id"]].append(row)
    ours = {r for r, visits in per_round.items() if failed_on_our_side(visits)}
    cells: dict[tuple[str, str], dict[int, list[str]]] = {}
    last = None
    if window is not None:
        last = window[1].replace(minute=0, second=0, microsecond=0)
    for row in rows:
        if row["city"] != city_id or last is None:
            continue
        hour = (datetime.fromisoformat(row["at"]) - last) // timedelta(hours=1)
        mine = cells.setdefault((row["channel"] or "", row["url"]), defaultdict(list))
        if -168 < hour <= 0:
            mine[hour].append(visit_state(row, ours=row["round_id"] in ours))
    strips = []
    for (channel, url), by_hour in sorted(cells.items(), key=lambda kv: (kv[0][0] != "pc", kv[0])):
        days: list[dict] = []
        for hour in range(-167, 1):
            start = last + timedelta(hours=hour)
            label = beijing(start)[:10]
            if not days or days[-1]["label"] != label:
                days.append({"label": label, "cells": []})
            days[-1]["cells"].append(_hour_cell(start, by_hour.get(hour, [])))
        strips.append(
            {"channel": channel, "channel_name": CHANNEL_ZH.get(channel, channel), "url": url,
             "days": days}
        )  # fmt: skip
    week = availability_of(db, *rounds).get(city_id) if rounds else None
    return {
        "since": beijing(window[0]) if window else "",
        "until": beijing(window[1]) if window else "",
        "week": week.to_json() if week else None,
        "text": availability_text(week.to_json() if week else None),
        "strips": strips,
        "legend": [(s, VISIT_STATE_ZH[s]) for s in _STRIP_ORDER],
    }


def city(db, round_id: str, city_id: str, names: Names) -> dict | None:
    """A city in a guide round: its score and items, its probes, its threads."""
    scored = guide_round(db, round_id, names)
    found = next((c for c in scored["cities"] if c["city"] == city_id), None)
    probes = [p for p in store.probes_of_round(db, round_id) if p["city"] == city_id]
    if found is None and not probes:
        return None
    active = overrides.active_overrides(db, round_id)
    system = load_indicators()
    shown = {p["id"]: _probe_row(p, names, active.get(p["id"])) for p in probes}
    lost: dict[str, list[dict]] = {}
    if found is not None:
        from probes.plan.cities import load_registry
        from probes.score.explain import points_lost
        from probes.score.observations import read_observations

        seen = read_observations(db, round_id, load_registry())
        mine = [g for g in seen.guides if g.city == city_id]
        for item_id, where in points_lost(system, mine).items():
            lost[item_id] = [{**shown[pid], "value": value} for pid, value in where if pid in shown]
    return {
        "rules": {it.id: rule_text(it) for it in system.items},
        "lost": lost,
        "round": scored["round"],
        "interaction_round": scored["interaction_round"],
        "city": city_id,
        "name": (found or {}).get("name") or names.of(city_id),
        "score": found,
        "probes": list(shown.values()),
        "availability": availability_strip(db, store.get_round(db, round_id), city_id),
        "threads": (
            threads(db, scored["interaction_round"], names, city=city_id)
            if scored["interaction_round"]
            else []
        ),
    }


def _audit_rows(rows: list[dict], names: Names) -> list[dict]:
    out = []
    for r in rows:
        field = r["field"]
        base = field.split(":", 1)[0]
        out.append(
            {
                **r,
                "field_name": FIELD_ZH.get(base, base)
                + (f"：{field.split(':', 1)[1]}" if ":" in field else ""),
                "channel_name": CHANNEL_OF_CHANGE_ZH.get(r.get("channel"), r.get("channel")),
                "old_name": change_name(field, r["old"]),
                "new_name": change_name(field, r["new"]),
                "link": _subject_link(r),
            }
        )
    return out


def _subject_link(row: dict) -> str | None:
    if row.get("item_id"):
        return f"/items/{int(row['item_id'])}"
    subject = row.get("subject") or ""
    kind, _, ident = subject.partition(":")
    if kind == "probe" and ident.isdigit():
        return f"/probes/{ident}"
    return None


def audit_log(db, names: Names, *, limit: int = 500) -> list[dict]:
    """The whole audit log, newest first, each entry linked to its probe or item."""
    rows = overrides.audit(db, limit=limit)
    subjects = {r["subject"] for r in rows if (r["subject"] or "").startswith("override:")}
    probe_of = {}
    for subject in subjects:
        ident = subject.partition(":")[2]
        if ident.isdigit():
            probe_id = overrides.probe_of_override(db, int(ident))
            if probe_id:
                probe_of[subject] = f"probe:{probe_id}"
    rows = [
        {**r, "subject": probe_of.get(r["subject"], r["subject"]), "shown_subject": r["subject"]}
        for r in rows
    ]
    return _audit_rows(rows, names)


def _override_rows(rows: list[dict]) -> list[dict]:
    out = []
    for o in rows:
        as_text = outcome_name if o["field"] == "outcome" else present_name
        out.append(
            {
                **o,
                "what": "探测结果" if o["field"] == "outcome" else f"要素：{o['element']}",
                "machine_name": as_text(o["machine"]),
                "value_name": as_text(o["value"]),
                "active": o["withdrawn_at"] is None,
            }
        )
    return out


def hold_row(h: dict, names: Names) -> dict:
    """A regression held for review, in words: where, what it was, what it is now."""
    if h["kind"] == "outcome":
        was, now = outcome_name(h["was"]), outcome_name(h["now"])
    else:
        before, after = set(json.loads(h["was"])), set(json.loads(h["now"]))
        was = "不再显示：" + ("、".join(sorted(before - after)) or "—")
        now = "新显示：" + ("、".join(sorted(after - before)) or "—")
    return {
        **h,
        "city_name": names.of(h["city"]),
        "scenario_name": names.of(h["scenario"]),
        "matter_name": names.of(h["matter"]),
        "channel_name": CHANNEL_ZH.get(h["channel"], h["channel"]),
        "kind_name": HOLD_KIND_ZH.get(h["kind"], h["kind"]),
        "was_name": was,
        "now_name": now,
        "state_name": HOLD_RELEASE_ZH.get(h["released_how"], h["released_how"]),
    }


def _elements(judgement: dict | None, active: dict[str, bool]) -> list[dict]:
    """Each element judged, the required ones first: what the guide showed, what the machine
    said, what an evaluator says now."""
    if judgement is None:
        rows: dict[str, dict] = {}
        required: list[str] = []
        missing: set[str] = set()
    else:
        rows = {e["element"]: e for e in judgement["elements"]}
        required = list(judgement["required"])
        missing = set(judgement["missing"])
    order = in_canonical_order([*required, *rows, *active])
    out = []
    for name in order:
        row = rows.get(name, {})
        machine = bool(row.get("present"))
        said = active.get(name)
        out.append(
            {
                "element": name,
                "required": name in required,
                "value": row.get("value"),
                "machine": machine,
                "machine_name": "有值" if machine else ("空值" if row.get("empty") else "未见"),
                "missing": name in missing,
                "override": said,
                "override_name": None if said is None else ("有值" if said else "缺失"),
                "now": machine if said is None else said,
            }
        )
    return out


def _materials(judgement: dict | None) -> list[dict]:
    if judgement is None:
        return []
    status = {link["url"]: link for link in judgement["links"]}
    return [
        {
            **m,
            "form_status": (status.get(m["form_url"]) or {}).get("status"),
            "sample_status": (status.get(m["sample_url"]) or {}).get("status"),
        }
        for m in judgement["materials"]
    ]


def explain_probe(db, p: dict, judgement: dict | None, active: dict) -> list[dict]:
    """Each guide item's value for this probe, its rule and the facts it rests on, with the
    evaluators' corrections applied as the score applies them (``probes/score/explain.py``)."""
    from probes.plan.cities import load_registry
    from probes.score.explain import explain_guide
    from probes.score.observations import citizen_steps, read_observations

    seen = read_observations(db, p["round_id"], load_registry())
    obs = next((g for g in seen.guides if g.probe_id == p["id"]), None)
    if obs is None:
        return []
    said = active.get("elements", {})
    required = judgement["required"] if judgement else []
    machine_missing = set(judgement["missing"]) if judgement else set()
    missing = [e for e in required if not said.get(e, e not in machine_missing)]
    actions = [s["action"] for s in store.steps_of_probe(db, p["id"])]
    return explain_guide(
        load_indicators(),
        obs,
        counted_steps=citizen_steps(actions),
        missing=missing,
        findings=[f["detail"] for f in (judgement["findings"] if judgement else [])],
    )


def probe(db, evidence: EvidenceStore, probe_id: int, names: Names) -> dict | None:
    """One probe: its timeline, capture, elements beside the required ones, materials and
    links, findings, evidence with integrity, overrides and audit log."""
    p = store.get_probe(db, probe_id)
    if p is None:
        return None
    active = overrides.active_overrides(db, p["round_id"]).get(probe_id, {})
    judgement = store.judgement_of_probe(db, probe_id)
    capture = store.capture_of_probe(db, probe_id)
    elapsed = 0
    steps = []
    for s in store.steps_of_probe(db, probe_id):
        elapsed += s["duration_ms"] or 0
        steps.append({**s, "action_name": ACTION_ZH.get(s["action"], s["action"]),
                      "elapsed_ms": elapsed})  # fmt: skip
    if capture is not None:
        capture["found_by_name"] = FOUND_BY_ZH.get(p["found_by"] or "", p["found_by"] or "")
    files = _with_integrity(evidence, store.evidence_of_probe(db, probe_id))
    return {
        "explained": explain_probe(db, p, judgement, active),
        "damaged": [f for f in files if f["integrity"] != "ok"],
        "probe": _probe_row(p, names, active),
        "attempts": [
            {**a, "outcome_name": outcome_name(a.get("outcome"))}
            for a in p["extra"].get("attempts", [])
        ],
        # walked again because the browser server it was on was lost (probes/net/pool.py)
        "rewalked": p["extra"].get("rewalked", []),
        # not ok on an untraced walk: walked once more, traced (probes/walk/round.py)
        "walked_again": bool(p["extra"].get("walked_again")),
        "steps": steps,
        "capture": capture,
        "judgement": judgement,
        "elements": _elements(judgement, active.get("elements", {})),
        "materials": _materials(judgement),
        "links": judgement["links"] if judgement else [],
        "findings": judgement["findings"] if judgement else [],
        "evidence": files,
        "overrides": _override_rows(
            overrides.overrides_of(db, probe_id=probe_id, include_withdrawn=True)
        ),
        "audit": _audit_rows(overrides.audit(db, probe_id=probe_id), names),
        "outcomes": [(o.value, LABELS_ZH[o]) for o in Outcome],
        "holds": [
            hold_row(h, names) for h in store.holds_of(db, probe_id=probe_id, active_only=False)
        ],
    }


def answer_points(row: dict) -> list[dict]:
    """The points a good answer to this message covers, each found in the reply or missed: what
    the suggested 解决 / 部分解决 / 未解决 rests on."""
    from probes.plan.scenarios import load_scenarios
    from probes.score.scoring import covered_points

    scenario = load_scenarios().get(row["scenario"])
    if scenario is None:
        return []
    message = scenario.consult if row["kind"] == "consult" else scenario.complaint
    found = set(covered_points(row["reply_text"], message.answer_points))
    return [
        {
            "point": ANSWER_POINT_ZH.get(p.id, p.id),
            "keywords": "、".join(p.keywords),
            "found": p.id in found,
        }
        for p in message.answer_points
    ]


def item(db, evidence: EvidenceStore, item_id: int, names: Names) -> dict | None:
    """A consultation or complaint: question, receipt, reply, judgement, events, audit log."""
    try:
        row = store.get_item(db, item_id)
    except store.StoreError:
        return None
    events = store.item_events(db, item_id)
    for e in events:
        e["detail_text"] = json.dumps(e["detail"], ensure_ascii=False, sort_keys=True)
        e["event_name"] = EVENT_ZH.get(e["event"], e["event"])
    round_row = store.get_round(db, row["round_id"]) if row["round_id"] else None
    return {
        "points": answer_points(row),
        "clock": SANDBOX_CLOCK_NOTE if round_row and round_row["target"] == "sandbox" else None,
        "item": _thread_row(row, names),
        "evidence": _with_integrity(evidence, store.evidence_of_item(db, item_id)),
        "events": events,
        "audit": _audit_rows(overrides.audit(db, item_id=item_id), names),
        "choices": [(v, EFFECTIVENESS_ZH[v]) for v in overrides.EFFECTIVENESS],
        "timeliness_choices": [(v, TIMELINESS_ZH[v]) for v in overrides.TIMELINESS],
    }


def work_queue(db, guide_round: str, names: Names) -> dict:
    """``overrides.work_queue`` for a guide round and its interaction round, named in Chinese."""
    from probes.score.observations import interaction_round_for

    interaction_round = interaction_round_for(db, guide_round)
    queue = overrides.work_queue(db, guide_round, interaction_round)
    for key in ("flaky", "inconclusive"):
        queue[key] = [_probe_row({**p, "flaky": bool(p["flaky"])}, names) for p in queue[key]]
    for key in ("auto_effectiveness", "timeliness_uncertain"):
        queue[key] = [_thread_row({**i, "dry_run": bool(i["dry_run"])}, names) for i in queue[key]]
    queue["regressions"] = [hold_row(h, names) for h in queue["regressions"]]
    queue["awaiting_second"] = [
        {**o, "city_name": names.of(o["city"]), "matter_name": names.of(o["matter"]),
         "channel_name": CHANNEL_ZH.get(o["channel"], o["channel"])}
        for o in _override_rows(queue["awaiting_second"])
    ]  # fmt: skip
    return {
        "round": store.get_round(db, guide_round),
        "interaction_round": interaction_round,
        "sections": [(key, QUEUE_ZH[key], queue[key]) for key in QUEUE_ZH],
    }


def job_history(db, *, job_id: str | None = None, limit: int = 200) -> dict:
    """The scheduler's run history (``job_runs``), newest first, in the page's words; and each
    job's last run, for the summary at the top."""

    def shown(r: dict) -> dict:
        return {
            **r,
            "kind_name": JOB_KIND_ZH.get(r["kind"], r["kind"]),
            "outcome_name": JOB_OUTCOME_ZH.get(r["outcome"], r["outcome"]),
            "counts_text": job_counts_text(r["counts"]),
            "round_shown": r["round_id"] and store.get_round(db, r["round_id"]) is not None,
        }

    last = sorted(store.last_job_runs(db).values(), key=lambda r: r["job_id"])
    return {
        "job_id": job_id,
        "last": [shown(r) for r in last],
        "runs": [shown(r) for r in store.job_runs(db, job_id, limit=limit)],
    }
