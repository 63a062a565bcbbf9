"""Check rounds over HTTP, no browser: politeness on the served sandbox, and ``govprobe check``
on live portals from a machine with no internet."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from probes import store
from probes.check.round import CheckOptions, GuideFacts, check_targets, run_checks_async
from probes.cli.check import check
from probes.net.retry import RetryPolicy
from probes.plan.cities import load_registry
from probes.plan.targets import Target
from probes.score.hardware import summarize_checks
from tests.support.commands import invoke
from tests.support.sandbox_client import run_async

REGISTRY = load_registry()


def test_no_more_than_two_checks_at_once_reach_one_host(sandbox_cities) -> None:
    sandbox_url, cities = sandbox_cities
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
    done = invoke(
        check, "--target", "live", "--db", str(tmp_path / "l.db"), "--json", "--backoff", "0.2"
    )
    seconds = time.monotonic() - started
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert len(summary["portals"]) == 2 * len(REGISTRY.cities)
    assert {p["classification"] for p in summary["portals"]} == {"down"}
    # each called down only once a retry confirmed it (--retries 1 by default)
    assert all(p["confirmed"] and len(p["attempts"]) == 1 for p in summary["portals"])
    # no address answered, over many hosts: our network, never the cities' availability
    assert summary["our_side"] is True and summary["hardware"] == []
    assert {(a["visits"], a["ours"]) for a in summary["availability"]} == {(0, 2)}
    assert seconds < 60
    table = invoke(
        check, "--target", "live", "--city", "北京", "--db", str(tmp_path / "l.db"),
        "--backoff", "0.2",
    )  # fmt: skip
    assert table.exit_code == 0 and "无法访问" in table.output and "可用性 未测" in table.output


def test_a_failed_visit_or_link_is_retried_before_it_is_believed(sandbox_cities) -> None:
    """Real sandbox faults: a portal that answers 503 once is up on the retry (one visit, kept
    as flaky with the 503 in its row), one that keeps answering 503 is an error confirmed by the
    retry, and a guide's link that answers 503 once is ok on its retry."""
    sandbox_url, cities = sandbox_cities
    faults = {"chengdu": 1, "lhasa": 1000, "guiyang": 1}  # three sites of their own
    for city, count in faults.items():
        httpx.post(
            f"{sandbox_url}/__sandbox/faults", json={"city": city, "mode": "5xx", "count": count}
        ).raise_for_status()
    targets = [
        Target(REGISTRY.find(city), "pc", cities[city]["pc_url"]) for city in ("chengdu", "lhasa")
    ]
    link = cities["guiyang"]["pc_url"]  # a form link that lives on another portal's site
    facts = GuideFacts(links={"chengdu": ((link, "form", "127.0.0.1"),)})
    policy = RetryPolicy(retries=2, backoff_s=0.2, budget_s=60)

    async def go():
        db = store.open_db(memory=True)
        try:
            round_id = store.start_round(db, "check", "sandbox", {})
            await check_targets(
                db, round_id, targets, facts=facts,
                options=CheckOptions(browser=False, retry=policy),
            )  # fmt: skip
            return summarize_checks(db, round_id), store.check_rows(db, [round_id])
        finally:
            db.close()

    summary, rows = run_async(go)
    home = {r["city"]: r for r in rows if r["kind"] == "home"}
    assert len(home) == 2  # one visit each, however many attempts it took
    flaky = home["chengdu"]
    assert flaky["classification"] == "up" and flaky["detail"]["available"] is True
    assert flaky["detail"]["flaky"] is True and flaky["detail"]["confirmed"] is False
    [failed] = flaky["detail"]["attempts"]
    assert (failed["attempt"], failed["classification"], failed["status"]) == (1, "error", 503)
    assert 0.2 <= failed["wait_s"] <= 0.3  # the first wait: the backoff and up to half of it
    down = home["lhasa"]
    assert down["classification"] == "error" and down["detail"]["available"] is False
    assert down["detail"]["confirmed"] is True
    waits = [a["wait_s"] for a in down["detail"]["attempts"]]
    assert [a["status"] for a in down["detail"]["attempts"]] == [503, 503]  # 3 tries in all
    assert 0.2 <= waits[0] <= 0.3 and 0.4 <= waits[1] <= 0.5  # doubling, within the jitter
    [checked] = [r for r in rows if r["kind"] == "link"]
    assert checked["classification"] == "ok" and checked["detail"]["flaky"] is True
    assert checked["detail"]["attempts"][0]["status"] == 503
    by_city = {p["city"]: p for p in summary["portals"]}
    assert by_city["chengdu"]["flaky"] is True and len(by_city["lhasa"]["attempts"]) == 2


def test_a_check_round_on_the_sandbox_clock_is_stamped_with_its_simulated_time(sandbox, tmp_path):
    from probes.app.health import check_portals
    from tests.support.sandbox_client import clock, in_a_thread

    db_path = str(tmp_path / "c.db")
    rounds = []
    for _ in range(2):
        now = datetime.fromisoformat(httpx.get(f"{sandbox}/__sandbox/clock").json()["now"])
        done = in_a_thread(
            lambda: check_portals(
                sandbox_url=sandbox, cities=["北京"], db_path=db_path, http_only=True,
                clock="sandbox",
            )
        )  # fmt: skip
        rounds.append((now, done["round"]))
        clock(sandbox, advance="P1DT2H")
    with store.open_db(db_path) as db:
        for now, round_id in rounds:
            row = store.get_round(db, round_id)
            stamp = now.astimezone(UTC).isoformat()  # as the store writes its own times
            assert row["params"]["clock"] == "sandbox"
            assert row["started_at"] == row["finished_at"] == stamp  # that clock stood still
            assert {r["at"] for r in store.check_rows(db, [round_id])} == {stamp}
    assert rounds[1][0] - rounds[0][0] == timedelta(days=1, hours=2)


@pytest.mark.parametrize(
    ("clock", "target", "wrong"),
    [("sandbox", "live", "needs the sandbox"), ("portal", "sandbox", "expected one of real")],
)
def test_a_round_clock_other_than_real_is_the_sandboxs_alone(clock, target, wrong):
    from probes.plan.scenarios import ScenarioError
    from probes.plan.targets import round_stamp

    assert round_stamp("real", target, None) is None  # the store's own clock
    with pytest.raises(ScenarioError, match=wrong):
        round_stamp(clock, target, "http://127.0.0.1:9")


def test_check_on_the_sandbox_clock_of_live_portals_is_refused_before_any_visit(tmp_path):
    done = invoke(
        check, "--target", "live", "--http-only", "--clock", "sandbox",
        "--db", str(tmp_path / "l.db"),
    )  # fmt: skip
    assert done.exit_code == 1 and "clock 'sandbox' needs the sandbox" in done.output
    with store.open_db(tmp_path / "l.db") as db:
        assert store.rounds_of(db, "check") == []
