"""The store across processes: a process killed in the middle of ``save_probe`` leaves nothing
half written, and two processes writing one database at once lose no rows."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from probes import store
from probes.model import Capture, ProbeResult, Step
from probes.outcomes import Outcome
from probes.store.evidence import EvidenceStore

GUIDE_HTML = (
    "<html><body><h1>公共场所卫生许可</h1>"
    "<table><tr><th>事项名称</th><td>公共场所卫生许可（新办）</td></tr>"
    "<tr><th>法定办结时限</th><td>20个工作日</td></tr>"
    "<tr><th>承诺办结时限</th><td>暂无</td></tr></table></body></html>"
)


@pytest.fixture
def evidence(tmp_path):
    return EvidenceStore(tmp_path / "evidence")


def make_result(
    evidence: EvidenceStore,
    *,
    city: str | None = "guangzhou",
    matter: str = "公共场所卫生许可",
    attempt: int = 1,
    outcome: Outcome = Outcome.OK,
    steps: int = 3,
    html: str = GUIDE_HTML,
    captured: bool = True,
    bad_step: int | None = None,
) -> ProbeResult:
    """A journey's result with real evidence files; ``bad_step`` makes that step unstorable."""
    step_rows = []
    for seq in range(1, steps + 1):
        shot = evidence.put(f"png of step {seq} {matter}".encode(), "image/png")
        duration = object() if seq == bad_step else 100 * seq
        step_rows.append(
            Step(
                seq, "search" if seq > 1 else "goto", f"#s{seq}", f"http://p/{seq}", duration, shot
            )
        )
    capture = None
    if captured:
        capture = Capture(
            url="http://p/guide/1",
            title="公共场所卫生许可",
            html=evidence.put(html.encode(), "text/html"),
            screenshot=evidence.put(b"full page png", "image/png"),
            found_by="search",
            query="卫生许可",
            rank=2,
            candidates=("卫生许可延续", "公共场所卫生许可"),
            url_trail=("http://p/", "http://p/search?q=卫生许可", "http://p/guide/1"),
            data=evidence.put(b'{"TASK_CODE": "1144"}', "application/json"),
        )
    return ProbeResult(
        city=city,
        scenario="beauty-salon",
        matter=matter,
        channel="pc",
        portal_url="http://p/",
        outcome=outcome,
        reason="found by search",
        started_at="2026-11-29T04:40:00+00:00",
        seconds=12.5,
        steps=tuple(step_rows),
        capture=capture,
        attempt=attempt,
        extra={"status": 200, "flaky": False},
    )


def count(db, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]


def _save_and_die_at_second_step(path: str, evidence_root: str, round_id: str) -> None:
    db = store.open_db(path)
    seen = []

    def kill_at_second_step(sql: str) -> None:
        if sql.startswith("INSERT INTO [steps]"):
            seen.append(sql)
            if len(seen) == 2:
                os._exit(3)  # a kill -9: no rollback, no close, no atexit

    db.conn.set_trace_callback(kill_at_second_step)
    store.save_probe(db, round_id, make_result(EvidenceStore(evidence_root), steps=3))


def test_a_process_killed_in_the_middle_of_save_probe_leaves_nothing_half_written(
    tmp_path, evidence
):
    path = tmp_path / "g.db"
    with store.open_db(path) as db:
        round_id = store.start_round(db, "guides", "sandbox", {})
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(
        target=_save_and_die_at_second_step, args=(str(path), str(evidence.root), round_id)
    )
    proc.start()
    proc.join(60)
    assert proc.exitcode == 3
    proc.close()
    with store.open_db(path, busy_timeout_ms=2000) as db:
        for table in ("probes", "steps", "evidence", "probe_evidence", "captures"):
            assert count(db, table) == 0, table
        store.save_probe(db, round_id, make_result(evidence))
        assert count(db, "steps") == 3


def _write_many(path: str, round_id: str, worker: int, n: int) -> None:
    with store.open_db(path) as db:
        for i in range(n):
            result = make_result(
                EvidenceStore(Path(path).parent / "ev"), matter=f"m{worker}-{i}", steps=2
            )
            store.save_probe(db, round_id, result)
            store.record_intent(
                db, city=f"c{worker}-{i}", scenario="s", kind="consult", round_id=round_id
            )


def test_two_processes_writing_at_once_lose_no_rows(tmp_path):
    path = tmp_path / "g.db"
    with store.open_db(path) as db:
        round_id = store.start_round(db, "guides", "sandbox", {})
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(str(path), round_id, w, 25)) for w in (1, 2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
        proc.close()
    with store.open_db(path) as db:
        assert len(store.probes_of_round(db, round_id)) == 50
        assert count(db, "steps") == 100
        assert count(db, "items") == 50
