"""What the truth says is what the pages show: for every city served by the Epoint archetype,
every target guide on each channel shows the elements the truth calls present (with the same
value) and does not show the absent ones with a value.

Here server-rendered Epoint pages are parsed over in-process HTTP; the script-rendered and
firewalled archetypes (jsonapi, listfw, zjsearch) are read in Chromium by
``tests/e2e/test_sandbox_rendering.py``.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from lxml import html

from sandbox.archetypes.epoint import labels_for
from sandbox.control import city_truth
from sandbox.model import CANONICAL_ELEMENTS, PLACEHOLDERS
from sandbox.server import build_apps
from tests.support.sandbox_client import run_async


@pytest.fixture(scope="module")
def apps(world):
    return build_apps(world)


def _rows(page: str) -> tuple[dict[str, str], list[str]]:
    doc = html.fromstring(page)
    rows = {
        tr.xpath("./th")[0].text_content().strip(): tr.xpath("./td")[0].text_content().strip()
        for tr in doc.xpath('//table[@class="detail-table"]//tr')
    }
    materials = [td.text_content().strip() for td in doc.xpath('//td[@class="material-name"]')]
    return rows, materials


async def _fetch_all(apps, jobs):
    async def one(site_id, url):
        transport = httpx.ASGITransport(app=apps.sites[site_id])
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.get(url)

    return await asyncio.gather(*(one(site_id, url) for site_id, url, *_ in jobs))


def test_every_epoint_guide_shows_what_the_truth_says(apps):
    state = apps.state
    jobs = []
    for city in state.world.cities.values():
        if state.archetypes[city.site_id].id != "epoint":
            continue
        truth = city_truth(state, city)
        for scenario in truth["scenarios"].values():
            for matter, channels in scenario["matters"].items():
                for channel, want in channels.items():
                    if want["present"]:
                        jobs.append((city.site_id, want["guide_url"], city, matter, channel, want))
    # every epoint city's present guides (a city moved to another archetype drops out)
    assert {job[2].city_id for job in jobs} == {
        c.city_id for c in state.world.cities.values() if state.archetypes[c.site_id].id == "epoint"
    }
    assert len(jobs) > 150
    responses = run_async(lambda: _fetch_all(apps, jobs))
    for response, (_, _url, city, matter, channel, want) in zip(responses, jobs, strict=True):
        where = f"{city.city_id} {matter} {channel}"
        assert response.status_code == 200, where
        rows, materials = _rows(response.text)
        labels = labels_for(city)
        for element in CANONICAL_ELEMENTS:
            value = want["elements"][element]
            if element == "申请材料":
                assert (materials or None) == value, where
                continue
            shown = rows.get(labels[element])
            if value is None:
                assert shown is None or shown in PLACEHOLDERS, f"{where}: {element}={shown!r}"
            else:
                assert shown == value, f"{where}: {element}"
