"""From the database to scores and reports: observations read out of a real SQLite file.

The rounds here are written through the store's own functions (as journeys write them), small
enough to reason about: two cities, one scenario, PC only, the interaction round beside.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from commands import GOVPROBE

from probes import store
from probes.app import evaluation
from probes.model import Capture, ProbeResult
from probes.outcomes import Outcome
from probes.plan.cities import load_registry
from probes.score.observations import read_observations
from probes.store.evidence import EvidenceStore

MATTERS = ("enterprise-registration", "public-health-permit", "fire-safety-inspection")


def _probe(ev: EvidenceStore, city: str, matter: str, outcome=Outcome.OK, apply=True, visits="0次"):
    html = (
        f"<html><body><h1>{matter}</h1><table><tr><th>到办事现场次数</th><td>{visits}</td></tr>"
        "</table><script>alert(1)</script></body></html>"
    )
    capture = None
    extra = {}
    if outcome == Outcome.OK:
        capture = Capture(
            url=f"http://portal/{city}/{matter}", title=matter,
            html=ev.put(html.encode(), "text/html"), screenshot=None, found_by="search",
            query=matter, rank=1,
        )  # fmt: skip
        extra["online_apply"] = {"entry": apply, "reached": apply, "login_wall": apply}
    return ProbeResult(
        city=city, scenario="beauty-salon", matter=matter, channel="pc",
        portal_url=f"http://portal/{city}", outcome=outcome, reason="", started_at=store.now_iso(),
        seconds=3.0, steps=(), capture=capture, extra=extra,
    )  # fmt: skip


@pytest.fixture
def filled(tmp_path):
    """guangzhou: all found and online, answered on time; lhasa: one guide missing, one matter
    needing a visit, a consultation blocked by a captcha, a complaint never answered."""
    db_path = tmp_path / "results" / "govprobe.db"
    db = store.open_db(db_path)
    ev = EvidenceStore(db_path.parent / "evidence")
    round_id = store.start_round(db, "guides", "sandbox")
    for matter in MATTERS:
        store.save_probe(db, round_id, _probe(ev, "guangzhou", matter))
    store.save_probe(db, round_id, _probe(ev, "lhasa", MATTERS[0]))
    store.save_probe(db, round_id, _probe(ev, "lhasa", MATTERS[1], visits="1次"))
    store.save_probe(db, round_id, _probe(ev, "lhasa", MATTERS[2], Outcome.GUIDE_MISSING))
    for p in store.probes_of_round(db, round_id):
        store.save_judgement(
            db, p["id"], elements={"到办事现场次数": "0次" if p["city"] == "guangzhou" or
                                   p["matter"] == MATTERS[0] else "1次"},
            empty=(), materials=(), links=(), findings=(), completeness=1.0,
            required=["到办事现场次数"], missing=[], rules_version="test",
        )  # fmt: skip
    store.finish_round(db, round_id)
    consult_round = store.start_round(db, "consult", "sandbox", {"dry_run": False})
    for city, kind, timely, effect, outcome in (
        ("guangzhou", "consult", "on_time", "solved", "ok"),
        ("guangzhou", "complaint", "late", "partly", "ok"),
        ("lhasa", "consult", None, None, "blocked"),
        ("lhasa", "complaint", "no_reply", "not", "ok"),
    ):
        item = store.record_intent(
            db, city=city, scenario="beauty-salon", kind=kind, round_id=consult_round,
            title="<b>标题</b>", content="问题",
        )  # fmt: skip
        store.note_item(db, item, "attempt", outcome=outcome)
        if timely:
            store.set_item_scores(db, item, working_days=1, timeliness=timely, effectiveness=effect)
    store.finish_round(db, consult_round)
    yield db, str(db_path), round_id
    db.close()


def test_observations_come_from_the_probes_judgements_and_items(filled):
    db, _path, round_id = filled
    obs = read_observations(db, round_id, load_registry())
    assert {c.city for c in obs.cities} == {"guangzhou", "lhasa"}
    assert len(obs.guides) == 6
    missing = [g for g in obs.guides if g.outcome.value == "guide_missing"]
    assert [(g.city, g.completeness, g.found_by) for g in missing] == [("lhasa", None, None)]
    handled = {(h.city, h.matter): (h.online_apply, h.visits) for h in obs.handling}
    assert handled[("lhasa", MATTERS[1])] == (True, 1)
    assert handled[("guangzhou", MATTERS[2])] == (True, 0)
    assert ("lhasa", MATTERS[2]) not in handled  # no guide, nothing to tell
    # the captcha-blocked consultation is left out, not scored as zero
    assert sorted((i.city, i.kind) for i in obs.interactions) == [
        ("guangzhou", "complaint"), ("guangzhou", "consult"), ("lhasa", "complaint")
    ]  # fmt: skip


def test_the_score_counts_full_online_cities_and_interaction_points(filled):
    _db, path, round_id = filled
    result = evaluation.score(path, round_id)
    assert result["national"]["full_online_cities"] == {"beauty-salon": 1}  # guangzhou only
    gz = next(c for c in result["cities"] if c["city"] == "guangzhou")
    interaction = gz["indicators"]["interaction"]
    assert interaction == pytest.approx((100 + 50 + 100 + 50) / 4)  # timeliness and effect
    assert result["national"]["indicators"]["hardware"] is None  # not measured, never zero


def test_an_evaluator_label_changes_the_score(filled):
    db, path, round_id = filled
    before = evaluation.score(path, round_id)
    item = next(
        i for i in store.items_of(db) if i["city"] == "guangzhou" and i["kind"] == "complaint"
    )
    store.set_label(db, item["id"], "solved", "李评估", "答复已解决")
    after = evaluation.score(path, round_id)
    gz = {r["city"]: r for r in after["cities"]}["guangzhou"]
    old = {r["city"]: r for r in before["cities"]}["guangzhou"]
    assert gz["indicators"]["interaction"] > old["indicators"]["interaction"]


def _check_round(db, at: str, available: bool) -> str:
    round_id = store.start_round(db, "check", "sandbox", at=at)
    store.save_check(
        db, round_id, url="http://portal/guangzhou", kind="home", city="guangzhou",
        channel="pc", classification="up" if available else "down",
        detail={"available": available}, at=at,
    )  # fmt: skip
    store.finish_round(db, round_id, at=at)
    return round_id


def test_the_season_scores_each_round_with_the_checks_of_its_own_week(filled):
    db, _path, first = filled
    start = datetime.fromisoformat(store.get_round(db, first)["started_at"])
    day = lambda n: (start + timedelta(days=n)).isoformat(timespec="seconds")  # noqa: E731
    down = _check_round(db, day(-10), available=False)  # the week before the first round
    up = _check_round(db, day(1), available=True)  # the week before the second
    second = store.start_round(db, "guides", "sandbox", at=day(2))
    for p in store.probes_of_round(db, first):
        copy = _probe(EvidenceStore(Path(_path).parent / "evidence"), p["city"], p["matter"],
                      Outcome(p["outcome"]))  # fmt: skip
        probe_id = store.save_probe(db, second, copy)
        if copy.capture:
            store.save_judgement(
                db, probe_id, elements={"到办事现场次数": "0次"}, empty=(), materials=(),
                links=(), findings=(), completeness=1.0, required=["到办事现场次数"],
                missing=[], rules_version="test",
            )  # fmt: skip
    store.finish_round(db, second, at=day(2))
    trend = evaluation.score_season(db, target="sandbox")
    assert [t["round"] for t in trend] == [first, second]
    assert [t["check_rounds"] for t in trend] == [[down], [up]]
    # availability is scored from each round's own week, not from the latest checks
    assert [t["national"]["items"]["availability"] for t in trend] == [0.0, 100.0]
    # scored alone, an older round keeps its own week too (not the latest checks)
    assert evaluation.score_of(db, first)["check_rounds"] == [down]
    assert evaluation.score_of(db, second)["check_rounds"] == [up]


def test_score_compare_and_report_through_the_command(filled, tmp_path):
    _db, path, round_id = filled
    done = subprocess.run(
        [GOVPROBE, "score", "--db", path, "--round", round_id, "--compare", round_id, "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["compare"]["round"] == round_id
    out = tmp_path / "report.html"
    done = subprocess.run(
        [GOVPROBE, "report", "--db", path, "--out", str(out)], capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    html = out.read_text()
    assert "广州" in html and "拉萨" in html and "<b>标题</b>" not in html
    assert "&lt;b&gt;标题&lt;/b&gt;" in html
    xlsx = tmp_path / "report.xlsx"
    done = subprocess.run(
        [GOVPROBE, "report", "--db", path, "--out", str(xlsx), "--format", "xlsx"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and xlsx.stat().st_size > 0


def test_a_guide_round_is_needed_to_score(tmp_path):
    path = str(tmp_path / "empty.db")
    done = subprocess.run([GOVPROBE, "score", "--db", path], capture_output=True, text=True)
    assert done.returncode != 0 and "no guide round" in done.stderr


def test_offline_results_are_imported_kept_and_errors_name_the_row(filled, tmp_path):
    _db, path, _round = filled
    sample = Path(__file__).resolve().parent.parent / "scenarios" / "offline-sample.csv"
    done = subprocess.run([GOVPROBE, "offline", "import", str(sample), "--db", path],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "示例数据" in done.stdout and "36 cities" in done.stdout
    db = store.open_db(path)
    row = store.latest_offline_import(db)
    assert row["sample"] == 1 and row["cities"] == 36
    assert store.read_evidence(
        db, EvidenceStore(Path(path).parent / "evidence"), row["sha256"]
    ) == (sample.read_bytes())
    bad = tmp_path / "bad.csv"
    bad.write_text("city,offline_score\n广州,90\n广洲,80\n", encoding="utf-8")
    done = subprocess.run([GOVPROBE, "offline", "import", str(bad), "--db", path],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode != 0 and "bad.csv" in done.stderr and "row 3" in done.stderr
    assert "广洲" in done.stderr
    assert store.latest_offline_import(db)["id"] == row["id"]  # nothing kept from a bad file
