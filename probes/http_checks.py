"""Portal health checks over HTTP: availability, HTTPS and links (硬件支撑, issue 6).

Cheap and frequent, so plain HTTP (httpx) rather than a browser; the browser checks are in
``probes/browser_checks.py`` and the orchestration, storage and scoring in ``probes/checks.py``.
Every check takes an ``httpx.AsyncClient`` (pass the I/O in) and is bounded in time and size.

How a visit to a portal's address is classified::

    classification
    ├── up           answered with a page, quickly enough
    ├── slow         answered with a page, but the first byte or the whole page came late
    │                (``CheckLimits.slow_ttfb_ms`` / ``slow_total_ms``)
    ├── protected    a script-challenge firewall answered (HTTP 412 or 521 with a script): a plain
    │                client cannot pass, a browser can; not an outage. Counted as up once a
    │                browser gets through (``probes/checks.py`` confirms it in Chromium)
    ├── maintenance  an error or maintenance page served with HTTP 200
    ├── error        the server answered with an error: 5xx, or a 4xx that is not a challenge
    └── down         no answer: DNS failure, refused, reset or dropped mid-page, a certificate a
                     browser refuses, or nothing within the visit bound (15 s, the 2019 national
                     website rules: a visit that does not load within 15 seconds fails)

A visit is *available* when it is ``up`` or ``slow``, unavailable when ``down``, ``error`` or
``maintenance``, and undecided (``None``) when ``protected`` until a browser has tried it.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
import lxml.html

from probes.charsets import decode_html
from probes.journey import CHALLENGE_STATUSES, MAINTENANCE, _allowed_host

CLASSIFICATIONS = ("up", "slow", "protected", "maintenance", "error", "down")
CLASSIFICATION_ZH = {
    "up": "正常",
    "slow": "缓慢",
    "protected": "防护验证",
    "maintenance": "维护或错误页",
    "error": "服务器报错",
    "down": "无法访问",
}
# Error pages some portals serve with HTTP 200 (beside the maintenance words of the journey).
ERROR_PAGE = re.compile(
    r"(页面不存在|页面未找到|找不到页面|访问出错|服务器错误|系统错误|系统繁忙|服务不可用"
    r"|404 Not Found|500 Internal Server Error|502 Bad Gateway|503 Service)",
    re.I,
)
# A page this short with this few links or fields is a notice, not a portal (as the journey
# judges a maintenance page).
NOTICE_MAX_CHARS = 1500
NOTICE_MAX_LINKS = 5

PC_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 govprobe-check"
)
MOBILE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36 govprobe-check"
)

# OpenSSL's X509_V_ERR_* codes, as ``ssl.SSLCertVerificationError.verify_code`` carries them.
CERT_PROBLEMS = {
    9: "not_yet_valid",
    10: "expired",
    18: "self_signed",
    19: "self_signed",
    2: "untrusted",
    20: "untrusted",
    21: "untrusted",
    62: "wrong_name",
    64: "wrong_name",
}
# X509_V_FLAG_NO_CHECK_TIME: read an expired certificate's fields (never to trust it).
_NO_CHECK_TIME = 0x200000


@dataclass(frozen=True)
class CheckLimits:
    """The bounds of every check (time, size, redirects) and the slow thresholds."""

    visit_s: float = 15.0  # a visit that does not load within 15 s fails (2019 rules)
    connect_s: float = 5.0
    slow_ttfb_ms: float = 1800.0  # web.dev: a time to first byte over 1.8 s is poor
    slow_total_ms: float = 5000.0
    page_bytes: int = 2_000_000  # read at most this much of a page
    link_s: float = 8.0
    link_bytes: int = 65_536
    max_redirects: int = 5

    def timeout(self, total_s: float) -> httpx.Timeout:
        return httpx.Timeout(total_s, connect=min(self.connect_s, total_s))


# --- availability -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """One visit to a portal's address and how it was classified."""

    url: str
    classification: str
    reason: str = ""
    status: int | None = None
    ttfb_ms: float | None = None
    total_ms: float | None = None
    final_url: str | None = None
    size: int = 0

    @property
    def available(self) -> bool | None:
        """True up or slow; False down, error, maintenance; None protected (a browser decides)."""
        if self.classification == "protected":
            return None
        return self.classification in ("up", "slow")

    def detail(self) -> dict:
        return {
            "reason": self.reason,
            "final_url": self.final_url,
            "size": self.size,
            "available": self.available,
        }


def page_text(html: str) -> tuple[str, int]:
    """The visible text of an HTML page (scripts and styles left out) and how many links and
    form fields it has."""
    try:
        root = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return "", 0
    for junk in root.xpath("//script | //style | //noscript"):
        junk.drop_tree()
    text = " ".join(root.text_content().split())
    return text, len(root.xpath("//a[@href] | //input | //button"))


