"""The sandbox world: it loads, it is calibrated to the published 2021 figures, it is varied,
and a bad data file fails naming the file and the key."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from sandbox.model import ARCHETYPES, CANONICAL_ELEMENTS, MATTERS, PLACEHOLDERS
from sandbox.world import WORLD_DIR, WorldError, load_world


def test_the_world_has_36_cities_on_33_sites_of_5_archetypes(world):
    assert len(world.cities) == 36
    assert len(world.sites) == 33
    assert {s.archetype for s in world.sites.values()} == set(ARCHETYPES)
    per_archetype = Counter(world.sites[c.site_id].archetype for c in world.cities.values())
    assert per_archetype == {"jsonapi": 5, "listfw": 4, "zjsearch": 4, "epoint": 20, "vueportal": 3}
    assert world.sites["fjzwfw"].city_ids == ("fuzhou", "xiamen")
    assert world.sites["gdzwfw"].city_ids == ("guangzhou", "shenzhen")


def test_loading_twice_gives_the_same_world(world):
    assert load_world() == world


def _tally(world, kind):
    timely = Counter()
    quality = Counter()
    for city in world.cities.values():
        reply = getattr(city.behaviour, kind)
        d = reply.delay_working_days
        timely["never" if d is None else "on_time" if d <= 5 else "late"] += 1
        quality[reply.quality] += 1
    return timely, quality


def test_consultation_behaviour_reproduces_the_published_counts(world):
    timely, quality = _tally(world, "consult")
    assert timely == {"on_time": 31, "late": 1, "never": 4}
    assert quality == {"solved": 19, "partly": 13, "not": 4}
    late = [c for c in world.cities.values() if (c.behaviour.consult.delay_working_days or 0) > 5]
    assert [c.behaviour.consult.delay_working_days for c in late] == [8]


def test_complaint_behaviour_reproduces_the_published_counts(world):
    timely, quality = _tally(world, "complaint")
    assert timely == {"on_time": 29, "late": 2, "never": 5}
    assert quality == {"solved": 19, "partly": 12, "not": 5}
    delays = sorted(
        c.behaviour.complaint.delay_working_days
        for c in world.cities.values()
        if (c.behaviour.complaint.delay_working_days or 0) > 5
    )
    assert delays == [7, 9]


def test_published_figures_follow_from_the_counts(world):
    def mean(points):
        return round(sum(points) / len(points), 2)

    cities = world.cities.values()
    on_time = [
        100 if d is not None and d <= 5 else 50 if d is not None else 0
        for d in (c.behaviour.consult.delay_working_days for c in cities)
    ]
    assert mean(on_time) == 87.50
    eff = [{"solved": 100, "partly": 50, "not": 0}[c.behaviour.complaint.quality] for c in cities]
    assert mean(eff) == 69.44


def test_exactly_16_cities_open_a_beauty_salon_fully_online(world):
    full = [c for c in world.cities.values() if c.full_online["beauty-salon"]]
    assert len(full) == 16
    for city in full:
        for matter in MATTERS[:3]:
            guide = city.target(matter, "pc")
            assert guide.online_apply and guide.elements["到办事现场次数"] == "0次"
    others = [c for c in world.cities.values() if not c.full_online["beauty-salon"]]
    for city in others:
        guides = [city.target(m, "pc") for m in MATTERS[:3]]
        assert any(
            g is None or not g.online_apply or g.elements.get("到办事现场次数") != "0次"
            for g in guides
        )


def test_no_reply_and_weak_behaviour_sits_on_the_published_weaker_cities(world):
    never = {
        c.name for c in world.cities.values() if c.behaviour.consult.delay_working_days is None
    }
    assert never <= {"拉萨", "乌鲁木齐", "银川", "太原", "南宁", "长春", "济南"}
    for strong in ("上海", "广州", "北京", "成都", "沈阳", "西安"):
        city = next(c for c in world.cities.values() if c.name == strong)
        assert city.behaviour.consult.quality == "solved"
        assert city.full_online["beauty-salon"]


def test_no_city_needs_a_captcha_in_the_calibrated_world_and_about_half_rate(world):
    assert not any(c.behaviour.captcha_on_forms for c in world.cities.values())
    rating = sum(c.behaviour.rating for c in world.cities.values())
    assert 14 <= rating <= 22


def test_defects_are_varied_and_show_on_the_guides(world):
    kinds = Counter(d.kind for c in world.cities.values() for d in c.defects)
    assert set(kinds) == {
        "element_missing",
        "element_empty",
        "broken_form_link",
        "broken_sample_link",
        "search_miss",
        "missing_on_channel",
        "materials_differ",
        "promise_exceeds_statutory",
        "slow_page",
    }
    clean = [c for c in world.cities.values() if not c.defects]
    assert 4 <= len(clean) <= 12
    for city in world.cities.values():
        for d in city.defects:
            channels = [d.channel] if d.channel else ["pc", "mobile"]
            for ch in channels:
                g = city.target(d.matter, ch)
                if d.kind == "missing_on_channel":
                    assert g is None
                    continue
                if g is None:  # another defect removed the guide from this channel
                    assert any(
                        x.kind == "missing_on_channel" and x.matter == d.matter and x.channel == ch
                        for x in city.defects
                    )
                    continue
                if d.kind == "element_missing":
                    assert d.element not in g.elements
                elif d.kind == "element_empty":
                    assert g.elements[d.element] in PLACEHOLDERS
                elif d.kind == "search_miss":
                    assert not g.searchable
                elif d.kind == "slow_page":
                    assert 1500 <= g.latency_ms <= 2500
                elif d.kind == "broken_form_link":
                    assert any(m.form_url and not m.form_ok for m in g.materials)
                elif d.kind == "promise_exceeds_statutory":
                    assert int(g.elements["承诺办结时限"].rstrip("个工作日")) > int(
                        g.elements["法定办结时限"].rstrip("个工作日")
                    )


def test_every_target_is_findable_on_every_channel_unless_missing_there(world):
    for city in world.cities.values():
        missing = {(d.matter, d.channel) for d in city.defects if d.kind == "missing_on_channel"}
        for matter in MATTERS:
            for ch in ("pc", "mobile"):
                guide = city.target(matter, ch)
                assert (guide is None) == ((matter, ch) in missing)


def test_clean_targets_show_every_element_with_a_value(world):
    city = world.cities["guangzhou"]
    for matter in MATTERS:
        guide = city.target(matter, "pc")
        assert all(guide.present(e) for e in CANONICAL_ELEMENTS)
        assert 3 <= len(guide.materials) <= 6


def test_guide_ids_are_unique_within_each_site(world):
    for site in world.sites.values():
        ids = [
            g.guide_id
            for c in world.site_cities(site.site_id)
            for gs in c.guides.values()
            for g in gs
        ]
        assert len(ids) == len(set(ids))


@pytest.fixture
def world_copy(tmp_path: Path) -> Path:
    target = tmp_path / "world"
    shutil.copytree(WORLD_DIR, target)
    return target


def test_a_bad_city_file_fails_naming_the_file_and_the_key(world_copy: Path):
    path = world_copy / "cities.yaml"
    cities = yaml.safe_load(path.read_text(encoding="utf-8"))
    cities[3]["consult"]["quality"] = "excellent"
    path.write_text(yaml.safe_dump(cities, allow_unicode=True), encoding="utf-8")
    with pytest.raises(WorldError, match=r"cities\.yaml: \[3\]\.consult\.quality"):
        load_world(world_copy)


def test_a_city_on_an_unknown_site_fails_naming_the_key(world_copy: Path):
    path = world_copy / "cities.yaml"
    cities = yaml.safe_load(path.read_text(encoding="utf-8"))
    cities[0]["site"] = "nowhere"
    path.write_text(yaml.safe_dump(cities, allow_unicode=True), encoding="utf-8")
    with pytest.raises(WorldError, match=r"cities\.yaml: \[0\]\.site: unknown site 'nowhere'"):
        load_world(world_copy)


def test_an_unknown_defect_kind_fails_naming_the_key(world_copy: Path):
    path = world_copy / "cities.yaml"
    cities = yaml.safe_load(path.read_text(encoding="utf-8"))
    cities[1]["defects"][0]["kind"] = "ugly_font"
    path.write_text(yaml.safe_dump(cities, allow_unicode=True), encoding="utf-8")
    with pytest.raises(WorldError, match=r"cities\.yaml: \[1\]\.defects\[0\]\.kind"):
        load_world(world_copy)


def test_broken_yaml_fails_naming_the_file(world_copy: Path):
    (world_copy / "matters.yaml").write_text("targets: [unclosed", encoding="utf-8")
    with pytest.raises(WorldError, match=r"matters\.yaml: not valid YAML"):
        load_world(world_copy)
