"""The signs that a portal is failing, not our script, and which hosts we may request.

``classify_error`` maps a browser or network failure to an outcome with its reason
(unreachable, timed out, ...); ``PortalFailure`` carries a portal's own failure out of a walk;
the challenge statuses, maintenance and captcha words are what portals show; ``allowed_host``
refuses private addresses unless the portal itself lives there.
"""

from __future__ import annotations

import ipaddress
import re
import traceback

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from probes.outcomes import Outcome

UNREACHABLE = (
    "ERR_CONNECTION_REFUSED", "ERR_NAME_NOT_RESOLVED", "ERR_ADDRESS_UNREACHABLE",
    "ERR_INTERNET_DISCONNECTED", "ERR_CONNECTION_RESET", "ERR_EMPTY_RESPONSE",
    "ERR_CONNECTION_CLOSED", "ERR_CONNECTION_ABORTED", "ERR_CONNECTION_FAILED",
    "ERR_NAME_RESOLUTION_FAILED", "ERR_CONTENT_LENGTH_MISMATCH", "ERR_INCOMPLETE_CHUNKED_ENCODING",
    "ERR_NETWORK_ACCESS_DENIED", "ERR_PROXY_CONNECTION_FAILED", "ERR_TUNNEL_CONNECTION_FAILED",
    "ERR_SOCKET_NOT_CONNECTED", "ERR_NETWORK_CHANGED", "ERR_INVALID_RESPONSE",
)  # fmt: skip


TIMED_OUT = ("ERR_TIMED_OUT", "ERR_CONNECTION_TIMED_OUT")


CHALLENGE_STATUSES = (412, 521)


MAINTENANCE = re.compile(r"(系统维护|维护中|升级维护|暂停服务|系统升级|停机维护)")


CAPTCHA = re.compile(r"(请输入验证码|滑动验证|拖动滑块|人机验证|安全验证)")


class PortalFailure(Exception):
    """The portal, not the probe, stopped the journey: carries the outcome and reason."""

    def __init__(self, outcome: Outcome, reason: str):
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason


def classify_error(exc: BaseException) -> tuple[Outcome, str]:
    """Map an exception met while walking to an outcome. Unknown errors are ours."""
    if isinstance(exc, PortalFailure):
        return exc.outcome, exc.reason
    if isinstance(exc, PlaywrightTimeout):
        return Outcome.TIMEOUT, "页面在限定时间内未响应: " + str(exc).splitlines()[0][:160]
    message = str(exc)
    if isinstance(exc, PlaywrightError):
        for code in TIMED_OUT:
            if code in message:
                return Outcome.TIMEOUT, f"net::{code}"
        for code in UNREACHABLE:
            if code in message:
                return Outcome.PORTAL_UNREACHABLE, f"net::{code}"
        if "ERR_CERT" in message or "ERR_SSL" in message:
            code = re.search(r"ERR_\w+", message)
            return (
                Outcome.PORTAL_ERROR,
                f"证书或 TLS 错误：{code.group(0) if code else message[:80]}",
            )
    tb = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return Outcome.PROBE_ERROR, tb[:400]


def allowed_host(host: str | None, portal_host: str | None) -> bool:
    if not host:
        return False
    if host == portal_host:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host not in ("localhost",) and not host.endswith(
            (".local", ".internal", ".localhost")
        )
    return address.is_global
