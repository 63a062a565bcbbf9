"""Judging a stored round from its evidence: no browser, PC beside mobile, evidence verified."""

from __future__ import annotations

import pytest

from probes import store
from probes.judge.rejudge import judge_round
from probes.model import Capture, ProbeResult
from probes.outcomes import Outcome
from probes.plan.scenarios import load_scenarios
from probes.store.evidence import EvidenceStore

PAGE = """<html><body><h1>公共场所卫生许可（新办）</h1><table>
<tr><th>事项名称</th><td>公共场所卫生许可（新办）</td></tr>
<tr><th>法定办结时限</th><td>20个工作日</td></tr>
<tr><th>承诺办结时限</th><td>{promise}</td></tr>
<tr><th>咨询电话</th><td>020-83330000</td></tr></table>
<h3>申请材料</h3><table><tr><th>材料名称</th><th>空表</th></tr>
{materials}</table></body></html>"""
ROW = "<tr><td>{name}</td><td><a href='/f/{n}'>空表下载</a></td></tr>"


def page(promise: str, names: list[str]) -> str:
    rows = "".join(ROW.format(name=name, n=n) for n, name in enumerate(names))
    return PAGE.format(promise=promise, materials=rows)


def save(db, evidence: EvidenceStore, round_id: str, channel: str, html: str, links=()) -> int:
    capture = Capture(
        url=f"http://portal.example/{channel}/guide",
        title="公共场所卫生许可（新办）",
        html=evidence.put(html.encode(), "text/html"),
        screenshot=None,
        found_by="search",
        query="公共场所卫生许可",
        rank=1,
    )
    result = ProbeResult(
        city="guangzhou",
        scenario="beauty-salon",
        matter="public-health-permit",
        channel=channel,
        portal_url="http://portal.example/",
        outcome=Outcome.OK,
        reason="found by search",
        started_at="2026-11-29T00:00:00+00:00",
        seconds=3.0,
        capture=capture,
        extra={"links": list(links)},
    )
    return store.save_probe(db, round_id, result)


def test_a_round_is_judged_from_its_evidence_with_pc_and_mobile_side_by_side(db, tmp_path):
    evidence = EvidenceStore(tmp_path / "evidence")
    round_id = store.start_round(db, "guides", "sandbox", {})
    pc = save(
        db, evidence, round_id, "pc", page("25个工作日", ["申请书", "营业执照复印件"]),
        links=[{"url": "http://portal.example/f/0", "status": 200},
               {"url": "http://portal.example/f/1", "status": 404}],
    )  # fmt: skip
    mobile = save(db, evidence, round_id, "mobile", page("5个工作日", ["申请书"]))
    assert judge_round(db, evidence, round_id, load_scenarios()) == 2

    judged = store.judgement_of_probe(db, pc)
    codes = {f["code"] for f in judged["findings"]}
    assert {"promise_exceeds_statutory", "materials_differ", "broken_form_link"} <= codes
    assert "收费标准" in judged["missing"]
    present = {e["element"] for e in judged["elements"] if e["present"]}
    assert {"事项名称", "法定办结时限", "承诺办结时限", "申请材料"} <= present
    mobile_codes = {f["code"] for f in store.judgement_of_probe(db, mobile)["findings"]}
    assert "promise_exceeds_statutory" not in mobile_codes
    assert "materials_differ" in mobile_codes


def test_a_changed_evidence_file_stops_judging_before_anything_is_rewritten(db, tmp_path):
    evidence = EvidenceStore(tmp_path / "evidence")
    round_id = store.start_round(db, "guides", "sandbox", {})
    pc = save(db, evidence, round_id, "pc", page("5个工作日", ["申请书"]))
    judge_round(db, evidence, round_id, load_scenarios())
    before = store.judgement_of_probe(db, pc)
    html = store.capture_of_probe(db, pc)["html_sha256"]
    relpath = db.execute("SELECT relpath FROM evidence WHERE sha256 = ?", [html]).fetchone()[0]
    evidence.path(relpath).write_text("<html>edited</html>")
    with pytest.raises(store.EvidenceError, match="changed"):
        judge_round(db, evidence, round_id, load_scenarios())
    assert store.judgement_of_probe(db, pc) == before
