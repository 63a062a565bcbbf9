"""The HTTP health checks against real servers: the sandbox process (its fault modes), a small
local HTTP server with endpoints named by behaviour (``tests/support/local_server.py``), and TLS
servers with trustme certificates (valid, expired, for another name, self-signed). Async code
runs through ``sandbox_client.run_async``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ssl
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import trustme

from probes.check.http_checks import check_availability, check_https
from probes.net.http import CheckLimits, check_link
from tests.support.local_server import LocalServer, serving
from tests.support.sandbox_client import run_async


def tls_context(cert_pem: bytes, key_pem: bytes) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with trustme.Blob(cert_pem).tempfile() as cert, trustme.Blob(key_pem).tempfile() as key:
        context.load_cert_chain(cert, key)
    return context


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_servers(ca) -> Iterator[dict[str, LocalServer]]:
    """valid, expiring (in 10 days), expired, wrong_name and self_signed TLS servers."""
    now = dt.datetime.now(dt.UTC)
    leaves = {
        "valid": ca.issue_cert("127.0.0.1", "localhost"),
        "expiring": ca.issue_cert("127.0.0.1", not_after=now + dt.timedelta(days=10)),
        "expired": ca.issue_cert(
            "127.0.0.1",
            not_before=now - dt.timedelta(days=60),
            not_after=now - dt.timedelta(days=2),
        ),
        "wrong_name": ca.issue_cert("portal.example.org"),
    }
    contexts = {
        name: tls_context(leaf.cert_chain_pems[0].bytes(), leaf.private_key_pem.bytes())
        for name, leaf in leaves.items()
    }
    # a certificate that signed itself (another CA's own, which the client does not trust)
    stranger = trustme.CA()
    contexts["self_signed"] = tls_context(
        stranger.cert_pem.bytes(), stranger.private_key_pem.bytes()
    )
    with contextlib.ExitStack() as stack:
        yield {name: stack.enter_context(serving(c)) for name, c in contexts.items()}


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def run_with_client(make, *, verify: ssl.SSLContext | bool = True):
    """Run ``make(client)`` with a fresh AsyncClient on a loop of its own (run_async)."""

    async def go():
        async with httpx.AsyncClient(verify=verify) as client:
            return await make(client)

    return run_async(go)


# each city on a site of its own, so one city's fault does not touch another's
FAULTS = [
    ("taiyuan", {"mode": "5xx", "count": 50}, "error"),
    ("hohhot", {"mode": "latency", "ms": 1500}, "slow"),
    ("shenyang", {"mode": "hang"}, "down"),
    ("changchun", {"mode": "drop"}, "down"),
    ("harbin", {"mode": "maintenance"}, "maintenance"),
    ("dalian", {"mode": "refuse_bots"}, "protected"),
    ("chongqing", None, "up"),
    ("beijing", None, "protected"),  # its archetype sits behind a script-challenge firewall
]


@pytest.fixture
def faults(sandbox_url) -> Iterator[Callable[[str, dict], None]]:
    def fault(city: str, body: dict) -> None:
        response = httpx.post(f"{sandbox_url}/__sandbox/faults", json={"city": city, **body})
        response.raise_for_status()

    try:
        yield fault
    finally:
        httpx.post(f"{sandbox_url}/__sandbox/faults", json={"clear": "all"}).raise_for_status()


@pytest.fixture(scope="module")
def directory(sandbox_url) -> dict[str, dict]:
    return {c["city_id"]: c for c in httpx.get(f"{sandbox_url}/__sandbox/cities").json()}


def test_each_sandbox_fault_is_classified_and_every_visit_is_bounded(faults, directory) -> None:
    for city, body, _ in FAULTS:
        if body:
            faults(city, body)
    limits = CheckLimits(visit_s=3.0, slow_ttfb_ms=1000)

    async def visit_all(client):
        out = {}
        for city, _, _ in FAULTS:
            started = time.monotonic()
            visit = await check_availability(client, directory[city]["pc_url"], limits=limits)
            out[city] = (visit, time.monotonic() - started)
        return out

    visits = run_with_client(visit_all)
    for city, _, expected in FAULTS:
        visit, seconds = visits[city]
        assert visit.classification == expected, (city, visit)
        assert seconds < limits.visit_s + 1.5, (city, seconds)
    assert visits["shenyang"][0].reason.startswith("timeout")  # hang: down within the bound
    assert visits["changchun"][0].reason.startswith("dropped")
    assert visits["taiyuan"][0].status == 503
    assert visits["hohhot"][0].ttfb_ms >= 1500
    assert visits["chongqing"][0].available is True
    assert visits["harbin"][0].available is False
    assert visits["dalian"][0].available is None  # a browser decides (tests/e2e/test_checks.py)


def test_a_refused_port_and_an_unknown_name_are_down_at_once() -> None:
    async def both(client):
        return [
            await check_availability(client, "http://127.0.0.1:9/"),
            await check_availability(client, "https://zwfw.example.invalid/"),
        ]

    started = time.monotonic()
    refused, unknown = run_with_client(both)
    assert (refused.classification, unknown.classification) == ("down", "down")
    assert refused.reason.startswith("refused")
    assert time.monotonic() - started < 10


def test_certificates_are_reported_valid_expiring_expired_wrong_name_or_self_signed(
    ca, tls_servers
) -> None:
    async def all_of(client):
        return {name: await check_https(client, s.url + "/") for name, s in tls_servers.items()}

    found = run_with_client(all_of, verify=trusting(ca))
    valid = found["valid"]
    assert valid.cert_valid and valid.problem is None and valid.served_over_https
    assert set(valid.names) == {"127.0.0.1", "localhost"}
    assert valid.tls_version in ("TLSv1.2", "TLSv1.3")
    assert valid.days_left > 365
    assert found["expiring"].cert_valid and 8 <= found["expiring"].days_left <= 10
    for name in ("expired", "wrong_name", "self_signed"):
        assert found[name].cert_valid is False, name
        assert found[name].problem == name, (name, found[name].message)
    # the fields of a certificate that is refused are still read, for the evaluator
    assert found["expired"].days_left < 0
    assert found["wrong_name"].names == ("portal.example.org",)
    assert found["wrong_name"].tls_version


def test_plain_http_that_redirects_to_https_ends_on_the_certificate(ca, tls_servers) -> None:
    with serving() as plain:
        target = f"{plain.url}/to/{tls_servers['valid'].url}/"

        async def both(client):
            return (
                await check_https(client, target),
                await check_https(client, plain.url + "/ok"),
            )

        redirected, stays = run_with_client(both, verify=trusting(ca))
    assert redirected.redirects_to_https and redirected.served_over_https
    assert redirected.cert_valid and redirected.https_url == tls_servers["valid"].url + "/"
    assert stays.served_over_https is False and stays.redirects_to_https is False
    assert stays.problem == "not_tried"  # a port of its own: no https address to try


def test_an_unreachable_portal_has_nothing_measured_for_https() -> None:
    found = run_with_client(lambda c: check_https(c, "https://zwfw.example.invalid/"))
    assert found.problem == "unreachable" and not found.measured


def test_links_are_checked_bounded_and_never_followed_to_other_schemes_or_private_hosts() -> None:
    limits = CheckLimits(link_s=1.0, link_bytes=4096)
    with serving() as server:
        base = server.url
        links = {
            "ok": f"{base}/ok",
            "big": f"{base}/big",
            "missing": f"{base}/missing",
            "slow": f"{base}/slow",
            "to_private": f"{base}/to-private",
            "to_ftp": f"{base}/to-ftp",
            "loop": f"{base}/loop",
            "private": "http://192.168.1.20/form.doc",
            "metadata": "http://169.254.169.254/latest/meta-data/",
            "localhost": "http://localhost:8080/form.doc",
            "javascript": "javascript:download('form')",
            "mailto": "mailto:zwfw@example.gov.cn",
        }

        async def check_all(client):
            out = {}
            for name, url in links.items():
                started = time.monotonic()
                result = await check_link(client, url, portal_host="127.0.0.1", limits=limits)
                out[name] = (result, time.monotonic() - started)
            return out

        found = run_with_client(check_all)
    result = {name: r.result for name, (r, _) in found.items()}
    assert result == {
        "ok": "ok",
        "big": "ok",
        "missing": "broken",
        "slow": "unreachable",
        "to_private": "refused",
        "to_ftp": "refused",
        "loop": "broken",
        "private": "refused",
        "metadata": "refused",
        "localhost": "refused",
        "javascript": "refused",
        "mailto": "refused",
    }
    assert found["big"][0].size <= 4096 + 65_536  # stopped reading near the bound
    assert found["slow"][1] < 2.0
    assert found["to_private"][0].redirects == ["http://10.1.2.3/a.doc"]
    assert "private address" in found["to_private"][0].note
    assert found["missing"][0].status == 404


def test_a_link_behind_a_script_challenge_is_protected_not_broken(directory) -> None:
    url = directory["beijing"]["pc_url"] + "files/110000-t1/form/1.doc"
    found = run_with_client(lambda c: check_link(c, url, portal_host="127.0.0.1"))
    assert (found.result, found.status) == ("protected", 521)
