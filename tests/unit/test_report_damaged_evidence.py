"""A changed or missing evidence file (issue 16, item 4): the report is still written for every
city, the damaged probe is named at the top and on its row, its scores to be reviewed."""

from __future__ import annotations

import lxml.html

from probes import store
from probes.app.evaluation import write_report
from probes.store.evidence import evidence_for
from tests.support.rounds import write_evaluated_round


def test_one_changed_file_names_its_probe_and_the_report_covers_every_city(tmp_path):
    path = tmp_path / "g.db"
    with store.open_db(path) as db:
        round_id = write_evaluated_round(db, path)
        victim = next(  # its guide says 1次: a file no other probe shares (content-addressed)
            p
            for p in store.probes_of_round(db, round_id)
            if p["city"] == "lhasa" and p["matter"] == "public-health-permit"
        )
        (html,) = [
            e for e in store.evidence_of_probe(db, victim["id"]) if e["kind"] == "guide_html"
        ]
    changed = evidence_for(path).root / html["relpath"]
    changed.write_bytes(changed.read_bytes() + b"<!-- edited -->")

    (out,) = write_report(str(path), tmp_path / "report.html")
    doc = lxml.html.fromstring(out.read_text(encoding="utf-8"))
    banner = doc.xpath("//p[@data-evidence='damaged']")[0].text_content()
    assert "拉萨" in banner and "1 个探测" in banner
    damaged = doc.xpath("//tr[@data-evidence='damaged']")
    assert len(damaged) == 1 and "已被改动" in damaged[0].text_content()
    assert html["relpath"] in damaged[0].text_content()
    ranked = {
        r.get("data-city") for r in doc.xpath("//table[@data-table='ranking']//tr[@data-city]")
    }
    assert {"guangzhou", "lhasa"} <= ranked


def test_a_missing_file_is_named_as_missing(tmp_path):
    path = tmp_path / "g.db"
    with store.open_db(path) as db:
        round_id = write_evaluated_round(db, path)
        victim = next(p for p in store.probes_of_round(db, round_id) if p["city"] == "guangzhou")
        (html,) = [
            e for e in store.evidence_of_probe(db, victim["id"]) if e["kind"] == "guide_html"
        ]
    (evidence_for(path).root / html["relpath"]).unlink()
    (out,) = write_report(str(path), tmp_path / "report.html")
    doc = lxml.html.fromstring(out.read_text(encoding="utf-8"))
    assert "文件缺失" in doc.xpath("//tr[@data-evidence='damaged']")[0].text_content()
