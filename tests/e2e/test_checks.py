"""Check rounds on the real sandbox with Chromium: faults classified, firewalls confirmed by the
browser, hardware scored; the ``check`` command's JSON."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from probes import store
from probes.check.round import CheckOptions, run_checks_async
from probes.cli.check import check
from probes.model import Capture, ProbeResult
from probes.net.http import CheckLimits
from probes.outcomes import Outcome
from probes.plan.cities import load_registry
from probes.plan.targets import Target
from probes.score.hardware import summarize_checks
from probes.store.evidence import EvidenceStore
from tests.support.commands import invoke
from tests.support.sandbox_client import run_async

pytestmark = pytest.mark.browser

REGISTRY = load_registry()
FAULTS = {
    "taiyuan": {"mode": "5xx", "count": 100},
    "changchun": {"mode": "drop"},
    "shenyang": {"mode": "hang"},
    "harbin": {"mode": "maintenance"},
    "dalian": {"mode": "refuse_bots"},
}
EXPECTED = {
    ("chongqing", "pc"): "up",
    ("chongqing", "mobile"): "up",
    ("beijing", "pc"): "protected",
    ("dalian", "pc"): "protected",
    ("taiyuan", "pc"): "error",
    ("changchun", "pc"): "down",
    ("shenyang", "pc"): "down",
    ("harbin", "pc"): "maintenance",
}


def _guide_round(db, evidence: EvidenceStore, sandbox_url: str, cities: dict) -> str:
    """A guide round as ``govprobe run`` would have left it for Chongqing: a guide found on
    each channel (the sandbox's truth says where) and the links the judgement listed."""
    truth = httpx.get(f"{sandbox_url}/__sandbox/truth/chongqing").json()
    matter = truth["scenarios"]["beauty-salon"]["matters"]["enterprise-registration"]
    round_id = store.start_round(db, "guides", "sandbox", {"sandbox_url": sandbox_url})
    html = evidence.put(b"<html><body>guide</body></html>", "text/html")
    portal = cities["chongqing"]["pc_url"]
    origin = portal.split("/epoint")[0]
    for channel in ("pc", "mobile"):
        capture = Capture(
            url=matter[channel]["guide_url"], title="", html=html, screenshot=None,
            found_by="search", query="企业设立登记", rank=1,
        )  # fmt: skip
        probe_id = store.save_probe(
            db,
            round_id,
            ProbeResult(
                city="chongqing", scenario="beauty-salon", matter="enterprise-registration",
                channel=channel, portal_url=cities["chongqing"][f"{channel}_url"],
                outcome=Outcome.OK, reason="", started_at=store.now_iso(), seconds=1.0,
                capture=capture,
            ),
        )  # fmt: skip
        store.save_judgement(
            db, probe_id, elements={}, empty=[], materials=[],
            links=[
                {"url": portal, "kind": "form"},
                {"url": f"{origin}/download/no-such-form.doc", "kind": "form"},
                {"url": "http://10.0.0.8/sample.doc", "kind": "sample"},
                {"url": "javascript:download('sample')", "kind": "sample"},
            ],
            findings=[], completeness=1.0, required=[], missing=[], rules_version="test",
        )  # fmt: skip
    store.finish_round(db, round_id)
    return round_id


def test_a_round_classifies_faults_confirms_firewalls_in_chromium_and_scores_hardware(
    sandbox_cities, tmp_path
) -> None:
    sandbox_url, cities = sandbox_cities
    for city, body in FAULTS.items():
        httpx.post(
            f"{sandbox_url}/__sandbox/faults", json={"city": city, **body}
        ).raise_for_status()
    targets = [
        Target(REGISTRY.find(city), channel, cities[city][f"{channel}_url"])
        for city, channel in EXPECTED
    ]
    options = CheckOptions(limits=CheckLimits(visit_s=3.0))
    path = tmp_path / "c.db"

    async def go():
        db = store.open_db(path)
        try:
            guides = _guide_round(db, EvidenceStore(tmp_path / "evidence"), sandbox_url, cities)
            started = time.monotonic()
            done = await run_checks_async(
                db, targets, target="sandbox", params={"sandbox_url": sandbox_url},
                options=options,
            )  # fmt: skip
            summary = summarize_checks(db, done["round"])
            return (
                guides,
                time.monotonic() - started,
                summary,
                store.get_round(db, summary["round"]),
            )
        finally:
            db.close()

    guides, seconds, summary, round_row = run_async(go)
    assert round_row["kind"] == "check" and round_row["status"] == "finished"
    assert round_row["params"]["guide_round"] == guides
    portals = {(p["city"], p["channel"]): p for p in summary["portals"]}
    assert {k: p["classification"] for k, p in portals.items()} == EXPECTED
    for firewalled in (("beijing", "pc"), ("dalian", "pc")):
        assert portals[firewalled]["available"] is True  # the browser got through: up
        assert portals[firewalled]["browser"]["passed"] is True
        assert portals[firewalled]["uptime"] == 1.0
    for failed in (("taiyuan", "pc"), ("changchun", "pc"), ("shenyang", "pc"), ("harbin", "pc")):
        assert portals[failed]["available"] is False and portals[failed]["uptime"] == 0.0
        assert "pages" not in portals[failed]  # no browser for a portal that is not there
    assert seconds < 90

    pc, mobile = portals[("chongqing", "pc")], portals[("chongqing", "mobile")]
    assert [p["kind"] for p in pc["pages"]] == ["home", "guide"]
    assert all(p["loaded"] and p["speed_ms"] > 0 and p["bytes"] > 0 for p in pc["pages"])
    assert pc["pages"][0]["axe"] is not None and pc["pages"][0]["mobile"] is None
    assert [p["kind"] for p in mobile["pages"]] == ["home", "guide"]
    assert all(p["mobile"]["device_width"] and p["mobile"]["fits"] for p in mobile["pages"])
    assert pc["https"]["problem"] == "not_tried" and pc["https"]["score"] == 0.0

    links = {link["url"].rsplit("/", 1)[-1][:20]: link["result"] for link in summary["links"]}
    assert sorted(links.values()) == ["broken", "ok", "refused", "refused"]
    assert summary["counts"] == {"up": 2, "protected": 2, "error": 1, "down": 2, "maintenance": 1}

    hardware = {(h["city"], h["item"]): h["value"] for h in summary["hardware"]}
    # one round is far below the availability rule's week: shown with its visits, not scored
    assert {item for city, item in hardware if city == "chongqing"} == {
        "speed", "https", "mobile", "accessibility",
    }  # fmt: skip
    week = {a["city"]: a for a in summary["availability"]}
    assert (week["chongqing"]["share"], week["chongqing"]["visits"]) == (100.0, 2)
    assert week["chongqing"]["short"] and week["chongqing"]["score"] is None
    assert (week["taiyuan"]["share"], week["taiyuan"]["failed"]) == (0.0, 1)
    assert hardware[("chongqing", "mobile")] == 100.0
    assert ("changchun", "https") not in hardware  # nothing answered: not measured
    assert ("taiyuan", "speed") not in hardware


def test_check_json_on_the_sandbox_prints_the_round(sandbox_cities, tmp_path) -> None:
    sandbox_url, _ = sandbox_cities
    done = invoke(
        check,
        "--sandbox-url",
        sandbox_url,
        "--city",
        "重庆",
        "--db",
        str(tmp_path / "c.db"),
        "--json",
    )
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert set(summary) >= {"round", "target", "portals", "counts", "links", "hardware"}
    assert summary["target"] == "sandbox"
    assert {(p["city"], p["channel"], p["classification"]) for p in summary["portals"]} == {
        ("chongqing", "pc", "up"),
        ("chongqing", "mobile", "up"),
    }
    assert summary["links"] == []  # no guide round on this sandbox in this database
    # availability needs the rule's week of visits (tests/unit/test_availability.py)
    assert {h["item"] for h in summary["hardware"]} == {
        "speed", "https", "mobile", "accessibility",
    }  # fmt: skip
    assert [(a["city"], a["visits"], a["short"]) for a in summary["availability"]] == [
        ("chongqing", 2, True)
    ]


def test_check_exits_non_zero_when_no_browser_check_could_run(
    sandbox_cities, tmp_path, monkeypatch
) -> None:
    """Our own failure (here: no Chromium where we were told it is) on every portal is not a
    measured round of speed and accessibility: the command says so and exits 1; the HTTP
    visits are kept, and no browser item is scored against the city."""
    sandbox_url, _ = sandbox_cities
    monkeypatch.setenv("GOVPROBE_CHROMIUM", str(tmp_path / "no-chromium"))
    db_path = tmp_path / "c.db"
    done = invoke(check, "--sandbox-url", sandbox_url, "--city", "重庆", "--db", str(db_path))
    assert done.exit_code == 1, done.output
    assert "浏览器检查：没有测得任何结果，2 个门户全部是探测程序错误" in done.output
    with store.open_db(db_path, create=False) as db:
        (round_row,) = store.rounds_of(db, "check")
        summary = summarize_checks(db, round_row["id"])
    assert {p["classification"] for p in summary["portals"]} == {"up"}
    items = {h["item"] for h in summary["hardware"]}
    assert not items & {"speed", "mobile", "accessibility"}
    # the HTTP visits are kept and counted towards the week of availability
    assert [(a["city"], a["visits"], a["up"]) for a in summary["availability"]] == [
        ("chongqing", 2, 2)
    ]
