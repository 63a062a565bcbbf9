"""What is worth telling a team, read after a command's work, each as one ``Alert``.

The events (one alert each per command run, listing what it concerns):

* ``job_failed``: a scheduled job that raised (``job_alert``, from the scheduler's run record);
* ``login_expired``: a saved login a consultation journey found expired (``item_alerts``:
  the item events of this run whose reason is ``login_expired``), with the command that renews it;
* ``portal_down``: a portal (a city's PC or mobile address) whose home visits have all been
  ``down`` for a day (``check_alerts``): every visit since its last one that was not down,
  the first of them at least ``DOWN_FOR`` before this one. Said once per stretch: at the first
  check round that makes it a day, not at every check after;
* ``probe_errors``: a round whose own failures (``probe_error``) are more than the threshold
  (``ProbeErrorLimit``: ``10%`` of the round by default, or a count);
* ``regressions``: the probes a guide round held for review (``probes/alert/regressions.py``).

Every alert names the round, the cities and portals, and what to look at: the review page's
path (``/probes/ID``, ``/queue?round=R``, ``/items/ID``) or the command to run. The words are
Chinese and the times Beijing time.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from probes import store
from probes.outcomes import Outcome, outcome_name
from probes.plan.cities import chinese_names
from probes.text import (
    ALERT_ZH,
    CHANNEL_ZH,
    HOLD_KIND_ZH,
    JOB_KIND_ZH,
    JOB_OUTCOME_ZH,
    KIND_ZH,
    beijing,
)

# A portal is down "for a day" once its stretch of down visits spans this long: a day less an
# hour, so that a nightly check started a few minutes early (the scheduler's jitter) still
# makes two failed nights a day.
DOWN_FOR = timedelta(hours=23)


# The lines of one alert; beyond them a count of the rest (a chat message stays readable).
MAX_LINES = 20


@dataclass(frozen=True)
class Alert:
    event: str  # job_failed | login_expired | portal_down | probe_errors | regressions
    title: str
    lines: tuple[str, ...]
    look_at: tuple[str, ...] = ()  # review page paths or commands
    round: str | None = None
    at: str = field(default_factory=store.now_iso)

    def body(self) -> str:
        """The message as it is sent: what, when (Beijing time), the round, each line, and
        what to look at."""
        shown = list(self.lines[:MAX_LINES])
        if len(self.lines) > MAX_LINES:
            shown.append(f"……另有 {len(self.lines) - MAX_LINES} 项")
        head = [f"事件：{ALERT_ZH[self.event]}", f"时间：{beijing(self.at)}（北京时间）"]
        if self.round:
            head.append(f"轮次：{self.round}")
        look = [f"请查看：{'；'.join(self.look_at)}"] if self.look_at else []
        return "\n".join([*head, *shown, *look])

    def as_dict(self) -> dict:
        return {"event": self.event, "title": self.title, "round": self.round,
                "lines": list(self.lines), "look_at": list(self.look_at)}  # fmt: skip


def _title(event: str, detail: str) -> str:
    return f"【govprobe】{ALERT_ZH[event]}：{detail}"


@dataclass(frozen=True)
class ProbeErrorLimit:
    """How many of a round's results may be our own failure before a team is told: a count
    (``5``) or a share of the round (``10%``). 10% by default: a few odd pages a season are
    noise, while more than one in ten means something on our side (Chromium, the machine, a
    platform profile a redesign broke) and is said well before scoring marks a city
    incomplete (a quarter of its observations missing, ``incomplete_share``)."""

    count: int | None = None
    share: float | None = 0.10

    @classmethod
    def parse(cls, text: str | int | ProbeErrorLimit) -> ProbeErrorLimit:
        if isinstance(text, ProbeErrorLimit):
            return text
        raw = str(text).strip()
        try:
            if raw.endswith("%"):
                share = float(raw[:-1]) / 100
                if not 0 <= share <= 1:
                    raise ValueError
                return cls(count=None, share=share)
            count = int(raw)
            if count < 0:
                raise ValueError
            return cls(count=count, share=None)
        except ValueError:
            raise ValueError(f"{raw!r}: 请写一个数（如 5）或比例（如 10%）") from None

    def limit(self, total: int) -> float:
        return self.count if self.count is not None else (self.share or 0.0) * total

    def describe(self, total: int) -> str:
        if self.count is not None:
            return f"{self.count} 个"
        return f"{(self.share or 0) * 100:g}%（{self.limit(total):g} 个）"


def probe_error_alert(
    outcomes: Sequence[str],
    *,
    what: str,
    round_id: str | None,
    limit: ProbeErrorLimit,
    reasons: Iterable[str] = (),
    look_at: Sequence[str] = (),
) -> Alert | None:
    """An alert when more of ``outcomes`` are ``probe_error`` than ``limit`` allows."""
    errors = sum(1 for o in outcomes if o == Outcome.PROBE_ERROR.value)
    if not outcomes or errors <= limit.limit(len(outcomes)):
        return None
    lines = [f"{what}：共 {len(outcomes)} 个，其中探测程序错误 {errors} 个"
             f"（阈值 {limit.describe(len(outcomes))}；我方原因，不计入城市）"]  # fmt: skip
    for reason, n in Counter(r for r in reasons if r).most_common(5):
        lines.append(f"原因 {n} 次：{reason[:200]}")
    return Alert(
        "probe_errors", _title("probe_errors", f"{what} {errors}/{len(outcomes)}"),
        tuple(lines), tuple(look_at), round_id,
    )  # fmt: skip


def _where(p: Mapping, names: dict[str, str]) -> str:
    channel = CHANNEL_ZH.get(p["channel"], p["channel"] or "")
    return f"{names.get(p['city'], p['city'])} {channel}「{names.get(p['matter'], p['matter'])}」"


def _then_now(hold: Mapping) -> str:
    if hold["kind"] == "outcome":
        return f"上一轮 {outcome_name(hold['was'])} → 本轮 {outcome_name(hold['now'])}"
    was, now = set(json.loads(hold["was"])), set(json.loads(hold["now"]))
    parts = []
    if was - now:
        parts.append("不再显示 " + "、".join(sorted(was - now)))
    if now - was:
        parts.append("新显示 " + "、".join(sorted(now - was)))
    return "；".join(parts) or "要素有变化"


def guide_round_alerts(db, round_id: str, *, limit: ProbeErrorLimit | None = None) -> list[Alert]:
    """After a guide round: too many of our own failures, and the regressions it held."""
    probes = list(store.final_probes(db, round_id).values())
    by_id = {p["id"]: p for p in store.probes_of_round(db, round_id)}
    alerts = []
    errors = probe_error_alert(
        [p["machine"] for p in probes], what="指南轮次探测", round_id=round_id,
        limit=limit or ProbeErrorLimit(),
        reasons=[by_id[p["id"]]["reason"] for p in probes if p["machine"] == "probe_error"],
        look_at=[f"/queue?round={round_id}#q-inconclusive"],
    )  # fmt: skip
    if errors:
        alerts.append(errors)
    held = store.holds_of(db, round_id=round_id)
    if held:
        names = chinese_names()  # read only when there is something to say
        lines = tuple(
            f"{_where(h, names)}：{HOLD_KIND_ZH[h['kind']]}，{_then_now(h)}；"
            f"门户 {by_id[h['probe_id']]['portal_url']}；请查看 /probes/{h['probe_id']}"
            for h in held
        )
        cities = "、".join(dict.fromkeys(names.get(h["city"], h["city"]) for h in held))
        alerts.append(
            Alert(
                "regressions",
                _title("regressions", f"{len(held)} 项（{cities}）"),
                lines,
                (f"/queue?round={round_id}#q-regressions",),
                round_id,
            )  # fmt: skip
        )
    return alerts


def item_alerts(db, *, since: str) -> list[Alert]:
    """After ``consult submit`` or ``poll``: the saved logins found expired since ``since``."""
    rows = store.events_with_reason(db, "login_expired", since=since)
    if not rows:
        return []
    names = chinese_names()
    seen: dict[tuple, dict] = {}
    for r in rows:  # one line per city and kind: a poll notes each of the city's items
        seen.setdefault((r["city"], r["kind"]), r)
    lines = tuple(
        f"{names.get(r['city'], r['city'])} {KIND_ZH.get(r['kind'], r['kind'])}：保存的登录已失效，"
        f"门户 {r['portal_url'] or '（未记录）'}；请查看 /items/{r['item_id']}"
        for r in seen.values()
    )
    cities = list(dict.fromkeys(r["city"] for r in seen.values()))
    renew = tuple(f"govprobe login --city {names.get(c, c)}" for c in cities)
    rounds = {r["round_id"] for r in rows}
    return [
        Alert(
            "login_expired",
            _title("login_expired", "、".join(names.get(c, c) for c in cities)),
            lines,
            renew,
            next(iter(rounds)) if len(rounds) == 1 else None,
        )  # fmt: skip
    ]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def check_alerts(db, round_id: str) -> list[Alert]:
    """After ``check``: the portals whose home visits have been down for a day, said at the
    check round that first makes it a day."""
    names: dict[str, str] = {}
    lines, cities = [], []
    guide_round = (store.get_round(db, round_id) or {}).get("params", {}).get("guide_round")
    for s in store.down_streaks(db, round_id):
        lasted = _at(s["at"]) - _at(s["since"])
        before = s["before"] and _at(s["before"]) - _at(s["since"])
        if lasted < DOWN_FOR or (before is not None and before >= DOWN_FOR):
            continue
        names = names or chinese_names()
        city = names.get(s["city"], s["city"])
        channel = CHANNEL_ZH.get(s["channel"], s["channel"] or "")
        page = f"/rounds/{guide_round}/cities/{s['city']}" if guide_round else "govprobe check"
        lines.append(
            f"{city} {channel}：自 {beijing(s['since'])} 起连续 {s['visits']} 次访问均无法访问"
            f"（{lasted.total_seconds() / 3600:.0f} 小时）；门户 {s['url']}；请查看 {page}"
        )
        cities.append(f"{city} {channel}")
    if not lines:
        return []
    return [Alert("portal_down", _title("portal_down", "、".join(cities)), tuple(lines),
                  (f"/rounds/{round_id}",), round_id)]  # fmt: skip


# What a scheduled run's end alerts for: it raised, it was missed (the machine or the
# scheduler was down past its grace time), the scheduler died under it. A run skipped because
# the last one still runs is said by the history, not alerted: the last one is still working.
JOB_FAILURES = frozenset({"failed", "missed", "interrupted"})


def job_alert(run: Mapping) -> Alert | None:
    """A scheduled job's run record ``{job, kind, started_at, ended_at, outcome, error,
    round}`` as an alert when it did not succeed; None when it did."""
    outcome = run.get("outcome")
    if outcome not in JOB_FAILURES:
        return None
    job = run.get("job") or run.get("job_id") or "?"
    kind = run.get("kind")
    lines = [
        f"任务：{job}（{JOB_KIND_ZH.get(kind, kind or '未知类型')}）",
        f"开始：{beijing(run.get('started_at'))}；结束：{beijing(run.get('ended_at')) or '未结束'}",
        f"结果：{JOB_OUTCOME_ZH.get(outcome, outcome)}",
    ]
    if run.get("error"):
        lines.append(f"错误：{str(run['error'])[:500]}")
    round_id = run.get("round") or run.get("round_id")
    look = [f"/rounds/{round_id}"] if round_id else []
    look += ["govprobe schedule list", "journalctl -u govprobe-scheduler --since today"]
    return Alert("job_failed", _title("job_failed", str(job)), tuple(lines), tuple(look),
                 round_id)  # fmt: skip
