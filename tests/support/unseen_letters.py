"""A consultation portal written only for the tests, unlike the sandbox's forms and lists.

The interaction journey must fill forms and read lists it has never seen: here there is no
``<form>`` and no ``<label for>``; the section is a ``span`` with a click handler, the entries
``div[data-href]`` tiles; the login is two placeholder-only inputs and a script link 立即登录;
the form is ``div`` rows (words in a sibling ``div``, inputs named by ``aria-label`` or by
nothing), the kind of message an ARIA radio group (``role=radio``), the district a required
custom select (``role=combobox`` + ``role=listbox``), the agreement a hidden checkbox behind
its label, the button a ``div role=button``; it is sent by ``fetch``, and a department the page
does not mark as required is refused in red under its select. 我的诉求 is ``section`` cards
(受理号 without a colon, a 查看 that navigates by script); the detail page a ``dl``, its reply
in paragraphs.

``Served`` runs it on a free port; ``LETTERS`` holds what it received.
"""

from __future__ import annotations

import html
import json
import secrets

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.support.served import Served as _Served

USER, PASSWORD = "tester", "govprobe-sandbox"
AREAS = ["东城区", "示例市本级", "西城区"]
DEPTS = ["示例市卫生健康委员会", "示例市市场监督管理局"]
KINDS = ["咨询", "投诉", "建议"]
REPLY = [
    "您好！办理公共场所卫生许可证需提交申请书、营业执照复印件、卫生检测报告。",
    "可在网上办理。",
]
LETTERS: list[dict] = []
SESSIONS: set[str] = set()

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>
 body {{ font-family: sans-serif; margin: 0; }}
 .tile, .nav {{ cursor: pointer; display: inline-block; padding: 1em; border: 1px solid #ccc; }}
 .row {{ display: flex; margin: 6px 0; }} .row > .name {{ width: 8em; }}
 [role=radio] {{ cursor: pointer; padding: 2px 8px; border: 1px solid #999; margin-right: 4px; }}
 [role=radio][aria-checked=true] {{ background: #1677ff; color: #fff; }}
 .sel {{ border: 1px solid #999; padding: 4px; width: 12em; cursor: pointer; }}
 [role=listbox] {{ border: 1px solid #999; list-style: none; margin: 0; padding: 0; width: 12em; }}
 [role=option] {{ cursor: pointer; padding: 2px 4px; }}
 .warn {{ color: #d9001b; font-size: 12px; margin: 2px 0; }}
 .agree i {{ display: inline-block; width: 12px; height: 12px; border: 1px solid #333; }}
 .btn {{ display: inline-block; background: #1677ff; color: #fff; padding: 6px 20px; cursor: pointer; }}
 section.rec {{ border: 1px solid #ddd; margin: 8px 0; padding: 8px; }}
</style></head><body>
<div class="bar">示例市民热线 · <span class="nav" onclick="location.href='/hudong'">咨询投诉</span></div>
{body}
</body></html>"""

HOME = "<main><h1>示例市人民政府</h1><p>欢迎访问。</p></main>"

HUDONG = """<main><h2>咨询投诉</h2>
<div class="tile" data-href="/hudong/write">在线咨询</div>
<div class="tile" data-href="/hudong/write">在线投诉</div>
<div class="tile" data-href="/hudong/mine">我的诉求</div>
<script>document.querySelectorAll('.tile').forEach(t => t.onclick = () => location.href = t.dataset.href);</script>
</main>"""

PASSPORT = """<main><h2>用户登录</h2>
<div class="box"><div><input placeholder="手机号码" class="u"></div>
<div><input type="password" placeholder="密码" class="p"></div>
<div><a class="go" href="javascript:void(0)">立即登录</a></div><div class="m"></div></div>
<script>
document.querySelector('.go').onclick = () => fetch('/api/passport', {method: 'POST',
  headers: {'content-type': 'application/json'},
  body: JSON.stringify({u: document.querySelector('.u').value, p: document.querySelector('.p').value})})
  .then(r => r.json()).then(d => { if (d.ok) location.href = BACK; else document.querySelector('.m').textContent = d.msg; });
</script></main>"""

WRITE = """<main><h2>我要留言</h2><div class="panel">
<div class="row"><div class="name">诉求类型</div><div class="ctl"><div role="radiogroup" aria-label="诉求类型">@KINDS@</div></div></div>
<div class="row"><div class="name"><em>*</em>办理区县</div><div class="ctl">
  <div class="sel" id="area" role="combobox" aria-required="true" aria-controls="opts-area" tabindex="0">请选择区县</div>
  <ul id="opts-area" role="listbox" hidden>@AREAS@</ul><p class="warn" data-for="area"></p></div></div>
<div class="row"><div class="name">受理部门</div><div class="ctl">
  <div class="sel" id="dept" role="combobox" aria-controls="opts-dept" tabindex="0">请选择</div>
  <ul id="opts-dept" role="listbox" hidden>@DEPTS@</ul><p class="warn" data-for="dept"></p></div></div>
<div class="row"><div class="name">诉求标题</div><div class="ctl"><input aria-label="诉求标题" data-k="subject"></div></div>
<div class="row"><div class="name">诉求内容</div><div class="ctl"><textarea placeholder="请详细描述" data-k="body"></textarea></div></div>
<div class="row"><div class="name">您的称呼</div><div class="ctl"><input data-k="who"></div></div>
<div class="row"><div class="name">联系方式</div><div class="ctl"><input type="tel" data-k="tel"></div></div>
<div class="row"><label class="agree"><input type="checkbox" id="ag" style="display:none"><i></i> 本人承诺所填内容真实，并已阅读《诉求受理规则》</label></div>
<div class="row"><div class="btn" role="button">提交诉求</div></div>
</div>
<script>
document.querySelectorAll('[role=radio]').forEach(r => r.onclick = () => {
  document.querySelectorAll('[role=radio]').forEach(o => o.setAttribute('aria-checked', 'false'));
  r.setAttribute('aria-checked', 'true'); });
document.querySelectorAll('.sel').forEach(s => {
  const list = document.getElementById(s.getAttribute('aria-controls'));
  s.onclick = () => { list.hidden = !list.hidden; };
  list.querySelectorAll('[role=option]').forEach(o => o.onclick = () => {
    s.textContent = o.textContent; s.dataset.value = o.textContent; list.hidden = true; });
});
const ag = document.getElementById('ag');
document.querySelector('.agree').onclick = e => { if (e.target !== ag) { e.preventDefault(); ag.checked = !ag.checked; } };
document.querySelector('.btn').onclick = () => {
  const v = k => document.querySelector(`[data-k=${k}]`).value;
  const kind = document.querySelector('[role=radio][aria-checked=true]');
  const body = {kind: kind ? kind.textContent : '', area: document.getElementById('area').dataset.value || '',
    dept: document.getElementById('dept').dataset.value || '', subject: v('subject'), body: v('body'),
    who: v('who'), tel: v('tel'), agree: ag.checked};
  fetch('/api/letters', {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)})
    .then(r => r.json()).then(d => {
      document.querySelectorAll('.warn').forEach(w => w.textContent = '');
      if (d.errors) { for (const [k, m] of Object.entries(d.errors)) {
          const w = document.querySelector(`.warn[data-for=${k}]`); if (w) w.textContent = m; }
        return; }
      document.querySelector('main').innerHTML = '<h2>受理成功</h2><p>您的诉求已受理，受理号：' + d.no +
        '，提交时间：' + d.at + '。</p><p><a href="/hudong/mine">我的诉求</a></p>';
    });
};
</script></main>"""


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=title, body=body))


def _user(request: Request) -> bool:
    return request.cookies.get("sid") in SESSIONS


def _wall(request: Request) -> Response | None:
    if _user(request):
        return None
    back = request.url.path + ("?" + request.url.query if request.url.query else "")
    return RedirectResponse("/passport?back=" + back, status_code=302)


async def home(request: Request) -> Response:
    return _page("示例市人民政府", HOME)


async def hudong(request: Request) -> Response:
    return _page("咨询投诉", HUDONG)


async def passport(request: Request) -> Response:
    back = request.query_params.get("back", "/")
    script = f"<script>const BACK = {json.dumps(back if back.startswith('/') else '/')};</script>"
    return _page("用户登录", script + PASSPORT)


async def api_passport(request: Request) -> Response:
    body = await request.json()
    if body.get("u") != USER or body.get("p") != PASSWORD:
        return JSONResponse({"ok": False, "msg": "账号或密码不正确"})
    sid = secrets.token_hex(8)
    SESSIONS.add(sid)
    response = JSONResponse({"ok": True})
    response.set_cookie("sid", sid, path="/")
    return response


async def write(request: Request) -> Response:
    if wall := _wall(request):
        return wall
    kinds = "".join(f'<span role="radio" aria-checked="false">{k}</span>' for k in KINDS)
    areas = '<li role="option">请选择区县</li>' + "".join(
        f'<li role="option">{a}</li>' for a in AREAS
    )
    depts = "".join(f'<li role="option">{d}</li>' for d in DEPTS)
    body = WRITE.replace("@KINDS@", kinds).replace("@AREAS@", areas).replace("@DEPTS@", depts)
    return _page("我要留言", body)


async def api_letters(request: Request) -> Response:
    if not _user(request):
        return JSONResponse({"errors": {"area": "请先登录"}}, status_code=401)
    body = await request.json()
    errors = {}
    if body.get("area") not in AREAS:
        errors["area"] = "请选择办理区县"
    if body.get("dept") not in DEPTS:
        errors["dept"] = "请选择受理部门"
    if body.get("kind") not in KINDS or not body.get("agree") or len(body.get("tel", "")) != 11:
        errors["area"] = errors.get("area") or "请完整填写"
    if not body.get("subject") or not body.get("body"):
        errors["area"] = errors.get("area") or "请填写标题和内容"
    if errors:
        return JSONResponse({"errors": errors})
    no = f"SL{len(LETTERS) + 1:06d}"
    LETTERS.append({**body, "no": no, "at": "2026-11-02 10:00"})
    return JSONResponse({"no": no, "at": "2026-11-02 10:00"})


async def mine(request: Request) -> Response:
    if wall := _wall(request):
        return wall
    cards = "".join(
        f"<section class='rec'><h4>{html.escape(x['subject'])}</h4><p>受理号 {x['no']}</p>"
        f"<p><i>{'已办结' if x['kind'] == '咨询' else '处理中'}</i> · <time>{x['at']}</time></p>"
        f"<span role='link' onclick=\"location.href='/hudong/rec/{x['no']}'\">查看</span>"
        "</section>"
        for x in reversed(LETTERS)
    )
    return _page("我的诉求", f"<main><h2>我的诉求</h2>{cards or '<p>暂无记录</p>'}</main>")


async def record(request: Request) -> Response:
    if wall := _wall(request):
        return wall
    x = next((x for x in LETTERS if x["no"] == request.path_params["no"]), None)
    if x is None:
        return Response("not found", status_code=404)
    done = x["kind"] == "咨询"
    rows = [("受理号", x["no"]), ("诉求标题", html.escape(x["subject"]))]
    rows.append(("办理状态", "已办结" if done else "处理中"))
    if done:
        rows += [("办理单位", DEPTS[0]), ("办结时间", "2026-11-03 16:30")]
        rows.append(("办理结果", "".join(f"<p>{p}</p>" for p in REPLY)))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return _page("诉求详情", f"<main><h2>诉求详情</h2><dl>{dl}</dl></main>")


app = Starlette(
    routes=[
        Route("/", home),
        Route("/hudong", hudong),
        Route("/passport", passport),
        Route("/api/passport", api_passport, methods=["POST"]),
        Route("/hudong/write", write),
        Route("/api/letters", api_letters, methods=["POST"]),
        Route("/hudong/mine", mine),
        Route("/hudong/rec/{no}", record),
    ]
)


def Served() -> _Served:
    """The portal on a free loopback port, in a thread, with nothing received yet."""
    LETTERS.clear()
    SESSIONS.clear()
    return _Served(app, path="/")
