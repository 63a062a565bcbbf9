"""The Guangdong-style portal (广东政务服务网; Hunan uses the same schema), client-rendered.

Several cities are regions of one site, chosen by ``region=``. Pages are empty shells that fill
themselves from a JSON API with the real field names of ``/work/shared/portals.md``:

* home ``/?region=…``; H5 ``/portal/h5/?region=…``
* search page ``/portal/v2/search?region=…&keyword=…`` (H5 ``/portal/h5/search``), filled from
  ``POST /portal/item/getCommonAuditItem`` (``TERMINAL: "H5"`` selects the mobile guides)
* theme navigation ``/portal/v2/theme?region=…&theme=…`` (H5 ``/portal/h5/theme``): lists every
  guide of a category, the ones site search misses too
* guide ``/portal/guide/{TASK_CODE}`` (H5 ``/portal/h5/guide/{TASK_CODE}``), filled after a delay
  from ``GET /portal/api/v2/item-event/getAuditItemDetailCur?TASK_CODE=…`` (``&TERMINAL=H5``).

Every label of the guide is always on the page; an element the data lacks is a blank value.
On some cities' PC pages (``WIDE_TABLES``) the guide tables hold two label/value pairs a row
(th, td, th, td), as Element's bordered el-descriptions and many provincial portals draw them.
Not found is HTTP 200 with ``{"errCode": 0, "msg": "未找到匹配的信息"}``; every tenth detail
request of a site answers an HTML 502 page in place of JSON (the page's script retries once).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from sandbox.archetypes.common import bigrams, int_param
from sandbox.model import City, Guide, Site, World
from sandbox.templating import render

PAGE_SIZE = 10
ERROR_EVERY = 10  # every n-th detail request of a site answers an HTML 502 page
NOT_FOUND = {"errCode": 0, "msg": "未找到匹配的信息"}

# (section, [(label, field key of the page script)]): every label is always rendered.
SECTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "基本信息",
        (
            ("事项名称", "CATANAME"),
            ("业务办理项编码", "TASK_HANDLE_ITEM"),
            ("事项类型", "TASK_TYPE_TEXT"),
            ("实施主体", "DEPT_NAME"),
            ("办件类型", "PROJECT_TYPE_TEXT"),
            ("法定时限", "ANTICIPATE"),
            ("承诺时限", "PROMISE"),
            ("到办事现场次数", "LIMIT_SCENE_NUM"),
            ("是否网办", "ONLINECHECK_TEXT"),
            ("审批结果", "RESULT_NAME"),
        ),
    ),
    ("受理标准", (("受理条件", "ACCEPT_CONDITION"),)),
    ("办理流程", (("办理流程", "FLOW"),)),
    ("申请材料", ()),
    ("咨询监督", (("咨询电话", "LINK_TEL"), ("投诉电话", "TSTEL"))),
    (
        "窗口办理",
        (("窗口名称", "WINDOW_NAME"), ("办理地点", "ADDRESS"), ("办理时间", "OFFICE_HOUR")),
    ),
    ("收费项目信息", (("是否收费", "IS_FEE_TEXT"),)),
    ("法律依据", (("设定依据", "LAW"),)),
)

# Cities whose PC guide tables hold two label/value pairs a row.
WIDE_TABLES = frozenset({"changsha", "nanning", "haikou"})

_DAYS = re.compile(r"(\d+)(个工作日|工作日|个自然日|自然日|天|日|个月)")
_ICP = {"广东": "粤ICP备17076233号", "湖南": "湘ICP备05002133号"}


def task_code(city: City, guide: Guide) -> str:
    """The guide's TASK_CODE: stable, unique within the site, shaped like a real one."""
    digest = hashlib.sha1(guide.guide_id.encode()).hexdigest().upper()
    return f"11{city.region_code[:6]}MB{digest[:10]}4442{int(digest[10:14], 16) % 1000:03d}"


def _days(value: str | None) -> tuple[int | str | None, str]:
    """Split "20个工作日" into (20, "个工作日") like the real DAY + TYPE_TEXT fields; a value
    that does not fit stays whole in the DAY field, so DAY + TYPE_TEXT renders it unchanged."""
    if value is None:
        return None, ""
    found = _DAYS.fullmatch(value)
    if found:
        return int(found.group(1)), found.group(2)
    return value, ""


