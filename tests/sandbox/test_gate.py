"""The politeness gate's httpx transport (``probes/net/gate.py``) against the sandbox, whose
``/__sandbox/stats`` counts the requests each site has in flight."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from probes.net.gate import HostGate
from tests.support.sandbox_client import run_async


@pytest.fixture
def two_sites(sandbox_url):
    """The PC home pages of two cities on two sandbox sites (two hosts), each answering 400 ms
    late; the sandbox's request counts start from zero."""
    cities = {c["city_id"]: c for c in httpx.get(f"{sandbox_url}/__sandbox/cities").json()}
    picked = [cities["chongqing"], cities["chengdu"]]
    assert picked[0]["platform"] != picked[1]["platform"]
    try:
        for city in picked:
            fault = {"city": city["city_id"], "mode": "latency", "ms": 400}
            httpx.post(f"{sandbox_url}/__sandbox/faults", json=fault).raise_for_status()
        httpx.post(f"{sandbox_url}/__sandbox/stats", json={"reset": True}).raise_for_status()
        yield sandbox_url, picked
    finally:
        httpx.post(f"{sandbox_url}/__sandbox/faults", json={"clear": "all"}).raise_for_status()


def test_two_hosts_limited_to_one_request_each_never_see_two_at_once(two_sites) -> None:
    sandbox_url, cities = two_sites
    urls = [city["pc_url"] for city in cities for _ in range(4)]

    async def go() -> tuple[list[int], float, float]:
        gate = HostGate(per_host=1)
        async with httpx.AsyncClient(transport=gate.transport()) as client:
            started = time.monotonic()
            answers = await asyncio.gather(*(client.get(url) for url in urls))
            return [a.status_code for a in answers], time.monotonic() - started, gate.waited_s

    statuses, seconds, waited = run_async(go)
    assert statuses == [200] * 8
    stats = httpx.get(f"{sandbox_url}/__sandbox/stats").json()
    for city in cities:
        assert stats[city["platform"]]["requests"] == 4
        assert stats[city["platform"]]["max_concurrent"] == 1
    assert waited > 0  # the requests queued at the gate, not in the server
    # one at a time per host, the two hosts side by side: about 4 x 400 ms, not 8 x 400 ms
    assert 1.6 <= seconds < 3.0
