"""The Chinese labels evaluators read, and the short durations they type.

Code, database columns and JSON use English ids; these are the words shown for them on the
pages, in the report and in the command line's tables.
"""

from __future__ import annotations

import re
from datetime import datetime

from probes.outcomes import IDS, outcome_name
from probes.settings import CHINA

CHANNEL_ZH = {"pc": "电脑端", "mobile": "移动端"}

ITEM_ZH = {
    "availability": "可用性",
    "speed": "访问速度",
    "https": "安全连接",
    "mobile": "移动端适配",
    "accessibility": "无障碍",
}


# The short durations evaluators type: 90s, 30m, 2h, 1d, 1w
DURATION = re.compile(r"^(\d+)\s*([smhdw])$")


DURATION_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> int:
    """``90s`` / ``30m`` / ``2h`` / ``1d`` / ``1w`` in seconds."""
    match = DURATION.match(str(text).strip().lower())
    if not match or int(match[1]) == 0:
        raise ValueError(f"{text!r}: say 90s, 30m, 2h, 1d or 1w")
    return int(match[1]) * DURATION_S[match[2]]


def duration_text(seconds: int) -> str:
    for unit in ("w", "d", "h", "m"):
        if seconds % DURATION_S[unit] == 0:
            return f"{seconds // DURATION_S[unit]}{unit}"
    return f"{seconds}s"


ISO_UNIT = {"w": "P{}W", "d": "P{}D", "h": "PT{}H", "m": "PT{}M", "s": "PT{}S"}


def iso_duration(text: str) -> str:
    """``3d`` / ``4h`` / ``30m`` as ISO 8601 (``P3D``); an ISO duration passes unchanged."""
    text = text.strip()
    match = DURATION.match(text.lower())
    if match:
        return ISO_UNIT[match[2]].format(int(match[1]))
    if text.upper().startswith("P"):
        return text.upper()
    raise ValueError(f"{text!r}: say 3d, 4h, 30m or an ISO 8601 duration such as P1DT2H")


EVALUATOR_MARK = "※"


KIND_ZH = {"consult": "咨询", "complaint": "投诉"}


TIMELINESS_ZH = {"on_time": "按时回复", "late": "逾期回复", "no_reply": "未回复", None: "等待回复"}


EFFECTIVENESS_ZH = {"solved": "解决", "partly": "部分解决", "not": "未解决", None: "未判定"}


SOURCE_ZH = {"evaluator": "评估人", "auto": "自动", None: ""}


INTEGRITY_ZH = {"ok": "一致", "changed": "已被改动", "missing": "文件缺失"}  # an evidence file


TARGET_ZH = {"sandbox": "沙盒", "live": "真实门户"}  # a round's target


# The scheduler's jobs (``probes/schedule``) and their runs (``job_runs``).
JOB_KIND_ZH = {"guides": "指南轮次", "poll": "回复查询", "checks": "健康检查", "touch": "心跳"}


JOB_OUTCOME_ZH = {
    "running": "运行中",
    "ok": "成功",
    "failed": "失败",
    "skipped": "跳过（上次仍在运行）",
    "missed": "错过（超过宽限时间）",
    "interrupted": "中断（调度器已退出）",
    None: "尚未运行",
}


# What a job's run did (``job_runs.counts``): the keys of its counts, as the tables show them.
JOB_COUNT_ZH = {"probes": "探测", "items": "查询事项", "portals": "门户"}


def job_counts_text(counts: dict) -> str:
    """A run's counts in one line: ``探测 12（ok 10、guide_missing 2）``; ``""`` for none."""
    parts = []
    for key, label in JOB_COUNT_ZH.items():
        by = counts.get(key)
        if isinstance(by, dict):
            total = sum(by.values())
            detail = "、".join(f"{k} {v}" for k, v in sorted(by.items()))
            parts.append(f"{label} {total}" + (f"（{detail}）" if detail else ""))
    return "；".join(parts)


# What a judgement changes (``overrides`` and the audit log's ``field``).
FIELD_ZH = {
    "outcome": "探测结果",
    "element": "要素",
    "effectiveness": "有效性",
    "timeliness": "及时性",
    "confirmed": "确认改判",
    "confirmed_machine": "确认机器判定",
}


def present_name(value: str | None) -> str:
    """An element judgement's value (``1`` / ``0``) in words."""
    return {"1": "有值", "0": "缺失"}.get(value or "", value or "")


def change_name(field: str, value: str | None) -> str:
    """A judgement's value in words: outcomes and labels in Chinese, element 1/0 as 有值/缺失
    (``field`` as the audit log has it: ``outcome``, ``element:<name>``, ``timeliness``...)."""
    if value is None:
        return ""
    if field == "outcome" or value in IDS:
        return outcome_name(value)
    if field == "element" or field.startswith("element:"):
        return present_name(value)
    if field == "effectiveness":
        return EFFECTIVENESS_ZH.get(value, value)
    if field == "timeliness":
        return TIMELINESS_ZH.get(value, value)
    return value


