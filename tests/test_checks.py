"""Check rounds: orchestration on the real sandbox and Chromium, storage, the hardware rubrics
and observations, politeness, the ``check`` command (sandbox and live with no internet)."""

from __future__ import annotations

import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from click.testing import CliRunner
from sandbox_client import run_async

from probes import store
from probes.check.round import CheckOptions, run_checks_async
from probes.cli.check import check
from probes.model import Capture, ProbeResult
from probes.net.http import CheckLimits
from probes.outcomes import Outcome
from probes.plan.cities import load_registry
from probes.plan.indicators import load_indicators
from probes.plan.targets import Target
from probes.score.hardware import (
    accessibility_score,
    availability_score,
    check_rounds_of_week,
    hardware_observations,
    https_score,
    mobile_score,
    speed_score,
    summarize_checks,
)
from probes.store.evidence import EvidenceStore

REGISTRY = load_registry()

# --- rubrics --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("available", "failed", "expected"),
    [
        (100, 0, 100.0),
        (39, 1, 97.5),  # 2.5% failed
        (19, 1, 0.0),  # 5% failed: the item fails outright
        (1, 1, 0.0),
        (0, 2, 0.0),
        (0, 0, None),  # no visit counted: not measured
    ],
)
def test_availability_is_the_share_loaded_and_fails_outright_at_five_percent_failed(
    available, failed, expected
) -> None:
    assert availability_score(available, failed) == expected


@pytest.mark.parametrize(
    ("ms", "expected"),
    [(800, 100.0), (2500, 100.0), (8750, 50.0), (15000, 0.0), (40000, 0.0), (None, 0.0)],
)
def test_speed_is_full_to_two_and_a_half_seconds_and_nothing_from_fifteen(ms, expected) -> None:
    assert speed_score(ms) == pytest.approx(expected)


GOOD_HTTPS = {
    "served_over_https": True,
    "redirects_to_https": True,
    "cert_valid": True,
    "problem": None,
    "tls_version": "TLSv1.3",
    "days_left": 200,
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, 100.0),
        ({"redirects_to_https": None}, 100.0),  # nothing answers plain http: nothing to redirect
        ({"redirects_to_https": False}, 50.0),
        ({"days_left": 12}, 50.0),
        ({"tls_version": "TLSv1"}, 50.0),
        ({"served_over_https": False, "redirects_to_https": False}, 50.0),  # https beside http
        ({"cert_valid": False, "problem": "expired"}, 0.0),
        ({"cert_valid": False, "problem": "self_signed"}, 0.0),
        ({"cert_valid": None, "problem": "not_tried", "served_over_https": False}, 0.0),
        ({"cert_valid": None, "problem": "no_https"}, 0.0),
        ({"cert_valid": None, "problem": "unreachable"}, None),
    ],
)
def test_https_scores_full_half_or_nothing(change, expected) -> None:
    assert https_score(GOOD_HTTPS | change) == expected


@pytest.mark.parametrize(
    ("mobile", "expected"),
    [
        ({"device_width": True, "fits": True, "readable": True}, 100.0),
        ({"device_width": True, "fits": False, "readable": True}, 200 / 3),
        ({"device_width": False, "fits": False, "readable": False}, 0.0),
    ],
)
def test_mobile_adaptation_scores_a_third_per_rule(mobile, expected) -> None:
    assert mobile_score(mobile) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("axe", "expected"),
    [
        ({"critical": 0, "serious": 0, "moderate": 7}, 100.0),
        ({"critical": 1, "serious": 1}, 60.0),
        ({"critical": 3, "serious": 4}, 0.0),
    ],
)
def test_accessibility_loses_twenty_per_serious_or_critical_rule(axe, expected) -> None:
    assert accessibility_score(axe) == expected


def test_the_hardware_items_are_the_five_the_indicator_file_scores_directly() -> None:
    items = load_indicators().indicator("hardware").items
    assert [i.id for i in items] == ["availability", "speed", "https", "mobile", "accessibility"]
    assert {i.rubric.method for i in items} == {"direct"}


# --- observations from stored rows ----------------------------------------------------------


@pytest.fixture
def db():
    database = store.open_db(memory=True)
    yield database
    database.close()


def _visit(db, round_id, city, available, channel="pc", classification=None):
    classification = classification or ("up" if available else "down")
    store.save_check(
        db, round_id, url=f"http://{city}.example/", kind="home", city=city, channel=channel,
        classification=classification, detail={"available": available},
    )  # fmt: skip


def test_availability_counts_every_visit_of_the_weeks_rounds(db) -> None:
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    rounds = []
    for day in range(8):  # day 0 falls out of the week that ends with the last round
        at = (start + timedelta(days=day)).isoformat(timespec="seconds")
        round_id = store.start_round(db, "check", "sandbox", {}, at=at)
        rounds.append(round_id)
        for _ in range(5):
            _visit(db, round_id, "steady", True)
            _visit(db, round_id, "shaky", day != 3)  # one bad day: 5 of 35 visits in the week
            _visit(db, round_id, "blip", not (day == 5 and _ == 0))  # 1 of 35
            _visit(db, round_id, "firewalled", None, classification="protected")
    week = check_rounds_of_week(db)
    assert set(week) == set(rounds[1:])
    found = {(o.city, o.item): o.value for o in hardware_observations(db, *week)}
    assert found[("steady", "availability")] == 100.0
    assert found[("shaky", "availability")] == 0.0
    assert found[("blip", "availability")] == pytest.approx(100 * 34 / 35, abs=0.01)
    assert ("firewalled", "availability") not in found  # no browser tried it: not measured


