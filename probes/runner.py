"""What ``govprobe run`` and ``govprobe rejudge`` do, as library functions.

Step 1-2 of the data flow (README, "Architecture"): load the scenarios, the registry and the
profiles, resolve where each portal is (sandbox, live or one bare url), then hand the round to
``probes/rounds.py``.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from pathlib import Path

from probes import store
from probes.evidence import EvidenceStore
from probes.judging import judge_round
from probes.profiles import load_profiles, load_registry
from probes.rounds import RoundOptions, plan, run_round, summarize
from probes.scenarios import ScenarioError, load_scenarios
from probes.targets import SandboxProcess, Target, live_targets, sandbox_directory, sandbox_targets

CHANNELS = ("pc", "mobile")
LIVE_GAP_S = 1.0  # seconds between requests to one live portal


def evidence_for(db_path: str | Path) -> EvidenceStore:
    return EvidenceStore(Path(db_path).resolve().parent / "evidence")


def select_scenarios(scenario_ids) -> dict:
    scenarios = load_scenarios()
    unknown = [s for s in scenario_ids if s not in scenarios]
    if unknown:
        raise ScenarioError(f"unknown scenario {unknown[0]!r} (known: {', '.join(scenarios)})")
    return {k: v for k, v in scenarios.items() if not scenario_ids or k in scenario_ids}


@contextlib.contextmanager
def sandbox_url_for(sandbox_url: str | None):
    """The given sandbox, or one started for the duration of the block."""
    if sandbox_url:
        yield sandbox_url.rstrip("/")
        return
    with SandboxProcess() as sandbox:
        yield sandbox.url


def run_guides(
    *,
    target: str = "sandbox",
    sandbox_url: str | None = None,
    portal_url: str | None = None,
    cities=(),
    scenario_ids=(),
    channels=(),
    db_path: str = "results/govprobe.db",
    concurrency: int = 4,
    per_host: int = 2,
    resume_round: str | None = None,
    user_agent_suffix: str = "",
    retries: int = 1,
    backoff_s: float = 5.0,
    endpoints=(),
    gap_s: float | None = None,
    progress: bool = False,
) -> dict:
    scenarios = select_scenarios(scenario_ids)
    if gap_s is None:  # a real office gets a second between requests; the sandbox none
        gap_s = LIVE_GAP_S if target == "live" and not portal_url else 0.0
    channels = tuple(channels) or CHANNELS
    if portal_url and len(scenarios) != 1 and not scenario_ids:
        raise ScenarioError("--portal-url needs --scenario")
    db = store.open_db(db_path)
    evidence = evidence_for(db_path)
    options = RoundOptions(
        concurrency=concurrency, per_host=per_host, user_agent_suffix=user_agent_suffix,
        retries=retries, backoff_s=backoff_s, endpoints=tuple(endpoints), gap_s=gap_s,
    )  # fmt: skip
    if resume_round and store.get_round(db, resume_round) is None:
        raise ScenarioError(f"{db_path}: no round {resume_round!r} to resume")
    params = {
        "target": "portal" if portal_url else target,
        "cities": list(cities),
        "scenarios": list(scenarios),
        "channels": list(channels),
        "portal_url": portal_url,
        "concurrency": concurrency,
        "per_host": per_host,
        "gap_s": gap_s,
    }
    with contextlib.ExitStack() as stack:
        if portal_url:
            targets = [Target(None, ch, portal_url) for ch in channels]
            profiles = {}
        else:
            registry = load_registry()
            chosen = registry.select(list(cities))
            profiles = load_profiles()
            if target == "sandbox":
                url = stack.enter_context(sandbox_url_for(sandbox_url))
                params["sandbox_url"] = url
                targets = sandbox_targets(registry, chosen, channels, sandbox_directory(url))
            else:
                targets = live_targets(chosen, channels)
        jobs = plan(targets, list(scenarios.values()), profiles)
        total = sum(len(j.scenario.matters) for j in jobs)
        with _progress(progress, total) as tick:
            round_id = run_round(
                db,
                evidence,
                jobs,
                scenarios,
                target=params["target"],
                params=params,
                options=options,
                round_id=resume_round,
                on_probe=tick,
            )
    return summarize(db, round_id)


@contextlib.contextmanager
def _progress(show: bool, total: int):
    if not show:
        yield lambda result: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("探测"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task("probes", total=total)
        yield lambda result: bar.advance(task)


def rejudge(db_path: str, round_id: str | None = None) -> tuple[str, int]:
    db = store.open_db(db_path)
    round_id = round_id or store.latest_round(db, kind="guides")
    if round_id is None:
        raise ScenarioError(f"{db_path}: no guide round to judge")
    if store.get_round(db, round_id) is None:
        raise ScenarioError(f"{db_path}: no round {round_id!r}")
    return round_id, judge_round(db, evidence_for(db_path), round_id, load_scenarios())


CHANNEL_ZH = {"pc": "电脑端", "mobile": "移动端"}


def chinese_names() -> dict[str, str]:
    """What evaluators read for the ids in a summary: cities, scenarios and matters."""
    names = {c.id: c.name for c in load_registry().cities}
    for scenario in load_scenarios().values():
        names[scenario.id] = scenario.name
        names.update({m.id: m.name for m in scenario.matters})
    return names


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


# Wed, Fri, the next Monday (the 5th working day after Monday's submissions: on time ends), then
# past the 20-working-day window
DEMO_POLLS = ("P2D", "P2D", "P3D", "P40D")


def demo(out: str = "results/demo", concurrency: int = 4) -> dict:
    """The main job on the sandbox, end to end: start it; walk every city, scenario and
    channel; send each scenario's consultation and complaint; poll while the sandbox's clock
    moves through the observation window; import the sample offline results; score; write the
    report. Prints the figures in Chinese; returns the score."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from probes import evaluation
    from probes.checks import check_portals

    out_dir = Path(out)
    db_path = str(out_dir / "govprobe.db")
    started = time.monotonic()

    def say(text: str) -> None:
        print(f"[{time.monotonic() - started:5.0f} s] {text}", flush=True)

    with SandboxProcess() as sandbox:
        url = sandbox.url
        say(f"沙盒已启动: {url}")

        def interaction() -> None:
            # the consultations go to the same portals while the guide round walks them:
            # other pages, other browser contexts, the same per-site politeness
            sent = consult_submit(target="sandbox", sandbox_url=url, db_path=db_path,
                                  concurrency=2, per_host=1)  # fmt: skip
            say(f"咨询投诉已提交: {dict(Counter(r['action'] for r in sent['results']))}")
            checked = check_portals(target="sandbox", sandbox_url=url, db_path=db_path)
            say(f"门户健康检查: {checked['counts']}")

        with ThreadPoolExecutor(1) as pool:
            sending = pool.submit(interaction)
            summary = run_guides(
                target="sandbox", sandbox_url=url, db_path=db_path, concurrency=concurrency,
                progress=False,
            )  # fmt: skip
            say("办事指南探测完成")
            sending.result()
        print_city_table(summary)
        for advance in DEMO_POLLS:
            now = httpx.post(f"{url}/__sandbox/clock", json={"advance": advance}, timeout=15)
            consult_poll(target="sandbox", sandbox_url=url, db_path=db_path,
                         concurrency=concurrency)  # fmt: skip
            say(f"沙盒时钟 {now.json()['now']}: 已查看回复")
    items = consult_poll_summary(db_path, url)
    print_items(items)
    sample = Path(__file__).resolve().parent.parent / "scenarios" / "offline-sample.csv"
    evaluation.import_offline(db_path, sample, by="demo")
    say(f"线下示例数据已导入: {sample.name}（示例数据, 非真实结果）")
    result = evaluation.score(db_path)
    print_score(result)
    report = evaluation.write_report(db_path, out_dir / "report.html")[0]
    evaluation.write_report(db_path, out_dir / "report.xlsx", fmt="xlsx")
    say(f"报告: {report}  表格: {out_dir / 'report.xlsx'}")
    print(f"数据库: {db_path}  证据: {out_dir / 'evidence'}")
    print(f"复核（评估人审核页面）: govprobe review --db {db_path}")
    return result


