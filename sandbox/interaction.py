"""Common routes on every site: login, material files, the online-apply entry, 互动交流.

* ``/login`` (sandbox account ``tester`` / ``govprobe-sandbox``; a session cookie per site)
* ``/files/{guide_id}/{form|sample}/{n}.{ext}`` blank forms and samples (broken ones: 404)
* ``/apply/{guide_id}`` the online-apply entry, behind a login wall
* ``/hdjl/`` 互动交流: 我要咨询, 我要投诉, 我的咨询, 我的投诉, and 好差评 where the city rates
* ``/captcha/{id}.svg`` the captcha image of a form

A shared provincial site carries the city in a ``region`` query parameter. Submissions get a
receipt number and the sandbox clock's time; a reply becomes visible once the clock passes the
city's delay in working days (``sandbox/workdays.py``).

A city whose 互动交流 lives on a letter system (``City.letters``, ``sandbox/letters.py``) has
none here: the portal's /hdjl pages send the visitor to the letter system's origin, as a real
portal's 互动交流 link leads to the city's 12345 site.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.clock import shown
from sandbox.model import HOSTILE_MARKUP, SCENARIOS, City, Guide, LetterSite, Site
from sandbox.state import SandboxState, Submission
from sandbox.templating import render
from sandbox.workdays import add_working_days

USERNAME = "tester"
PASSWORD = "govprobe-sandbox"
KINDS = {"consult": ("我要咨询", "我的咨询", "ZX"), "complaint": ("我要投诉", "我的投诉", "TS")}

# How each platform words its forms, receipts and lists (real portals differ: 受理编号 / 查询码 /
# 信件编号, labels tied with `for` or set in table cells, 已回复 / 已答复 / 已办结). The form
# fields are (canonical id, label, input name); the handler reads them by input name.
_FIELDS = ("title", "matter", "content", "contact", "phone")
WORDING: dict[str, dict] = {
    "listfw": {
        "layout": "labels",
        "fields": dict(zip(_FIELDS, (("标题", "title"), ("事项", "matter"), ("内容", "content"),
                                     ("联系人", "contact"), ("手机号码", "phone")), strict=True)),
        "submit": "提交", "ticket": "受理编号", "time": "提交时间",
        "status": ("已回复", "待回复"), "reply": "回复内容", "replied": "回复时间",
    },
    "epoint": {
        "layout": "labels",
        "fields": dict(zip(_FIELDS, (("留言标题", "txtTitle"), ("咨询事项", "txtMatter"),
                                     ("留言内容", "txtContent"), ("姓名", "txtName"),
                                     ("联系电话", "txtMobile")), strict=True)),
        "submit": "提交留言", "ticket": "查询码", "time": "留言时间",
        "status": ("已答复", "办理中"), "reply": "答复内容", "replied": "答复时间",
    },
    "jsonapi": {
        "layout": "placeholders",
        "fields": dict(zip(_FIELDS, (("主题", "subject"), ("所属事项", "itemName"),
                                     ("问题描述", "question"), ("联系人姓名", "linkman"),
                                     ("手机号", "mobile")), strict=True)),
        "submit": "确认提交", "ticket": "业务编号", "time": "提交时间",
        "status": ("已办结", "办理中"), "reply": "办理结果", "replied": "办结时间",
    },
    "zjsearch": {
        "layout": "table",
        "fields": dict(zip(_FIELDS, (("信件标题", "xjbt"), ("涉及事项", "sjsx"), ("信件内容", "xjnr"),
                                     ("真实姓名", "xm"), ("手机", "sj")), strict=True)),
        "submit": "提 交", "ticket": "信件编号", "time": "写信时间",
        "status": ("已答复", "未答复"), "reply": "答复意见", "replied": "答复时间",
    },
}  # fmt: skip

# a free-text matter name -> matter id, by keyword, most specific first
_KEYWORDS = (
    ("养老", "pension-registration"),
    ("医疗", "medical-insurance-registration"),
    ("医保", "medical-insurance-registration"),
    ("参保", "pension-registration"),
    ("消防", "fire-safety-inspection"),
    ("卫生", "public-health-permit"),
    ("美容", "public-health-permit"),
    ("企业", "enterprise-registration"),
    ("营业执照", "enterprise-registration"),
    ("公司", "enterprise-registration"),
)


def infer_matter(city: City, text: str) -> str:
    """The target matter a form's 事项 refers to; beauty-salon's health permit by default."""
    text = (text or "").strip()
    for guides in city.guides.values():
        for guide in guides:
            if guide.matter and guide.name == text:
                return guide.matter
    for keyword, matter in _KEYWORDS:
        if keyword in text:
            return matter
    return "public-health-permit"


def scenario_of(matter: str) -> str:
    return next(s for s, ms in SCENARIOS.items() if matter in ms)


def reply_due(state: SandboxState, sub: Submission) -> datetime | None:
    city = state.world.cities[sub.city]
    delay = getattr(city.behaviour, sub.kind).delay_working_days
    return None if delay is None else add_working_days(sub.submitted_at, delay)


def captcha_answer(state: SandboxState, cid: str) -> str:
    """The digits a captcha image shows, derived from its id (no server-side session needed)."""
    digest = hmac.new(state.secret, f"captcha/{cid}".encode(), hashlib.sha256).digest()
    return "".join(str(b % 10) for b in digest[:4])


def captcha_response(state: SandboxState, cid: str) -> Response:
    """The captcha image: the answer's digits, tilted, over a few lines."""
    answer = captcha_answer(state, cid)
    lines = "".join(
        f'<line x1="{(i * 17) % 100}" y1="0" x2="{(i * 29) % 100}" y2="36" stroke="#999"/>'
        for i in range(6)
    )
    glyphs = "".join(
        f'<text x="{10 + i * 20}" y="{24 + (i % 2) * 4}" font-size="20" '
        f'transform="rotate({(i * 7) % 15 - 7} {10 + i * 20} 24)">{d}</text>'
        for i, d in enumerate(answer)
    )
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="36">{lines}{glyphs}</svg>'
    return Response(svg, media_type="image/svg+xml", headers={"cache-control": "no-store"})