def decode(body: bytes, charset: str | None) -> str:
    """A page's text: the header's charset, else the page's own ``<meta charset>`` (many
    portals declare gb2312 there only), else UTF-8; the GB family reads as GB18030
    (``probes/charsets.py``)."""
    return decode_html(body, charset)


def is_challenge(status: int | None, html: str) -> bool:
    """A script-challenge firewall's answer: 412 or 521 with a script that sets a cookie."""
    return status in CHALLENGE_STATUSES and "<script" in html.lower()


def notice_says(text: str, links: int) -> str | None:
    """The words of a page that is only a maintenance or error notice (short, next to no links
    or fields); None for a real page, even one whose notice mentions an upgrade."""
    if len(text) >= NOTICE_MAX_CHARS or links >= NOTICE_MAX_LINKS:
        return None
    found = MAINTENANCE.search(text) or ERROR_PAGE.search(text)
    return found.group(0) if found else None


def classify(
    status: int, html: str, ttfb_ms: float, total_ms: float, limits: CheckLimits
) -> tuple[str, str]:
    """Classify a visit that got an answer: ``(classification, reason)``."""
    if is_challenge(status, html):
        return "protected", f"HTTP {status} script challenge"
    if status >= 400:
        return "error", f"HTTP {status}"
    said = notice_says(*page_text(html))
    if said:
        return "maintenance", f"HTTP {status} page says {said}"
    if ttfb_ms > limits.slow_ttfb_ms:
        return "slow", f"first byte after {ttfb_ms:.0f} ms"
    if total_ms > limits.slow_total_ms:
        return "slow", f"page loaded after {total_ms:.0f} ms"
    return "up", f"HTTP {status}"


def describe_failure(exc: BaseException) -> str:
    """Why a request got no answer, in a few words (the visit is ``down``)."""
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return f"timeout: {type(exc).__name__}"
    chain, seen = [], exc
    while seen is not None and len(chain) < 8:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    for cause in chain:
        if isinstance(cause, ssl.SSLCertVerificationError):
            problem = CERT_PROBLEMS.get(cause.verify_code, "invalid")
            return f"certificate {problem}: {cause.verify_message}"
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return f"dropped: {text}"[:200]
    if any(isinstance(c, ConnectionRefusedError) for c in chain) or "refused" in text.lower():
        return f"refused: {text}"[:200]
    if "Name or service not known" in text or "nodename nor servname" in text:
        return f"dns: {text}"[:200]
    return f"unreachable: {text}"[:200]


def _ms(since: float) -> float:
    return round((time.monotonic() - since) * 1000, 1)


async def check_availability(
    client: httpx.AsyncClient,
    url: str,
    *,
    limits: CheckLimits | None = None,
    user_agent: str = PC_USER_AGENT,
) -> Visit:
    """Visit a portal's address once (redirects followed) and classify what came back."""
    limits = limits or CheckLimits()
    started = time.monotonic()
    ttfb = None
    try:
        async with asyncio.timeout(limits.visit_s):
            async with client.stream(
                "GET",
                url,
                headers={"User-Agent": user_agent},
                timeout=limits.timeout(limits.visit_s),
                follow_redirects=True,
            ) as response:
                ttfb = _ms(started)
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) >= limits.page_bytes:
                        break
                total = _ms(started)
                html = decode(bytes(body), response.charset_encoding)
    except (httpx.HTTPError, TimeoutError, OSError) as exc:
        return Visit(url, "down", describe_failure(exc), ttfb_ms=ttfb, total_ms=_ms(started))
    classification, reason = classify(response.status_code, html, ttfb, total, limits)
    return Visit(
        url,
        classification,
        reason,
        status=response.status_code,
        ttfb_ms=ttfb,
        total_ms=total,
        final_url=str(response.url),
        size=len(body),
    )


# --- HTTPS ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpsResult:
    """Does the portal end on HTTPS, with a certificate a browser accepts?

    ``served_over_https``: the portal's address ends on https (it is https, or plain http
    redirects there). ``problem`` is about HTTPS itself: None when a certificate was verified,
    else ``no_https`` (nothing answers TLS), ``not_tried`` (plain http on a port of its own:
    there is no https address to try), ``expired``, ``not_yet_valid``, ``wrong_name``,
    ``self_signed``, ``untrusted``, ``invalid`` (another verification failure) or
    ``unreachable`` (no answer at all: nothing measured).
    """

    url: str
    served_over_https: bool | None = None
    redirects_to_https: bool | None = None  # None: not checked (no plain http address to try)
    https_url: str | None = None  # where the certificate was read
    cert_valid: bool | None = None
    problem: str | None = None
    message: str = ""
    names: tuple[str, ...] = ()
    not_after: str | None = None  # ISO 8601, UTC
    days_left: int | None = None
    tls_version: str | None = None
    issuer: str | None = None

    @property
    def measured(self) -> bool:
        return self.problem != "unreachable"

    def detail(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def _cert_fields(peer: dict, now: datetime) -> dict:
    names = tuple(v for kind, v in peer.get("subjectAltName", ()) if kind in ("DNS", "IP Address"))
    if not names:
        names = tuple(v for rdn in peer.get("subject", ()) for k, v in rdn if k == "commonName")
    issuer = next(
        (
            v
            for rdn in peer.get("issuer", ())
            for k, v in rdn
            if k in ("commonName", "organizationName")
        ),
        None,
    )
    out: dict = {"names": names, "issuer": issuer}
    if peer.get("notAfter"):
        expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(peer["notAfter"]), UTC)
        out["not_after"] = expires.isoformat(timespec="seconds")
        out["days_left"] = (expires - now).days
    return out


