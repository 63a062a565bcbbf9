"""Check rounds over HTTP, no browser: politeness on the served sandbox, and ``govprobe check``
on live portals from a machine with no internet."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from probes import store
from probes.check.round import CheckOptions, run_checks_async
from probes.cli.check import check
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
    done = invoke(check, "--target", "live", "--db", str(tmp_path / "l.db"), "--json")
    seconds = time.monotonic() - started
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert len(summary["portals"]) == 2 * len(REGISTRY.cities)
    assert {p["classification"] for p in summary["portals"]} == {"down"}
    # no address answered, over many hosts: our network, never the cities' availability
    assert summary["our_side"] is True and summary["hardware"] == []
    assert {(a["visits"], a["ours"]) for a in summary["availability"]} == {(0, 2)}
    assert seconds < 60
    table = invoke(check, "--target", "live", "--city", "北京", "--db", str(tmp_path / "l.db"))
    assert table.exit_code == 0 and "无法访问" in table.output and "可用性 未测" in table.output
