"""A guide's link that answered with a script challenge (protected) is not judged broken: a
browser gets through it. One that answered 404 is."""

from __future__ import annotations

import dataclasses

from probes import store
from probes.judge.rejudge import judge_round
from probes.model import Capture
from probes.plan.scenarios import load_scenarios
from probes.store.evidence import EvidenceStore
from tests.support.rounds import guide_probe

GUIDE = """<html><body><h1>公共场所卫生许可</h1><table>
<tr><th>申请材料</th><td><table><tr><th>材料名称</th><th>填报须知</th></tr>
<tr><td>卫生许可申请表</td><td><a href="https://forms.example.cn/apply.doc">表格下载</a></td></tr>
<tr><td>卫生检测报告</td><td><a href="https://samples.example.cn/report.pdf">示例样表</a></td></tr>
</table></td></tr></table></body></html>"""


def test_a_protected_link_is_not_broken_a_404_is(tmp_path):
    path = tmp_path / "g.db"
    ev = EvidenceStore(tmp_path / "evidence")
    probe = guide_probe(ev, "guangzhou", "public-health-permit")
    capture = dataclasses.replace(probe.capture, html=ev.put(GUIDE.encode(), "text/html"))
    links = [
        {"url": "https://forms.example.cn/apply.doc", "status": 412, "result": "protected"},
        {"url": "https://samples.example.cn/report.pdf", "status": 404, "result": "broken"},
    ]
    probe = dataclasses.replace(probe, capture=capture, extra={**probe.extra, "links": links})
    assert isinstance(probe.capture, Capture)
    with store.open_db(path) as db:
        round_id = store.start_round(db, "guides", "sandbox")
        store.save_probe(db, round_id, probe)
        judge_round(db, ev, round_id, load_scenarios())
        (p,) = store.probes_of_round(db, round_id)
        findings = store.judgement_of_probe(db, p["id"])["findings"]
    said = " ".join(f["detail"] for f in findings)
    assert "report.pdf" in said and "404" in said
    assert "apply.doc" not in said
