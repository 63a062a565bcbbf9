"""A 12345 / 政民互动 letter system on an origin of its own: some cities' 互动交流.

Real cities often keep consultations and complaints on a separate 12345 site rather than on the
service portal: the portal's 互动交流 / 我要咨询 lead there (here: ``sandbox/interaction.py``
redirects its /hdjl pages to this origin). It is built unlike the portals' forms, as such
sites are, so that the journeys meet what they meet in reality:

* a unified login (统一身份认证) with tabs 个人 / 法人, opening on 法人, inputs with placeholders
  only, and a ``type=button`` 登录 that posts by ``fetch`` and returns to ``redirect`` by script;
* a letter form laid out in a ``<table>`` with pinyin field names (xjbt 信件标题, xjnr 信件内容,
  xm 姓名, lxdh 联系电话, ...), a 信件类型 select (咨询 / 投诉 / 建议 / 求助), a required
  所属区域 select of the city's districts, a required 是否公开 radio group, a required
  agreement box (我已阅读并同意《…须知》), and a rule the page does not show: a complaint must
  name the 被反映单位. Validation is server-side: the form comes back with red messages and the
  values entered;
* an identical letter (same city, user, title and content) sent again within
  ``DUPLICATE_WINDOW`` on the sandbox clock is refused (请勿重复提交) and never recorded twice;
* a receipt with 信件编号, 查询码 and 提交时间 as plain text; 我的信件 as cards (not a table),
  each leading to a detail page with 答复单位 / 答复时间 / 答复内容, the reply visible once the
  sandbox clock passes the city's delay in working days.

Routes, per city under its region code: ``/{code}/`` (home), ``/{code}/login``,
``/{code}/api/login``, ``/{code}/logout``, ``/{code}/xj/write``, ``/{code}/xj/notice``,
``/{code}/xj/mine``, ``/{code}/xj/detail/{ticket}``, ``/{code}/pj`` (好差评, where the city
rates); ``/captcha/{cid}.svg``. Submissions land in ``state.submissions`` like the portals'.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from sandbox.clock import shown
from sandbox.interaction import (
    PASSWORD,
    USERNAME,
    captcha_answer,
    captcha_response,
    infer_matter,
    login_token,
    scenario_of,
)
from sandbox.model import HOSTILE_MARKUP, City, LetterSite
from sandbox.state import SandboxState, Submission
from sandbox.templating import render
from sandbox.workdays import add_working_days

# 信件类型 as the form offers them -> the submission's kind; suggestions and requests for help
# are answered as consultations are
LETTER_TYPES = {"咨询": "consult", "投诉": "complaint", "建议": "suggestion", "求助": "help"}
PREFIX = {"consult": "ZX", "complaint": "TS", "suggestion": "JY", "help": "QZ"}
TYPE_NAMES = {kind: name for name, kind in LETTER_TYPES.items()}
PUBLIC = ("公开", "不公开")
DUPLICATE_WINDOW = timedelta(minutes=10)
PAGES = {
    "home": "/",
    "login": "/login",
    "write": "/xj/write",
    "mine": "/xj/mine",
    "rating": "/pj",
}


def letters_url(state: SandboxState, city: City, page: str, **query: str) -> str:
    """The absolute address of one of the city's letter-system pages (its own origin)."""
    assert city.letters is not None, f"{city.city_id} has no letter system"
    path = f"/{city.region_code}{PAGES[page]}"
    return state.url(city.letters, path) + ("?" + urlencode(query) if query else "")


def departments(city: City) -> list[str]:
    """被反映单位: the departments that carry the city's target matters, then 其他单位."""
    seen: list[str] = []
    for guide in city.guides.get("pc", ()):
        if guide.kind == "target" and guide.dept not in seen:
            seen.append(guide.dept)
    return [*seen, "其他单位"]


def _due(state: SandboxState, sub: Submission) -> datetime | None:
    city = state.world.cities[sub.city]
    kind = sub.kind if sub.kind in ("consult", "complaint") else "consult"
    delay = getattr(city.behaviour, kind).delay_working_days
    return None if delay is None else add_working_days(sub.submitted_at, delay)


