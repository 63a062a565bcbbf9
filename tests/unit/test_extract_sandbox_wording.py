"""The sandbox shows real portals' wording on some cities, and extraction reads it as the truth.

In-process (each archetype's own ASGI app, no firewall, no browser): the server-rendered guides
of the cities that state both time limits in one sentence (zjsearch), draw the materials table
with rowspan/colspan (epoint), serve gb2312-declared pages written in GB18030 (listfw) or label
the visits 到现场办理的次数 (listfw, some epoint cities) are extracted, and every element the
truth calls present is read with the truth's value, every absent one is not, and the materials
are the truth's. The script-rendered jsonapi pages (two pairs a row on some cities) are read in
Chromium by ``tests/e2e/test_sandbox_rendering.py``; here their markup is checked.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from lxml import html as lxml_html

from probes.charsets import decode_html
from probes.judge.extract import extract
from sandbox.archetypes import epoint, jsonapi, listfw, zjsearch
from sandbox.model import CANONICAL_ELEMENTS
from sandbox.world import load_world
from tests.support.sandbox_client import run_async

WORLD = load_world()
ARCHETYPES = {
    "epoint": epoint.ARCHETYPE,
    "listfw": listfw.ARCHETYPE,
    "zjsearch": zjsearch.ARCHETYPE,
}
CITIES = sorted(
    {*epoint.GROUPED_MATERIALS, *listfw.GB_PAGES, *zjsearch.PROSE_LIMITS} & set(WORLD.cities)
)
# 是否网办 on zjsearch comes by JSONP after load: not in the served HTML
LATE = {"zjsearch": {"是否网办"}}


def _fetch(city_id: str) -> list[tuple[str, object, httpx.Response]]:
    city = WORLD.cities[city_id]
    site = WORLD.sites[city.site_id]
    archetype = ARCHETYPES[site.archetype]
    app = archetype.app(site, WORLD)

    async def all_guides():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            jobs = [
                (channel, guide)
                for channel in ("pc", "mobile")
                for guide in city.guides[channel]
                if guide.kind == "target"
            ]
            answers = await asyncio.gather(
                *(client.get(archetype.guide_path(site, city, g, ch)) for ch, g in jobs)
            )
            return [(ch, g, r) for (ch, g), r in zip(jobs, answers, strict=True)]

    return run_async(all_guides)


def test_the_new_wording_is_on_some_cities_of_each_server_rendered_archetype() -> None:
    archetypes = {WORLD.sites[WORLD.cities[c].site_id].archetype for c in CITIES}
    assert archetypes == {"epoint", "listfw", "zjsearch"}


@pytest.mark.parametrize("city_id", CITIES)
def test_each_guide_of_the_city_extracts_as_its_truth(city_id) -> None:
    archetype = WORLD.sites[WORLD.cities[city_id].site_id].archetype
    for channel, guide, response in _fetch(city_id):
        where = f"{city_id} {guide.matter} {channel}"
        assert response.status_code == 200, where
        ex = extract(response.content, f"http://sandbox{response.url.path}")
        for element in CANONICAL_ELEMENTS:
            if element == "申请材料" or element in LATE.get(archetype, ()):
                continue
            if guide.present(element):
                assert ex.elements.get(element) == guide.elements[element], f"{where} {element}"
            else:
                assert element not in ex.elements, f"{where} {element}"
        assert [m.name for m in ex.materials] == [m.name for m in guide.materials], where
        forms = [(m.form_url is not None, m.sample_url is not None) for m in ex.materials]
        assert forms == [
            (m.form_url is not None, m.sample_url is not None) for m in guide.materials
        ]


@pytest.mark.parametrize("city_id", sorted(listfw.GB_PAGES))
def test_gb_pages_are_declared_gb2312_and_hold_characters_gb2312_lacks(city_id) -> None:
    window = listfw.GB_PAGES[city_id]
    with pytest.raises(UnicodeEncodeError):
        window.encode("gb2312")
    for _channel, _guide, response in _fetch(city_id):
        assert response.headers["content-type"] == "text/html; charset=gb2312"
        assert b'charset=gb2312"' in response.content[:600]
        assert "\ufffd" in response.content.decode("gb2312", errors="replace")  # taken literally
        text = decode_html(response.content, "gb2312")
        assert f"受理窗口：{window}" in text and "\ufffd" not in text


def test_other_listfw_cities_stay_utf8() -> None:
    for _channel, _guide, response in _fetch("beijing"):
        assert response.headers["content-type"].startswith("text/html; charset=utf-8")


@pytest.mark.parametrize(
    ("city_id", "opening"), [("nanjing", "本事项法定期限为"), ("hefei", "法定期限：")]
)
def test_prose_cities_state_both_limits_in_one_sentence(city_id, opening) -> None:
    for _channel, guide, response in _fetch(city_id):
        doc = lxml_html.fromstring(response.text)
        prose = [p.text_content() for p in doc.xpath("//p[contains(@class, 'prose')]")]
        legal, promise = guide.elements["法定办结时限"], guide.elements["承诺办结时限"]
        assert len(prose) == 1 and legal in prose[0] and promise in prose[0]
        if legal[:1].isdigit() and promise[:1].isdigit():
            assert prose[0].startswith(opening)


def test_grouped_epoint_tables_span_rows_and_columns() -> None:
    city = WORLD.cities[sorted(epoint.GROUPED_MATERIALS)[0]]
    for channel, guide, response in _fetch(city.city_id):
        doc = lxml_html.fromstring(response.text)
        table = doc.xpath("//table[contains(@class, 'materials-grouped')]")
        assert table, f"{guide.matter} {channel}"
        spans = [int(td.get("rowspan")) for td in table[0].xpath(".//td[@rowspan]")]
        assert sum(spans) == len(guide.materials)
        assert table[0].xpath(".//thead/tr[1]/th[@colspan='3']/text()") == ["材料要求"]


def test_wide_jsonapi_cities_put_two_pairs_a_row_on_pc_only() -> None:
    city = WORLD.cities[sorted(jsonapi.WIDE_TABLES)[0]]
    site = WORLD.sites[city.site_id]
    guide = city.target("public-health-permit", "pc") or city.guides["pc"][0]
    app = jsonapi.ARCHETYPE.app(site, WORLD)

    async def pages():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            return [
                await client.get(jsonapi.ARCHETYPE.guide_path(site, city, guide, ch))
                for ch in ("pc", "mobile")
            ]

    pc, mobile = run_async(pages)
    first = lxml_html.fromstring(pc.text).xpath("//section[@data-section='基本信息']//tr")[0]
    assert [c.tag for c in first] == ["th", "td", "th", "td"]
    first = lxml_html.fromstring(mobile.text).xpath("//section[@data-section='基本信息']//tr")[0]
    assert [c.tag for c in first] == ["th", "td"]
