"""The control API in-process: cities, truth, clock, faults and their effect on sites, request
stats. The served sandbox (its own ports, hangs and drops): ``tests/sandbox/``."""

from __future__ import annotations

import time

import pytest

from sandbox.interaction import PASSWORD, USERNAME
from sandbox.model import ARCHETYPES, CANONICAL_ELEMENTS, CHANNELS, MATTERS
from tests.support.sandbox_client import site_client

GUIDE = "/epointzwmhwz/pages/default/index"


def test_cities_lists_36_cities_on_every_archetype_with_absolute_entry_urls(control):
    cities = control.get("/__sandbox/cities").json()
    assert len(cities) == 36
    assert {c["archetype"] for c in cities} == set(ARCHETYPES)
    chengdu = next(c for c in cities if c["city_id"] == "chengdu")
    assert chengdu["name"] == "成都" and chengdu["platform"] == "sczwfw"
    assert chengdu["pc_url"].startswith("http://127.0.0.1:")
    assert chengdu["pc_url"].endswith(GUIDE)
    assert chengdu["mobile_url"].endswith("/h5/index")


def test_truth_describes_every_matter_on_both_channels(control):
    truth = control.get("/__sandbox/truth/lhasa").json()
    assert truth["name"] == "拉萨" and truth["archetype"] == "epoint"
    matters = {m for s in truth["scenarios"].values() for m in s["matters"]}
    assert matters == set(MATTERS)
    fire = truth["scenarios"]["beauty-salon"]["matters"]["fire-safety-inspection"]
    assert set(fire) == set(CHANNELS)
    pc = fire["pc"]
    assert pc["present"] and pc["findable_by"] == "navigation"  # lhasa's search_miss
    assert set(pc["elements"]) == set(CANONICAL_ELEMENTS)
    assert pc["elements"]["设定依据"] is None  # element_missing
    assert isinstance(pc["elements"]["申请材料"], list)
    assert pc["visits"] == "1"
    assert {"kind": "search_miss", "element": None, "detail": ""} in pc["defects"]
    assert truth["consult"] == {"delay_working_days": None, "quality": "not"}
    assert truth["scenarios"]["beauty-salon"]["full_online"] is False
    health_mobile = truth["scenarios"]["beauty-salon"]["matters"]["public-health-permit"]["mobile"]
    assert health_mobile["present"] is False and health_mobile["guide_url"] is None


def test_truth_of_an_unknown_city_is_a_404_with_a_message(control):
    r = control.get("/__sandbox/truth/atlantis")
    assert r.status_code == 404
    assert "atlantis" in r.json()["error"]


def test_the_clock_starts_on_a_fixed_monday_and_moves_only_when_told(control):
    assert control.get("/__sandbox/clock").json() == {"now": "2026-11-02T09:00:00+08:00"}
    r = control.post("/__sandbox/clock", json={"advance": "P3DT2H"})
    assert r.json()["now"] == "2026-11-05T11:00:00+08:00"
    r = control.post("/__sandbox/clock", json={"set": "2027-01-04T08:30:00+08:00"})
    assert r.json()["now"] == "2027-01-04T08:30:00+08:00"
    assert control.post("/__sandbox/clock", json={"advance": "three days"}).status_code == 400


def test_a_5xx_fault_answers_503_for_the_given_count_then_recovers(apps, control):
    control.post("/__sandbox/faults", json={"city": "chengdu", "mode": "5xx", "count": 2})
    s = site_client(apps, "sczwfw")
    assert [s.get(GUIDE).status_code for _ in range(3)] == [503, 503, 200]
    assert control.get("/__sandbox/faults").json() == []


def test_a_fault_on_one_city_takes_its_whole_shared_site_down(apps, control):
    control.post("/__sandbox/faults", json={"city": "xiamen", "mode": "5xx"})
    r = site_client(apps, "fjzwfw").get(GUIDE + "?region=350100")  # fuzhou's page on the same site
    assert r.status_code == 503 and "nginx" in r.text
    assert site_client(apps, "sczwfw").get(GUIDE).status_code == 200


def test_maintenance_answers_200_with_a_maintenance_page(apps, control):
    control.post("/__sandbox/faults", json={"city": "chengdu", "mode": "maintenance"})
    r = site_client(apps, "sczwfw").get(GUIDE)
    assert r.status_code == 200 and "系统维护中" in r.text


def test_latency_delays_every_request_of_the_site(apps, control):
    control.post("/__sandbox/faults", json={"city": "chengdu", "mode": "latency", "ms": 300})
    start = time.monotonic()
    site_client(apps, "sczwfw").get(GUIDE)
    assert time.monotonic() - start >= 0.3