def consult_poll_summary(db_path: str, sandbox_url: str) -> list[dict]:
    """The items sent to one sandbox, as ``poll --json`` lists them (no browser)."""
    from probes.consult import item_summary, rounds_for

    db = store.open_db(db_path)
    rounds = rounds_for(db, "sandbox", sandbox_url.rstrip("/"))
    return [item_summary(i) for i in store.items_of(db) if i["round_id"] in rounds]


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


# --- consultations and complaints ---------------------------------------------------------

DEFAULT_SESSIONS = Path("~/.config/govprobe/sessions").expanduser()


def _city_targets(target: str, sandbox_url: str | None, cities) -> list[Target]:
    registry = load_registry()
    chosen = registry.select(list(cities))
    if target == "sandbox":
        return sandbox_targets(registry, chosen, ("pc",), sandbox_directory(sandbox_url))
    return live_targets(chosen, ("pc",))


def consult_submit(
    *,
    target: str = "sandbox",
    sandbox_url: str | None = None,
    cities=(),
    scenario_ids=(),
    kinds=(),
    db_path: str = "results/govprobe.db",
    send: bool | None = None,
    new_round: bool = False,
    headed: bool = False,
    sessions: str | Path | None = None,
    contact=None,
    concurrency: int = 4,
    per_host: int = 2,
    report=lambda r: None,
) -> dict:
    """Submit the scenarios' consultations and complaints, once each (``probes/consult.py``).

    ``send`` defaults to True on the sandbox and False (a dry run) on live portals."""
    from probes import browser as browsers
    from probes.consult import (
        KINDS,
        SANDBOX_ACCOUNT,
        SANDBOX_CONTACT,
        ConsultOptions,
        Planned,
        interaction_round,
        submit_items,
    )

    scenarios = select_scenarios(scenario_ids)
    kinds = tuple(kinds) or KINDS
    send = (target == "sandbox") if send is None else send
    if target == "live" and send and contact is None:
        raise ScenarioError("--submit to live portals needs --contact NAME and --phone NUMBER")
    options = ConsultOptions(
        concurrency=concurrency,
        per_host=per_host,
        headless=not headed,
        send=send,
        contact=contact or SANDBOX_CONTACT,
        account=SANDBOX_ACCOUNT if target == "sandbox" and sessions is None else None,
        sessions=Path(sessions) if sessions else (DEFAULT_SESSIONS if target == "live" else None),
        profiles=load_profiles(),
        solve_captcha_s=300.0 if headed else 0.0,
    )
    db = store.open_db(db_path)
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(sandbox_url_for(sandbox_url)) if target == "sandbox" else None
        targets = _city_targets(target, url, cities)
        planned = [
            Planned(t, scenario, kind)
            for t in targets
            for scenario in scenarios.values()
            for kind in kinds
        ]
        params = {"cities": list(cities), "scenarios": list(scenarios), "kinds": list(kinds)}
        if target == "sandbox":
            params["sandbox_url"] = url
        round_id = interaction_round(db, target, dry_run=not send, new=new_round, params=params)
        launch = browsers.launch_options(headless=not headed)
        try:
            results = submit_items(
                db, evidence_for(db_path), planned, round_id=round_id, options=options,
                launch=launch, report=report,
            )  # fmt: skip
        except BaseException:
            store.finish_round(db, round_id, status="interrupted")
            raise
        store.finish_round(db, round_id)
    return {"round": round_id, "dry_run": not send, "results": results}