async def inspect_certificate(host: str, port: int, *, timeout_s: float = 10.0) -> dict:
    """The fields of the certificate a server presents, valid or not (names, expiry, issuer).

    Never used to trust anything: the certificate is read once without verification, then read
    again with only itself as the trust anchor and the clock check off, so that Python's ``ssl``
    decodes its fields (the standard library decodes only certificates it has verified).
    """
    loose = ssl.create_default_context()
    loose.check_hostname = False
    loose.verify_mode = ssl.CERT_NONE
    async with asyncio.timeout(timeout_s):
        _, writer = await asyncio.open_connection(host, port, ssl=loose, server_hostname=host)
        try:
            der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        finally:
            writer.close()
            await writer.wait_closed()
        pinned = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        pinned.check_hostname = False
        pinned.load_verify_locations(cadata=der)
        pinned.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | _NO_CHECK_TIME
        _, writer = await asyncio.open_connection(host, port, ssl=pinned, server_hostname=host)
        try:
            ssl_object = writer.get_extra_info("ssl_object")
            return {"peer": ssl_object.getpeercert(), "tls_version": ssl_object.version()}
        finally:
            writer.close()
            await writer.wait_closed()


def _verify_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    seen, depth = exc, 0
    while seen is not None and depth < 8:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen, depth = seen.__cause__ or seen.__context__, depth + 1
    return None


async def _redirect_chain(
    client: httpx.AsyncClient, url: str, limits: CheckLimits, user_agent: str
) -> list[str]:
    """The addresses a GET of ``url`` passes through, redirects followed by hand (bounded)."""
    chain = [url]
    async with asyncio.timeout(limits.visit_s):
        for _ in range(limits.max_redirects):
            request = client.build_request(
                "GET", chain[-1], headers={"User-Agent": user_agent},
                timeout=limits.timeout(limits.visit_s),
            )  # fmt: skip
            response = await client.send(request, stream=True)
            await response.aclose()
            location = response.headers.get("location")
            if not (response.is_redirect and location):
                break
            chain.append(urljoin(chain[-1], location))
    return chain


async def _certificate(
    client: httpx.AsyncClient, https_url: str, limits: CheckLimits, now: datetime, user_agent: str
) -> dict:
    """Read and verify the certificate of an https address: the fields of ``HttpsResult``."""
    try:
        async with asyncio.timeout(limits.visit_s):
            async with client.stream(
                "GET",
                https_url,
                headers={"User-Agent": user_agent},
                timeout=limits.timeout(limits.visit_s),
            ) as response:
                ssl_object = response.extensions["network_stream"].get_extra_info("ssl_object")
                peer, version = ssl_object.getpeercert(), ssl_object.version()
    except httpx.ConnectError as exc:
        verify = _verify_error(exc)
        if verify is None:
            reason = describe_failure(exc)
            unreachable = reason.startswith(("dns", "timeout", "unreachable"))
            return {"problem": "unreachable" if unreachable else "no_https", "message": reason}
        found = {
            "cert_valid": False,
            "problem": CERT_PROBLEMS.get(verify.verify_code, "invalid"),
            "message": verify.verify_message or str(verify),
        }
        parts = urlsplit(https_url)
        try:
            seen = await inspect_certificate(
                parts.hostname or "", parts.port or 443, timeout_s=limits.connect_s * 2
            )
        except (OSError, TimeoutError, ssl.SSLError):
            return found
        return found | _cert_fields(seen["peer"], now) | {"tls_version": seen["tls_version"]}
    except (httpx.HTTPError, TimeoutError, OSError) as exc:
        return {"problem": "unreachable", "message": describe_failure(exc)}
    return {"cert_valid": True, "tls_version": version} | _cert_fields(peer, now)


