"""The Beijing-style portal (北京市政务服务网): a list API plus static guide pages, behind a web
firewall (the shared layer runs the script challenge; this module only renders).

* home ``/`` (``?locationCode=…`` when the site has several cities) with a 搜索 box whose results
  come by XHR from ``GET /guideservice/pubtask/getTaskList?serverType=1001&locationCode=…&
  keyword=…&pageNum=1`` into the same page, and a category tree that lists every guide;
* static guide pages ``/pubtask/task/1/{locationCode}/{uuid}.html``: ``dl/dt/dd`` pairs, a
  materials table, long texts folded under 展开 and extra materials under 更多;
* H5 under ``/wap/``: ``/wap/?locationCode=…``, ``/wap/search?keyword=…`` (server-rendered list),
  ``/wap/category?name=…``, ``/wap/pubtask/task/1/{locationCode}/{uuid}.html``.

A guide element missing from the data has no ``dt`` at all; a placeholder is shown as given.

Some cities (``GB_PAGES``) serve their static guide pages the way many old portals still do:
declared ``gb2312`` (Content-Type and ``<meta>``) but written by a GB18030 encoder, with a
受理窗口 line naming a street or a person in characters GB2312 lacks (镕, 堃, 昇, 赟, 䶮).
A reader that takes the declaration literally shows replacement characters there; a browser
(and govprobe) reads the GB family as GB18030.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from sandbox.archetypes.common import int_param
from sandbox.model import City, Guide, Site, World
from sandbox.templating import render

PAGE_SIZE = 10
VISIBLE_MATERIALS = 3  # more rows than this fold under 更多

# (block, [(label, canonical element)]), in page order; 申报材料 is the materials table.
BLOCKS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "基本信息",
        (
            ("事项名称", "事项名称"),
            ("实施编码", "实施编码"),
            ("办理形式", "是否网办"),
            ("法定办结时限", "法定办结时限"),
            ("承诺办结时限", "承诺办结时限"),
            ("到现场办理的次数", "到办事现场次数"),
            ("收费标准", "收费标准"),
            ("审批结果", "办理结果"),
        ),
    ),
    ("申请条件", (("申请条件", "受理条件"),)),
    ("办理流程", (("办理流程", "办理流程"),)),
    (
        "办理地点及时间",
        (("办公地址", "办理地点"), ("办公时间", "办理时间")),
    ),
    ("咨询监督", (("咨询电话", "咨询方式"), ("监督电话", "监督投诉方式"))),
    ("设定依据", (("设定依据", "设定依据"),)),
)
FOLDED = frozenset({"设定依据", "受理条件"})  # long texts shown folded under 展开

# city -> the 受理窗口 its gb2312-declared guide pages name (characters outside GB2312 in it)
GB_PAGES: dict[str, str] = {
    "tianjin": "和平区昇平街道政务服务中心综合受理窗口（首席代表：王镕）",
    "zhengzhou": "郑东新区堃华路市民之家一楼综合窗口（首席代表：刘䶮、张赟）",
}


def task_uuid(site: Site, guide: Guide) -> str:
    """The guide's uuid in its static page's name (32 hex digits, stable)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{site.site_id}/{guide.guide_id}").hex


def search(guides: Iterable[Guide], keyword: str) -> list[Guide]:
    """The list API's keyword filter: every space-separated word must appear in the name."""
    words = keyword.split()
    return [g for g in guides if g.searchable and all(w in g.name for w in words)]


@dataclass(frozen=True)
class _Entry:
    city: City
    guide: Guide


