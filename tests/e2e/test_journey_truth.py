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

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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


@pytest.fixture(scope="module")
def walked(sandbox_url, directory, tmp_path_factory):
    """One round over one city per archetype (and the navigation one), PC and mobile: the
    database and ``govprobe run --json``'s summary, for the truth and the review pages."""
    cities = cities_to_walk(sandbox_url, directory)
    assert len(cities) >= 5
    db = tmp_path_factory.mktemp("walked") / "g.db"
    args = ["run", "--sandbox-url", sandbox_url, "--db", str(db)]
    for city in cities:
        args += ["--city", city]
    return db, cities, govprobe(*args, "--concurrency", "4", timeout=880)  # under test: 900 s


@pytest.mark.timeout(900)  # 60 journeys: minutes when the machine is shared
def test_the_journey_finds_every_guide_the_truth_shows_on_each_archetype(sandbox_url, walked):
    _db, cities, summary = walked
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


@pytest.mark.timeout(900)  # the round of the module, when this test runs alone
def test_every_point_lost_is_three_clicks_from_the_citys_score(walked, directory, chromium):
    """In the review pages, for the city of each archetype: its page (1), an item's rule and
    the probes that lost points on it (2), the probe's explained score and evidence (3)."""
    from probes.plan.indicators import load_indicators
    from probes.review.app import create_app
    from tests.support.served import Served

    system = load_indicators()
    db, cities, summary = walked
    token = "li-token-0123456789abcdef"
    ids = {directory[name]["city_id"]: name for name in cities}
    lost_somewhere = 0
    with Served(create_app(db, tokens={"李评估": token})) as base:
        page = chromium.new_context().new_page()
        page.goto(f"{base}/login?token={token}")
        page.goto(f"{base}/rounds/{summary['round']}")
        for city_id in ids:
            page.click(f"tr[data-city={city_id}] a")  # 1: the city's score
            for item in ("obtainability", "completeness", "accuracy"):
                row = page.locator(f"[data-table=city-score] tr[data-item-id={item}]")
                row.locator("summary").click()  # 2: the rule and where points were lost
                rule = row.locator("details .muted").text_content()
                assert system.item(item).describe in rule  # as scenarios/indicators.yaml says
                links = row.locator("[data-probe-link]")
                for n in range(min(links.count(), 2)):  # two per item and city suffice
                    lost_somewhere += 1
                    href = links.nth(n).get_attribute("href")
                    links.nth(n).click()  # 3: the probe, its score explained, its evidence
                    explained = page.locator(f"[data-table=explained] tr[data-item={item}]")
                    assert page.url.endswith(href)
                    assert float(explained.locator("td.num").first.text_content().split()[0]) < 100
                    assert explained.locator("ul.facts li").count() >= 1
                    assert page.locator("a[href^='/evidence/']").count() >= 1
                    page.go_back()
                    row = page.locator(f"[data-table=city-score] tr[data-item-id={item}]")
                    if not row.locator("details").evaluate("d => d.open"):
                        row.locator("summary").click()
                    links = row.locator("[data-probe-link]")
            page.go_back()
    assert lost_somewhere > 0  # the sandbox's guides miss elements: some points are lost
