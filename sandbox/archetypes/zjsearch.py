"""The Zhejiang-style portal (浙江政务服务网 / 浙里办): one provincial site, the city chosen inside.

Behind an Alibaba-style firewall (cookie ``acw_sc__v2``, run by the shared layer). A 温馨提示
modal covers the home page until 我知道了 is pressed. The city comes from ``areacode=`` or,
once chosen, from the ``zj_areacode`` cookie; a city switcher on every page changes it.

* PC home ``/?areacode=…``; search ``/zjservice/item/search/index.do?keyword=…&areacode=…`` whose
  results live in an iframe ``/zjservice/item/search/results.do?…``; every result opens the
  detail in a new tab: ``/zjservice/item/detail/index.do?localInnerCode={uuid}``; category lists
  ``/zjservice/item/category.do?name=…`` (they list the guides search misses, too);
* the detail is "标签：值" paragraphs and a ``ul/li`` materials list; 网上办理深度 and the
  在线办理 button come from a JSONP call ``/zjservice/item/online.do?callback=…&localInnerCode=…``;
* H5 (浙里办 style) ``/zjmobile/?areacode=…``, ``/zjmobile/search``, ``/zjmobile/category``,
  ``/zjmobile/detail?localInnerCode=…`` (same tab, same JSONP with ``terminal=zlb``).

A guide element missing from the data has no paragraph at all; a placeholder is shown as given.
Some cities (``PROSE_LIMITS``) state both time limits in one sentence, as many guides do:
"本事项法定期限为20个工作日，承诺期限为5个工作日。" or, when a value is not a number of days,
"法定期限：即办，承诺期限：即办。".
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from sandbox.archetypes.common import bigrams, int_param
from sandbox.model import City, Guide, Site, World
from sandbox.templating import render

PAGE_SIZE = 10
AREA_COOKIE = "zj_areacode"

# (label, canonical element) in page order; 是否网办 comes by JSONP, 申请材料 is the list.
LABELS: tuple[tuple[str, str], ...] = (
    ("事项名称", "事项名称"),
    ("基本编码", "实施编码"),
    ("实施依据", "设定依据"),
    ("受理条件", "受理条件"),
    ("办事流程", "办理流程"),
    ("法定期限", "法定办结时限"),
    ("承诺期限", "承诺办结时限"),
    ("收费标准", "收费标准"),
    ("受理地点", "办理地点"),
    ("受理时间", "办理时间"),
    ("咨询方式", "咨询方式"),
    ("投诉渠道", "监督投诉方式"),
    ("到现场次数", "到办事现场次数"),
    ("结果名称", "办理结果"),
)
_CALLBACK = re.compile(r"[A-Za-z_$][\w$.]{0,63}")

# city -> how its guides word the two time limits in one sentence ("为": 法定期限为…, ":" colons)
PROSE_LIMITS: dict[str, str] = {"nanjing": "为", "hefei": ":"}


def detail_rows(city: City, guide: Guide) -> list[tuple[str, str]]:
    """The detail's (label, value) paragraphs in page order; ("", sentence) is one paragraph of
    prose holding both time limits, on the cities of ``PROSE_LIMITS`` that show both."""
    rows = [(lbl, guide.elements[el]) for lbl, el in LABELS if el in guide.elements]
    style = PROSE_LIMITS.get(city.city_id)
    legal, promise = guide.elements.get("法定办结时限"), guide.elements.get("承诺办结时限")
    if style is None or legal is None or promise is None:
        return rows
    if style == "为" and legal[:1].isdigit() and promise[:1].isdigit():
        sentence = f"本事项法定期限为{legal}，承诺期限为{promise}。"
    else:
        sentence = f"法定期限：{legal}，承诺期限：{promise}。"
    out: list[tuple[str, str]] = []
    for label, value in rows:
        if label == "法定期限":
            out.append(("", sentence))
        elif label != "承诺期限":
            out.append((label, value))
    return out


def inner_code(site: Site, guide: Guide) -> str:
    """The guide's localInnerCode: a uuid, stable across runs."""
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{site.site_id}.{guide.guide_id}"))


def search(guides: Iterable[Guide], keyword: str) -> list[Guide]:
    """A loose full-text search: names sharing at least half of the keyword's character pairs,
    the closest first (ties in the portal's own order), so near names crowd the target."""
    keyword = "".join(keyword.split())
    pool = [g for g in guides if g.searchable]
    if not keyword:
        return pool
    wanted = bigrams(keyword)
    scored = [(len(wanted & bigrams(g.name)) / len(wanted), n, g) for n, g in enumerate(pool)]
    return [g for score, _, g in sorted(scored, key=lambda s: (-s[0], s[1])) if score >= 0.5]


@dataclass(frozen=True)
class _Entry:
    city: City
    guide: Guide


