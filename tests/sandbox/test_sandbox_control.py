"""The served sandbox: each site on a port of its own, a hang that never answers, a drop that
breaks the connection."""

from __future__ import annotations

import httpx
import pytest


def test_the_served_sandbox_gives_each_site_its_own_port(sandbox_url):
    cities = httpx.get(sandbox_url + "/__sandbox/cities", timeout=10).json()
    ports = {c["platform"]: c["pc_url"].split("/")[2] for c in cities}
    assert len(set(ports.values())) == 33
    chengdu = next(c for c in cities if c["city_id"] == "chengdu")
    r = httpx.get(chengdu["pc_url"], timeout=10)
    assert r.status_code == 200 and "成都" in r.text


def test_hang_never_answers_until_the_client_gives_up(sandbox_url):
    cities = httpx.get(sandbox_url + "/__sandbox/cities", timeout=10).json()
    url = next(c["pc_url"] for c in cities if c["city_id"] == "lhasa")
    httpx.post(sandbox_url + "/__sandbox/faults", json={"city": "lhasa", "mode": "hang"})
    try:
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(url, timeout=httpx.Timeout(5, read=0.5))
    finally:
        httpx.post(sandbox_url + "/__sandbox/faults", json={"clear": "all"})
    assert httpx.get(url, timeout=10).status_code == 200


def test_drop_on_the_served_sandbox_breaks_the_connection(sandbox_url):
    cities = httpx.get(sandbox_url + "/__sandbox/cities", timeout=10).json()
    url = next(c["pc_url"] for c in cities if c["city_id"] == "xian")
    httpx.post(sandbox_url + "/__sandbox/faults", json={"city": "xian", "mode": "drop"})
    try:
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(url, timeout=10)
    finally:
        httpx.post(sandbox_url + "/__sandbox/faults", json={"clear": "all"})
