"""Evaluators correct a reply's timeliness with a reason like any other judgement, on the review
page (audited 网页) and with `govprobe label` (audited 命令行), and no poll or rejudge undoes it
(issue 16, item 1)."""

from __future__ import annotations

import re

import httpx
from click.testing import CliRunner

from probes import store
from probes.cli import main
from probes.plan.indicators import load_indicators
from probes.plan.scenarios import load_scenarios
from probes.plan.workdays import WorkCalendar
from probes.review.app import create_app
from probes.score.replies import score_item
from tests.support.rounds import LI, TOKENS, write_evaluated_round
from tests.support.served import Served


def _item(path) -> int:
    with store.open_db(path) as db:
        write_evaluated_round(db, path)
        return next(i["id"] for i in store.items_of(db) if i["timeliness"] == "late")


def test_the_cli_corrects_timeliness_with_a_reason_and_a_poll_keeps_it(tmp_path):
    path = tmp_path / "g.db"
    item = _item(path)
    result = CliRunner().invoke(
        main, ["label", str(item), "on_time", "--by", "李评估", "--note", "门户显示 11 月 3 日答复",
               "--db", str(path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "及时性 按时回复" in result.output
    with store.open_db(path) as db:
        (label,) = [lb for lb in store.labels_of_item(db, item) if lb["field"] == "timeliness"]
        assert (label["new"], label["channel"], label["note"]) == (
            "on_time", "cli", "门户显示 11 月 3 日答复",
        )  # fmt: skip
        score_item(db, item, load_scenarios()["beauty-salon"], WorkCalendar(),
                   load_indicators().thresholds)  # fmt: skip
        assert store.get_item(db, item)["timeliness"] == "on_time"


def test_the_review_page_corrects_timeliness_audited_as_web(tmp_path):
    path = tmp_path / "g.db"
    item = _item(path)
    with (
        Served(create_app(path, tokens=TOKENS)) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        client.get(f"/login?token={LI}", follow_redirects=True)
        page = client.get(f"/items/{item}").text
        assert 'id="timeliness"' in page
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        done = client.post(
            f"/items/{item}/label", headers={"Origin": base},
            data={"csrf": csrf, "timeliness": "on_time", "note": "门户显示 11 月 3 日答复"},
        )  # fmt: skip
        assert done.status_code in (200, 303), done.text[:500]
        refused = client.post(
            f"/items/{item}/label", headers={"Origin": base},
            data={"csrf": csrf, "timeliness": "soon", "note": "x"},
        )  # fmt: skip
        assert refused.status_code == 400
    with store.open_db(path) as db:
        assert store.get_item(db, item)["timeliness"] == "on_time"
        (label,) = [lb for lb in store.labels_of_item(db, item) if lb["field"] == "timeliness"]
        assert label["channel"] == "web"
