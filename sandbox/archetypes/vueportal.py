"""The Vue single-page portal: an Element UI PC site and a Vant H5 site on one origin.

Imitates the platform family many provincial portals are built on today (a Vue + Element UI
PC portal, and a Vue + Vant mobile H5 portal for the same site); nothing is served by the
server but two HTML shells, their scripts and a JSON API with AUDIT_ITEM-like field names
(the shape of ``sandbox/archetypes/jsonapi.py``). The scripts imitate the frameworks' DOM in
vanilla JS (``sandbox/templates/vueportal/static/``): no Vue, no CDN.

PC (hash routes; every GET path that is not under ``/h5``, ``/api`` or ``/static`` answers
the same shell):

* ``/#/home``, ``/#/search?keyword=…`` (results: 10 a page, ``el-pagination``; titles are
  ``<span>``s that open the guide in a new tab with ``window.open``),
* ``/#/dept`` and ``/#/dept?name=…`` (by department / category: every guide of it, the ones
  site search misses too), ``/#/theme?name=…`` (by theme),
* ``/#/guide?itemCode=…``: ``el-tabs`` of which only the active tab's content is in the DOM,
  tabs with no data are not shown; the materials are fetched when 申请材料 is opened.

H5 (History API routes; every GET path under ``/h5`` answers the H5 shell, so deep links work):
``/h5/home``, ``/h5/search?keyword=…`` (search as you type, infinite scroll), ``/h5/category``
and ``/h5/category?name=…``, ``/h5/guide/{itemCode}`` (``van-collapse`` sections rendered when
opened), ``/h5/guide/{itemCode}/materials``.

A shared site (several cities) carries the city as ``?region=`` on the shell's URL.

API (``POST`` JSON bodies, answered after 200-600 ms, deterministic per request; ``terminal``
``"H5"`` selects the mobile guides; an error is HTTP 200 with ``{"code": 500, "error": …}``):

* ``/api/portal/item/search`` ``{keyword, areaCode, pageNo, pageSize, terminal}`` ->
  ``{"code": 200, "data": {"total", "pageNo", "pageSize", "records": [{"itemCode", "itemName",
  "highlightName", "deptName", "itemType", "isOnline"}]}}``
* ``/api/portal/item/list`` ``{areaCode, type: "dept"|"theme", name, pageNo, pageSize,
  terminal}`` -> the same shape (navigation: searchable or not)
* ``/api/portal/catalog`` ``{areaCode, terminal}`` -> ``{"depts": [{name, count}], "themes"}``
* ``/api/portal/item/detail`` ``{itemCode, terminal}`` -> AUDIT_ITEM, AUDIT_ITEM_FLOWSHEET,
  AUDIT_ITEM_RESULT, AUDIT_CATALOG_LOBBY, LAW, MATERIAL_COUNT (null where the guide has no such
  element); slow guides answer ``latency_ms`` later still
* ``/api/portal/item/materials`` ``{itemCode, terminal}`` -> ``[{MATERIAL_NAME, ZZHDZB_TEXT,
  PAGE_NUM, SOURCE_TYPE_TEXT, IS_NEED_TEXT, FORM_URL, EXAMPLE_URL, ...}]``
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
import zlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from sandbox.archetypes.common import bigrams, int_param
from sandbox.archetypes.jsonapi import audit_item_detail
from sandbox.model import City, Guide, Site, World
from sandbox.templating import TEMPLATES, render

API = "/api/portal"
PC_PAGE_SIZE = 10
H5_PAGE_SIZE = 8
LATENCY_MS = (200, 600)  # every API answer waits a deterministic time in this window
NOT_FOUND = {"code": 500, "error": "未找到事项", "data": None}
STATIC = TEMPLATES / "vueportal" / "static"
ASSETS = {
    "js/chunk-vendors.js": ("vendor.js", "application/javascript; charset=utf-8"),
    "js/pc.js": ("pc.js", "application/javascript; charset=utf-8"),
    "js/h5.js": ("h5.js", "application/javascript; charset=utf-8"),
    "css/pc.css": ("pc.css", "text/css; charset=utf-8"),
    "css/h5.css": ("h5.css", "text/css; charset=utf-8"),
}
_ICP = {"山东": "鲁ICP备05045365号", "山西": "晋ICP备05000893号", "云南": "滇ICP备05000394号"}


def item_code(city: City, guide: Guide) -> str:
    """The guide's itemCode: stable, unique within the site, the region's code first."""
    digest = hashlib.sha1(f"vueportal/{guide.guide_id}".encode()).hexdigest().upper()
    return f"{city.region_code[:6]}{digest[:18]}"


def search(city: City, channel: str, keyword: str) -> list[Guide]:
    """The portal's fuzzy search over its searchable guides.

    Like a segmenting search engine's relevance order: names that hold the whole keyword and
    more words first (合伙企业设立登记 for 企业设立登记), then the name equal to the keyword,
    then names sharing at least a third of the keyword's character pairs, most shared first.
    On ``noise_first`` cities the loose matches come first. An empty keyword lists everything
    searchable."""
    keyword = "".join(keyword.split())
    pool = [g for g in city.guides.get(channel, ()) if g.searchable]
    if not keyword:
        return pool
    wanted = bigrams(keyword)
    longer, exact, loose = [], [], []
    for guide in pool:
        name = "".join(guide.name.split())
        if name == keyword:
            exact.append(guide)
        elif keyword in name:
            longer.append(guide)
        else:
            shared = len(wanted & bigrams(name))
            if shared and shared * 3 >= len(wanted):
                loose.append((shared, guide))
    ranked = [g for _, g in sorted(loose, key=lambda sg: -sg[0])]
    return ranked + longer + exact if city.noise_first else longer + exact + ranked


def highlight(name: str, keyword: str) -> str:
    """The name as escaped HTML with the matched characters in ``<em>``, as search engines'
    highlighters answer it."""
    keyword = "".join(keyword.split())
    marked = [False] * len(name)
    if keyword:
        start = name.find(keyword)
        while start >= 0:
            marked[start : start + len(keyword)] = [True] * len(keyword)
            start = name.find(keyword, start + 1)
        wanted = bigrams(keyword) if len(keyword) > 1 else set()
        for i in range(len(name) - 1):
            if name[i : i + 2] in wanted:
                marked[i] = marked[i + 1] = True
    out, i = [], 0
    while i < len(name):
        j = i
        while j < len(name) and marked[j] == marked[i]:
            j += 1
        piece = html.escape(name[i:j])
        out.append(f"<em>{piece}</em>" if marked[i] else piece)
        i = j
    return "".join(out)


def latency_ms(path: str, body: bytes, window: tuple[int, int] = LATENCY_MS) -> int:
    """The API's answer time for one request: the same request always waits the same."""
    low, high = window
    if high <= low:
        return low
    return low + zlib.crc32(path.encode() + b"\n" + body) % (high - low + 1)


