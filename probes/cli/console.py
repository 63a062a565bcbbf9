"""What the commands print: rich tables in Chinese (cities, threads, scores, checks)."""

from __future__ import annotations

from collections import Counter, defaultdict
from statistics import mean

from probes.check.http_checks import CLASSIFICATION_ZH
from probes.plan.cities import chinese_names
from probes.score.hardware import HARDWARE_ITEMS, RULE_VISITS_PER_DAY
from probes.text import (
    CHANNEL_ZH,
    EFFECTIVENESS_ZH,
    ITEM_ZH,
    KIND_ZH,
    OUR_NETWORK_ZH,
    SAMPLING_SHORT_ZH,
    SOURCE_ZH,
    TIMELINESS_ZH,
)


def print_checks(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    from probes.plan.cities import chinese_names
    from probes.text import CHANNEL_ZH

    names = chinese_names()
    table = Table(title=f"门户健康检查 轮次 {summary['round']}")
    for col in ("城市", "渠道", "状态", "HTTP", "首字节 ms", "总耗时 ms", "HTTPS", "最大绘制 ms"):
        table.add_column(col)
    for p in summary["portals"]:
        https = p.get("https") or {}
        lcp = next((pg["lcp_ms"] for pg in p.get("pages", []) if pg["kind"] == "home"), None)
        state = CLASSIFICATION_ZH.get(p.get("classification"), p.get("classification") or "-")
        if p.get("classification") == "protected":
            state += "（浏览器通过）" if p.get("available") else "（浏览器未通过）"
        table.add_row(
            names.get(p["city"], p["city"] or "-"),
            CHANNEL_ZH.get(p["channel"], p["channel"] or "-"),
            state,
            str(p.get("status") or "-"),
            f"{p['ttfb_ms']:.0f}" if p.get("ttfb_ms") is not None else "-",
            f"{p['total_ms']:.0f}" if p.get("total_ms") is not None else "-",
            https.get("problem") or "有效",
            f"{lcp:.0f}" if lcp is not None else "-",
        )
    console = Console()
    console.print(table)
    counts = summary["counts"]
    console.print("  ".join(f"{CLASSIFICATION_ZH.get(k, k)} {v}" for k, v in counts.items()))
    per_item: dict[str, list[float]] = defaultdict(list)
    for o in summary["hardware"]:
        per_item[o["item"]].append(o["value"])
    console.print(
        "  ".join(
            f"{ITEM_ZH[i]} {mean(per_item[i]):.2f}" if per_item.get(i) else f"{ITEM_ZH[i]} 未测"
            for i in HARDWARE_ITEMS
        )
    )
    if summary.get("our_side"):
        console.print(OUR_NETWORK_ZH)
    week = summary.get("availability") or []
    if week:
        short = sum(1 for a in week if a["short"])
        console.print(
            f"可用性按近 7 天的访问计（2019 年规则：每个网址每天至少 {RULE_VISITS_PER_DAY} 次）："
            f"{len(week) - short} 个城市达到规则抽样，{short} 个{SAMPLING_SHORT_ZH}"
        )


def print_summary(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    from probes.outcomes import LABELS_ZH, Outcome

    names = chinese_names()
    table = Table(title=f"轮次 {summary['round']}")
    for col in ("城市", "场景", "渠道", "事项", "结果", "缺失要素", "步数", "秒"):
        table.add_column(col)
    for p in summary["probes"]:
        table.add_row(
            names.get(p["city"], p["city"] or "-"),
            names.get(p["scenario"], p["scenario"]),
            CHANNEL_ZH.get(p["channel"], p["channel"]),
            names.get(p["matter"], p["matter"]),
            LABELS_ZH.get(Outcome(p["outcome"]), p["outcome"]),
            "、".join(p["missing"]) or "-",
            str(p["steps"]),
            f"{p['seconds']:.1f}",
        )
    console = Console()
    console.print(table)
    counts = Counter(p["outcome"] for p in summary["probes"])
    console.print("  ".join(f"{LABELS_ZH[Outcome(k)]} {v}" for k, v in counts.items()))


def print_city_table(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    per_city: dict[str, dict] = {}
    for p in summary["probes"]:
        row = per_city.setdefault(p["city"], {"probes": 0, "found": 0, "missing": 0, "errors": 0})
        row["probes"] += 1
        row["found"] += p["outcome"] == "ok"
        row["missing"] += len(p["missing"]) if p["outcome"] == "ok" else 0
        row["errors"] += p["outcome"] == "probe_error"
    names = chinese_names()
    table = Table(title=f"办事指南探测 轮次 {summary['round']}")
    for col in ("城市", "探测", "找到指南", "缺失要素合计", "探测程序错误"):
        table.add_column(col)
    for city, row in per_city.items():
        cells = (row["probes"], row["found"], row["missing"], row["errors"])
        table.add_row(names.get(city, city), *map(str, cells))
    Console().print(table)


def print_items(items: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    names = chinese_names()
    table = Table(title="互动交流")
    for col in ("编号", "城市", "场景", "类型", "状态", "受理编号", "工作日", "及时性", "有效性"):
        table.add_column(col)
    for i in items:
        source = f"（{SOURCE_ZH['evaluator']}）" if i["effectiveness_source"] == "evaluator" else ""
        table.add_row(
            str(i["id"]),
            names.get(i["city"], i["city"] or "-"),
            names.get(i["scenario"], i["scenario"]),
            KIND_ZH.get(i["kind"], i["kind"]),
            i["status"],
            i["ticket"] or "-",
            "-" if i["working_days"] is None else f"{i['working_days']:g}",
            TIMELINESS_ZH.get(i["timeliness"], i["timeliness"]),
            EFFECTIVENESS_ZH.get(i["effectiveness"], i["effectiveness"]) + source,
        )
    Console().print(table)


def print_score(result: dict) -> None:
    """The national figures, the regions and the city ranking, in Chinese."""
    from rich.console import Console
    from rich.table import Table

    from probes.plan.indicators import load_indicators

    system = load_indicators()
    names = chinese_names()
    console = Console()
    n = result["national"]

    def fmt(v) -> str:
        return "未测" if v is None else f"{v:.2f}"

    table = Table(title=f"全国 轮次 {result['round']}")
    table.add_column("指标")
    table.add_column("得分")
    table.add_row("总分", fmt(n["score"]))
    for ind in system.indicators:
        table.add_row(ind.name, fmt(n["indicators"].get(ind.id)))
        for item in ind.items:
            table.add_row(f"  {item.name}", fmt(n["items"].get(item.id)))
    console.print(table)
    full = n.get("full_online_cities") or {}
    for scenario, count in full.items():
        console.print(f"{names.get(scenario, scenario)} 全程网办城市: {count}")
    regions = Table(title="区域")
    for col in ("区域", "得分", "最佳", "最差"):
        regions.add_column(col)
    for r in result["regions"]:
        regions.add_row(r["region"], fmt(r["score"]), names.get(r["best"], r["best"] or "-"),
                        names.get(r["worst"], r["worst"] or "-"))  # fmt: skip
    console.print(regions)
    cities = Table(title="城市排名")
    for col in ("排名", "城市", "区域", "得分", *(i.name for i in system.indicators), "备注"):
        cities.add_column(col)
    for c in result["cities"]:
        cities.add_row(
            str(c["rank"] or "-"), c["name"], c["region"], fmt(c["score"]),
            *(fmt(c["indicators"].get(i.id)) for i in system.indicators),
            "" if c["complete"] else "数据不全",
        )  # fmt: skip
    console.print(cities)


def print_jobs(jobs: list[dict]) -> None:
    """The scheduler's jobs: when each runs next, and how its last run went (Beijing time)."""
    from rich.console import Console
    from rich.table import Table

    from probes.text import JOB_KIND_ZH, JOB_OUTCOME_ZH, beijing, job_counts_text

    table = Table(title="调度作业（北京时间）")
    for col in ("作业", "类型", "时间表", "下次运行", "上次运行", "上次结果", "轮次", "计数"):
        table.add_column(col)
    for j in jobs:
        last = j.get("last_run") or {}
        outcome = JOB_OUTCOME_ZH.get(last.get("outcome"), last.get("outcome"))
        if last.get("error"):
            outcome += f"：{last['error']}"
        table.add_row(
            j["id"],
            JOB_KIND_ZH.get(j["kind"], j["kind"]),
            j["schedule"].replace("every ", "每 "),
            beijing(j["next_run"]) if j["next_run"] else "已暂停",
            beijing(last.get("started_at") or last.get("scheduled_at")) or "-",
            outcome,
            last.get("round_id") or "-",
            job_counts_text(last.get("counts") or {}) or "-",
        )
    Console().print(table)
