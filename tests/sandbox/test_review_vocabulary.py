"""The review pages speak to evaluators (issue 16, item 3): no Python repr reaches them."""

from __future__ import annotations

import httpx
import pytest

from probes import store
from probes.review.app import create_app
from tests.support.rounds import LI, TOKENS, write_evaluated_round
from tests.support.served import Served


def test_the_rounds_list_counts_threads_never_shows_a_python_repr(tmp_path):
    path = tmp_path / "g.db"
    with store.open_db(path) as db:
        write_evaluated_round(db, path)
    with Served(create_app(path, tokens=TOKENS)) as base, httpx.Client(base_url=base) as client:
        client.get(f"/login?token={LI}")
        html = client.get("/").text
    assert "built-in method" not in html and "<bound method" not in html
    assert '<td class="num">4</td>' in html  # the interaction round's four threads


def test_the_rounds_list_says_its_target_in_chinese_in_beijing_time_and_names_the_sandbox_clock(
    tmp_path,
):
    path = tmp_path / "g.db"
    with store.open_db(path) as db:
        write_evaluated_round(db, path)
        simulated = store.start_round(
            db, "check", "sandbox", {"clock": "sandbox"}, at="2026-12-08T01:00:00+00:00"
        )
        store.finish_round(db, simulated, at="2026-12-08T01:05:00+00:00")
    with Served(create_app(path, tokens=TOKENS)) as base, httpx.Client(base_url=base) as client:
        client.get(f"/login?token={LI}")
        html = client.get("/").text
    row = html[html.index(f'data-round="{simulated}"') :].split("</tr>", 1)[0]
    assert "沙盒" in row and ">sandbox<" not in row
    assert "2026-12-08 09:00" in row and "2026-12-08 09:05" in row  # Beijing time, both
    assert "沙盒模拟时钟" in row
    assert "+00:00" not in html  # no stored ISO time reaches the page


def test_a_probe_walked_again_after_its_browser_server_was_lost_says_so(tmp_path):
    from dataclasses import replace

    from probes.store.evidence import EvidenceStore
    from tests.support.rounds import guide_probe

    path = tmp_path / "g.db"
    with store.open_db(path) as db:
        round_id = write_evaluated_round(db, path)
        lost = {"endpoint": "ws://10.0.0.7:3001/", "reason": "Browser closed.",
                "lost_at": "2026-12-08T01:00:00+00:00"}  # fmt: skip
        probe = guide_probe(EvidenceStore(tmp_path / "evidence"), "guangzhou", "重新进行的事项")
        probe_id = store.save_probe(
            db, round_id, replace(probe, extra={**probe.extra, "rewalked": [lost]})
        )
    with Served(create_app(path, tokens=TOKENS)) as base, httpx.Client(base_url=base) as client:
        client.get(f"/login?token={LI}")
        html = client.get(f"/probes/{probe_id}").text
    said = html[html.index("data-rewalked") :].split("</dd>", 1)[0]
    assert "ws://10.0.0.7:3001/" in said and "2026-12-08 09:00" in said and "不计入城市" in said


@pytest.mark.parametrize(("flaky", "disagreed"), [(False, False), (True, True)])
def test_a_probe_walked_again_to_be_traced_says_so_and_whether_the_walks_agreed(
    tmp_path, flaky, disagreed
):
    from dataclasses import replace

    from probes.store.evidence import EvidenceStore
    from tests.support.rounds import guide_probe

    path = tmp_path / "g.db"
    with store.open_db(path) as db:
        round_id = write_evaluated_round(db, path)
        probe = guide_probe(EvidenceStore(tmp_path / "evidence"), "guangzhou", "再走的事项")
        extra = {**probe.extra, "walked_again": True, "flaky": flaky}
        probe_id = store.save_probe(db, round_id, replace(probe, extra=extra, attempt=2))
    with Served(create_app(path, tokens=TOKENS)) as base, httpx.Client(base_url=base) as client:
        client.get(f"/login?token={LI}")
        html = client.get(f"/probes/{probe_id}").text
    said = html[html.index("data-walked-again") :].split("</dd>", 1)[0]
    assert "再走一遍" in html and "取自第二遍" in said
    assert ("两遍结果不一致" in said) is disagreed