def test_refuse_bots_puts_a_script_challenge_in_front_of_a_plain_site(apps, control):
    s = site_client(apps, "sczwfw")
    control.post("/__sandbox/faults", json={"city": "chengdu", "mode": "refuse_bots"})
    r = s.get(GUIDE)
    assert r.status_code == 521 and "<script>" in r.text and "document.cookie" in r.text
    control.post("/__sandbox/faults", json={"city": "chengdu", "clear": True})
    assert s.get(GUIDE).status_code == 200


def test_drop_sends_a_truncated_response(apps, control):
    control.post("/__sandbox/faults", json={"city": "chengdu", "mode": "drop"})
    with pytest.raises(ConnectionError):
        site_client(apps, "sczwfw").get(GUIDE)


def test_faults_clear_per_city_and_all_at_once(control):
    control.post("/__sandbox/faults", json={"city": "chengdu", "mode": "hang"})
    control.post("/__sandbox/faults", json={"city": "lhasa", "mode": "captcha"})
    assert len(control.get("/__sandbox/faults").json()) == 2
    control.post("/__sandbox/faults", json={"city": "chengdu", "clear": True})
    assert control.get("/__sandbox/faults").json() == [{"city": "lhasa", "mode": "captcha"}]
    control.post("/__sandbox/faults", json={"clear": "all"})
    assert control.get("/__sandbox/faults").json() == []


def test_an_unknown_city_or_mode_is_a_404_with_a_clear_message(control):
    r = control.post("/__sandbox/faults", json={"city": "atlantis", "mode": "5xx"})
    assert r.status_code == 404 and "atlantis" in r.json()["error"]
    r = control.post("/__sandbox/faults", json={"city": "chengdu", "mode": "earthquake"})
    assert r.status_code == 404 and "earthquake" in r.json()["error"]


def test_stats_count_requests_per_site_and_reset(apps, control):
    s = site_client(apps, "sczwfw")
    for _ in range(3):
        s.get(GUIDE)
    stats = control.get("/__sandbox/stats").json()
    gap = stats["sczwfw"].pop("min_gap_ms")
    closest = stats["sczwfw"].pop("closest")
    assert stats["sczwfw"] == {"requests": 3, "max_concurrent": 1}
    assert gap is not None and gap >= 0  # three requests, one after the other
    assert closest == [GUIDE, GUIDE]  # the two requests that gap is between
    assert stats["xzzwfw"] == {
        "requests": 0, "max_concurrent": 0, "min_gap_ms": None, "closest": None
    }  # fmt: skip
    control.post("/__sandbox/stats", json={"reset": True})
    reset = control.get("/__sandbox/stats").json()["sczwfw"]
    assert reset["requests"] == 0 and reset["min_gap_ms"] is None


def test_session_expired_refuses_the_logins_made_before_it_and_a_new_login_works(apps, control):
    s = site_client(apps, "hnzwfw")
    form = "/hdjl/consult/new?region=430100"
    login = {"username": USERNAME, "password": PASSWORD, "next": form}
    assert s.post("/login", data=login).status_code == 303
    assert s.get(form).status_code == 200
    control.post("/__sandbox/faults", json={"city": "changsha", "mode": "session_expired"})
    wall = s.get(form)
    assert wall.status_code == 303 and wall.headers["location"].startswith("/login?next=")
    other = site_client(apps, "sczwfw")  # another site's logins are not touched
    assert other.post("/login", data=login | {"next": "/"}).status_code == 303
    control.post("/__sandbox/faults", json={"city": "changsha", "mode": "session_expired"})
    assert other.get("/hdjl/consult/new").status_code == 200
    assert s.post("/login", data=login).status_code == 303  # a person logs in again
    assert s.get(form).status_code == 200
    control.post("/__sandbox/faults", json={"city": "changsha", "clear": True})
    assert s.get(form).status_code == 200  # cleared: the new login holds, no new expiry


def test_guide_gone_unlists_the_citys_target_guides_until_cleared(apps, control):
    s = site_client(apps, "hnzwfw")

    def truth() -> dict:
        city = control.get("/__sandbox/truth/changsha").json()
        return city["scenarios"]["resident-insurance"]["matters"]["pension-registration"]["pc"]

    found = truth()

    def listed() -> list[str]:
        body = {"AREA_CODE": "430100", "KEY_WORD": found["name"]}
        rows = s.post("/portal/item/getCommonAuditItem", json=body).json()
        return [r["CATANAME"] for r in rows["data"]["CUSTOM"]["AUDIT_ITEMLIST"]]

    assert found["present"] and found["name"] in listed()
    control.post("/__sandbox/faults", json={"city": "changsha", "mode": "guide_gone"})
    assert found["name"] not in listed() and not truth()["present"]
    page = "/" + found["guide_url"].split("/", 3)[3]
    assert s.get(page).status_code == 200  # its old page still answers at its address
    control.post("/__sandbox/faults", json={"city": "changsha", "clear": True})
    assert found["name"] in listed() and truth()["present"]
