"""The Epoint archetype: server-rendered portals with tabbed guides (used by many cities).

PC: home ``/epointzwmhwz/pages/default/index`` (a city chooser on shared sites, a 温馨提示
overlay on some cities), site search (paginated, 10 a page), navigation by department or theme,
and the tabbed guide ``/epointzwmhwz/pages/legal/personaleventdetail_new?taskguid={uuid}``
whose tabs after the first are hidden panels switched by script.
H5 mobile: ``/h5/index``, ``/h5/search``, ``/h5/category``, ``/h5/list``, and ``/h5/guide`` with
collapsible sections. Labels vary between cities among the synonyms real portals use; some
cities (``GROUPED_MATERIALS``) draw the materials table as many real Epoint sites do: a 材料类别
column whose cells span the rows of their group, a header in two rows (材料要求 over 材料形式 /
份数 / 是否必要, 表格下载 over the blank form and the sample) and one cell across both download
columns when a material has neither.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
import zlib
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from sandbox.archetypes.common import bigrams
from sandbox.model import City, Guide, Material, Site, World
from sandbox.templating import render

BASE = "/epointzwmhwz/pages"
PAGE_SIZE = 10

# canonical element -> the labels Epoint portals show for it; each city uses one variant.
LABELS: dict[str, tuple[str, ...]] = {
    "事项名称": ("事项名称", "服务名称"),
    "实施编码": ("实施编码", "事项编码", "基本编码"),
    "设定依据": ("设定依据", "法律依据", "办理依据"),
    "受理条件": ("受理条件", "申请条件", "办理条件"),
    "申请材料": ("申报材料", "申请材料", "材料清单"),
    "办理流程": ("办理流程", "办事流程", "审批流程"),
    "法定办结时限": ("法定办结时限", "法定时限", "法定期限"),
    "承诺办结时限": ("承诺办结时限", "承诺时限", "承诺期限"),
    "收费标准": ("收费标准", "是否收费", "收费依据"),
    "办理地点": ("办理地点", "办公地址", "受理地点"),
    "办理时间": ("办理时间", "办公时间", "受理时间"),
    "咨询方式": ("咨询方式", "咨询电话", "联系电话"),
    "监督投诉方式": ("监督投诉方式", "投诉电话", "监督电话"),
    "到办事现场次数": ("到办事现场次数", "到现场次数", "跑动次数", "到现场办理的次数"),
    "是否网办": ("是否网办", "网上办理深度", "办理形式"),
    "办理结果": ("办理结果", "审批结果", "结果名称"),
}

# (tab id, tab title, canonical elements in the tab); 申请材料 renders as the materials table
TABS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "jbxx",
        "基本信息",
        ("事项名称", "实施编码", "法定办结时限", "承诺办结时限", "是否网办", "办理结果"),
    ),
    ("bldd", "办理地点/时间", ("办理地点", "办理时间")),
    ("sqtj", "申请条件", ("受理条件",)),
    ("sbcl", "申报材料", ("申请材料",)),
    ("bllc", "办理流程", ("办理流程",)),
    ("sfbz", "收费标准", ("收费标准",)),
    ("sdyj", "设定依据", ("设定依据",)),
    ("zxfs", "咨询方式", ("咨询方式",)),
    ("jdts", "监督投诉方式", ("监督投诉方式",)),
    ("dxccs", "到现场大厅次数", ("到办事现场次数",)),
)


# Cities whose materials table has a 材料类别 column spanning rows and a two-row header.
GROUPED_MATERIALS = frozenset({"shenyang", "wuhan", "xian", "xiamen", "qingdao"})


def material_groups(guide: Guide) -> list[tuple[str, list[Material]]]:
    """The guide's materials as consecutive runs of one category (their order kept), the
    category as a grouped table's 材料类别 cell shows it over its run."""

    def category(m: Material) -> str:
        if m.form_url:
            return "申请表格"
        return "证照批文" if "政府部门" in m.source else "其他材料"

    return [(c, list(ms)) for c, ms in itertools.groupby(guide.materials, key=category)]


def labels_for(city: City) -> dict[str, str]:
    """The label this city's portal shows for each canonical element."""
    variant = zlib.crc32(city.city_id.encode())
    return {k: v[variant % len(v)] for k, v in LABELS.items()}


def task_guid(site: Site, guide: Guide) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox/{site.site_id}/{guide.guide_id}"))


def search(city: City, channel: str, keyword: str) -> list[Guide]:
    """Searchable guides matching the keyword: exact containment first, then loose matches
    (shared two-character words), or the other way round on noise_first cities."""
    keyword = keyword.strip()
    if not keyword:
        return []
    wanted = bigrams(keyword)
    exact, loose = [], []
    for guide in city.guides.get(channel, ()):
        if not guide.searchable:
            continue
        if keyword in guide.name:
            exact.append(guide)
        elif wanted and len(wanted & bigrams(guide.name)) * 3 >= len(wanted):
            loose.append(guide)
    return loose + exact if city.noise_first else exact + loose


@dataclass(frozen=True)
class _Entry:
    city: City
    guide: Guide
    channel: str


