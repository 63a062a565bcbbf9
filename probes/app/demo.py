"""What ``govprobe demo`` does: the main job on the sandbox, end to end.

It runs every other command in turn (the guide round, the consultations and complaints, the
health checks, the polls, the offline import, the score and the report); it is the one module
of ``probes.app`` that imports the others. What it has to show goes to ``show(kind, value)``,
which the command line turns into its tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from probes import store
from probes.app.consult import consult_poll, consult_submit
from probes.app.guides import run_guides
from probes.app.progress import Progress, no_progress
from probes.plan.datafiles import data_file
from probes.plan.targets import (
    SandboxProcess,
)
from probes.settings import DEMO_DIR

# The sandbox's clock starts on a Monday at 09:00 and the messages go then. Polls: Wednesday,
# Friday, late on the next Monday (the 5th working day: on time ends at its end) and just after
# midnight, so a reply whose portal shows no time is first seen on the right side of that line
# (probes/score/replies.py leaves one it cannot place to an evaluator); then past the
# 20-working-day window.
DEMO_POLLS = ("P2D", "P2D", "P3DT14H30M", "PT40M", "P40D")


def demo(
    out: str | Path = DEMO_DIR,
    concurrency: int = 4,
    show: Callable[[str, Any], None] = lambda kind, value: None,
    progress: Progress = no_progress,
) -> dict:
    """The main job on the sandbox, end to end: start it; walk every city, scenario and
    channel; send each scenario's consultation and complaint; poll while the sandbox's clock
    moves through the observation window; import the sample offline results; score; write the
    report. Says each phase as it ends (``show("say", text)``) and hands over the guide round's
    summary (``"guides"``), the threads (``"items"``) and the score (``"score"``); reports
    each phase of ``probes.text.DEMO_PHASES`` to ``progress`` as it goes (the guide round, the
    consultations and the checks by their counts, the polls by how many of them are done, the
    rest as one step each); returns the score."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from probes.app import evaluation
    from probes.app.health import check_portals

    out_dir = Path(out)
    db_path = str(out_dir / "govprobe.db")
    started = time.monotonic()

    def say(text: str) -> None:
        show("say", f"[{time.monotonic() - started:5.0f} s] {text}")

    with SandboxProcess() as sandbox:
        url = sandbox.url
        say(f"沙盒已启动: {url}")

        def interaction() -> None:
            # the consultations go to the same portals while the guide round walks them:
            # other pages, other browser contexts, the same per-site politeness
            sent = consult_submit(target="sandbox", sandbox_url=url, db_path=db_path,
                                  concurrency=2, per_host=1, progress=progress)  # fmt: skip
            say(f"咨询投诉已提交: {dict(Counter(r['action'] for r in sent['results']))}")
            checked = check_portals(
                target="sandbox", sandbox_url=url, db_path=db_path, progress=progress
            )
            say(f"门户健康检查: {checked['counts']}")

        with ThreadPoolExecutor(1) as pool:
            sending = pool.submit(interaction)
            summary = run_guides(
                target="sandbox", sandbox_url=url, db_path=db_path, concurrency=concurrency,
                progress=progress,
            )  # fmt: skip
            say("办事指南探测完成")
            sending.result()
        show("guides", summary)
        progress("polls", 0, len(DEMO_POLLS))
        for n, advance in enumerate(DEMO_POLLS, start=1):
            now = httpx.post(f"{url}/__sandbox/clock", json={"advance": advance}, timeout=15)
            consult_poll(target="sandbox", sandbox_url=url, db_path=db_path,
                         concurrency=concurrency)  # fmt: skip
            say(f"沙盒时钟 {now.json()['now']}: 已查看回复")
            progress("polls", n, len(DEMO_POLLS))
    items = consult_poll_summary(db_path, url)
    show("items", items)
    sample = data_file("offline-sample.csv")
    progress("offline", 0, 1)
    evaluation.import_offline(db_path, sample, by="demo")
    progress("offline", 1, 1)
    say(f"线下示例数据已导入: {sample.name}（示例数据, 非真实结果）")
    progress("score", 0, 1)
    result = evaluation.score(db_path)
    progress("score", 1, 1)
    show("score", result)
    progress("report", 0, 2)
    report = evaluation.write_report(db_path, out_dir / "report.html")[0]
    progress("report", 1, 2)
    evaluation.write_report(db_path, out_dir / "report.xlsx", fmt="xlsx")
    progress("report", 2, 2)
    say(f"报告: {report}  表格: {out_dir / 'report.xlsx'}")
    show("say", f"数据库: {db_path}  证据: {out_dir / 'evidence'}")
    show("say", f"复核（评估人审核页面）: govprobe review --db {db_path}")
    return result


def consult_poll_summary(db_path: str, sandbox_url: str) -> list[dict]:
    """The items sent to one sandbox, as ``poll --json`` lists them (no browser)."""
    from probes.app.consult import item_summary, rounds_for

    with store.open_db(db_path) as db:
        rounds = rounds_for(db, "sandbox", sandbox_url.rstrip("/"))
        return [item_summary(i) for i in store.items_of(db) if i["round_id"] in rounds]