def audit_item_detail(city: City, guide: Guide) -> dict:
    """The ``data`` of getAuditItemDetailCur for one guide (null where the data has none)."""
    e = guide.elements
    anticipate_day, anticipate_type = _days(e.get("法定办结时限"))
    promise_day, promise_type = _days(e.get("承诺办结时限"))
    flow = e.get("办理流程")
    lobby = []
    if "办理地点" in e or "办理时间" in e:
        lobby.append(
            {
                "WINDOW_NAME": f"{guide.dept}综合受理窗口",
                "ADDRESS": e.get("办理地点"),
                "OFFICE_HOUR": e.get("办理时间"),
                "LINK_PHONE": e.get("咨询方式"),
            }
        )
    return {
        "AUDIT_ITEM": {
            "TASK_NAME": guide.name,
            "CATANAME": e.get("事项名称"),
            "TASK_CODE": task_code(city, guide),
            "TASK_HANDLE_ITEM": e.get("实施编码"),
            "TASK_TYPE_TEXT": "公共服务" if guide.category == "社会保障" else "行政许可",
            "DEPT_NAME": guide.dept,
            "AREA_CODE": city.region_code,
            "PROMISE_DAY": promise_day,
            "PROMISE_TYPE_TEXT": promise_type,
            "ANTICIPATE_DAY": anticipate_day,
            "ANTICIPATE_TYPE_TEXT": anticipate_type,
            "IS_FEE_TEXT": e.get("收费标准"),
            "LINK_TEL": e.get("咨询方式"),
            "TSTEL": e.get("监督投诉方式"),
            "ACCEPT_CONDITION": e.get("受理条件"),
            "LIMIT_SCENE_NUM": e.get("到办事现场次数"),
            "WBSD_LEVEL_TEXT": "",
            "ONLINECHECK_TEXT": e.get("是否网办"),
            "TRANSACT_WEB_URL": f"/apply/{guide.guide_id}" if guide.online_apply else "",
            # 即办 / 当场办结 (no number of days) is a 即办件 like a promise of 0 days
            "PROJECT_TYPE_TEXT": (
                "承诺件" if isinstance(promise_day, int) and promise_day > 0 else "即办件"
            ),
            "CATEGORY_NAME": guide.category,
        },
        "AUDIT_MATERIAL": [
            {
                "MATERIAL_NAME": m.name,
                "SOURCE_TYPE_TEXT": m.source,
                "IS_NEED_TEXT": m.required,
                "ZZHDZB_TEXT": m.media,
                "PAGE_NUM": m.copies,
                "FORM_GUID": _guid(m.form_url),
                "FORM_URL": m.form_url or "",
                "EXAMPLE_GUID": _guid(m.sample_url),
                "EXAMPLE_URL": m.sample_url or "",
            }
            for m in guide.materials
        ],
        "AUDIT_ITEM_FLOWSHEET": (
            []
            if flow is None
            else [
                {"STEP_NO": n, "STEP_NAME": part} for n, part in enumerate(flow.split("→"), start=1)
            ]
        ),
        "AUDIT_ITEM_RESULT": {
            "RESULT_NAME": e.get("办理结果"),
            "RESULT_TYPE_TEXT": "证照" if guide.category != "社会保障" else "其他",
        },
        "AUDIT_CATALOG_LOBBY": lobby,
        "AUDIT_QA": [],
        "LAW": [] if "设定依据" not in e else [{"LAW_NAME": e["设定依据"], "LAW_ITEM": ""}],
    }


def _guid(path: str | None) -> str:
    return hashlib.md5(path.encode()).hexdigest() if path else ""


def search(guides: Iterable[Guide], keyword: str) -> list[Guide]:
    """The portal's search: whole-keyword hits first, then names sharing most of the keyword's
    character pairs (a segmenting search engine), each group in the portal's own order."""
    keyword = "".join(keyword.split())
    pool = [g for g in guides if g.searchable]
    if not keyword:
        return pool
    exact = [g for g in pool if keyword in g.name]
    wanted = bigrams(keyword)
    fuzzy = [
        g for g in pool if g not in exact and len(wanted & bigrams(g.name)) >= 0.6 * len(wanted)
    ]
    return exact + fuzzy


@dataclass(frozen=True)
class _Entry:
    city: City
    guide: Guide
    channel: str


def _chrome(site: Site, city: City) -> dict:
    province = city.province.removesuffix("省")
    return {
        "site": site,
        "city": city,
        "cities": None,
        "icp": _ICP.get(province, f"{province[:1]}ICP备0{len(site.site_id)}10023号"),
        "sponsor": f"{city.province}政务服务数据管理局",
        "hdjl": "/hdjl/?" + urlencode({"region": city.region_code}),
    }