class Epoint:
    id = "epoint"
    firewall = False

    def entry_path(self, site: Site, city: City, channel: str) -> str:
        # no region: a shared portal (fjzwfw) lets the citizen pick the city on arrival
        return f"{BASE}/default/index" if channel == "pc" else "/h5/index"

    def guide_path(self, site: Site, city: City, guide: Guide, channel: str) -> str:
        guid = task_guid(site, guide)
        if channel == "pc":
            return f"{BASE}/legal/personaleventdetail_new?taskguid={guid}"
        return f"/h5/guide?taskguid={guid}"

    def app(self, site: Site, world: World) -> ASGIApp:
        cities = world.site_cities(site.site_id)
        shared = len(cities) > 1
        by_guid = {
            task_guid(site, g): _Entry(c, g, ch)
            for c in cities
            for ch, gs in c.guides.items()
            for g in gs
        }

        def city_of(request: Request) -> City | None:
            code = request.query_params.get("region")
            for c in cities:
                if c.region_code == code:
                    return c
            return None if shared else cities[0]

        def ctx(request: Request, city: City, channel: str, **extra) -> dict:
            return {
                "site": site,
                "city": city,
                "mobile": channel == "mobile",
                "q": urlencode({"region": city.region_code}),
                "base": BASE if channel == "pc" else "/h5",
                "home": self.entry_path(site, city, channel)
                + "?"
                + urlencode({"region": city.region_code}),
                "guide_url": lambda g: self.guide_path(site, city, g, channel),
                **extra,
            }

        def chooser(channel: str) -> Response:
            path = f"{BASE}/default/index" if channel == "pc" else "/h5/index"
            return render(
                "epoint/chooser.html",
                site=site,
                cities=cities,
                path=path,
                mobile=channel == "mobile",
            )

        def index(channel: str):
            async def handler(request: Request) -> Response:
                city = city_of(request)
                if city is None:
                    return chooser(channel)
                return render("epoint/index.html", **ctx(request, city, channel))

            return handler

        def results(channel: str):
            async def handler(request: Request) -> Response:
                city = city_of(request) or cities[0]
                keyword = request.query_params.get("keyword", "")
                try:
                    page = max(1, int(request.query_params.get("page", "1")))
                except ValueError:
                    page = 1
                found = search(city, channel, keyword)
                pages = max(1, -(-len(found) // PAGE_SIZE))
                shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]

                def page_url(n: int) -> str:
                    return "?" + urlencode(
                        {"region": city.region_code, "keyword": keyword, "page": n}
                    )

                return render(
                    "epoint/search.html",
                    **ctx(
                        request,
                        city,
                        channel,
                        keyword=keyword,
                        results=shown,
                        total=len(found),
                        page=page,
                        pages=pages,
                        prev_url=page_url(page - 1) if page > 1 else None,
                        next_url=page_url(page + 1) if page < pages else None,
                    ),
                )

            return handler

        def categories(channel: str, by: str):
            async def handler(request: Request) -> Response:
                city = city_of(request) or cities[0]
                guides = city.guides.get(channel, ())
                names = sorted({getattr(g, by) for g in guides if getattr(g, by)})
                return render(
                    "epoint/categories.html",
                    **ctx(request, city, channel, by=by, names=names),
                )

            return handler

        def listing(channel: str):
            async def handler(request: Request) -> Response:
                city = city_of(request) or cities[0]
                category = request.query_params.get("category")
                theme = request.query_params.get("theme")
                guides = [
                    g
                    for g in city.guides.get(channel, ())
                    if (category and g.category == category) or (theme and g.theme == theme)
                ]
                return render(
                    "epoint/list.html",
                    **ctx(request, city, channel, title=category or theme or "", guides=guides),
                )

            return handler

        def detail(channel: str):
            async def handler(request: Request) -> Response:
                entry = by_guid.get(request.query_params.get("taskguid", ""))
                if entry is None or entry.channel != channel:
                    return render(
                        "epoint/notfound.html",
                        status_code=404,
                        site=site,
                        mobile=channel == "mobile",
                    )
                if entry.guide.latency_ms:
                    await asyncio.sleep(entry.guide.latency_ms / 1000)
                labels = labels_for(entry.city)
                template = "epoint/guide.html" if channel == "pc" else "epoint/h5_guide.html"
                return render(
                    template,
                    **ctx(
                        request,
                        entry.city,
                        channel,
                        guide=entry.guide,
                        tabs=TABS,
                        labels=labels,
                        groups=(
                            material_groups(entry.guide)
                            if entry.city.city_id in GROUPED_MATERIALS
                            else None
                        ),
                        consult_url="/hdjl/consult/new?"
                        + urlencode({"matter": entry.guide.name, "region": entry.city.region_code}),
                    ),
                )

            return handler

        async def root(request: Request) -> Response:
            return RedirectResponse(f"{BASE}/default/index", status_code=302)

        return Starlette(
            routes=[
                Route("/", root),
                Route(f"{BASE}/default/index", index("pc")),
                Route(f"{BASE}/search/searchresult", results("pc")),
                Route(f"{BASE}/legal/deptlist", categories("pc", "category")),
                Route(f"{BASE}/legal/themelist", categories("pc", "theme")),
                Route(f"{BASE}/legal/eventlist", listing("pc")),
                Route(f"{BASE}/legal/personaleventdetail_new", detail("pc")),
                Route("/h5/index", index("mobile")),
                Route("/h5/search", results("mobile")),
                Route("/h5/category", categories("mobile", "category")),
                Route("/h5/theme", categories("mobile", "theme")),
                Route("/h5/list", listing("mobile")),
                Route("/h5/guide", detail("mobile")),
            ]
        )


ARCHETYPE = Epoint()
