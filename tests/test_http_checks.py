"""The HTTP health checks: classification, the sandbox's faults, certificates, links.

Real servers only: the sandbox process (its fault modes), a small local HTTP server with
endpoints named by behaviour, and TLS servers with trustme certificates (valid, expired, for
another name, self-signed). Async code runs through ``sandbox_client.run_async``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import trustme
from sandbox_client import run_async

from probes.check.http_checks import check_availability, check_https, classify
from probes.net.http import CheckLimits, check_link, decode, describe_failure

# --- a tiny local server, plain or TLS, with endpoints named by behaviour --------------------

BIG = b"x" * 1_000_000


class Behaviour(BaseHTTPRequestHandler):
    """``/ok``, ``/big`` (1 MB), ``/missing`` (404), ``/slow`` (3 s), ``/to-private``,
    ``/to-ftp``, ``/loop`` (redirects), ``/to/<url>`` (a redirect there), ``/page/<name>``
    (a page the test registered on the server)."""

    server: LocalServer

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for key, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(key, value)
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path.startswith("/to/"):
            return self._send(302, headers={"Location": path[len("/to/") :]})
        if path.startswith("/page/"):
            body = self.server.pages.get(path[len("/page/") :])
            if body is None:
                return self._send(404, b"not here")
            return self._send(200, body, {"Content-Type": "text/html; charset=utf-8"})
        routes: dict[str, Callable[[], None]] = {
            "/ok": lambda: self._send(200, b"%PDF-1.4 form"),
            "/big": lambda: self._send(200, BIG),
            "/missing": lambda: self._send(404, b"not found"),
            "/to-private": lambda: self._send(302, headers={"Location": "http://10.1.2.3/a.doc"}),
            "/to-ftp": lambda: self._send(302, headers={"Location": "ftp://example.org/a.doc"}),
            "/loop": lambda: self._send(302, headers={"Location": "/loop"}),
        }
        if path == "/slow":
            time.sleep(3)
            return self._send(200, b"late")
        routes.get(path, lambda: self._send(404, b"no route"))()


class LocalServer(ThreadingHTTPServer):
    """A real server on 127.0.0.1, port 0; TLS when given a server ``ssl.SSLContext``."""

    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.pages: dict[str, bytes] = {}
        super().__init__(("127.0.0.1", 0), Behaviour)

    def get_request(self):
        sock, address = self.socket.accept()
        if self.tls is None:
            return sock, address
        # the handshake happens in the handler's thread; a client that refuses the certificate
        # only ends that thread
        return self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request, client_address) -> None:
        pass  # refused handshakes and clients that gave up are what these tests are about

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.server_address[1]}"


@contextlib.contextmanager
def serving(tls: ssl.SSLContext | None = None) -> Iterator[LocalServer]:
    server = LocalServer(tls)
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


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


# --- classification, pure -------------------------------------------------------------------

LIMITS = CheckLimits()
CHALLENGE = "<html><script>document.cookie='__jsluid_s=1';location.reload()</script></html>"
PORTAL = (
    "<html><body>" + "".join(f"<a href='/m{i}'>事项{i}</a>" for i in range(20)) + "</body></html>"
)
MAINTENANCE_PAGE = (
    "<html><body><h1>系统维护中</h1><p>系统正在升级维护，请稍后再访问。</p></body></html>"
)
NOTICE_ON_PORTAL = PORTAL.replace("<body>", "<body><p>部分事项因系统升级暂停网上受理</p>")


@pytest.mark.parametrize(
    ("status", "html", "ttfb", "total", "expected"),
    [
        (200, PORTAL, 40, 60, "up"),
        (200, PORTAL, 2500, 2600, "slow"),
        (200, PORTAL, 300, 6000, "slow"),
        (521, CHALLENGE, 10, 12, "protected"),
        (412, CHALLENGE, 10, 12, "protected"),
        (412, "<html>precondition failed</html>", 10, 12, "error"),
        (503, "<center>nginx</center>", 10, 12, "error"),
        (404, "<html>no</html>", 10, 12, "error"),
        (200, MAINTENANCE_PAGE, 10, 12, "maintenance"),
        (200, "<html><body><h1>404 Not Found</h1></body></html>", 10, 12, "maintenance"),
        (200, NOTICE_ON_PORTAL, 40, 60, "up"),
    ],
)
def test_a_visit_that_got_an_answer_is_classified_by_what_came_back(
    status, html, ttfb, total, expected
) -> None:
    assert classify(status, html, ttfb, total, LIMITS)[0] == expected


def test_a_page_is_decoded_with_the_charset_it_declares_in_its_own_meta() -> None:
    body = '<html><head><meta charset="gb2312"></head><body>系统维护中</body></html>'.encode("gbk")
    assert "系统维护中" in decode(body, None)
    assert "系统维护中" in decode("系统维护中".encode(), "utf-8")


@pytest.mark.parametrize(
    ("exc", "starts"),
    [
        (httpx.ConnectTimeout("timed out"), "timeout"),
        (TimeoutError(), "timeout"),
        (httpx.ConnectError("[Errno -2] Name or service not known"), "dns"),
        (httpx.ConnectError("[Errno 111] Connection refused"), "refused"),
        (httpx.RemoteProtocolError("peer closed connection"), "dropped"),
        (httpx.ReadError("connection reset by peer"), "dropped"),
    ],
)
def test_a_visit_with_no_answer_says_why_in_a_few_words(exc, starts) -> None:
    assert describe_failure(exc).startswith(starts)


# --- the sandbox's fault modes --------------------------------------------------------------

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
    assert visits["dalian"][0].available is None  # a browser decides (tests/test_checks.py)


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


# --- HTTPS ----------------------------------------------------------------------------------


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


# --- links ----------------------------------------------------------------------------------


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