def letters_app(state: SandboxState, site: LetterSite) -> Starlette:
    world = state.world
    cookie = f"gp_letters_{site.site_id.replace('-', '_')}"
    cities = {world.cities[c].region_code: world.cities[c] for c in site.city_ids}

    def user(request: Request) -> str | None:
        return USERNAME if request.cookies.get(cookie) == login_token(state, site) else None

    def city_of(request: Request) -> City | None:
        return cities.get(request.path_params.get("code", ""))

    def here(request: Request) -> str:
        return request.url.path + ("?" + request.url.query if request.url.query else "")

    def context(request: Request, city: City, **extra) -> dict:
        base = f"/{city.region_code}"
        return {
            "site": site,
            "city": city,
            "base": base,
            "user": user(request),
            "login_url": f"{base}/login?" + urlencode({"redirect": here(request)}),
            **extra,
        }

    def login_wall(request: Request, city: City) -> Response | None:
        if user(request):
            return None
        target = f"/{city.region_code}/login?" + urlencode({"redirect": here(request)})
        return RedirectResponse(target, status_code=302)

    def not_found() -> Response:
        return Response("404 Not Found", status_code=404)

    def query_code(receipt: str) -> str:
        digest = hmac.new(state.secret, f"query/{receipt}".encode(), hashlib.sha256).hexdigest()
        return digest[:6].upper()

    def captcha_needed(city: City) -> bool:
        return city.behaviour.captcha_on_forms or state.faults.has((city.city_id,), "captcha")

    async def index(request: Request) -> Response:
        return render("letters/index.html", site=site, cities=list(cities.values()))

    async def home(request: Request) -> Response:
        city = city_of(request)
        if city is None:
            return not_found()
        return render("letters/home.html", **context(request, city))

    async def login(request: Request) -> Response:
        city = city_of(request)
        if city is None:
            return not_found()
        redirect = request.query_params.get("redirect", "")
        safe = redirect if redirect.startswith("/") and not redirect.startswith("//") else ""
        return render(
            "letters/login.html",
            **context(request, city, redirect=safe or f"/{city.region_code}/"),
        )

    async def api_login(request: Request) -> Response:
        city = city_of(request)
        if city is None:
            return not_found()
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if body.get("type") != "person":
            return JSONResponse(
                {"ok": False, "msg": "未找到该法人账号，个人用户请切换到“个人登录”"}
            )
        if body.get("username") != USERNAME or body.get("password") != PASSWORD:
            return JSONResponse({"ok": False, "msg": "用户名或密码错误"})
        response = JSONResponse({"ok": True})
        response.set_cookie(
            cookie, login_token(state, site), httponly=True, samesite="lax", path="/"
        )
        return response

    async def logout(request: Request) -> Response:
        city = city_of(request)
        response = RedirectResponse(f"/{city.region_code}/" if city else "/", status_code=302)
        response.delete_cookie(cookie, path="/")
        return response

    def form_page(
        request: Request, city: City, values: dict, errors: dict[str, str], summary: str = ""
    ) -> Response:
        cid = secrets.token_hex(6) if captcha_needed(city) else ""
        return render(
            "letters/write.html",
            **context(
                request,
                city,
                values=values,
                errors=errors,
                summary=summary,
                types=list(LETTER_TYPES),
                public=PUBLIC,
                departments=departments(city),
                captcha_id=cid,
            ),
        )

    async def write(request: Request) -> Response:
        city = city_of(request)
        if city is None:
            return not_found()
        if wall := login_wall(request, city):
            return wall
        if request.method == "GET":
            return form_page(request, city, {"sjsx": request.query_params.get("sx", "")}, {})
        form = await request.form()
        names = ("xjlx", "ssqy", "sjsx", "bfydw", "xjbt", "xjnr", "xm", "lxdh", "dz", "sfgk")
        values = {k: str(form.get(k) or "").strip() for k in names}
        values["agree"] = str(form.get("agree") or "")
        errors: dict[str, str] = {}
        if values["xjlx"] not in LETTER_TYPES:
            errors["xjlx"] = "请选择信件类型"
        if values["ssqy"] not in city.districts:
            errors["ssqy"] = "请选择所属区域"
        if values["xjlx"] == "投诉" and values["bfydw"] not in departments(city):
            errors["bfydw"] = "投诉件请选择被反映单位"
        if not values["xjbt"]:
            errors["xjbt"] = "请填写信件标题"
        if len(values["xjnr"]) < 10:
            errors["xjnr"] = "请填写信件内容（不少于10个字）"
        if not values["xm"]:
            errors["xm"] = "请填写姓名"
        if not values["lxdh"].isdigit() or len(values["lxdh"]) != 11:
            errors["lxdh"] = "请填写正确的11位联系电话"
        if values["sfgk"] not in PUBLIC:
            errors["sfgk"] = "请选择是否公开"
        if values["agree"] != "1":
            errors["agree"] = "请阅读并同意来信须知"
        if captcha_needed(city):
            cid = str(form.get("yzm_id") or "")
            if not cid or str(form.get("yzm") or "").strip() != captcha_answer(state, cid):
                errors["yzm"] = "验证码错误"
        if errors:
            return form_page(request, city, values, errors, "提交失败，请按红色提示修改后重新提交")
        now = state.clock.now()
        who = user(request) or ""
        for earlier in state.submissions:
            if (
                earlier.city == city.city_id
                and earlier.user == who
                and earlier.title == values["xjbt"]
                and earlier.content == values["xjnr"]
                and now - earlier.submitted_at < DUPLICATE_WINDOW
            ):
                summary = (
                    f"请勿重复提交：您已于{shown(earlier.submitted_at)}提交过相同的信件，"
                    "请到“我的信件”中查看办理情况"
                )
                return form_page(request, city, values, {}, summary)
        kind = LETTER_TYPES[values["xjlx"]]
        matter = infer_matter(city, values["sjsx"] or values["xjbt"] + values["xjnr"])
        sub = state.submit(
            lambda seq: f"{PREFIX[kind]}{now:%Y%m%d}{city.region_code[:6]}{seq:04d}",
            city=city.city_id,
            kind=kind,
            scenario=scenario_of(matter),
            matter=matter,
            title=values["xjbt"],
            content=values["xjnr"],
            submitted_at=now,
            user=who,
            contact=values["xm"],
            phone=values["lxdh"],
            public=values["sfgk"] == "公开",
            district=values["ssqy"],
            dept=values["bfydw"],
        )
        return render(
            "letters/receipt.html",
            **context(request, city, sub=sub, code=query_code(sub.receipt), submitted=shown(now)),
        )

    async def notice(request: Request) -> Response:
        city = city_of(request)
        if city is None:
            return not_found()
        return render("letters/notice.html", **context(request, city))

    def view(city: City, sub: Submission) -> dict:
        """A letter as the lists and the detail page show it: its reply once it is due."""
        due = _due(state, sub)
        answered = due is not None and state.clock.now() >= due
        kind = sub.kind if sub.kind in ("consult", "complaint") else "consult"
        quality = getattr(city.behaviour, kind).quality
        guide = city.target(sub.matter, "pc")
        reply = ""
        if answered:
            reply = world.reply_text(sub.scenario, kind, quality)
            reply += HOSTILE_MARKUP if city.behaviour.hostile_markup else ""
        return {
            "sub": sub,
            "type": TYPE_NAMES[sub.kind],
            "submitted": shown(sub.submitted_at),
            "answered": answered,
            "status": "已答复" if answered else "办理中",
            "unit": (guide.dept if guide else f"{city.name}市12345热线") if answered else "",
            "replied": shown(due) if answered and due and city.behaviour.reply_time_shown else "",
            "reply": reply,
        }

    def mine_of(request: Request, city: City) -> list[Submission]:
        who = user(request)
        return [s for s in state.submissions if s.city == city.city_id and s.user == who]

    async def mine(request: Request) -> Response:
        city = city_of(request)
        if city is None:
            return not_found()
        if wall := login_wall(request, city):
            return wall
        letters = [view(city, s) for s in reversed(mine_of(request, city))]
        return render("letters/mine.html", **context(request, city, letters=letters))

    async def detail(request: Request) -> Response:
        city = city_of(request)
        if city is None:
            return not_found()
        if wall := login_wall(request, city):
            return wall
        ticket = request.path_params["ticket"]
        found = next((s for s in mine_of(request, city) if s.receipt == ticket), None)
        if found is None:
            return not_found()
        return render("letters/detail.html", **context(request, city, letter=view(city, found)))

    async def rating(request: Request) -> Response:
        city = city_of(request)
        if city is None or not city.behaviour.rating:
            return not_found()
        done = False
        if request.method == "POST":
            if wall := login_wall(request, city):
                return wall
            await request.form()
            done = True
        return render("letters/rating.html", **context(request, city, done=done))

    async def captcha(request: Request) -> Response:
        return captcha_response(state, request.path_params["cid"])

    return Starlette(
        routes=[
            Route("/", index),
            Route("/captcha/{cid}.svg", captcha),
            Route("/{code}/", home),
            Route("/{code}/login", login),
            Route("/{code}/api/login", api_login, methods=["POST"]),
            Route("/{code}/logout", logout),
            Route("/{code}/xj/write", write, methods=["GET", "POST"]),
            Route("/{code}/xj/notice", notice),
            Route("/{code}/xj/mine", mine),
            Route("/{code}/xj/detail/{ticket}", detail),
            Route("/{code}/pj", rating, methods=["GET", "POST"]),
        ]
    )