# One availability visit as the status strip shows it (``probes.score.hardware.visit_state``);
# ``none``: no visit in that hour.
VISIT_STATE_ZH = {
    "up": "正常",
    "slow": "缓慢",
    "maintenance": "维护",
    "down": "不可用",
    "undecided": "未确认（防护验证，未经浏览器）",
    "ours": "我方原因（不计）",
    "none": "无访问",
}


SAMPLING_SHORT_ZH = "抽样不足"


OUR_NETWORK_ZH = "本轮没有任何网址应答：按我方网络故障处理，这些访问不计入城市可用性"


def availability_text(week: dict | None) -> str:
    """A city's week of availability (``Availability.to_json``) in words: the share loaded with
    the visits it rests on, and, below the rule's sampling, that it is, and whether it scored."""
    if not week or not week.get("visits"):
        return "未测（一周内没有可计入的访问）"
    text = f"{week['share']:.2f}%（一周 {week['visits']} 次访问"
    if week.get("short"):
        scored = "结论已确定，计分" if week.get("score") is not None else "未计分"
        text += f"，低于规则要求的 {week['required']} 次：{SAMPLING_SHORT_ZH}，{scored}"
    return text + "）"


SANDBOX_CLOCK_NOTE = (
    "沙盒模拟时钟"  # the sandbox's simulated clock: what its portals show as the time
)


def beijing(moment: str | datetime | None, *, seconds: bool = False) -> str:
    """A stored time (ISO 8601 with any offset) as evaluators read it: Beijing time, to the
    minute (``2026-12-02 15:07``); a time with no offset is taken as Beijing time already, and
    text that is not a time is shown as it is. ``""`` for none."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


ACTION_ZH = {
    "goto": "打开页面",
    "dismiss_overlay": "关闭弹窗",
    "select_region": "选择地区",
    "click_text": "点击文字",
    "click": "点击",
    "fill": "填写",
    "press": "按键",
    "wait": "等待",
    "search": "站内搜索",
    "next_page": "翻页",
    "pick_result": "选择结果",
    "open_result": "打开结果",
    "open": "打开",
    "navigate_category": "分类导航",
    "expand": "展开标签与栏目",
    "capture": "采集指南",
    "online_apply": "在线办理入口",
    "login": "登录",
    "captcha": "验证码",
    "submit": "提交",
    "read_list": "读取列表",
}


FOUND_BY_ZH = {"search": "站内搜索", "navigation": "分类导航", "direct": "直达链接"}


# The points a good answer covers (scenarios/*.yaml, answer_points), by id
ANSWER_POINT_ZH = {
    "materials": "所需材料",
    "online": "能否网上办理",
    "time_limit": "办结时限",
    "place": "办理地点",
    "tiers": "缴费档次",
    "cause": "原因说明",
    "result": "处理结果",
    "contact": "联系方式或承办人",
}


# What happened to a consultation or complaint (the item_events table's event ids)
EVENT_ZH = {
    "intent": "决定发送",
    "sending": "正在提交",
    "attempt": "填写与提交",
    "submitted": "已提交（门户回执）",
    "unknown": "提交结果不明",
    "reconciled": "核对列表：已在门户",
    "reconcile_failed": "核对列表失败",
    "not_in_list": "列表中未见",
    "rating_entry": "查看好差评入口",
    "polled": "查看回复",
    "poll_failed": "查看回复失败",
    "replied": "收到回复",
    "closed": "观察期结束未回复",
    "scored": "计分",
    "labelled": "评估人判定",
    "rejudged": "依据存档重新判定",
}


# What `govprobe consult submit` did with each item
SUBMIT_ACTION_ZH = {
    "submitted": "已提交",
    "kept": "已提交过，未重发",
    "reconciled": "核对列表：已在门户",
    "unresolved": "提交结果仍不明",
    "unknown": "提交结果不明",
    "filled": "已填写（演练，未发送）",
    "blocked": "被拦截",
    "probe_error": "探测程序错误",
    "portal_error": "门户报错",
    "portal_unreachable": "门户无法访问",
    "timeout": "访问超时",
}


# What an alert is about (``probes/alert/``): the event ids and the words its title starts with.
ALERT_ZH = {
    "job_failed": "定时任务失败",
    "login_expired": "登录已失效",
    "portal_down": "门户连续一天无法访问",
    "probe_errors": "探测程序错误过多",
    "regressions": "指南结果回归（待复核，暂不计分）",
}


# Why a probe is held for review (the holds table's kind), and how the hold was lifted.
HOLD_KIND_ZH = {"outcome": "结果变差", "elements": "指南要素变化"}


HOLD_RELEASE_ZH = {"confirmed": "确认机器判定", "overridden": "评估人改判", None: "待复核"}
# The phases the long commands report on stderr (probes/app/progress.py).
PHASE_ZH = {
    "guides": "办事指南探测",
    "consult": "咨询投诉提交",
    "checks": "门户健康检查",
    "poll": "回复查询",
    "polls": "沙盒时钟推进与回复查询",
    "offline": "线下示例数据导入",
    "score": "评分",
    "report": "报告",
}


# govprobe demo's phases, numbered in this order on its progress bars (阶段 i/N).
DEMO_PHASES = ("guides", "consult", "checks", "polls", "offline", "score", "report")