async def check_https(
    client: httpx.AsyncClient,
    url: str,
    *,
    limits: CheckLimits | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    user_agent: str = PC_USER_AGENT,
) -> HttpsResult:
    """Whether the portal ends on https (plain http redirecting there), and its certificate:
    valid or what is wrong with it, for which names, days to expiry, and the TLS version.
    Certificates are verified with the client's trust settings (``AsyncClient(verify=...)``)."""
    limits = limits or CheckLimits()
    parts = urlsplit(url)
    if parts.scheme == "http":
        try:
            chain = await _redirect_chain(client, url, limits, user_agent)
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            return HttpsResult(url, problem="unreachable", message=describe_failure(exc))
        if chain[-1].startswith("https://"):
            found = await _certificate(client, chain[-1], limits, now(), user_agent)
            return HttpsResult(url, True, True, chain[-1], **found)
        if parts.port is not None:
            return HttpsResult(
                url, False, False, problem="not_tried",
                message=f"plain http on port {parts.port}, no redirect to https",
            )  # fmt: skip
        # the default port: is there an https site beside the plain one?
        https_url = urlunsplit(("https", parts.netloc, parts.path or "/", parts.query, ""))
        found = await _certificate(client, https_url, limits, now(), user_agent)
        if found.get("problem") == "unreachable":
            found["problem"] = "no_https"
        return HttpsResult(url, False, False, https_url, **found)
    redirects = None
    if parts.port is None:
        plain = urlunsplit(("http", parts.netloc, parts.path or "/", parts.query, ""))
        try:
            chain = await _redirect_chain(client, plain, limits, user_agent)
            redirects = chain[-1].startswith("https://")
        except (httpx.HTTPError, TimeoutError, OSError):
            redirects = None  # nothing answers plain http: nothing insecure to redirect
    found = await _certificate(client, url, limits, now(), user_agent)
    return HttpsResult(url, True, redirects, url, **found)


# --- links ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkResult:
    """A form or sample link of a guide: ``ok``, ``broken`` (HTTP >= 400), ``protected`` (a
    script challenge answered: a browser would pass, a plain client cannot tell), ``unreachable``
    (no answer within the bound) or ``refused`` (not http(s), or a private address we do not
    follow)."""

    url: str
    result: str
    status: int | None = None
    final_url: str | None = None
    size: int = 0
    total_ms: float | None = None
    note: str = ""
    redirects: list[str] = field(default_factory=list)

    def detail(self) -> dict:
        return {
            "result": self.result,
            "final_url": self.final_url,
            "size": self.size,
            "note": self.note,
            "redirects": self.redirects,
        }


async def check_link(
    client: httpx.AsyncClient,
    url: str,
    *,
    portal_host: str | None,
    limits: CheckLimits | None = None,
    user_agent: str = PC_USER_AGENT,
) -> LinkResult:
    """Does a link taken from a guide answer? http(s) only, at most ``link_bytes`` read, within
    ``link_s``; every redirect is checked again, and a private address (loopback, LAN, link-local,
    ``localhost``, ``*.internal``) is never requested unless the portal itself lives there
    (``probes.journey._allowed_host``)."""
    limits = limits or CheckLimits()
    started = time.monotonic()
    current, hops = url, []
    try:
        async with asyncio.timeout(limits.link_s):
            for _ in range(limits.max_redirects + 1):
                parts = urlsplit(current)
                if parts.scheme not in ("http", "https"):
                    return LinkResult(
                        url, "refused", note=f"not http(s): {parts.scheme or '?'}", redirects=hops
                    )
                if not _allowed_host(parts.hostname, portal_host):
                    return LinkResult(
                        url,
                        "refused",
                        note=f"private address refused: {parts.hostname}",
                        redirects=hops,
                    )
                request = client.build_request(
                    "GET",
                    current,
                    headers={"User-Agent": user_agent, "Range": f"bytes=0-{limits.link_bytes - 1}"},
                    timeout=limits.timeout(limits.link_s),
                )
                response = await client.send(request, stream=True)
                try:
                    size, head = 0, bytearray()
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        head += chunk[: max(0, 4096 - len(head))]
                        if size >= limits.link_bytes:
                            break
                finally:
                    await response.aclose()
                location = response.headers.get("location")
                if response.is_redirect and location:
                    current = urljoin(current, location)
                    hops.append(current)
                    continue
                status = response.status_code
                if is_challenge(status, decode(bytes(head), response.charset_encoding)):
                    result = "protected"  # a browser would pass; not judged broken
                else:
                    result = "ok" if status < 400 else "broken"
                return LinkResult(
                    url,
                    result,
                    status=status,
                    final_url=current,
                    size=size,
                    total_ms=_ms(started),
                    redirects=hops,
                )
    except (httpx.HTTPError, TimeoutError, OSError) as exc:
        return LinkResult(
            url, "unreachable", total_ms=_ms(started), note=describe_failure(exc), redirects=hops
        )
    return LinkResult(
        url, "broken", total_ms=_ms(started), note="too many redirects", redirects=hops
    )