def _minimal_doc(title: str) -> bytes:
    return ("{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 SimSun;}}\\f0\\fs24 " + title + "\\par}").encode(
        "unicode_escape"
    )


def _minimal_pdf(title: str) -> bytes:
    body = f"BT /F1 12 Tf 72 720 Td ({title.encode('ascii', 'replace').decode()}) Tj ET"
    return (
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj\n"
        f"4 0 obj<</Length {len(body)}>>stream\n{body}\nendstream endobj\n"
        "trailer<</Root 1 0 R>>\n%%EOF\n"
    ).encode()


def login_token(state: SandboxState, site: Site | LetterSite) -> str:
    """The session cookie's value for the test account on a site: a new one after each
    ``session_expired`` fault on its cities (``FaultBoard.session_epoch``)."""
    epoch = state.faults.session_epoch(site.city_ids)
    message = f"{site.site_id}/{USERNAME}" + (f"/{epoch}" if epoch else "")
    return (
        f"{USERNAME}." + hmac.new(state.secret, message.encode(), hashlib.sha256).hexdigest()[:24]
    )


def interaction_routes(state: SandboxState, site: Site) -> list[BaseRoute]:
    world = state.world
    cookie = f"gp_session_{site.site_id.replace('-', '_')}"
    guides: dict[str, tuple[City, Guide]] = {
        g.guide_id: (c, g)
        for c in world.site_cities(site.site_id)
        for gs in c.guides.values()
        for g in gs
    }

    def user(request: Request) -> str | None:
        return USERNAME if request.cookies.get(cookie) == login_token(state, site) else None

    def city_of(request: Request) -> City:
        return world.city_by_region(site.site_id, request.query_params.get("region"))

    wording = WORDING.get(site.archetype, WORDING["listfw"])

    def context(request: Request, city: City, **extra) -> dict:
        archetype = state.archetypes[site.site_id]
        return {
            "w": wording,
            "site": site,
            "city": city,
            "region": city.region_code,
            "user": user(request),
            "home": archetype.entry_path(site, city, "pc"),
            "q": urlencode({"region": city.region_code}),
            "login_url": "/login?"
            + urlencode(
                {
                    "next": str(request.url.path)
                    + ("?" + request.url.query if request.url.query else "")
                }
            ),
            **extra,
        }

    def login_wall(request: Request) -> Response | None:
        if user(request):
            return None
        target = request.url.path + ("?" + request.url.query if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)

    def captcha_needed(city: City) -> bool:
        # a fault applies to the city's whole site, so any city's captcha fault counts here
        return city.behaviour.captcha_on_forms or state.faults.has(site.city_ids, "captcha")

    async def login(request: Request) -> Response:
        city = city_of(request)
        next_url = request.query_params.get("next", "")
        error = ""
        if request.method == "POST":
            form = await request.form()
            next_url = str(form.get("next") or "")
            if form.get("username") == USERNAME and form.get("password") == PASSWORD:
                safe = (
                    next_url if next_url.startswith("/") and not next_url.startswith("//") else "/"
                )
                response = RedirectResponse(safe, status_code=303)
                token = login_token(state, site)
                response.set_cookie(cookie, token, httponly=True, samesite="lax", path="/")
                return response
            error = "用户名或密码错误"
        return render("common/login.html", **context(request, city, next=next_url, error=error))

    async def logout(request: Request) -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(cookie, path="/")
        return response

    async def files(request: Request) -> Response:
        p = request.path_params
        found = guides.get(p["guide_id"])
        if found is None or p["which"] not in ("form", "sample"):
            return Response("404 Not Found", status_code=404)
        _, guide = found
        try:
            material = guide.materials[int(p["n"]) - 1]
        except (ValueError, IndexError):
            return Response("404 Not Found", status_code=404)
        url = material.form_url if p["which"] == "form" else material.sample_url
        ok = material.form_ok if p["which"] == "form" else material.sample_ok
        if not url or url != request.url.path or not ok:
            return Response("404 Not Found", status_code=404)
        label = "空白表格" if p["which"] == "form" else "示例样表"
        if url.endswith(".pdf"):
            body, media = _minimal_pdf(f"{material.name} {label}"), "application/pdf"
        else:
            body, media = _minimal_doc(f"{material.name} {label}"), "application/msword"
        name = quote(f"{material.name}{label}{url[url.rfind('.') :]}")
        return Response(
            body,
            media_type=media,
            headers={"content-disposition": f"attachment; filename*=UTF-8''{name}"},
        )

    async def apply(request: Request) -> Response:
        found = guides.get(request.path_params["guide_id"])
        if found is None:
            return Response("404 Not Found", status_code=404)
        if wall := login_wall(request):
            return wall
        city, guide = found
        return render("common/apply.html", **context(request, city, guide=guide))

    async def hdjl(request: Request) -> Response:
        if away := elsewhere(request, "home"):
            return away
        return render("common/hdjl.html", **context(request, city_of(request), kinds=KINDS))

    def form_page(request: Request, city: City, kind: str, **extra) -> Response:
        cid = secrets.token_hex(6) if captcha_needed(city) else ""
        return render(
            "common/hdjl_form.html",
            status_code=extra.pop("status_code", 200),
            **context(
                request,
                city,
                kind=kind,
                title_text=KINDS[kind][0],
                captcha_id=cid,
                matter=request.query_params.get("matter", ""),
                **extra,
            ),
        )

    def new_item(kind: str):
        async def handler(request: Request) -> Response:
            matter = request.query_params.get("matter", "")
            if away := elsewhere(request, "write", **({"sx": matter} if matter else {})):
                return away
            if wall := login_wall(request):
                return wall
            city = city_of(request)
            if request.method == "GET":
                return form_page(request, city, kind)
            form = await request.form()
            names = {k: name for k, (_label, name) in wording["fields"].items()}
            names |= {k: k for k in ("public", "captcha", "captcha_id")}
            values = {k: str(form.get(name) or "").strip() for k, name in names.items()}
            errors = []
            labels = {k: label for k, (label, _name) in wording["fields"].items()}
            for key in ("title", "content"):
                if not values[key]:
                    errors.append(f"请填写{labels[key]}")
            if not values["phone"].isdigit() or len(values["phone"]) != 11:
                errors.append(f"请填写11位{labels['phone']}")
            if captcha_needed(city) and (
                not values["captcha_id"]
                or values["captcha"] != captcha_answer(state, values["captcha_id"])
            ):
                errors.append("验证码错误")
            if errors:
                return form_page(request, city, kind, errors=errors, values=values, status_code=400)
            now = state.clock.now()
            matter = infer_matter(city, values["matter"])
            sub = state.submit(
                lambda seq: f"{KINDS[kind][2]}-{city.region_code[:6]}-{now:%Y%m%d}-{seq:04d}",
                city=city.city_id,
                kind=kind,
                scenario=scenario_of(matter),
                matter=matter,
                title=values["title"],
                content=values["content"],
                submitted_at=now,
                user=USERNAME,
                contact=values["contact"],
                phone=values["phone"],
                public=values["public"] != "不公开",
            )
            return render(
                "common/receipt.html",
                **context(request, city, kind=kind, sub=sub, submitted=shown(now), kinds=KINDS),
            )

        return handler

    async def mine(request: Request) -> Response:
        if away := elsewhere(request, "mine"):
            return away
        if wall := login_wall(request):
            return wall
        city = city_of(request)
        kind = request.query_params.get("kind", "consult")
        if kind not in KINDS:
            kind = "consult"
        now = state.clock.now()
        rows = []
        for sub in state.submissions:
            if sub.city != city.city_id or sub.kind != kind or sub.user != USERNAME:
                continue
            due = reply_due(state, sub)
            answered = due is not None and now >= due
            reply = getattr(city.behaviour, kind)
            rows.append(
                {
                    "title": sub.title,
                    "receipt": sub.receipt,
                    "submitted": shown(sub.submitted_at),
                    "status": wording["status"][0 if answered else 1],
                    "reply": world.reply_text(sub.scenario, kind, reply.quality)
                    + (HOSTILE_MARKUP if city.behaviour.hostile_markup else "")
                    if answered
                    else "",
                    "replied": shown(due)
                    if answered and due and city.behaviour.reply_time_shown
                    else "",
                }
            )
        return render(
            "common/mine.html", **context(request, city, kind=kind, rows=rows, kinds=KINDS)
        )

    async def rating(request: Request) -> Response:
        if away := elsewhere(request, "rating"):
            return away
        city = city_of(request)
        if not city.behaviour.rating:
            return Response("404 Not Found", status_code=404)
        done = False
        if request.method == "POST":
            if wall := login_wall(request):
                return wall
            await request.form()
            done = True
        return render("common/rating.html", **context(request, city, done=done))

    async def captcha(request: Request) -> Response:
        return captcha_response(state, request.path_params["cid"])

    def elsewhere(request: Request, page: str, **query: str) -> Response | None:
        """Where the city's 互动交流 is a letter system: the same page there (its origin)."""
        city = city_of(request)
        if city.letters is None:
            return None
        from sandbox.letters import letters_url

        return RedirectResponse(letters_url(state, city, page, **query), status_code=302)

    return [
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout),
        Route("/files/{guide_id}/{which}/{n}.{ext}", files),
        Route("/apply/{guide_id}", apply),
        Route("/hdjl", hdjl),
        Route("/hdjl/", hdjl),
        Route("/hdjl/consult/new", new_item("consult"), methods=["GET", "POST"]),
        Route("/hdjl/complaint/new", new_item("complaint"), methods=["GET", "POST"]),
        Route("/hdjl/mine", mine),
        Route("/hdjl/rating", rating, methods=["GET", "POST"]),
        Route("/captcha/{cid}.svg", captcha),
    ]
