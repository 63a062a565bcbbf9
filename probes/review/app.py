"""The review web application: Starlette routes, the guard in front of them, the forms' POSTs.

Pages (server-rendered, no script, inline CSS; what each shows is read in
``probes/review/views.py``)::

    GET  /                                  rounds
    GET  /rounds/{round}                    a guide round's cities and scores, or a
                                            consultation round's threads
    GET  /rounds/{round}/cities/{city}      a city: its score, probes and threads
    GET  /probes/{id}                       one probe: timeline, guide, elements, evidence, audit
    GET  /items/{id}                        one consultation or complaint
    GET  /queue[?round=R]                   待复核: what a person should look at
    GET  /audit                             the whole audit log
    GET  /schedule[?job=ID]                 the scheduler's run history (job_runs)
    GET  /verify                            every evidence file re-hashed
    GET  /evidence/{sha256}                 an evidence file, looked up by its hash only
    GET  /login[?token=T], POST /login      log in (not from another site); POST /logout
    POST /probes/{id}/outcome | /probes/{id}/element | /probes/{id}/confirm | /items/{id}/label
    POST /overrides/{id}/confirm | /overrides/{id}/withdraw

The guard (``Guard``) refuses every request but ``/login`` without an evaluator's session
cookie or ``Authorization: Bearer`` token (a browser is sent to ``/login``, anything else gets
401), and puts security headers on every response: a strict Content-Security-Policy (no script
at all), ``X-Frame-Options: DENY``, ``nosniff``, ``Referrer-Policy: same-origin`` (a portal
never learns our addresses; a same-origin form still sends its real ``Origin``). Every POST
carries the session's CSRF token (``probes/review/auth.py``) and comes from our own origin (an
opaque ``Origin: null``, as from a sandboxed evidence page, is not ours), or it is refused with
403 and nothing is written. Logging in, which has no session to bind a CSRF token to, is refused
(403) when it comes from another site (``auth.from_elsewhere``): else any page could log the
browser in as an evaluator of its choosing. Logging out revokes the session server-side.

Forms are text: a file part is refused, and so are more than ``MAX_FIELDS`` fields or a field
over ``MAX_PART_BYTES``, each with a message in Chinese (Starlette's parser limits). What the
fields say (an element, an outcome, a reason's length) is checked by the store
(``probes/store/overrides.py``), which says why in Chinese, as it does on the command line. The evaluator's name on a judgement is the session's, never a form field's, and every
change is audited with the channel ``web``.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from probes import store
from probes.review import views
from probes.review.auth import (
    COOKIE,
    SESSION_SECONDS,
    Authority,
    Session,
    StoredSessions,
    from_elsewhere,
    load_secret,
)
from probes.store import overrides
from probes.store.evidence import SUFFIXES, EvidenceStore
from probes.text import INTEGRITY_ZH, SANDBOX_CLOCK_NOTE, TARGET_ZH, beijing

TEMPLATES = Path(__file__).parent / "templates"


PUBLIC_PATHS = frozenset({"/login"})


WEB = "web"  # the audit log's channel for every change made in these pages


PAGE_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; script-src 'none';"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


# Stored guide HTML carries the portal's own scripts: sandboxed, nothing loads or runs.
EVIDENCE_HTML_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'"


EVIDENCE_CSP = "sandbox; default-src 'none'"


SECURITY_HEADERS = {
    "content-security-policy": PAGE_CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


# What a browser may display inline; anything else is downloaded.
INLINE_MEDIA = frozenset({"image/png", "image/jpeg", "image/webp", "text/html", "text/plain"})


# The forms' limits: our largest form has five fields; a reason of ``overrides.REASON_MAX``
# characters of Chinese is 18 KB urlencoded, so a longer one reaches the store and is refused
# there with its length, and anything past this bound is refused while it is read.
MAX_FIELDS = 16


MAX_PART_BYTES = 64 * 1024


_FORM_REFUSALS_ZH = (
    ("Too many files", "不接受上传文件：理由等内容请直接填写文字。"),
    (
        "exceeded maximum size",
        f"表单内容过长：理由最多 {overrides.REASON_MAX} 字，请删减后重新提交。",
    ),
    ("Too many fields", "表单字段过多，已拒绝。"),
)


async def read_form(request: Request):
    """The request's form under the review's limits; a refusal is a 400 said in Chinese."""
    try:
        return await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_PART_BYTES)
    except HTTPException as exc:  # Starlette's parser refuses in English
        said = next(
            (zh for marker, zh in _FORM_REFUSALS_ZH if marker in str(exc.detail)),
            "表单无法解析，已拒绝，未作任何更改。",
        )
        raise HTTPException(400, said) from None


def request_from_elsewhere(request: Request) -> bool:
    """``auth.from_elsewhere`` over the request's headers."""
    headers = request.headers
    return from_elsewhere(
        host=headers.get("host"),
        origin=headers.get("origin"),
        referer=headers.get("referer"),
        fetch_site=headers.get("sec-fetch-site"),
    )


