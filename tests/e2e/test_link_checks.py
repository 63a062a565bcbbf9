"""The journey's check of a guide's form and sample links (``GuideJourney._check_links``): real
Chromium walks a test-only portal whose guide links to a second real server, through the
round's gate; every redirect hop is checked against private addresses before it is requested."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from probes.net.browser import find_chromium, launch_options, new_context
from probes.net.gate import HostGate
from probes.outcomes import Outcome
from probes.plan.scenarios import load_scenarios
from probes.store.evidence import EvidenceStore
from probes.walk.guide import GuideJourney
from tests.support import unseen_portal
from tests.support.sandbox_client import run_async
from tests.support.served import Served

pytestmark = pytest.mark.browser

CHALLENGE = "<html><body><script>document.cookie='x=1';location.reload()</script></body></html>"


class Files:
    """The server the guide's links point at: what it was asked, and how many at once."""

    def __init__(self, trap_port: int) -> None:
        self.trap_port = trap_port
        self.paths: list[str] = []
        self.agents: set[str] = set()
        self.in_flight = self.most_at_once = 0
        self.app = Starlette(routes=[Route("/{name:path}", self.answer)])

    async def answer(self, request: Request) -> Response:
        self.paths.append(request.url.path)
        self.agents.add(request.headers.get("user-agent", ""))
        self.in_flight += 1
        self.most_at_once = max(self.most_at_once, self.in_flight)
        try:
            await asyncio.sleep(0.1)  # long enough for requests let through together to meet
            return self.reply(request)
        finally:
            self.in_flight -= 1

    def reply(self, request: Request) -> Response:
        path = request.url.path
        if path == "/to-metadata":
            return RedirectResponse("http://169.254.169.254/latest/meta-data/", 302)
        if path == "/to-lan":
            return RedirectResponse(f"http://127.0.0.2:{self.trap_port}/a.pdf", 302)
        if path.startswith("/guarded/") and request.cookies.get("fw_ok") != "1":
            return HTMLResponse(CHALLENGE, 521)  # a firewall the browser has passed already
        if path.startswith("/challenge/"):
            return HTMLResponse(CHALLENGE, 412)  # one it never passed
        return Response(b"%PDF-1.4 form", media_type="application/pdf")


@contextlib.contextmanager
def trap() -> Iterator[socket.socket]:
    """A socket listening on 127.0.0.2, a private address that is not the portal's: the kernel
    queues any connection made to it, so after the walk ``accept`` tells whether one was."""
    sock = socket.socket()
    sock.bind(("127.0.0.2", 0))
    sock.listen(8)
    sock.setblocking(False)
    try:
        yield sock
    finally:
        sock.close()


def _connected(sock: socket.socket) -> bool:
    try:
        sock.accept()[0].close()
    except BlockingIOError:
        return False
    return True


async def _walk(portal_url: str, evidence: EvidenceStore):
    from playwright.async_api import async_playwright

    matter = load_scenarios()["beauty-salon"].matter("public-health-permit")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options())
        try:
            context = await new_context(browser, playwright, "pc")
            # the firewall cookie a portal's challenge leaves in the browser on arrival
            await context.add_cookies([{"name": "fw_ok", "value": "1", "url": portal_url}])
            gate = HostGate(per_host=1)
            await gate.attach(context)
            journey = GuideJourney(context, evidence, portal_url, "pc", gate=gate)
            try:
                return await journey.walk(matter, city=None, scenario="beauty-salon")
            finally:
                await context.close()
        finally:
            await browser.close()


def test_a_link_redirected_to_a_private_address_is_refused_unrequested_and_others_answer(
    monkeypatch, tmp_path
) -> None:
    if find_chromium() is None:
        pytest.skip("no Chromium found")
    with trap() as lan, contextlib.ExitStack() as stack:
        files = Files(lan.getsockname()[1])
        base = stack.enter_context(Served(files.app))
        monkeypatch.setattr(
            unseen_portal,
            "MATERIALS",
            [
                ("公共场所卫生许可申请表", "/doc/form-1.docx", f"{base}/to-metadata"),
                ("营业执照复印件", f"{base}/to-lan", None),
                ("卫生检测报告", f"{base}/guarded/form-3.docx", "/doc/missing-sample.pdf"),
                ("从业人员健康证明", f"{base}/challenge/form-4.docx", None),
            ],
        )
        portal = stack.enter_context(unseen_portal.Served())
        result = run_async(lambda: _walk(portal, EvidenceStore(tmp_path / "evidence")))
        assert not _connected(lan)  # the hop to 127.0.0.2 was never requested

    assert result.outcome is Outcome.OK, result.reason
    links = {link["url"].removeprefix(base).removeprefix(portal.rstrip("/")): link
             for link in result.extra["links"]}  # fmt: skip
    assert {path: (link["result"], link["status"]) for path, link in links.items()} == {
        "/doc/form-1.docx": ("ok", 200),
        "/to-metadata": ("refused", None),
        "/to-lan": ("refused", None),
        "/guarded/form-3.docx": ("ok", 200),  # the browser's firewall cookie went with it
        "/doc/missing-sample.pdf": ("broken", 404),
        "/challenge/form-4.docx": ("protected", 412),
    }
    assert links["/to-metadata"]["note"] == "private address refused: 169.254.169.254"
    assert links["/to-lan"]["note"] == "private address refused: 127.0.0.2"
    assert set(files.paths) == {"/to-metadata", "/to-lan", "/guarded/form-3.docx",
                                "/challenge/form-4.docx"}  # fmt: skip
    assert files.most_at_once == 1  # one at a time: the round's gate holds one per host
    assert all("Chrome/" in agent for agent in files.agents)  # the browser's own user agent
