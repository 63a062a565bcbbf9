"""A portal written only for the tests, unlike every sandbox archetype.

The generic journey must work on markup it has never seen: here the search box is labelled only
by ``aria-label``, results arrive by ``fetch`` into a ``<table>`` of ``<span role=link>`` rows
that navigate by script, the guide is a grid of ``div.k`` / ``div.v`` cells behind accordion
buttons (``aria-expanded``), an agreement banner must be accepted first, and decoys sit above
the right result.
"""

from __future__ import annotations

import html
import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.support.served import Served as _Served

ITEMS = [
    {"id": "a1", "name": "公共场所卫生许可（延续）"},
    {"id": "a2", "name": "公共场所卫生许可（注销）"},
    {"id": "a3", "name": "生活饮用水卫生许可"},
    {"id": "t1", "name": "公共场所卫生许可证核发（新证）"},
    {"id": "n1", "name": "犬只登记"},
]
GUIDE = {
    "事项名称": "公共场所卫生许可证核发（新证）",
    "事项编码": "11440100MB2C9123XK4440117001000",
    "法律依据": "《公共场所卫生管理条例》第八条",
    "办理条件": "具有合法经营场所，卫生设施符合要求",
    "法定期限": "20个工作日",
    "承诺期限": "25个工作日",
    "收费依据": "不收费",
    "窗口地址": "示例市政务服务中心二楼B区",
    "受理时间": "周一至周五 9:00-17:00",
    "咨询电话": "020-83330000",
    "投诉电话": "12345",
    "跑动次数": "0次",
    "办理形式": "暂无",
    "结果名称": "公共场所卫生许可证",
}
MATERIALS = [
    ("公共场所卫生许可申请表", "/doc/form-1.docx", "/doc/sample-1.pdf"),
    ("营业执照复印件", None, None),
    ("卫生检测报告", None, "/doc/missing-sample.pdf"),
]

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>
 body {{ font-family: sans-serif; margin: 0; }}
 #consent {{ position: fixed; left: 0; right: 0; bottom: 0; top: 0; background: rgba(0,0,0,.5); z-index: 999; }}
 #consent .inner {{ background: #fff; margin: 20vh auto; width: 300px; padding: 1em; }}
 .grid {{ display: grid; grid-template-columns: 8em 1fr; }}
 .panel[hidden] {{ display: none; }}
</style></head><body>
<div class="topbar">统一服务入口 · <span class="ext">无障碍</span></div>
{body}
<div class="foot">示例市人民政府 版权所有</div>
</body></html>"""

HOME = """
<div id="consent"><div class="inner"><p>本站使用Cookie以改善体验，请阅读《用户协议》。</p>
<label><input type="checkbox" id="agree"> 我已阅读并同意</label>
<button id="go" disabled onclick="document.getElementById('consent').remove()">进入</button></div></div>
<script>document.getElementById('agree').onchange = e => document.getElementById('go').disabled = !e.target.checked;</script>
<main><div class="finder"><input aria-label="站内检索" id="q"><span class="go" role="button"
 onclick="location.href='/find#'+encodeURIComponent(document.getElementById('q').value)">检索</span></div>
<ul class="hot"><li><a href="/find#犬只">热门: 犬只登记</a></li></ul></main>
"""

FIND = """
<main><h2>检索结果</h2><table id="r"><tbody></tbody></table></main>
<script>
const q = decodeURIComponent(location.hash.slice(1));
setTimeout(() => fetch('/api/find?q=' + encodeURIComponent(q)).then(r => r.json()).then(d => {
  const tb = document.querySelector('#r tbody');
  for (const it of d.rows) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    const s = document.createElement('span');
    s.setAttribute('role', 'link'); s.textContent = it.name;
    s.onclick = () => { location.href = '/item/' + it.id; };
    td.appendChild(s); tr.appendChild(td); tb.appendChild(tr);
  }
}), 300);
</script>
"""


def _guide_body() -> str:
    cells = "".join(
        f'<div class="k">{html.escape(k)}</div><div class="v">{html.escape(v)}</div>'
        for k, v in GUIDE.items()
    )
    mats = "".join(
        f"<div class='m'><span class='n'>{html.escape(n)}</span>"
        + (f" <a href='{f}'>空白表格</a>" if f else "")
        + (f" <a href='{s}'>示例样表</a>" if s else "")
        + "</div>"
        for n, f, s in MATERIALS
    )
    return f"""
<main><h1>{html.escape(GUIDE["事项名称"])}</h1>
<button aria-expanded="false" aria-controls="p1" onclick="toggle(this)">基本信息</button>
<div class="panel" id="p1" hidden><div class="grid">{cells}</div></div>
<button aria-expanded="false" aria-controls="p2" onclick="toggle(this)">申请材料</button>
<div class="panel" id="p2" hidden></div>
</main>
<script>
function toggle(b) {{
  const p = document.getElementById(b.getAttribute('aria-controls'));
  const open = b.getAttribute('aria-expanded') !== 'true';
  b.setAttribute('aria-expanded', String(open)); p.hidden = !open;
  if (open && p.id === 'p2' && !p.innerHTML) p.innerHTML = {json.dumps(mats)};
}}
</script>"""


async def home(request: Request) -> Response:
    return HTMLResponse(PAGE.format(title="示例市政务服务", body=HOME))


async def find(request: Request) -> Response:
    return HTMLResponse(PAGE.format(title="检索", body=FIND))


async def api_find(request: Request) -> Response:
    q = request.query_params.get("q", "")
    words = [q[i : i + 2] for i in range(0, max(len(q) - 1, 1))]
    rows = [it for it in ITEMS if any(w and w in it["name"] for w in words)]
    return JSONResponse({"rows": rows})


async def item(request: Request) -> Response:
    if request.path_params["item_id"] != "t1":
        return HTMLResponse(PAGE.format(title="其他事项", body="<main><h1>其他事项</h1></main>"))
    return HTMLResponse(PAGE.format(title=GUIDE["事项名称"], body=_guide_body()))


async def doc(request: Request) -> Response:
    if request.path_params["name"].startswith("missing"):
        return Response("not found", status_code=404)
    return Response(b"%PDF-1.4 sample", media_type="application/pdf")


app = Starlette(
    routes=[
        Route("/", home),
        Route("/find", find),
        Route("/api/find", api_find),
        Route("/item/{item_id}", item),
        Route("/doc/{name}", doc),
    ]
)


def Served() -> _Served:
    """The portal on a free loopback port, in a thread."""
    return _Served(app, path="/")
