"""Bounded HTTP requests to portals, shared by the journeys and the health checks.

``CheckLimits`` bounds each kind of request in time and size; ``check_link`` asks whether a
link answers, re-checking every redirect hop against private addresses (``signs.allowed_host``);
``describe_failure`` says in a few words why a request failed; the user agents identify us.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import re
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
import lxml.html

from probes.charsets import decode_html
from probes.net.signs import CHALLENGE_STATUSES, MAINTENANCE, allowed_host

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


def ms_since(since: float) -> float:
    return round((time.monotonic() - since) * 1000, 1)


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


def browser_cookies(cookies: Iterable[Mapping]) -> http.cookiejar.CookieJar:
    """A browser context's cookies (``BrowserContext.cookies()``: a firewall's, a session's) as
    a jar for ``httpx.AsyncClient(cookies=...)`` that sends each where the browser would: a
    host-only cookie to its host alone, a domain cookie to the domain's hosts, a secure one over
    https only."""
    strict = http.cookiejar.DefaultCookiePolicy.DomainStrictNonDomain
    jar = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(strict_ns_domain=strict))
    for c in cookies:
        domain = c["domain"]
        shared = domain.startswith(".")
        if not shared and "." not in domain:
            domain += ".local"  # how the jar names a dotless host (localhost)
        cookie = http.cookiejar.Cookie(
            version=0, name=c["name"], value=c["value"], port=None, port_specified=False,
            domain=domain, domain_specified=shared, domain_initial_dot=shared,
            path=c.get("path") or "/", path_specified=True, secure=bool(c.get("secure")),
            expires=None, discard=True, comment=None, comment_url=None, rest={},
        )  # fmt: skip
        jar.set_cookie(cookie)
    return jar


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
    (``probes.net.signs.allowed_host``)."""
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
                if not allowed_host(parts.hostname, portal_host):
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
                    total_ms=ms_since(started),
                    redirects=hops,
                )
    except (httpx.HTTPError, TimeoutError, OSError) as exc:
        return LinkResult(
            url,
            "unreachable",
            total_ms=ms_since(started),
            note=describe_failure(exc),
            redirects=hops,
        )
    return LinkResult(
        url, "broken", total_ms=ms_since(started), note="too many redirects", redirects=hops
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
