"""The generic journey, end to end through ``govprobe run``: real Chromium, real HTTP portals.

Each run is a child process (the command as users run it): on test-only portals unlike every
archetype (``tests/support/unseen_portal.py``, ``spa_portal.py``), each round walked once for
the module; on the shared sandbox, retries, politeness, a killed round resumed and a remote
browser; on live portals with no internet. Every archetype against the sandbox's truth is
``test_journey_truth.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from probes import store
from tests.support.commands import GOVPROBE, govprobe, run_govprobe
from tests.support.spa_portal import Served as SpaServed
from tests.support.unseen_portal import Served

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def unseen_round(tmp_path_factory) -> tuple[dict, Path]:
    """The beauty-salon PC round on the test-only portal no profile describes, walked once for
    the module: its summary, and the folder of its database (``u.db``) and evidence."""
    folder = tmp_path_factory.mktemp("unseen")
    with Served() as url:
        summary = govprobe(
            "run", "--portal-url", url, "--scenario", "beauty-salon", "--channel", "pc",
            "--db", str(folder / "u.db"),
        )  # fmt: skip
    return summary, folder


def test_a_portal_no_profile_describes_is_walked_by_the_generic_journey(unseen_round):
    summary, _ = unseen_round
    by_matter = {p["matter"]: p for p in summary["probes"]}
    permit = by_matter["public-health-permit"]
    assert permit["city"] is None
    assert permit["outcome"] == "ok"
    assert permit["guide_url"].endswith("/item/t1")  # not the 延续 or 注销 decoys above it
    assert permit["elements"]["法定办结时限"] == "20个工作日"
    assert permit["elements"]["咨询方式"] == "020-83330000"
    assert "是否网办" in permit["missing"]  # shown as 暂无
    # the other two matters are not on this portal: searched, navigated, not there
    assert by_matter["enterprise-registration"]["outcome"] == "guide_missing"
    assert by_matter["fire-safety-inspection"]["outcome"] == "guide_missing"


def test_rejudge_and_verify_work_on_a_stored_round_without_a_browser(unseen_round, tmp_path):
    _, folder = unseen_round
    copy = shutil.copytree(folder, tmp_path / "round")  # its evidence is tampered with below
    db = str(copy / "u.db")
    again = run_govprobe("rejudge", "--db", db)
    assert again.returncode == 0 and "重新判定 1 项" in again.stdout, again.stderr
    ok = run_govprobe("verify", "--db", db)
    assert ok.returncode == 0 and "问题 0 个" in ok.stdout
    victim = next((copy / "evidence").rglob("*.html"))
    victim.write_text("tampered", encoding="utf-8")
    bad = run_govprobe("verify", "--db", db)
    assert bad.returncode == 1 and "已被改动" in bad.stdout


def test_live_portals_unreachable_end_quickly_as_portal_unreachable(tmp_path):
    summary = govprobe(
        "run", "--target", "live", "--city", "北京", "--scenario", "resident-insurance",
        "--channel", "pc", "--db", str(tmp_path / "l.db"), timeout=180,
    )  # fmt: skip
    assert {p["outcome"] for p in summary["probes"]} == {"portal_unreachable"}
    assert all(p["seconds"] < 60 for p in summary["probes"])


def test_an_unknown_city_is_refused_with_its_name():
    done = run_govprobe("run", "--target", "live", "--city", "纽约")
    assert done.returncode != 0
    assert "没有这个城市：'纽约'" in done.stderr


def test_a_transient_failure_is_retried_confirmed_or_marked_flaky(
    sandbox_cities, tmp_path, open_store
):
    """A portal that answers 503 once recovers on the retry (flaky, counted as found); one that
    keeps answering 503 is confirmed by the retry before it counts against the city."""
    url, _ = sandbox_cities  # the faults are cleared after the test
    httpx.post(url + "/__sandbox/faults", json={"city": "chengdu", "mode": "5xx", "count": 1})
    httpx.post(url + "/__sandbox/faults", json={"city": "lhasa", "mode": "5xx"})
    summary = govprobe(
        "run", "--sandbox-url", url, "--city", "成都", "--city", "拉萨", "--scenario",
        "beauty-salon", "--channel", "pc", "--retries", "1", "--backoff", "0.2",
        "--db", str(tmp_path / "r.db"),
    )  # fmt: skip
    by_city = {}
    for p in summary["probes"]:
        by_city.setdefault(p["city"], []).append(p)
    first = next(p for p in by_city["chengdu"] if p["flaky"])
    assert first["outcome"] == "ok" and first["attempt"] == 2
    assert sum(p["flaky"] for p in by_city["chengdu"]) == 1  # the others passed at once
    assert {(p["outcome"], p["attempt"], p["flaky"]) for p in by_city["lhasa"]} == {
        ("portal_error", 2, False)
    }
    db = open_store(tmp_path / "r.db")
    extra = json.loads(
        db.execute("SELECT extra FROM probes WHERE city = 'lhasa' LIMIT 1").fetchone()[0]
    )
    assert extra["confirmed"] is True and extra["attempts"][0]["outcome"] == "portal_error"
    # the one retry policy (probes/net/retry.py): the wait before the retry is the backoff and
    # up to half of it at random, and the round says the policy it ran with
    assert 0.2 <= extra["attempts"][0]["wait_s"] <= 0.3
    params = json.loads(db.execute("SELECT params FROM rounds").fetchone()[0])
    assert params["retry"] == {"retries": 1, "backoff_s": 0.2, "budget_s": 300.0, "jitter": 0.5}


def test_journeys_through_a_playwright_browser_server_match_local_ones(sandbox_url, tmp_path):
    from probes.net.browser import launch_options

    local = launch_options()
    config = tmp_path / "server.json"
    config.write_text(
        json.dumps(
            {
                "executablePath": local.get("executable_path"),
                "headless": True,
                "args": local["args"],
            }
        )  # fmt: skip
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "playwright", "launch-server", "--browser", "chromium",
         "--config", str(config)], stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        endpoint = server.stdout.readline().strip()
        assert endpoint.startswith("ws://")
        args = ["run", "--sandbox-url", sandbox_url, "--city", "成都", "--scenario",
                "beauty-salon", "--channel", "pc"]  # fmt: skip
        here = govprobe(*args, "--db", str(tmp_path / "local.db"))
        there = govprobe(*args, "--db", str(tmp_path / "remote.db"), "--browser-endpoint", endpoint)

        def seen(summary):
            return sorted((p["matter"], p["outcome"], p["guide_url"]) for p in summary["probes"])

        assert seen(there) == seen(here) and {p["outcome"] for p in here["probes"]} == {"ok"}
    finally:  # the whole group: python's launcher and the node driver it runs
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
        server.stdout.close()
    done = run_govprobe(
        "run", "--target", "live", "--city", "北京", "--browser-endpoint",
        "ws://127.0.0.1:9/nothing", "--db", str(tmp_path / "x.db"),
    )  # fmt: skip
    assert done.returncode != 0 and "浏览器服务器 ws://127.0.0.1:9/nothing 无应答" in done.stderr


def test_the_sandbox_never_sees_more_requests_at_once_per_portal_than_allowed(
    sandbox_url, tmp_path
):
    """Two cities on one provincial platform (福州, 厦门 on fjzwfw), walked four journeys at a
    time with one request per host at once and 0.3 s between requests: the sandbox records
    what it saw."""
    url = sandbox_url
    httpx.post(url + "/__sandbox/stats", json={"reset": True})
    summary = govprobe(
        "run", "--sandbox-url", url, "--city", "福州", "--city", "厦门", "--scenario",
        "beauty-salon", "--channel", "pc", "--concurrency", "4", "--per-host", "1",
        "--gap", "0.3", "--db", str(tmp_path / "p.db"),
    )  # fmt: skip
    stats = httpx.get(url + "/__sandbox/stats").json()["fjzwfw"]
    assert {p["outcome"] for p in summary["probes"]} == {"ok"}
    assert stats["requests"] > 20
    assert stats["max_concurrent"] == 1
    # each request let through 300 ms after the previous one was answered, so at least that
    # apart at the portal however late each left; a redirect's follow-up (not routed, not
    # counted) leaves with the answer the gate waits for, so a margin is kept for it on a
    # loaded machine (ungated: ~3 ms apart; counted from the gate's start: 18 ms once)
    assert stats["min_gap_ms"] >= 200, stats["closest"]


def test_a_killed_round_resumes_and_probes_everything_exactly_once(sandbox_url, tmp_path):
    """SIGKILL (the whole process group) in the middle of a round, then --resume: every city
    x scenario x channel probed once in the database, and the round finished."""
    db = str(tmp_path / "k.db")
    cities = ["北京", "广州", "成都", "杭州"]
    args = ["run", "--sandbox-url", sandbox_url, "--scenario", "resident-insurance",
            "--db", db, *(a for c in cities for a in ("--city", c))]  # fmt: skip
    proc = subprocess.Popen([GOVPROBE, *args, "--json"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 240
    stored = 0
    while stored < 4 and time.monotonic() < deadline:
        assert proc.poll() is None, "the round ended before it could be killed"
        time.sleep(0.3)
        with contextlib.suppress(Exception), store.open_db(db) as watching:
            stored = watching.execute("SELECT count(*) FROM probes").fetchone()[0]
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    with store.open_db(db) as con:
        ((round_id, status),) = con.execute("SELECT id, status FROM rounds").fetchall()
        before = con.execute("SELECT count(*) FROM probes").fetchone()[0]
    assert status == "running"  # killed: never marked finished
    assert 4 <= before < 16
    summary = govprobe(*args, "--resume", round_id)
    assert summary["round"] == round_id
    keys = [(p["city"], p["matter"], p["channel"]) for p in summary["probes"]]
    assert len(keys) == len(set(keys)) == 4 * 2 * 2  # 2 matters x PC and mobile per city
    with store.open_db(db) as con:
        assert con.execute("SELECT count(*) FROM probes").fetchone()[0] == 16
        assert con.execute("SELECT status FROM rounds").fetchone()[0] == "finished"


@pytest.fixture(scope="module")
def spa_round(tmp_path_factory):
    """``spa_round(channel)``: the beauty-salon round on the single-page test portal unlike any
    archetype, walked once per channel for the module: its probes by matter, its database."""
    walked: dict[str, tuple[dict, Path]] = {}

    def walk(channel: str) -> tuple[dict, Path]:
        if channel not in walked:
            db = tmp_path_factory.mktemp(f"spa-{channel}") / "spa.db"
            with SpaServed() as url:
                summary = govprobe(
                    "run", "--portal-url", url, "--scenario", "beauty-salon",
                    "--channel", channel, "--db", str(db),
                )  # fmt: skip
            walked[channel] = {p["matter"]: p for p in summary["probes"]}, db
        return walked[channel]

    return walk


@pytest.mark.parametrize("channel", ["pc", "mobile"])
def test_a_single_page_portal_unlike_any_archetype_is_walked_as_a_person_would(spa_round, channel):
    by_matter, _ = spa_round(channel)
    permit = by_matter["public-health-permit"]
    # past a splash advert, a fake search bar, decoys ranked above it and a list that loads as
    # it scrolls: the exact name, not the 告知承诺 variant or the "一件事" package above it
    assert permit["outcome"] == "ok", permit["reason"]
    assert permit["guide_url"].endswith("#/item/t1")
    # every segment of a switch that renders only the chosen one, and the materials sub-view
    assert permit["elements"]["法定办结时限"] == "20个工作日"
    assert permit["elements"]["承诺办结时限"] == "当场"
    assert permit["elements"]["咨询方式"] == "020-83330000"
    assert "申请材料" in permit["elements"] and "申请材料" not in permit["missing"]
    enterprise = by_matter["enterprise-registration"]
    assert enterprise["outcome"] == "ok", enterprise["reason"]
    assert enterprise["guide_url"].endswith("#/item/t2")  # not 合伙企业设立登记 above it
    # only a 建设工程消防验收 is listed: another matter, so the guide is missing
    assert by_matter["fire-safety-inspection"]["outcome"] == "guide_missing"


def test_a_probe_records_the_candidates_it_saw_and_why_it_picked_one(spa_round):
    _, db = spa_round("pc")
    with store.open_db(db) as database:
        row = next(
            r
            for r in database["probes"].rows
            if r["matter"] == "public-health-permit" and r["outcome"] == "ok"
        )
    choice = json.loads(row["extra"])["choice"]
    assert choice["picked"] == "公共场所卫生许可证核发（新证）"
    assert choice["match"] == "exact"
    passed = {p["text"]: p["why"] for p in choice["passed_over"]}
    assert "告知承诺" in passed["公共场所卫生许可（告知承诺）"]
    assert "延续" in passed["公共场所卫生许可（延续）"]
    assert "告知承诺" in passed["公共场所卫生许可证核发（新证）（告知承诺制）"]
