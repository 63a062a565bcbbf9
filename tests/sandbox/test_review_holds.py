"""A regression held for review in the review pages, over real HTTP: the queue's table of
regressions, the probe page's 确认机器判定 (a reason required, audited as web), an override
lifting the hold too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from lxml import html as lxml_html

from probes import store
from probes.alert.regressions import hold_regressions
from probes.outcomes import Outcome
from probes.review.app import create_app
from probes.store import overrides
from tests.support.rounds import LI, MATTERS, TOKENS, write_evaluated_round, write_next_round
from tests.support.served import Served


@pytest.fixture
def held(tmp_path):
    """A database whose second guide round holds 广州's two regressions; the served pages."""
    path = tmp_path / "results" / "govprobe.db"
    with store.open_db(path) as db:
        write_evaluated_round(db, path)
        second = write_next_round(
            db, path,
            outcomes={("guangzhou", MATTERS[1]): Outcome.GUIDE_MISSING,
                      ("guangzhou", MATTERS[2]): Outcome.BLOCKED},
        )  # fmt: skip
        ids = hold_regressions(db, second)
    with Served(create_app(path, tokens=TOKENS)) as base:
        yield {"path": path, "round": second, "ids": ids, "base": base}


@contextmanager
def _li(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=30) as client:
        assert client.get(f"/login?token={LI}", follow_redirects=True).status_code == 200
        yield client


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def _queued(client, round_id) -> list[int]:
    tree = lxml_html.fromstring(client.get(f"/queue?round={round_id}").text)
    (table,) = tree.xpath('//table[@data-table="regressions"]')
    return [int(r.get("data-probe")) for r in table.xpath(".//tr[@data-probe]")]


def test_the_queue_lists_regressions_first_and_confirming_the_machine_lifts_one(held):
    gone, blocked = held["ids"]
    with _li(held["base"]) as li:
        queue = li.get(f"/queue?round={held['round']}").text
        first = lxml_html.fromstring(queue).xpath("//h2[@data-queue]")[0]
        assert first.get("data-queue") == "regressions" and "待复核" in first.text_content()
        assert _queued(li, held["round"]) == [gone, blocked]
        page = li.get(f"/probes/{gone}").text
        banner = lxml_html.fromstring(page).xpath('//*[@id="hold"]')[0].text_content()
        assert "正常获取" in banner and "未找到办事指南" in banner and "暂不计分" in banner
        assert 'data-action="confirm-machine"' in page
        refused = li.post(f"/probes/{gone}/confirm", data={"csrf": _csrf(page), "note": " "})
        assert refused.status_code == 400 and "理由" in refused.text
        assert _queued(li, held["round"]) == [gone, blocked]
        done = li.post(f"/probes/{gone}/confirm", data={"csrf": _csrf(page), "note": "已下架"})
        assert done.status_code == 303 and done.headers["location"] == f"/probes/{gone}#hold"
        assert _queued(li, held["round"]) == [blocked]
        after = lxml_html.fromstring(li.get(f"/probes/{gone}").text)
        assert after.xpath('//*[@id="hold"]') == []
        (row,) = after.xpath('//table[@data-table="holds"]//tr[@data-hold]')
        assert "确认机器判定" in row.text_content() and "李评估" in row.text_content()
    with store.open_db(held["path"]) as db:
        (audit,) = overrides.audit(db, probe_id=gone)
        assert (audit["field"], audit["by"], audit["channel"]) == (
            "confirmed_machine",
            "李评估",
            "web",
        )


def test_an_override_from_the_probe_page_lifts_the_hold(held):
    _gone, blocked = held["ids"]
    with _li(held["base"]) as li:
        page = li.get(f"/probes/{blocked}").text
        done = li.post(
            f"/probes/{blocked}/outcome",
            data={"csrf": _csrf(page), "outcome": "ok", "note": "验证码后可见指南"},
        )
        assert done.status_code == 303
        assert blocked not in _queued(li, held["round"])
    with store.open_db(held["path"]) as db:
        (row,) = store.holds_of(db, probe_id=blocked, active_only=False)
        assert row["released_how"] == "overridden"