def consult_poll(
    *,
    target: str = "sandbox",
    sandbox_url: str | None = None,
    db_path: str = "results/govprobe.db",
    sessions: str | Path | None = None,
    concurrency: int = 4,
    per_host: int = 2,
) -> dict:
    """Read every open item's list page; record replies, close what the window ended."""
    from probes import browser as browsers
    from probes.consult import (
        SANDBOX_ACCOUNT,
        ConsultOptions,
        item_summary,
        poll_items,
        rounds_for,
    )
    from probes.indicators import load_indicators
    from probes.targets import portal_clock
    from probes.workdays import WorkCalendar

    if target == "sandbox" and not sandbox_url:
        raise ScenarioError(
            "poll --target sandbox needs --sandbox-url: the sandbox the items went to"
        )
    db = store.open_db(db_path)
    options = ConsultOptions(
        concurrency=concurrency,
        per_host=per_host,
        account=SANDBOX_ACCOUNT if target == "sandbox" and sessions is None else None,
        sessions=Path(sessions) if sessions else (DEFAULT_SESSIONS if target == "live" else None),
        profiles=load_profiles(),
    )
    url = sandbox_url.rstrip("/") if sandbox_url else None
    targets = {t.city.id: t for t in _city_targets(target, url, ())}
    rounds = rounds_for(db, target, url)
    poll_items(
        db,
        evidence_for(db_path),
        targets,
        load_scenarios(),
        now=portal_clock(target, url),
        calendar=WorkCalendar.load(),
        thresholds=load_indicators().thresholds,
        options=options,
        launch=browsers.launch_options(),
        round_ids=rounds,
    )
    return {"items": [item_summary(i) for i in store.items_of(db) if i["round_id"] in rounds]}