class ListFwArchetype:
    id = "listfw"
    firewall = True

    def entry_path(self, site: Site, city: City, channel: str) -> str:
        base = "/wap/" if channel == "mobile" else "/"
        if len(site.city_ids) > 1:
            return f"{base}?locationCode={city.region_code}"
        return base

    def guide_path(self, site: Site, city: City, guide: Guide, channel: str) -> str:
        base = "/wap/pubtask" if channel == "mobile" else "/pubtask"
        return f"{base}/task/1/{city.region_code}/{task_uuid(site, guide)}.html"

    def app(self, site: Site, world: World) -> ASGIApp:
        cities = world.site_cities(site.site_id)
        by_code = {c.region_code: c for c in cities}
        index: dict[tuple[str, str, str], _Entry] = {}
        for city in cities:
            for channel, guides in city.guides.items():
                for guide in guides:
                    index[(channel, city.region_code, task_uuid(site, guide))] = _Entry(city, guide)

        def chosen(request: Request) -> City | None:
            code = request.query_params.get("locationCode")
            return by_code.get(code) if code else cities[0]

        def context(city: City, mobile: bool) -> dict:
            channel = "mobile" if mobile else "pc"
            tree: dict[str, list[tuple[Guide, str]]] = {}
            for guide in city.guides.get(channel, ()):
                tree.setdefault(guide.category, []).append(
                    (guide, self.guide_path(site, city, guide, channel))
                )
            province = city.province.removesuffix("市").removesuffix("省")
            return {
                "site": site,
                "city": city,
                "cities": cities,
                "mobile": mobile,
                "tree": tree,
                "home": self.entry_path(site, city, channel),
                "hdjl": "/hdjl/?" + urlencode({"region": city.region_code}),
                "sponsor": f"{city.province}人民政府办公厅",
                "icp": f"{province[:1]}ICP备05060933号",
            }

        def missing() -> HTMLResponse:
            return render("listfw/missing.html", status_code=404)

        async def home(request: Request) -> Response:
            mobile = request.url.path.startswith("/wap")
            city = chosen(request)
            if city is None:
                return missing()
            return render("listfw/home.html", **context(city, mobile))

        async def wap_search(request: Request) -> Response:
            city = chosen(request)
            if city is None:
                return missing()
            keyword = request.query_params.get("keyword", "")
            found = [
                (g, self.guide_path(site, city, g, "mobile"))
                for g in search(city.guides.get("mobile", ()), keyword)
            ]
            return render(
                "listfw/wap_search.html", keyword=keyword, found=found, **context(city, True)
            )

        async def wap_category(request: Request) -> Response:
            city = chosen(request)
            if city is None:
                return missing()
            name = request.query_params.get("name", "")
            return render("listfw/wap_category.html", name=name, **context(city, True))

        async def task_list(request: Request) -> Response:
            q = request.query_params
            city = by_code.get(q.get("locationCode", ""))
            channel = "mobile" if q.get("source") == "wap" else "pc"
            found = search(city.guides.get(channel, ()), q.get("keyword", "")) if city else []
            page_num = max(int_param(q.get("pageNum"), 1), 1)
            page = found[(page_num - 1) * PAGE_SIZE : page_num * PAGE_SIZE]
            rows = [
                {
                    "taskName": g.name,
                    "taskUrl": self.guide_path(site, city, g, channel),
                    "deptName": g.dept,
                    "taskCode": task_uuid(site, g),
                }
                for g in page
            ]
            return JSONResponse(
                {
                    "code": 200,
                    "msg": "success",
                    "data": {"list": rows, "total": len(found), "pageNum": page_num},
                }
            )

        async def guide_page(request: Request) -> Response:
            mobile = request.url.path.startswith("/wap")
            key = (
                "mobile" if mobile else "pc",
                request.path_params["location"],
                request.path_params["uuid"],
            )
            entry = index.get(key)
            if entry is None:
                return missing()
            guide = entry.guide
            if guide.latency_ms:
                await asyncio.sleep(guide.latency_ms / 1000)
            blocks = [
                (
                    title,
                    [
                        (label, guide.elements[element], element in FOLDED)
                        for label, element in rows
                        if element in guide.elements
                    ],
                )
                for title, rows in BLOCKS
            ]
            consult = "/hdjl/consult/new?" + urlencode(
                {"matter": guide.name, "region": entry.city.region_code}
            )
            window = GB_PAGES.get(entry.city.city_id)
            page = render(
                "listfw/guide.html",
                guide=guide,
                blocks=blocks,
                consult=consult,
                visible_materials=VISIBLE_MATERIALS,
                window=window,
                charset="gb2312" if window else "utf-8",
                **context(entry.city, mobile),
            )
            if window is None:
                return page
            return Response(
                bytes(page.body).decode("utf-8").encode("gb18030"),
                media_type="text/html; charset=gb2312",
            )

        return Starlette(
            routes=[
                Route("/", home),
                Route("/wap/", home),
                Route("/wap/search", wap_search),
                Route("/wap/category", wap_category),
                Route("/guideservice/pubtask/getTaskList", task_list),
                Route("/pubtask/task/1/{location}/{uuid}.html", guide_page),
                Route("/wap/pubtask/task/1/{location}/{uuid}.html", guide_page),
            ]
        )


ARCHETYPE = ListFwArchetype()
