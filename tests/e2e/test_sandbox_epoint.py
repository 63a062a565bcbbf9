"""The Epoint archetype in a real Chromium: one city's PC and mobile portal walked with Epoint's
own selectors to each of the five matters' guides, by search and by navigation."""

from __future__ import annotations

import httpx
import pytest

from sandbox.archetypes.epoint import labels_for
from sandbox.model import MATTERS

pytestmark = pytest.mark.browser
CITY = "harbin"  # notice overlay; every target on both channels
IPHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def truth(sandbox_url):
    cities = httpx.get(sandbox_url + "/__sandbox/cities", timeout=10).json()
    city = next(c for c in cities if c["city_id"] == CITY)
    t = httpx.get(f"{sandbox_url}/__sandbox/truth/{CITY}", timeout=10).json()
    return city, {m: ms for s in t["scenarios"].values() for m, ms in s["matters"].items()}


def test_the_pc_portal_leads_to_every_target_guide_by_search(chromium, truth, world):
    city, matters = truth
    page = chromium.new_page()
    try:
        for matter in MATTERS:
            want = matters[matter]["pc"]
            page.goto(city["pc_url"])
            if page.locator("#notice-overlay").count():
                page.click("#notice-ok")
            page.fill("input[placeholder='请输入事项名称']", want["name"])
            page.click("button:has-text('搜索')")
            link = page.locator(f"a.result-title:text-is('{want['name']}')").first
            if want["findable_by"] == "search":
                while not link.count():
                    page.click("a.next-page")
                    link = page.locator(f"a.result-title:text-is('{want['name']}')").first
            else:
                assert not page.locator(f"a.result-title:text-is('{want['name']}')").count()
                page.goto(city["pc_url"])
                page.click("#notice-ok")
                page.click("a.nav-dept")
                dept = next(g for g in world.cities[CITY].guides["pc"] if g.matter == matter)
                page.click(f"a.category:text-is('{dept.category}')")
                link = page.locator(f"a.matter-link:text-is('{want['name']}')").first
            link.click()
            page.wait_for_load_state()
            assert page.url == want["guide_url"]
            assert page.locator("h1.guide-title").inner_text() == want["name"]
            # the materials tab is hidden until clicked
            materials = page.locator("#panel-sbcl")
            assert not materials.is_visible()
            page.click("a.tab[data-tab=sbcl]")
            assert materials.is_visible()
            names = materials.locator(".material-name").all_inner_texts()
            assert names == want["elements"]["申请材料"]
    finally:
        page.close()


def test_the_overlay_blocks_until_dismissed_and_the_agreement_needs_a_tick(chromium, sandbox_url):
    cities = httpx.get(sandbox_url + "/__sandbox/cities", timeout=10).json()
    chengdu = next(c for c in cities if c["city_id"] == "chengdu")
    page = chromium.new_page()
    try:
        page.goto(chengdu["pc_url"])
        assert page.locator("#notice-ok").is_disabled()
        page.check("#agree")
        page.click("#notice-ok")
        assert not page.locator("#notice-overlay").count()
        page.fill("input[placeholder='请输入事项名称']", "企业设立登记")
        page.click("button:has-text('搜索')")
        page.locator("a.result-title").first.wait_for()  # the results page loads after the click
        assert page.locator("a.result-title").count() >= 1
    finally:
        page.close()


def test_the_mobile_site_leads_to_every_target_with_collapsible_sections(chromium, truth, world):
    city, matters = truth
    context = chromium.new_context(**IPHONE)
    page = context.new_page()
    label = labels_for(world.cities[CITY])["承诺办结时限"]
    try:
        for matter in MATTERS:
            want = matters[matter]["mobile"]
            page.goto(city["mobile_url"])
            page.fill("input[placeholder='请输入事项名称']", want["name"])
            page.click("button:has-text('搜索')")
            link = page.locator(f"a.result-title:text-is('{want['name']}')").first
            if want["findable_by"] == "navigation" or not link.count():
                page.goto(city["mobile_url"])
                page.click("a.nav-dept")
                dept = next(g for g in world.cities[CITY].guides["mobile"] if g.matter == matter)
                page.click(f"a.category:text-is('{dept.category}')")
                link = page.locator(f"a.matter-link:text-is('{want['name']}')").first
            link.click()
            page.wait_for_load_state()
            assert page.url == want["guide_url"]
            body = page.locator("section[data-section=jbxx] .h5-section-body")
            assert not body.is_visible()
            page.click("section[data-section=jbxx] .h5-section-title")
            assert body.is_visible()
            if want["elements"]["承诺办结时限"]:
                row = body.locator("tr", has=page.locator(f"th:text-is('{label}')"))
                assert row.locator("td").inner_text() == want["elements"]["承诺办结时限"]
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
    finally:
        context.close()


def test_a_search_miss_guide_is_found_by_department_navigation_only(chromium, sandbox_url):
    cities = httpx.get(sandbox_url + "/__sandbox/cities", timeout=10).json()
    lanzhou = next(c for c in cities if c["city_id"] == "lanzhou")
    t = httpx.get(sandbox_url + "/__sandbox/truth/lanzhou", timeout=10).json()
    want = t["scenarios"]["beauty-salon"]["matters"]["public-health-permit"]["pc"]
    assert want["findable_by"] == "navigation"
    page = chromium.new_page()
    try:
        page.goto(lanzhou["pc_url"])
        page.click("#notice-ok")
        page.fill("input[placeholder='请输入事项名称']", want["name"])
        page.click("button:has-text('搜索')")
        assert (
            not page.locator("a.result-title", has_text=want["name"])
            .filter(has_text=want["name"])
            .evaluate_all(f"els => els.filter(e => e.textContent === {want['name']!r})")
        )
        page.goto(lanzhou["pc_url"])
        page.click("#notice-ok")
        page.click("a.nav-dept")
        page.click("a.category:text-is('卫生健康')")
        page.click(f"a.matter-link:text-is('{want['name']}')")
        page.wait_for_load_state()
        assert page.url == want["guide_url"]
    finally:
        page.close()