class Guard:
    """ASGI middleware: authenticate, refuse the unauthenticated, add security headers."""

    def __init__(self, app, authority: Authority) -> None:
        self.app = app
        self.authority = authority

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        request = Request(scope)
        session = await run_in_threadpool(self.session_of, request)  # a database read
        scope.setdefault("state", {})["session"] = session
        if session is None and scope["path"] not in PUBLIC_PATHS:
            await _refusal(request)(scope, receive, send_secured)
            return
        await self.app(scope, receive, send_secured)

    def session_of(self, request: Request) -> Session | None:
        auth = request.headers.get("authorization", "")
        if auth[:7].lower() == "bearer ":
            return self.authority.bearer_session(auth[7:].strip())
        return self.authority.cookie_session(request.cookies.get(COOKIE))


def _refusal(request: Request) -> Response:
    """A browser asking for a page is sent to log in; anything else gets 401."""
    wants_page = "text/html" in request.headers.get("accept", "")
    if request.method == "GET" and wants_page:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return PlainTextResponse(
        "需要登录：请使用评估人令牌（/login?token=...）或 Authorization: Bearer。",
        status_code=401,
        headers={"www-authenticate": 'Bearer realm="govprobe review"'},
    )


def _text(form, key: str) -> str:
    value = form.get(key)
    return value if isinstance(value, str) else ""


