"""The HTTP health checks' pure parts: a visit classified by what came back, a page decoded by
its own charset, a failure said in a few words."""

from __future__ import annotations

import httpx
import pytest

from probes.check.http_checks import classify
from probes.net.http import CheckLimits, decode, describe_failure

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
