"""A portal that shows script and markup: what it says reaches our database as text, and nothing
of it runs where evaluators read it (the report here; the review pages in tests/e2e/test_review.py).

The sandbox's 成都 (``hostile_markup`` in sandbox/world/cities.yaml) ends its guides' 办理地点
and its replies with ``<script>``, ``<img onerror>``, an event handler and a ``javascript:``
link, each of which would set ``window.__pwned``. The real journeys walk it here.
"""

from __future__ import annotations

import subprocess

import httpx
import pytest

from probes import store
from probes.plan.targets import SandboxProcess
from tests.support.commands import GOVPROBE, govprobe

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__pwned=1</script>"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A guide round (PC, beauty salon) and an answered consultation of 成都, in one database."""
    db = str(tmp_path_factory.mktemp("hostile") / "govprobe.db")
    with SandboxProcess() as sandbox:
        truth = httpx.get(sandbox.url + "/__sandbox/truth/chengdu", timeout=15).json()
        assert truth["hostile_markup"] is True
        url = sandbox.url
        common = ("--sandbox-url", url, "--db", db, "--city", "成都", "--scenario", "beauty-salon")
        govprobe("run", *common, "--channel", "pc")
        govprobe("consult", "submit", *common, "--kind", "consult")
        httpx.post(url + "/__sandbox/clock", json={"advance": "P3D"}, timeout=15)
        govprobe("poll", "--sandbox-url", url, "--db", db)
    return db


def test_the_portals_markup_is_kept_as_text(hostile, open_store):
    db = open_store(hostile)
    places = [r["value"] for r in db.query("SELECT value FROM elements WHERE element = '办理地点'")]
    assert places and all(SCRIPT in v for v in places)  # read off the page as the text it shows
    replies = [r["reply_text"] for r in db.query("SELECT reply_text FROM items")]
    assert replies and all(SCRIPT in r and "onerror" in r for r in replies)


def test_nothing_of_it_runs_in_the_report(hostile, chromium, tmp_path):
    out = tmp_path / "report.html"
    done = subprocess.run(
        [GOVPROBE, "report", "--db", hostile, "--out", str(out)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    page = chromium.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(out.as_uri())
        page.mouse.move(10, 10)
        for link in page.locator("a").all()[:50]:
            link.hover()
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert dialogs == []
        assert SCRIPT in page.inner_text("body")  # shown to the evaluator, as text
        assert page.locator("a[href^='javascript:']").count() == 0
    finally:
        page.close()


def test_nothing_of_it_runs_in_the_review_pages(hostile, chromium):
    from probes.review.app import create_app
    from tests.support.served import Served

    db = store.open_db(hostile)
    probes = [r["id"] for r in db.query("SELECT id FROM probes WHERE outcome = 'ok'")]
    items = [r["id"] for r in db.query("SELECT id FROM items")]
    guides = store.latest_round(db, "guides")
    htmls = [r["html_sha256"] for r in db.query("SELECT html_sha256 FROM captures")]
    db.close()
    with Served(create_app(hostile, tokens={"李评估": "li-token-0123456789abcdef"})) as base:
        context = chromium.new_context()
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        try:
            page.goto(f"{base}/login?token=li-token-0123456789abcdef")
            paths = [f"/rounds/{guides}", f"/rounds/{guides}/cities/chengdu", "/queue"]
            paths += [f"/probes/{p}" for p in probes] + [f"/items/{i}" for i in items]
            paths += [f"/evidence/{h}" for h in htmls[:1]]
            for path in paths:
                page.goto(base + path)
                page.mouse.move(5, 5)
                assert page.evaluate("typeof window.__pwned") == "undefined", path
            page.goto(f"{base}/probes/{probes[0]}")
            assert SCRIPT in page.inner_text("body")  # 办理地点, shown as the portal's text
            page.goto(f"{base}/items/{items[0]}")
            assert SCRIPT in page.inner_text("body")  # the reply
            assert page.locator("a[href^='javascript:']").count() == 0
            assert dialogs == []
        finally:
            context.close()
