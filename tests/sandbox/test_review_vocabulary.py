"""The review pages speak to evaluators (issue 16, item 3): no Python repr reaches them."""

from __future__ import annotations

import httpx

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