def _local_target(target: str | None) -> str:
    """A ``next`` address only when it stays on this site (``/...``, not ``//host``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["http_url"] = views.http_url
    env.filters["readable_url"] = views.readable_url
    env.filters["score"] = lambda v: "未测" if v is None else f"{v:.2f}"
    env.filters["beijing"] = beijing  # stored ISO times, shown in Beijing time
    env.filters["days"] = lambda v: "—" if v is None else f"{v:g}"
    env.globals["MARK"] = "※"
    env.globals["INTEGRITY"] = INTEGRITY_ZH
    env.globals["TARGET"] = TARGET_ZH
    env.globals["SANDBOX_CLOCK"] = SANDBOX_CLOCK_NOTE
    return env


def create_app(
    db_path: str | Path,
    *,
    tokens: Mapping[str, str],
    evidence_root: str | Path | None = None,
) -> Starlette:
    """The review application over one database (migrated here, once) and its evidence store
    (``<database folder>/evidence`` unless given). ``tokens`` maps evaluator names to tokens.
    The review's secret is ``<database folder>/review-secret`` (``auth.load_secret``: made
    0600, refused when others may read it); sessions are kept in the database."""
    db_path = Path(db_path)
    # migrate before any request reads it; a mistyped --db is an error, never a new database
    store.open_db(db_path, create=False).close()
    folder = db_path.resolve().parent
    evidence = EvidenceStore(evidence_root if evidence_root is not None else folder / "evidence")
    authority = Authority(tokens, secret=load_secret(folder), sessions=StoredSessions(db_path))
    from probes.plan.cities import chinese_names

    names = views.Names(chinese_names())

    def page_context(request: Request) -> dict[str, Any]:
        session = request.state.session
        return {
            "evaluator": session.evaluator if session else None,
            "csrf": authority.csrf_token(session) if session else "",
        }

    templates = Jinja2Templates(env=_environment(), context_processors=[page_context])

    @contextmanager
    def connect():
        """A connection for one request (sqlite3 connections stay in their thread)."""
        db = store.connect(db_path)
        try:
            yield db
        finally:
            db.close()

    def render(request: Request, template: str, status_code: int = 200, /, **context) -> Response:
        return templates.TemplateResponse(request, template, context, status_code=status_code)

    def not_found(request: Request, what: str) -> Response:
        return render(request, "error.html", 404, title="未找到", message=what)

    # -- login ---------------------------------------------------------------------------

    async def login(request: Request) -> Response:
        target = _local_target(request.query_params.get("next"))
        if request.method == "POST":
            if request_from_elsewhere(request):  # before the form is even read
                return login_page(request, 403, target, elsewhere=True)
            form = await read_form(request)
            token = _text(form, "token")
            target = _local_target(_text(form, "next"))
        else:
            token = request.query_params.get("token") or ""
        if not token:
            return login_page(request, 200, target)
        if request_from_elsewhere(request):  # a login link followed from another site
            return login_page(request, 403, target, elsewhere=True)
        evaluator = authority.evaluator_of(token)
        if evaluator is None:
            return login_page(request, 401, target, failed=True)
        cookie = await run_in_threadpool(authority.new_cookie, evaluator)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=SESSION_SECONDS,
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    def login_page(request: Request, status: int, target: str, *, failed: bool = False,
                   elsewhere: bool = False) -> Response:  # fmt: skip
        return render(
            request, "login.html", status, next=target, failed=failed, elsewhere=elsewhere
        )

    async def logout(request: Request) -> Response:
        await checked_form(request)
        await run_in_threadpool(authority.end_session, request.state.session)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return response

    # -- pages ---------------------------------------------------------------------------

    def home(request: Request) -> Response:
        with connect() as db:
            return render(request, "rounds.html", rounds=views.rounds(db))

    def round_page(request: Request) -> Response:
        round_id = request.path_params["round_id"]
        with connect() as db:
            row = store.get_round(db, round_id)
            if row is None:
                return not_found(request, f"没有轮次 {round_id}")
            if row["kind"] == "guides":
                return render(request, "round.html", **views.guide_round(db, round_id, names))
            return render(
                request, "threads.html", round=row, threads=views.threads(db, round_id, names)
            )

    def city_page(request: Request) -> Response:
        round_id, city_id = request.path_params["round_id"], request.path_params["city"]
        with connect() as db:
            row = store.get_round(db, round_id)
            if row is None or row["kind"] != "guides":
                return not_found(request, f"没有指南轮次 {round_id}")
            data = views.city(db, round_id, city_id, names)
            if data is None:
                return not_found(request, f"轮次 {round_id} 中没有城市 {city_id}")
            return render(request, "city.html", **data)

    def probe_page(request: Request) -> Response:
        probe_id = request.path_params["probe_id"]
        with connect() as db:
            data = views.probe(db, evidence, probe_id, names)
            if data is None:
                return not_found(request, f"没有探测 {probe_id}")
            return render(request, "probe.html", **data)

    def item_page(request: Request) -> Response:
        item_id = request.path_params["item_id"]
        with connect() as db:
            data = views.item(db, evidence, item_id, names)
            if data is None:
                return not_found(request, f"没有咨询或投诉 {item_id}")
            return render(request, "item.html", **data)

    def queue_page(request: Request) -> Response:
        with connect() as db:
            round_id = request.query_params.get("round") or store.latest_round(db, "guides")
            row = store.get_round(db, round_id) if round_id else None
            if row is None or row["kind"] != "guides":
                return not_found(request, "没有可复核的指南轮次")
            return render(request, "queue.html", **views.work_queue(db, round_id, names))

    def audit_page(request: Request) -> Response:
        with connect() as db:
            return render(request, "audit.html", entries=views.audit_log(db, names))

    def schedule_page(request: Request) -> Response:
        job_id = request.query_params.get("job") or None
        with connect() as db:
            return render(request, "schedule.html", **views.job_history(db, job_id=job_id))

    def verify_page(request: Request) -> Response:
        with connect() as db:
            return render(request, "verify.html", **views.evidence_problems(db, evidence))

    def evidence_file(request: Request) -> Response:
        sha256 = request.path_params["sha256"]
        if not views.SHA256.match(sha256):
            return PlainTextResponse("证据只按其 sha256（64 位十六进制）提供", status_code=400)
        with connect() as db:
            try:
                found = views.evidence_file(db, evidence, sha256)
            except store.EvidenceError as exc:
                return PlainTextResponse(f"证据文件未通过 sha256 核验：{exc}", status_code=409)
        if found is None:
            return PlainTextResponse("没有这个证据文件", status_code=404)
        row, data = found
        media = row["media_type"]
        headers = {
            "content-security-policy": EVIDENCE_HTML_CSP if media == "text/html" else EVIDENCE_CSP,
            "cache-control": "private, max-age=86400, immutable",
        }
        if media not in INLINE_MEDIA:
            suffix = SUFFIXES.get(media, "")  # trace-….zip: what playwright show-trace opens
            name = f"trace-{sha256[:12]}.zip" if media == "application/zip" else sha256 + suffix
            headers["content-disposition"] = f'attachment; filename="{name}"'
        if media.startswith("text/"):
            media += "; charset=utf-8"
        return Response(data, media_type=media, headers=headers)

    # -- judgements ----------------------------------------------------------------------

    async def checked_form(request: Request):
        """The POSTed form, once its CSRF token and origin are the session's own (else 403)."""
        if request_from_elsewhere(request):
            raise HTTPException(403, "表单来自其他网站，已拒绝")
        form = await read_form(request)
        if not authority.csrf_ok(request.state.session, form.get("csrf")):
            raise HTTPException(403, "表单令牌（CSRF）缺失或不符，已拒绝，未作任何更改")
        return form

    async def judge(request: Request, action, back: str) -> Response:
        """Run one judgement as the session's evaluator, then go back to the page (303).
        ``action(db, form, by)`` calls the store with ``channel=WEB``."""
        form = await checked_form(request)
        by = request.state.session.evaluator

        def write() -> None:
            with connect() as db:
                action(db, form, by)

        try:
            await run_in_threadpool(write)
        except overrides.OverrideError as exc:
            return render(
                request, "error.html", 400, title="未能保存", message=str(exc), back=back,
            )  # fmt: skip
        return RedirectResponse(back, status_code=303)

    async def override_outcome(request: Request) -> Response:
        probe_id = request.path_params["probe_id"]

        def action(db, form, by) -> None:
            outcome = _text(form, "outcome")
            overrides.override_outcome(
                db, probe_id, outcome, by=by, note=_text(form, "note"), channel=WEB
            )

        return await judge(request, action, f"/probes/{probe_id}#overrides")

    async def override_element(request: Request) -> Response:
        probe_id = request.path_params["probe_id"]

        def action(db, form, by) -> None:
            present = _text(form, "present")
            if present not in ("1", "0"):
                raise overrides.OverrideError("请选择“有值”或“缺失”")
            element, note = _text(form, "element"), _text(form, "note")
            overrides.override_element(
                db, probe_id, element, present == "1", by=by, note=note, channel=WEB
            )

        return await judge(request, action, f"/probes/{probe_id}#elements")

    async def confirm_machine(request: Request) -> Response:
        probe_id = request.path_params["probe_id"]

        def action(db, form, by) -> None:
            overrides.confirm_machine(db, probe_id, by=by, note=_text(form, "note"), channel=WEB)

        return await judge(request, action, f"/probes/{probe_id}#hold")

    async def label_item(request: Request) -> Response:
        item_id = request.path_params["item_id"]

        def action(db, form, by) -> None:
            if "timeliness" in form:  # the timeliness form: a correction, with its reason
                value = _text(form, "timeliness")
                overrides.label_timeliness(
                    db, item_id, value, by=by, note=_text(form, "note"), channel=WEB
                )
                return
            value = _text(form, "effectiveness")
            overrides.label_reply(db, item_id, value, by=by, note=_text(form, "note"), channel=WEB)

        return await judge(request, action, f"/items/{item_id}#judge")

    def _override_back(override_id: int) -> str:
        with connect() as db:
            probe_id = overrides.probe_of_override(db, override_id)
        return f"/probes/{probe_id}#overrides" if probe_id else "/queue"

    async def confirm(request: Request) -> Response:
        override_id = request.path_params["override_id"]
        back = await run_in_threadpool(_override_back, override_id)
        return await judge(
            request,
            lambda db, form, by: overrides.confirm_override(
                db, override_id, by=by, note=_text(form, "note"), channel=WEB
            ),
            back,
        )

    async def withdraw(request: Request) -> Response:
        override_id = request.path_params["override_id"]
        back = await run_in_threadpool(_override_back, override_id)
        return await judge(
            request,
            lambda db, form, by: overrides.withdraw_override(
                db, override_id, by=by, note=_text(form, "note"), channel=WEB
            ),
            back,
        )

    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return render(request, "error.html", 404, title="未找到", message="没有这个页面")
        if exc.status_code == 405:
            return PlainTextResponse("不支持此请求方法", status_code=405)
        title = "未能保存" if exc.status_code == 400 else "已拒绝"
        return render(request, "error.html", exc.status_code, title=title, message=exc.detail)

    routes = [
        Route("/", home),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/rounds/{round_id}", round_page),
        Route("/rounds/{round_id}/cities/{city}", city_page),
        Route("/probes/{probe_id:int}", probe_page),
        Route("/probes/{probe_id:int}/outcome", override_outcome, methods=["POST"]),
        Route("/probes/{probe_id:int}/element", override_element, methods=["POST"]),
        Route("/probes/{probe_id:int}/confirm", confirm_machine, methods=["POST"]),
        Route("/items/{item_id:int}", item_page),
        Route("/items/{item_id:int}/label", label_item, methods=["POST"]),
        Route("/overrides/{override_id:int}/confirm", confirm, methods=["POST"]),
        Route("/overrides/{override_id:int}/withdraw", withdraw, methods=["POST"]),
        Route("/queue", queue_page),
        Route("/audit", audit_page),
        Route("/schedule", schedule_page),
        Route("/verify", verify_page),
        Route("/evidence/{sha256}", evidence_file),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error})
    app.add_middleware(Guard, authority=authority)
    app.state.evidence = evidence
    return app
