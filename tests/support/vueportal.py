"""The vueportal cities of a running sandbox and their JSON API, for the API tests
(``tests/sandbox/``) and the single-page apps' tests in Chromium (``tests/e2e/``)."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx

CITIES = ("taiyuan", "jinan", "kunming")
API = "/api/portal"


class Portal:
    """One vueportal city of the running sandbox: its origin, region code and truth."""

    def __init__(self, city: dict, truth: dict) -> None:
        self.city = city
        self.base = city["pc_url"].split("#", 1)[0].rstrip("/")
        self.area = city["region_code"]
        self.matters = {
            m: ms for s in truth["scenarios"].values() for m, ms in s["matters"].items()
        }

    def want(self, matter: str, channel: str) -> dict:
        want = self.matters[matter][channel]
        assert want["present"], (matter, channel)
        return want

    def code(self, matter: str, channel: str) -> str:
        url = self.want(matter, channel)["guide_url"]
        if channel == "pc":
            return url.split("itemCode=", 1)[1]
        return urlsplit(url).path.rsplit("/", 1)[1]


def portals_of(sandbox_url: str) -> dict[str, Portal]:
    """The sandbox's vueportal cities (``CITIES``) by id, each with its truth."""
    with httpx.Client(timeout=10) as http:
        cities = {c["city_id"]: c for c in http.get(sandbox_url + "/__sandbox/cities").json()}
        found = {}
        for city_id in CITIES:
            assert cities[city_id]["archetype"] == "vueportal"
            truth = http.get(f"{sandbox_url}/__sandbox/truth/{city_id}").json()
            found[city_id] = Portal(cities[city_id], truth)
    return found


def raw(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def post(
    http: httpx.Client, base: str, path: str, body: dict
) -> tuple[httpx.Response, float, bytes]:
    """One API call with the exact bytes sent, and how long its answer took."""
    sent = raw(body)
    started = time.monotonic()
    response = http.post(
        base + API + path, content=sent, headers={"content-type": "application/json"}
    )
    return response, time.monotonic() - started, sent


def post_all(calls: list[tuple[str, str, dict]]) -> list[tuple[httpx.Response, float, bytes]]:
    """The calls in parallel on one client: each waits its own latency, the batch only the
    longest one."""
    with (
        httpx.Client(timeout=10) as http,
        ThreadPoolExecutor(max_workers=len(calls)) as pool,
    ):
        return list(pool.map(lambda call: post(http, *call), calls))


def all_found(portal: Portal, keyword: str, terminal: str) -> list[str]:
    """Every name the site search finds, in its order (one page of 50)."""
    body = {"keyword": keyword, "areaCode": portal.area, "terminal": terminal, "pageSize": 50}
    ((response, _, _),) = post_all([(portal.base, "/item/search", body)])
    data = data_of(response)
    assert data["total"] == len(data["records"]) < 50
    return [r["itemName"] for r in data["records"]]


def data_of(response: httpx.Response) -> dict | list:
    assert response.status_code == 200
    answer = response.json()
    assert answer["code"] == 200, answer
    return answer["data"]
