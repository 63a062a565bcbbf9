"""The generic journey over the sandbox against its truth, through ``govprobe run``: one city
per archetype, PC and mobile, and one whose search misses a guide that only navigation finds.
Outcomes, the guide chosen and the elements read are compared with the truth, never hard-coded
(``sandbox.truth.compare``, as ``python -m bench.guides`` does for every city).
"""

from __future__ import annotations

import httpx
import pytest

from sandbox.truth import compare, fetch_truths, same_page
from tests.support.commands import govprobe

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def directory(sandbox_url):
    with httpx.Client(timeout=30) as client:
        return {c["name"]: c for c in client.get(f"{sandbox_url}/__sandbox/cities").json()}


def cities_to_walk(sandbox_url: str, directory: dict) -> list[str]:
    """One city per archetype, and one more whose search misses a guide that only category
    navigation finds (on a shared provincial site when there is one)."""
    chosen: dict[str, str] = {}
    navigation = None
    truths = fetch_truths(sandbox_url, (city["city_id"] for city in directory.values()))
    for name, city in sorted(directory.items(), key=lambda kv: kv[1]["city_id"]):
        chosen.setdefault(city["archetype"], name)
        truth = truths[city["city_id"]]
        hidden = any(
            channel["findable_by"] == "navigation"
            for scenario in truth["scenarios"].values()
            for matter in scenario["matters"].values()
            for channel in matter.values()
        )
        shared = sum(c["platform"] == city["platform"] for c in directory.values()) > 1
        if hidden and (navigation is None or shared):
            navigation = name
    return sorted({*chosen.values(), navigation})


@pytest.mark.timeout(900)  # 60 journeys: minutes when the machine is shared
def test_the_journey_finds_every_guide_the_truth_shows_on_each_archetype(
    sandbox_url, directory, tmp_path
):
    cities = cities_to_walk(sandbox_url, directory)
    assert len(cities) >= 5
    args = ["run", "--sandbox-url", sandbox_url, "--db", str(tmp_path / "g.db")]
    for city in cities:
        args += ["--city", city]
    summary = govprobe(*args, "--concurrency", "4")
    probes = summary["probes"]
    assert len(probes) == len(cities) * 5 * 2  # five matters, two channels
    truths = fetch_truths(sandbox_url, (p["city"] for p in probes))
    figures = compare(probes, truths)
    # the figures: every outcome as the truth says, the right guide every time it is
    # found (never a decoy), element presence precision and recall at least 0.98
    assert figures["outcomes_matching"] == figures["probes"], figures["mismatches"]
    assert figures["right_variant"] == figures["found"], figures["mismatches"]
    assert figures["precision"] >= 0.98, figures["mismatches"]
    assert figures["recall"] >= 0.98, figures["mismatches"]
    assert any(p["found_by"] == "navigation" for p in probes)
    assert not any(p["outcome"] == "probe_error" for p in probes)


def test_the_journey_never_picks_a_decoy(sandbox_url, directory, tmp_path):
    # search results list 延续/变更/注销 variants and similar names beside the right guide
    city = next(name for name, c in sorted(directory.items()) if c["archetype"] == "epoint")
    summary = govprobe(
        "run", "--sandbox-url", sandbox_url, "--city", city, "--scenario", "beauty-salon",
        "--channel", "pc", "--db", str(tmp_path / "d.db"),
    )  # fmt: skip
    truth = fetch_truths(sandbox_url, [directory[city]["city_id"]])[directory[city]["city_id"]]
    for p in summary["probes"]:
        expected = truth["scenarios"]["beauty-salon"]["matters"][p["matter"]]["pc"]
        if expected["present"]:
            assert same_page(p["guide_url"], expected["guide_url"]), p
            for word in ("延续", "变更", "注销"):
                assert word not in (p["elements"].get("事项名称") or "")