class JsonApiArchetype:
    id = "jsonapi"
    firewall = False

    def entry_path(self, site: Site, city: City, channel: str) -> str:
        base = "/portal/h5/" if channel == "mobile" else "/"
        return f"{base}?region={city.region_code}"

    def guide_path(self, site: Site, city: City, guide: Guide, channel: str) -> str:
        base = "/portal/h5/guide/" if channel == "mobile" else "/portal/guide/"
        return base + task_code(city, guide)

    def app(self, site: Site, world: World) -> ASGIApp:
        cities = world.site_cities(site.site_id)
        by_region = {c.region_code: c for c in cities}
        index: dict[tuple[str, str], _Entry] = {}
        for city in cities:
            for channel, guides in city.guides.items():
                for guide in guides:
                    index[(channel, task_code(city, guide))] = _Entry(city, guide, channel)
        detail_requests = itertools.count(1)

        def region_city(request: Request) -> City | None:
            code = request.query_params.get("region")
            return by_region.get(code) if code else cities[0]

        def context(request: Request, city: City, mobile: bool) -> dict:
            ctx = _chrome(site, city)
            ctx["cities"] = cities
            ctx["mobile"] = mobile
            ctx["prefix"] = "/portal/h5" if mobile else "/portal/v2"
            ctx["home"] = ("/portal/h5/" if mobile else "/") + f"?region={city.region_code}"
            ctx["categories"] = sorted({g.category for g in city.guides.get(_ch(mobile), ())})
            return ctx

        def unknown_region() -> HTMLResponse:
            return HTMLResponse("<h1>该地区暂未开通</h1>", status_code=404)

        async def home(request: Request) -> Response:
            mobile = request.url.path.startswith("/portal/h5")
            city = region_city(request)
            if city is None:
                return unknown_region()
            return render("jsonapi/home.html", **context(request, city, mobile))

        async def search_page(request: Request) -> Response:
            mobile = request.url.path.startswith("/portal/h5")
            city = region_city(request)
            if city is None:
                return unknown_region()
            keyword = request.query_params.get("keyword", "")
            return render("jsonapi/search.html", keyword=keyword, **context(request, city, mobile))

        async def theme_page(request: Request) -> Response:
            mobile = request.url.path.startswith("/portal/h5")
            city = region_city(request)
            if city is None:
                return unknown_region()
            theme = request.query_params.get("theme")
            guides = [g for g in city.guides.get(_ch(mobile), ()) if g.category == theme]
            links = [(g, self.guide_path(site, city, g, _ch(mobile))) for g in guides]
            return render(
                "jsonapi/theme.html", theme=theme, links=links, **context(request, city, mobile)
            )

        async def guide_page(request: Request) -> Response:
            mobile = request.url.path.startswith("/portal/h5")
            code = request.path_params["task_code"]
            entry = index.get((_ch(mobile), code))
            city = entry.city if entry else cities[0]
            return render(
                "jsonapi/guide.html",
                task_code=code,
                sections=SECTIONS,
                per_row=2 if not mobile and city.city_id in WIDE_TABLES else 1,
                **context(request, city, mobile),
            )

        async def item_list(request: Request) -> Response:
            try:
                body = await request.json()
            except ValueError:
                body = {}
            if not isinstance(body, dict):
                body = {}
            channel = "mobile" if str(body.get("TERMINAL", "")).upper() == "H5" else "pc"
            city = by_region.get(str(body.get("AREA_CODE", "")))
            found = (
                search(city.guides.get(channel, ()), str(body.get("KEY_WORD", ""))) if city else []
            )
            page_num = max(int_param(body.get("pageNum"), 1), 1)
            page_size = min(max(int_param(body.get("pageSize"), PAGE_SIZE), 1), 50)
            page = found[(page_num - 1) * page_size : page_num * page_size]
            rows = [
                {
                    "TASK_CODE": task_code(city, g),
                    "CATANAME": g.name,
                    "DEPT_NAME": g.dept,
                    "TASK_TYPE_TEXT": "公共服务" if g.category == "社会保障" else "行政许可",
                    "AREA_CODE": city.region_code,
                    "IS_ONLINE": "1" if g.online_apply else "0",
                }
                for g in page
            ]
            return JSONResponse(
                {
                    "data": {"CUSTOM": {"AUDIT_ITEMLIST": rows, "TOTAL": len(found)}},
                    "msg": "操作成功",
                }
            )

        async def item_detail(request: Request) -> Response:
            if next(detail_requests) % ERROR_EVERY == 0:
                return _html_error()
            channel = "mobile" if request.query_params.get("TERMINAL", "").upper() == "H5" else "pc"
            entry = index.get((channel, request.query_params.get("TASK_CODE", "")))
            if entry is None:
                return JSONResponse(NOT_FOUND)
            if entry.guide.latency_ms:
                await asyncio.sleep(entry.guide.latency_ms / 1000)
            return JSONResponse(
                {"data": audit_item_detail(entry.city, entry.guide), "msg": "操作成功"}
            )

        return Starlette(
            routes=[
                Route("/", home),
                Route("/portal/h5/", home),
                Route("/portal/v2/search", search_page),
                Route("/portal/h5/search", search_page),
                Route("/portal/v2/theme", theme_page),
                Route("/portal/h5/theme", theme_page),
                Route("/portal/guide/{task_code}", guide_page),
                Route("/portal/h5/guide/{task_code}", guide_page),
                Route("/portal/item/getCommonAuditItem", item_list, methods=["POST"]),
                Route("/portal/api/v2/item-event/getAuditItemDetailCur", item_detail),
            ]
        )


def _ch(mobile: bool) -> str:
    return "mobile" if mobile else "pc"


def _html_error() -> HTMLResponse:
    return HTMLResponse(
        "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
        "</h1></center><hr><center>nginx</center></body></html>",
        status_code=502,
    )


ARCHETYPE = JsonApiArchetype()