@cache
def _asset(name: str) -> bytes:
    return (STATIC / name).read_bytes()


def _version() -> str:
    digest = hashlib.sha1()
    for name, _ in ASSETS.values():
        digest.update(_asset(name))
    return digest.hexdigest()[:8]


def _item_type(guide: Guide) -> str:
    return "公共服务" if guide.category == "社会保障" else "行政许可"


def _catalog(guides: Iterable[Guide], attr: str) -> list[dict]:
    counts: dict[str, int] = {}
    for guide in guides:
        value = getattr(guide, attr)
        if value:
            counts[value] = counts.get(value, 0) + 1
    return [{"name": k, "count": v} for k, v in counts.items()]


@dataclass(frozen=True)
class _Entry:
    city: City
    guide: Guide
    channel: str


def _ok(data: object) -> JSONResponse:
    return JSONResponse({"code": 200, "msg": "success", "data": data})


def _error(message: str, code: int = 500) -> JSONResponse:
    return JSONResponse({"code": code, "error": message, "data": None})


class VuePortal:
    id = "vueportal"
    firewall = False

    def __init__(self, latency: tuple[int, int] = LATENCY_MS) -> None:
        self.latency = latency

    @staticmethod
    def _region(site: Site, city: City) -> str:
        """``?region=…`` on a shared site; nothing on a city's own site."""
        return "?" + urlencode({"region": city.region_code}) if len(site.city_ids) > 1 else ""

    def entry_path(self, site: Site, city: City, channel: str) -> str:
        region = self._region(site, city)
        return f"/h5/home{region}" if channel == "mobile" else f"/{region}#/home"

    def guide_path(self, site: Site, city: City, guide: Guide, channel: str) -> str:
        region, code = self._region(site, city), item_code(city, guide)
        return (
            f"/h5/guide/{code}{region}"
            if channel == "mobile"
            else f"/{region}#/guide?itemCode={code}"
        )

    def app(self, site: Site, world: World) -> ASGIApp:
        cities = world.site_cities(site.site_id)
        by_region = {c.region_code: c for c in cities}
        index: dict[tuple[str, str], _Entry] = {
            (channel, item_code(city, guide)): _Entry(city, guide, channel)
            for city in cities
            for channel, guides in city.guides.items()
            for guide in guides
        }
        version = _version()
        window = self.latency

        def config(city: City, channel: str) -> dict:
            province = city.province.removesuffix("省")
            region = self._region(site, city)
            return {
                "siteName": site.name,
                "cityName": city.name,
                "province": city.province,
                "areaCode": city.region_code,
                "region": region,
                "api": API,
                "channel": "H5" if channel == "mobile" else "PC",
                "pageSize": H5_PAGE_SIZE if channel == "mobile" else PC_PAGE_SIZE,
                "hdjl": "/hdjl/?" + urlencode({"region": city.region_code}),
                "consult": "/hdjl/consult/new",
                "pcHome": self.entry_path(site, city, "pc"),
                "h5Home": self.entry_path(site, city, "mobile"),
                "overlay": city.overlay if channel == "pc" else "none",
                "icp": _ICP.get(province[:2], f"{province[:1]}ICP备0{len(site.site_id)}20071号"),
                "sponsor": f"{city.name}市行政审批服务局",
            }

        def shell(channel: str):
            async def handler(request: Request) -> Response:
                code = request.query_params.get("region")
                city = by_region.get(code) if code else cities[0]
                if city is None:
                    return HTMLResponse("<h1>该地区暂未开通</h1>", status_code=404)
                template = "vueportal/h5.html" if channel == "mobile" else "vueportal/pc.html"
                return render(
                    template, site=site, city=city, config=config(city, channel), version=version
                )

            return handler

        async def asset(request: Request) -> Response:
            found = ASSETS.get(request.path_params["path"])
            if found is None:
                return Response("404 Not Found", status_code=404)
            name, media = found
            return Response(_asset(name), media_type=media, headers={"cache-control": "no-cache"})

        async def not_found(request: Request) -> Response:
            return Response("404 Not Found", status_code=404)

        def api(handle: Callable[[dict], Awaitable[Response]]):
            async def handler(request: Request) -> Response:
                raw = await request.body()
                await asyncio.sleep(latency_ms(request.url.path, raw, window) / 1000)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    return _error("请求参数格式错误", 400)
                return await handle(body)

            return handler

        def channel_of(body: dict) -> str:
            return "mobile" if str(body.get("terminal", "")).upper() == "H5" else "pc"

        def page_of(body: dict, found: list[Guide], city: City, keyword: str | None) -> dict:
            default = H5_PAGE_SIZE if channel_of(body) == "mobile" else PC_PAGE_SIZE
            page_no = max(int_param(body.get("pageNo"), 1), 1)
            page_size = min(max(int_param(body.get("pageSize"), default), 1), 50)
            shown = found[(page_no - 1) * page_size : page_no * page_size]
            return {
                "total": len(found),
                "pageNo": page_no,
                "pageSize": page_size,
                "records": [
                    {
                        "itemCode": item_code(city, g),
                        "itemName": g.name,
                        "highlightName": highlight(g.name, keyword or ""),
                        "deptName": g.dept,
                        "itemType": _item_type(g),
                        "isOnline": "1" if g.online_apply else "0",
                    }
                    for g in shown
                ],
            }

        async def item_search(body: dict) -> Response:
            city = by_region.get(str(body.get("areaCode", "")))
            if city is None:
                return _error("区划代码不存在")
            keyword = str(body.get("keyword") or "")
            found = search(city, channel_of(body), keyword)
            return _ok(page_of(body, found, city, keyword))

        async def item_list(body: dict) -> Response:
            city = by_region.get(str(body.get("areaCode", "")))
            if city is None:
                return _error("区划代码不存在")
            attr = "theme" if body.get("type") == "theme" else "category"
            name = str(body.get("name") or "")
            found = [g for g in city.guides.get(channel_of(body), ()) if getattr(g, attr) == name]
            return _ok(page_of(body, found, city, None))

        async def catalog(body: dict) -> Response:
            city = by_region.get(str(body.get("areaCode", "")))
            if city is None:
                return _error("区划代码不存在")
            guides = city.guides.get(channel_of(body), ())
            return _ok({"depts": _catalog(guides, "category"), "themes": _catalog(guides, "theme")})

        def entry_of(body: dict) -> _Entry | None:
            return index.get((channel_of(body), str(body.get("itemCode") or "")))

        async def item_detail(body: dict) -> Response:
            entry = entry_of(body)
            if entry is None:
                return JSONResponse(NOT_FOUND)
            if entry.guide.latency_ms:
                await asyncio.sleep(entry.guide.latency_ms / 1000)
            data = audit_item_detail(entry.city, entry.guide)
            del data["AUDIT_MATERIAL"]  # the materials have their own API
            data["AUDIT_ITEM"]["TASK_CODE"] = item_code(entry.city, entry.guide)
            data["AUDIT_ITEM"]["AREA_NAME"] = entry.city.name
            data["MATERIAL_COUNT"] = len(entry.guide.materials)
            return _ok(data)

        async def item_materials(body: dict) -> Response:
            entry = entry_of(body)
            if entry is None:
                return JSONResponse(NOT_FOUND)
            return _ok(audit_item_detail(entry.city, entry.guide)["AUDIT_MATERIAL"])

        return Starlette(
            routes=[
                Route(f"{API}/item/search", api(item_search), methods=["POST"]),
                Route(f"{API}/item/list", api(item_list), methods=["POST"]),
                Route(f"{API}/catalog", api(catalog), methods=["POST"]),
                Route(f"{API}/item/detail", api(item_detail), methods=["POST"]),
                Route(f"{API}/item/materials", api(item_materials), methods=["POST"]),
                Route("/api/{path:path}", not_found, methods=["GET", "POST"]),
                Route("/static/{path:path}", asset),
                Route("/favicon.ico", not_found),
                Route("/h5", shell("mobile")),
                Route("/h5/{path:path}", shell("mobile")),
                Route("/{path:path}", shell("pc")),
            ]
        )


ARCHETYPE = VuePortal()
