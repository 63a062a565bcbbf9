"""The hardware rubrics and the observations read from stored check rows: availability over a
week's visits, speed, HTTPS, mobile adaptation, accessibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from probes import store
from probes.plan.indicators import load_indicators
from probes.score.hardware import (
    accessibility_score,
    availability_score,
    check_rounds_of_week,
    hardware_observations,
    https_score,
    mobile_score,
    speed_score,
)


@pytest.mark.parametrize(
    ("available", "failed", "expected"),
    [
        (100, 0, 100.0),
        (39, 1, 97.5),  # 2.5% failed
        (19, 1, 0.0),  # 5% failed: the item fails outright
        (1, 1, 0.0),
        (0, 2, 0.0),
        (0, 0, None),  # no visit counted: not measured
    ],
)
def test_availability_is_the_share_loaded_and_fails_outright_at_five_percent_failed(
    available, failed, expected
) -> None:
    assert availability_score(available, failed) == expected


@pytest.mark.parametrize(
    ("ms", "expected"),
    [(800, 100.0), (2500, 100.0), (8750, 50.0), (15000, 0.0), (40000, 0.0), (None, 0.0)],
)
def test_speed_is_full_to_two_and_a_half_seconds_and_nothing_from_fifteen(ms, expected) -> None:
    assert speed_score(ms) == pytest.approx(expected)


GOOD_HTTPS = {
    "served_over_https": True,
    "redirects_to_https": True,
    "cert_valid": True,
    "problem": None,
    "tls_version": "TLSv1.3",
    "days_left": 200,
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, 100.0),
        ({"redirects_to_https": None}, 100.0),  # nothing answers plain http: nothing to redirect
        ({"redirects_to_https": False}, 50.0),
        ({"days_left": 12}, 50.0),
        ({"tls_version": "TLSv1"}, 50.0),
        ({"served_over_https": False, "redirects_to_https": False}, 50.0),  # https beside http
        ({"cert_valid": False, "problem": "expired"}, 0.0),
        ({"cert_valid": False, "problem": "self_signed"}, 0.0),
        ({"cert_valid": None, "problem": "not_tried", "served_over_https": False}, 0.0),
        ({"cert_valid": None, "problem": "no_https"}, 0.0),
        ({"cert_valid": None, "problem": "unreachable"}, None),
    ],
)
def test_https_scores_full_half_or_nothing(change, expected) -> None:
    assert https_score(GOOD_HTTPS | change) == expected


@pytest.mark.parametrize(
    ("mobile", "expected"),
    [
        ({"device_width": True, "fits": True, "readable": True}, 100.0),
        ({"device_width": True, "fits": False, "readable": True}, 200 / 3),
        ({"device_width": False, "fits": False, "readable": False}, 0.0),
    ],
)
def test_mobile_adaptation_scores_a_third_per_rule(mobile, expected) -> None:
    assert mobile_score(mobile) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("axe", "expected"),
    [
        ({"critical": 0, "serious": 0, "moderate": 7}, 100.0),
        ({"critical": 1, "serious": 1}, 60.0),
        ({"critical": 3, "serious": 4}, 0.0),
    ],
)
def test_accessibility_loses_twenty_per_serious_or_critical_rule(axe, expected) -> None:
    assert accessibility_score(axe) == expected


def test_the_hardware_items_are_the_five_the_indicator_file_scores_directly() -> None:
    items = load_indicators().indicator("hardware").items
    assert [i.id for i in items] == ["availability", "speed", "https", "mobile", "accessibility"]
    assert {i.rubric.method for i in items} == {"direct"}


def _visit(db, round_id, city, available, channel="pc", classification=None):
    classification = classification or ("up" if available else "down")
    store.save_check(
        db, round_id, url=f"http://{city}.example/", kind="home", city=city, channel=channel,
        classification=classification, detail={"available": available},
    )  # fmt: skip


def test_availability_counts_every_visit_of_the_weeks_rounds(db) -> None:
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    rounds = []
    for day in range(8):  # day 0 falls out of the week that ends with the last round
        at = (start + timedelta(days=day)).isoformat(timespec="seconds")
        round_id = store.start_round(db, "check", "sandbox", {}, at=at)
        rounds.append(round_id)
        for _ in range(20):  # the rule's 20 visits a day
            _visit(db, round_id, "steady", True)
            _visit(db, round_id, "shaky", day != 3)  # one bad day: 20 of 140 visits in the week
            _visit(db, round_id, "blip", not (day == 5 and _ == 0))  # 1 of 140
            _visit(db, round_id, "firewalled", None, classification="protected")
    week = check_rounds_of_week(db)
    assert set(week) == set(rounds[1:])
    found = {(o.city, o.item): o.value for o in hardware_observations(db, *week)}
    assert found[("steady", "availability")] == 100.0
    assert found[("shaky", "availability")] == 0.0
    assert found[("blip", "availability")] == pytest.approx(100 * 139 / 140, abs=0.01)
    assert ("firewalled", "availability") not in found  # no browser tried it: not measured


def test_each_item_is_measured_from_its_own_rows_and_unmeasured_items_are_left_out(db) -> None:
    round_id = store.start_round(db, "check", "sandbox", {})
    _visit(db, round_id, "a", True)
    _visit(db, round_id, "a", True, channel="mobile")
    store.save_check(db, round_id, url="u", kind="https", city="a", detail=GOOD_HTTPS)
    store.save_check(
        db, round_id, url="u", kind="https", city="a", channel="mobile",
        detail=GOOD_HTTPS | {"redirects_to_https": False},
    )  # fmt: skip
    for channel, speed, mobile, axe in (
        ("pc", 1000, None, {"critical": 0, "serious": 1}),
        ("mobile", 8750, {"device_width": True, "fits": False, "readable": True}, {}),
    ):
        store.save_check(
            db, round_id, url="u", kind="page", city="a", channel=channel,
            detail={"loaded": True, "speed_ms": speed, "mobile": mobile, "axe": axe},
        )  # fmt: skip
    store.save_check(
        db, round_id, url="u", kind="page", city="a", channel="pc", detail={"loaded": False}
    )
    _visit(db, round_id, "gone", False)
    store.save_check(
        db, round_id, url="u", kind="https", city="gone", detail={"problem": "unreachable"}
    )
    found = {(o.city, o.item): o.value for o in hardware_observations(db)}
    # one visit per address is far below the rule's week (tests/unit/test_availability.py):
    # availability is not scored, the other items are measured from their own rows
    assert found == {
        ("a", "https"): 75.0,
        ("a", "speed"): 50.0,  # (100 + 50 + 0 for the page that never loaded) / 3
        ("a", "mobile"): pytest.approx(66.67),
        ("a", "accessibility"): 80.0,  # the mobile page's axe run failed: not counted
    }
