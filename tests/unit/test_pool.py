"""What a round says about a browser server it cannot use (``probes/net/pool.py``): Playwright's
own words, first line only, and both versions when the server runs another Playwright."""

from __future__ import annotations

from importlib.metadata import version

from playwright.async_api import Error as PlaywrightError

from probes.net.pool import _said, _versions

# what a server of another minor version answers (the driver's wrapInASCIIBox, abridged)
MISMATCH = """BrowserType.connect: WebSocket error: ws://10.0.0.12:3001/ 428 Precondition Required
╔════════════════════════════════════════════════╗
║ Playwright version mismatch:                   ║
║   - server version: v1.64.0                    ║
║   - client version: v1.65.1                    ║
╚════════════════════════════════════════════════╝"""


def test_a_server_of_another_playwright_is_refused_with_both_versions_named():
    said = _said(PlaywrightError(MISMATCH)) + _versions(MISMATCH)
    assert said.startswith("WebSocket error: ws://10.0.0.12:3001/ 428 Precondition Required")
    assert f"服务器 Playwright 1.64.0，本机 {version('playwright')}" in said


def test_an_unreachable_server_is_said_in_one_line_with_no_version_talk():
    message = "BrowserType.connect: WebSocket error: connect ECONNREFUSED 127.0.0.1:9\nCall log:\n…"
    assert _said(PlaywrightError(message)) == "WebSocket error: connect ECONNREFUSED 127.0.0.1:9"
    assert _versions(message) == ""