def label_item(db_path: str, item_id: int, value: str, by: str, note: str = "") -> dict:
    """An evaluator confirms or changes a reply's effectiveness; the change is audited."""
    from probes.consult import item_summary

    if value not in ("solved", "partly", "not"):
        raise ScenarioError(f"label {value!r}: expected solved, partly or not")
    if not by.strip():
        raise ScenarioError("--by: say who labels (an evaluator's name)")
    db = store.open_db(db_path)
    try:
        store.get_item(db, item_id)
    except store.StoreError as exc:
        raise ScenarioError(f"{db_path}: {exc}") from exc
    store.set_label(db, item_id, value, by.strip(), note)
    return item_summary(store.get_item(db, item_id))


def login_session(
    city: str,
    *,
    wait,
    sessions: str | Path | None = None,
    url: str | None = None,
    headless: bool = False,
) -> Path:
    """Open the city's portal for a person to log in; when ``wait(page)`` returns, keep the
    session (cookies, local storage) in ``sessions/<city>.json``, readable by its owner only.
    The folder lies outside ``results/``: sessions are never exported nor kept as evidence."""
    import asyncio
    import os

    from playwright.async_api import async_playwright

    from probes import browser as browsers
    from probes.consult import session_file

    chosen = load_registry().select([city])[0]
    folder = Path(sessions) if sessions else DEFAULT_SESSIONS
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = session_file(folder, chosen.id)

    async def run() -> None:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(**browsers.launch_options(headless=headless))
            try:
                context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
                page = await context.new_page()
                await page.goto(url or chosen.pc_url, wait_until="domcontentloaded")
                if asyncio.iscoroutinefunction(wait):
                    await wait(page)
                else:  # a person at the terminal: keep the browser's loop running meanwhile
                    await asyncio.to_thread(wait, page)
                state = await context.storage_state()
            finally:
                await browser.close()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(state, f)
        os.chmod(path, 0o600)

    asyncio.run(run())
    return path


def print_items(items: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    names = chinese_names()
    kinds = {"consult": "咨询", "complaint": "投诉"}
    timely = {"on_time": "及时", "late": "超时", "no_reply": "未回复", None: "-"}
    effect = {"solved": "解决", "partly": "部分解决", "not": "未解决", None: "-"}
    table = Table(title="互动交流")
    for col in ("编号", "城市", "场景", "类型", "状态", "受理编号", "工作日", "及时性", "有效性"):
        table.add_column(col)
    for i in items:
        source = "（评估员）" if i["effectiveness_source"] == "evaluator" else ""
        table.add_row(
            str(i["id"]),
            names.get(i["city"], i["city"] or "-"),
            names.get(i["scenario"], i["scenario"]),
            kinds.get(i["kind"], i["kind"]),
            i["status"],
            i["ticket"] or "-",
            "-" if i["working_days"] is None else f"{i['working_days']:g}",
            timely.get(i["timeliness"], i["timeliness"]),
            effect.get(i["effectiveness"], i["effectiveness"]) + source,
        )
    Console().print(table)


def print_score(result: dict) -> None:
    """The national figures, the regions and the city ranking, in Chinese."""
    from rich.console import Console
    from rich.table import Table

    from probes.indicators import load_indicators

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
