"""Logging in to the review pages in Chromium: the login form works, a form on another site
that logs the browser in as another evaluator is refused, and logging out ends the session
for every copy of its cookie."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from probes.review.app import create_app
from tests.support.rounds import LI, TOKENS, WANG
from tests.support.served import Served

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base(review_db) -> Iterator[str]:
    with Served(create_app(review_db["path"], tokens=TOKENS)) as url:
        yield url


def _elsewhere(base: str) -> Starlette:
    """Another site (another port of 127.0.0.1, as the sandbox's portals are) with a form that
    posts the attacker's own token to the review's login."""

    def page(request):
        return HTMLResponse(
            f'<form method="post" action="{base}/login"><input name="token" value="{WANG}">'
            '<button type="submit">领奖</button></form>'
        )

    return Starlette(routes=[Route("/", page)])


def test_the_login_form_works_and_logging_out_ends_every_copy_of_the_session(chromium, base):
    li = chromium.new_context()
    page = li.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=token]", LI)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.text_content("[data-evaluator]") == "李评估"
    (cookie,) = [c for c in li.cookies() if c["name"] == "govprobe_review"]
    thief = chromium.new_context()
    thief.add_cookies([cookie])
    stolen = thief.new_page()
    stolen.goto(base + "/")
    assert stolen.text_content("[data-evaluator]") == "李评估"
    with page.expect_navigation():
        page.click("form[action='/logout'] button")
    assert page.url.endswith("/login")
    stolen.goto(base + "/")
    assert (
        stolen.url.startswith(f"{base}/login?next=")
        and not stolen.locator("[data-evaluator]").count()
    )
    li.close()
    thief.close()


def test_a_form_on_another_site_cannot_log_the_browser_in(chromium, base):
    context = chromium.new_context()
    page = context.new_page()
    with Served(_elsewhere(base)) as other:
        page.goto(other + "/")
        with page.expect_navigation():
            page.click("button[type=submit]")
    assert "其他网站" in page.text_content("[data-error]")
    assert not [c for c in context.cookies() if c["name"] == "govprobe_review"]
    page.goto(base + "/")
    assert page.url.startswith(f"{base}/login")
    context.close()
