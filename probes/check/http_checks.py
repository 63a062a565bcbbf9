"""Portal health checks over HTTP: availability, HTTPS and links (硬件支撑, issue 6).

Cheap and frequent, so plain HTTP (httpx) rather than a browser; the browser checks are in
``probes/check/browser_checks.py`` and the orchestration, storage and scoring in ``probes/check/round.py``.
Every check takes an ``httpx.AsyncClient`` (pass the I/O in) and is bounded in time and size.

How a visit to a portal's address is classified::

    classification
    ├── up           answered with a page, quickly enough
    ├── slow         answered with a page, but the first byte or the whole page came late
    │                (``CheckLimits.slow_ttfb_ms`` / ``slow_total_ms``)
    ├── protected    a script-challenge firewall answered (HTTP 412 or 521 with a script): a plain
    │                client cannot pass, a browser can; not an outage. Counted as up once a
    │                browser gets through (``probes/check/round.py`` confirms it in Chromium)
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
import ssl
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from probes.net.http import (
    CERT_PROBLEMS,
    PC_USER_AGENT,
    CheckLimits,
    decode,
    describe_failure,
    is_challenge,
    ms_since,
    notice_says,
    page_text,
)

CLASSIFICATIONS = ("up", "slow", "protected", "maintenance", "error", "down")


CLASSIFICATION_ZH = {
    "up": "正常",
    "slow": "缓慢",
    "protected": "防护验证",
    "maintenance": "维护或错误页",
    "error": "服务器报错",
    "down": "无法访问",
}


# X509_V_FLAG_NO_CHECK_TIME: read an expired certificate's fields (never to trust it).
_NO_CHECK_TIME = 0x200000


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
                ttfb = ms_since(started)
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) >= limits.page_bytes:
                        break
                total = ms_since(started)
                html = decode(bytes(body), response.charset_encoding)
    except (httpx.HTTPError, TimeoutError, OSError) as exc:
        return Visit(url, "down", describe_failure(exc), ttfb_ms=ttfb, total_ms=ms_since(started))
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
