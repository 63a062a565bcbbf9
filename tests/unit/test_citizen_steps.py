"""易获性 counts the steps a citizen takes to reach the guide (issue 16, item 1): a notice
overlay closed, the tabs opened and the online-apply entry followed after the guide was
captured are not steps a city can be marked down for."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from probes import store
from probes.model import Step
from probes.plan.cities import load_registry
from probes.plan.indicators import load_indicators
from probes.score.observations import citizen_steps, read_observations
from probes.score.scoring import score_round
from probes.store.evidence import EvidenceStore
from tests.support.rounds import guide_probe

# what a journey on a portal with a notice overlay records (成都's PC probes, for one)
WALKED = ("goto", "dismiss_overlay", "search", "open_result", "expand", "capture", "online_apply")


def test_only_the_steps_to_the_guide_count():
    assert citizen_steps(list(WALKED)) == ["goto", "search", "open_result"]
    paged = ["goto", "click", "search", "next_page", "next_page", "open_result", "capture"]
    assert citizen_steps(paged) == paged[:-1]  # picking the region and paging do count
    assert citizen_steps(["goto", "wait", "navigate_category", "open", "expand"]) == [
        "goto", "navigate_category", "open",
    ]  # fmt: skip


def test_an_overlay_and_the_checks_after_capture_cost_a_city_nothing(tmp_path):
    path = tmp_path / "g.db"
    ev = EvidenceStore(tmp_path / "evidence")
    now = datetime.now(UTC).isoformat()
    with store.open_db(path) as db:
        round_id = store.start_round(db, "guides", "sandbox")
        probe = guide_probe(ev, "chengdu", "public-health-permit")
        steps = tuple(Step(i + 1, a, a, probe.portal_url, 100) for i, a in enumerate(WALKED))
        store.save_probe(db, round_id, dataclasses.replace(probe, steps=steps, started_at=now))
        store.finish_round(db, round_id)
        seen = read_observations(db, round_id, load_registry())
    (guide,) = seen.guides
    assert guide.steps == 3  # goto, search, open_result: 7 recorded
    system = load_indicators()
    scored = score_round(seen.cities, seen.guides, [], seen.handling, [], system).to_json()
    city = next(c for c in scored["cities"] if c["city"] == "chengdu")
    assert city["items"]["obtainability"] == 100.0  # 7 > free_steps (6) would have cost 5