def test_each_item_is_measured_from_its_own_rows_and_unmeasured_items_are_left_out(db) -> None:
    round_id = store.start_round(db, "check", "sandbox", {})
    _visit(db, round_id, "a", True)
    _visit(db, round_id, "a", True, channel="mobile")
    store.save_check(db, round_id, url="u", kind="https", city="a", detail=GOOD_HTTPS)
    store.save_check(
        db, round_id, url="u", kind="https", city="a", channel="mobile",
        detail=GOOD_HTTPS | {"redirects_to_https": False},
    )  # fmt: skip
    for channel, speed, mobile, axe in (
        ("pc", 1000, None, {"critical": 0, "serious": 1}),
        ("mobile", 8750, {"device_width": True, "fits": False, "readable": True}, {}),
    ):
        store.save_check(
            db, round_id, url="u", kind="page", city="a", channel=channel,
            detail={"loaded": True, "speed_ms": speed, "mobile": mobile, "axe": axe},
        )  # fmt: skip
    store.save_check(
        db, round_id, url="u", kind="page", city="a", channel="pc", detail={"loaded": False}
    )
    _visit(db, round_id, "gone", False)
    store.save_check(
        db, round_id, url="u", kind="https", city="gone", detail={"problem": "unreachable"}
    )
    found = {(o.city, o.item): o.value for o in hardware_observations(db)}
    assert found == {
        ("a", "availability"): 100.0,
        ("a", "https"): 75.0,
        ("a", "speed"): 50.0,  # (100 + 50 + 0 for the page that never loaded) / 3
        ("a", "mobile"): pytest.approx(66.67),
        ("a", "accessibility"): 80.0,  # the mobile page's axe run failed: not counted
        ("gone", "availability"): 0.0,
    }


# --- a round on the sandbox -----------------------------------------------------------------

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


@pytest.fixture
def sandbox(sandbox_url):
    cities = {c["city_id"]: c for c in httpx.get(f"{sandbox_url}/__sandbox/cities").json()}
    try:
        yield sandbox_url, cities
    finally:
        httpx.post(f"{sandbox_url}/__sandbox/faults", json={"clear": "all"}).raise_for_status()


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
    sandbox, tmp_path
) -> None:
    sandbox_url, cities = sandbox
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
    assert {item for city, item in hardware if city == "chongqing"} == {
        "availability", "speed", "https", "mobile", "accessibility",
    }  # fmt: skip
    assert hardware[("chongqing", "availability")] == 100.0
    assert hardware[("chongqing", "mobile")] == 100.0
    assert hardware[("taiyuan", "availability")] == 0.0
    assert ("changchun", "https") not in hardware  # nothing answered: not measured
    assert ("taiyuan", "speed") not in hardware


def test_no_more_than_two_checks_at_once_reach_one_host(sandbox) -> None:
    sandbox_url, cities = sandbox
    # Guangzhou and Shenzhen are regions of one provincial site: four addresses, one host
    httpx.post(
        f"{sandbox_url}/__sandbox/faults", json={"city": "guangzhou", "mode": "latency", "ms": 300}
    ).raise_for_status()
    httpx.post(f"{sandbox_url}/__sandbox/stats", json={"reset": True}).raise_for_status()
    targets = [
        Target(REGISTRY.find(city), channel, cities[city][f"{channel}_url"])
        for city in ("guangzhou", "shenzhen")
        for channel in ("pc", "mobile")
    ]

    async def go():
        db = store.open_db(memory=True)
        try:
            done = await run_checks_async(
                db, targets, target="sandbox", options=CheckOptions(concurrency=8, browser=False)
            )
            return summarize_checks(db, done["round"])
        finally:
            db.close()

    summary = run_async(go)
    assert {p["classification"] for p in summary["portals"]} == {"up"}
    stats = httpx.get(f"{sandbox_url}/__sandbox/stats").json()
    site = cities["guangzhou"]["platform"]
    assert stats[site]["max_concurrent"] == 2


# --- the command ----------------------------------------------------------------------------


def invoke(*args: str):
    """``check`` through click's runner, in a thread of its own: it runs its own event loop,
    and a browser fixture may hold one on the main thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(CliRunner().invoke, check, list(args)).result()


def test_check_json_on_the_sandbox_prints_the_round(sandbox, tmp_path) -> None:
    sandbox_url, _ = sandbox
    done = invoke(
        "--sandbox-url", sandbox_url, "--city", "重庆", "--db", str(tmp_path / "c.db"), "--json"
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
    assert {h["item"] for h in summary["hardware"]} == {
        "availability", "speed", "https", "mobile", "accessibility",
    }  # fmt: skip


def _reaches_the_internet() -> bool:
    try:
        socket.getaddrinfo("banshi.beijing.gov.cn", 443)
    except OSError:
        return False
    return True


def test_live_portals_with_no_internet_are_all_down_quickly(tmp_path) -> None:
    if _reaches_the_internet():
        pytest.skip("this machine reaches the internet: the live portals would be visited")
    started = time.monotonic()
    done = invoke("--target", "live", "--db", str(tmp_path / "l.db"), "--json")
    seconds = time.monotonic() - started
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert len(summary["portals"]) == 2 * len(REGISTRY.cities)
    assert {p["classification"] for p in summary["portals"]} == {"down"}
    assert {(h["item"], h["value"]) for h in summary["hardware"]} == {("availability", 0.0)}
    assert seconds < 60
    table = invoke("--target", "live", "--city", "北京", "--db", str(tmp_path / "l.db"))
    assert table.exit_code == 0 and "无法访问" in table.output and "可用性 0.00" in table.output