class ZjSearchArchetype:
    id = "zjsearch"
    firewall = True

    def entry_path(self, site: Site, city: City, channel: str) -> str:
        base = "/zjmobile/" if channel == "mobile" else "/"
        return f"{base}?areacode={city.region_code}"

    def guide_path(self, site: Site, city: City, guide: Guide, channel: str) -> str:
        if channel == "mobile":
            return f"/zjmobile/detail?localInnerCode={inner_code(site, guide)}"
        return f"/zjservice/item/detail/index.do?localInnerCode={inner_code(site, guide)}"

    def app(self, site: Site, world: World) -> ASGIApp:
        cities = world.site_cities(site.site_id)
        by_code = {c.region_code: c for c in cities}
        index: dict[tuple[str, str], _Entry] = {}
        for city in cities:
            for channel, guides in city.guides.items():
                for guide in guides:
                    index[(channel, inner_code(site, guide))] = _Entry(city, guide)

        def chosen(request: Request) -> City | None:
            code = request.query_params.get("areacode") or request.cookies.get(AREA_COOKIE)
            return by_code.get(code) if code else cities[0]

        def page(request: Request, template: str, city: City, mobile: bool, **extra) -> Response:
            channel = "mobile" if mobile else "pc"
            categories = sorted({g.category for g in city.guides.get(channel, ())})
            response = render(
                f"zjsearch/{template}",
                site=site,
                city=city,
                cities=cities,
                mobile=mobile,
                categories=categories,
                prefix="/zjmobile" if mobile else "/zjservice/item",
                home=self.entry_path(site, city, channel),
                hdjl="/hdjl/?" + urlencode({"region": city.region_code}),
                **extra,
            )
            if request.query_params.get("areacode") == city.region_code:
                response.set_cookie(AREA_COOKIE, city.region_code, samesite="lax")
            return response

        def missing() -> HTMLResponse:
            return render("zjsearch/missing.html", status_code=404, site=site)

        def listing(city: City, channel: str, guides: list[Guide]) -> list[tuple[Guide, str]]:
            return [(g, self.guide_path(site, city, g, channel)) for g in guides]

        async def home(request: Request) -> Response:
            mobile = request.url.path.startswith("/zjmobile")
            city = chosen(request)
            if city is None:
                return missing()
            return page(request, "home.html", city, mobile)

        async def search_index(request: Request) -> Response:
            city = chosen(request)
            if city is None:
                return missing()
            keyword = request.query_params.get("keyword", "")
            frame = "/zjservice/item/search/results.do?" + urlencode(
                {"keyword": keyword, "areacode": city.region_code, "pageNo": 1}
            )
            return page(request, "search.html", city, False, keyword=keyword, frame=frame)

        async def search_results(request: Request) -> Response:
            mobile = request.url.path.startswith("/zjmobile")
            channel = "mobile" if mobile else "pc"
            city = chosen(request)
            if city is None:
                return missing()
            keyword = request.query_params.get("keyword", "")
            found = search(city.guides.get(channel, ()), keyword)
            page_no = max(int_param(request.query_params.get("pageNo"), 1), 1)
            pages = max((len(found) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
            shown = found[(page_no - 1) * PAGE_SIZE : page_no * PAGE_SIZE]
            return page(
                request,
                "mobile_search.html" if mobile else "results.html",
                city,
                mobile,
                keyword=keyword,
                total=len(found),
                results=listing(city, channel, shown),
                page_no=page_no,
                pages=pages,
            )

        async def category(request: Request) -> Response:
            mobile = request.url.path.startswith("/zjmobile")
            channel = "mobile" if mobile else "pc"
            city = chosen(request)
            if city is None:
                return missing()
            name = request.query_params.get("name", "")
            guides = [g for g in city.guides.get(channel, ()) if g.category == name]
            return page(
                request,
                "category.html",
                city,
                mobile,
                name=name,
                results=listing(city, channel, guides),
            )

        async def detail(request: Request) -> Response:
            mobile = request.url.path.startswith("/zjmobile")
            code = request.query_params.get("localInnerCode", "")
            entry = index.get(("mobile" if mobile else "pc", code))
            if entry is None:
                return missing()
            guide = entry.guide
            if guide.latency_ms:
                await asyncio.sleep(guide.latency_ms / 1000)
            rows = detail_rows(entry.city, guide)
            consult = "/hdjl/consult/new?" + urlencode(
                {"matter": guide.name, "region": entry.city.region_code}
            )
            return page(
                request,
                "detail.html",
                entry.city,
                mobile,
                guide=guide,
                rows=rows,
                consult=consult,
                code=code,
            )

        async def online(request: Request) -> Response:
            callback = request.query_params.get("callback", "")
            if not _CALLBACK.fullmatch(callback):
                return Response("invalid callback", status_code=400, media_type="text/plain")
            channel = "mobile" if request.query_params.get("terminal") == "zlb" else "pc"
            entry = index.get((channel, request.query_params.get("localInnerCode", "")))
            if entry is None:
                payload: dict = {"success": False, "msg": "事项不存在"}
            else:
                guide = entry.guide
                payload = {
                    "success": True,
                    "data": {
                        "isOnline": guide.online_apply,
                        "onlineUrl": f"/apply/{guide.guide_id}" if guide.online_apply else "",
                        "onlineDepth": guide.elements.get("是否网办"),
                    },
                }
            body = f"/**/{callback}({json.dumps(payload, ensure_ascii=False)});"
            return Response(body, media_type="application/javascript")

        return Starlette(
            routes=[
                Route("/", home),
                Route("/zjmobile/", home),
                Route("/zjservice/item/search/index.do", search_index),
                Route("/zjservice/item/search/results.do", search_results),
                Route("/zjmobile/search", search_results),
                Route("/zjservice/item/category.do", category),
                Route("/zjmobile/category", category),
                Route("/zjservice/item/detail/index.do", detail),
                Route("/zjmobile/detail", detail),
                Route("/zjservice/item/online.do", online),
            ]
        )


ARCHETYPE = ZjSearchArchetype()
