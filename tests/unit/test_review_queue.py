"""The review queue puts what holds a score first (regressions held from the scores, overrides
awaiting a second evaluator, then replies whose timeliness cannot be told), and the review never creates a database from a typo
(issue 16, items 1, 3, 5)."""

from __future__ import annotations

import pytest

from probes import store
from probes.review.app import create_app
from probes.store import overrides
from tests.support.rounds import write_evaluated_round

TOKENS = {"李评估": "li-token-0123456789abcdef"}


def test_the_review_of_a_mistyped_database_is_an_error_and_creates_nothing(tmp_path):
    typo = tmp_path / "govprbe.db"
    with pytest.raises(store.StoreError, match="没有这个数据库"):
        create_app(typo, tokens=TOKENS)
    assert not typo.exists()


def test_the_queue_is_sorted_by_urgency_and_holds_undecidable_timeliness(tmp_path):
    path = tmp_path / "g.db"
    with store.open_db(path) as db:
        guide_round = write_evaluated_round(db, path)
        consult_round = store.latest_round(db, "consult")
        probe = store.probes_of_round(db, guide_round)[0]
        overrides.override_outcome(db, probe["id"], "guide_missing", by="李评估", note="指南已下线")
        item = store.record_intent(
            db, city="shenzhen", scenario="beauty-salon", kind="consult", round_id=consult_round,
            title="卫生许可", content="问题",
        )  # fmt: skip
        store.mark_submitted(db, item, "ZX-9", "2026-11-02T09:00:00+08:00")
        store.record_reply(
            db, item, replied_at="2026-12-14T09:00:00+08:00", reply_text="已答复",
            source="first_seen", uncertainty_s=40 * 86400,
        )  # fmt: skip
        queue = overrides.work_queue(db, guide_round, consult_round)
        assert list(queue)[:3] == ["regressions", "awaiting_second", "timeliness_uncertain"]
        assert [i["id"] for i in queue["timeliness_uncertain"]] == [item]
        store.set_label(db, item, "late", "李评估", "门户显示 12 月 10 日答复", field="timeliness")
        assert overrides.work_queue(db, guide_round, consult_round)["timeliness_uncertain"] == []
