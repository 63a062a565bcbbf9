"""A single-page portal written only for the tests, unlike every sandbox archetype.

What a citizen meets on many portals built on front-end frameworks, in markup of its own:

* a splash advert that counts down (``跳过(3s)``) and a cookie bar pinned to the bottom;
* on the home page a search bar that is not an input (a ``div`` saying 请输入…): tapping it opens
  the search view, which searches as one types (debounced) and has a 搜索 text button;
* results as list items whose titles are ``<p>``s with click handlers and ``<mark>``ed keywords,
  in a scrolled box that loads five more each time it is scrolled to the bottom: the decoys
  real catalogues hold (告知承诺, 延续, "一件事", 合伙企业…) come first, the right guide after the
  first five;
* a guide whose sections are a segmented switch of ``<b>``s (the active one classed ``on``):
  only the chosen segment is rendered; the materials are not on the guide at all but behind a
  ``办理材料（3）›`` row that routes to a sub-view (``#/item/ID/mats``).

Routes are hash routes (``#/``, ``#/find``, ``#/item/ID``, ``#/item/ID/mats``) on one shell;
the data comes from ``POST /svc/query`` and ``POST /svc/item`` (``{"ok": false, "msg": …}``
when there is no such item).
"""

from __future__ import annotations

import asyncio
import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tests.support.served import Served as _Served

ITEMS = [
    {"id": "d1", "name": "公共场所卫生许可（告知承诺）"},
    {"id": "d2", "name": "合伙企业设立登记"},
    {"id": "d3", "name": "公共场所卫生许可（延续）"},
    {"id": "d4", "name": "开办美容美发店“一件事”"},
    {"id": "d5", "name": "企业开办“一件事”"},
    {"id": "d6", "name": "公共场所卫生许可证核发（新证）（告知承诺制）"},
    {"id": "d8", "name": "公共场所卫生许可（变更）"},
    {"id": "d9", "name": "公共场所卫生许可证补办"},
    {"id": "t1", "name": "公共场所卫生许可证核发（新证）"},
    {"id": "t2", "name": "企业设立登记"},
    {"id": "d7", "name": "建设工程消防验收"},
    {"id": "n1", "name": "犬只登记"},
]
GUIDES = {
    "t1": {
        "segments": {
            "概况": {
                "事项名称": "公共场所卫生许可证核发（新证）",
                "事项编码": "11440100MB2C9123XK4440117001000",
                "法律依据": "《公共场所卫生管理条例》第八条",
                "办理条件": "具有合法经营场所，卫生设施符合要求",
            },
            "时限与收费": {
                "法定期限": "20个工作日",
                "承诺期限": "当场",
                "收费依据": "不收费",
                "跑动次数": "0次",
                "办理形式": "全程网办",
                "结果名称": "公共场所卫生许可证",
            },
            "窗口与咨询": {
                "窗口地址": "示例市政务服务中心二楼B区",
                "受理时间": "周一至周五 9:00-17:00",
                "咨询电话": "020-83330000",
                "投诉电话": "12345",
            },
        },
        "flow": ["受理", "审查", "决定", "送达"],
        "materials": [
            ["公共场所卫生许可申请表", "原件1份", "必要"],
            ["营业执照复印件", "复印件1份", "必要"],
            ["卫生检测报告", "原件1份", "必要"],
        ],
    },
    "t2": {
        "segments": {
            "概况": {
                "事项名称": "企业设立登记",
                "事项编码": "11440100MB2C9123XK4440117002000",
                "法律依据": "《中华人民共和国公司法》",
                "办理条件": "申请材料齐全、符合法定形式",
            },
            "时限与收费": {"法定期限": "3个工作日", "承诺期限": "即时办结", "收费依据": "不收费"},
        },
        "flow": ["受理", "审查", "决定"],
        "materials": [
            ["公司登记（备案）申请书", "原件1份", "必要"],
            ["公司章程", "原件1份", "必要"],
        ],
    },
}

SHELL = r"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>示例市民服务</title>
<style>
 body { font-family: sans-serif; margin: 0; }
 #ad { position: fixed; inset: 0; background: #c33; color: #fff; z-index: 50; display: flex;
       align-items: center; justify-content: center; font-size: 2em; }
 #ad .skip { position: absolute; right: 1em; top: 1em; font-size: 14px; border: 1px solid #fff;
             padding: 2px 8px; border-radius: 12px; cursor: pointer; }
 #cookies { position: fixed; left: 0; right: 0; bottom: 0; background: #333; color: #fff;
            padding: 8px; z-index: 40; }
 .sbar { margin: 1em; padding: .6em; border-radius: 1em; background: #eee; color: #888; cursor: pointer; }
 .box { height: 260px; overflow-y: auto; border: 1px solid #ddd; margin: 0 1em; }
 .r { padding: 12px; border-bottom: 1px solid #eee; height: 40px; }
 .r p { margin: 0; cursor: pointer; color: #036; }
 mark { background: none; color: #e60; }
 .seg b { display: inline-block; padding: 6px 12px; cursor: pointer; font-weight: normal; }
 .seg b.on { border-bottom: 2px solid #036; }
 dl { display: grid; grid-template-columns: 8em 1fr; margin: 1em; }
 .row { margin: 1em; padding: .5em; background: #f6f6f6; cursor: pointer; }
 .go { cursor: pointer; padding: 0 .5em; }
</style></head><body>
<div id="ad">春季政务服务宣传周<span class="skip">跳过(3s)</span></div>
<div id="cookies">本站使用Cookie保存您的偏好设置。<span class="go" id="ok">接受</span></div>
<div id="view"></div>
<script>
const $ = s => document.querySelector(s);
const esc = t => String(t).replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
const post = (u, b) => fetch(u, {method: 'POST', headers: {'content-type': 'application/json'},
  body: JSON.stringify(b)}).then(r => r.json());
let n = 3;
const tick = setInterval(() => { n--; $('#ad .skip').textContent = '跳过(' + n + 's)';
  if (n <= 0) { clearInterval(tick); $('#ad').remove(); } }, 1000);
$('#ad .skip').addEventListener('click', () => { clearInterval(tick); $('#ad').remove(); });
if (localStorage.getItem('cookies-ok')) $('#cookies').remove();
else $('#ok').addEventListener('click', () => { localStorage.setItem('cookies-ok', '1'); $('#cookies').remove(); });

function home() {
  $('#view').innerHTML = '<h1 style="margin:1em">示例市民服务</h1><div class="sbar">请输入您要办理的事项</div>' +
    '<p style="margin:1em">热门服务：犬只登记 · 不动产登记</p>';
  $('.sbar').addEventListener('click', () => { location.hash = '#/find'; });
}
function find() {
  $('#view').innerHTML = '<div style="margin:1em"><input id="kw" placeholder="输入关键词">' +
    '<span class="go" id="do">搜索</span></div><div class="box" id="box"></div>';
  let timer = null, rows = [], shown = 0, kw = '';
  const draw = () => {
    $('#box').innerHTML = rows.slice(0, shown).map(r => {
      const t = esc(r.name).split(esc(kw)).join('<mark>' + esc(kw) + '</mark>');
      return '<div class="r" data-id="' + r.id + '"><p>' + t + '</p><small>示例市</small></div>';
    }).join('') + (shown < rows.length ? '<div class="r">上拉加载…</div>' : '<div class="r">已经到底了</div>');
    document.querySelectorAll('.r[data-id] p').forEach(p => p.addEventListener('click',
      () => { location.hash = '#/item/' + p.parentElement.dataset.id; }));
  };
  const run = () => { kw = $('#kw').value.trim(); if (!kw) return;
    post('/svc/query', {words: kw}).then(d => { rows = d.list; shown = Math.min(5, rows.length); draw(); }); };
  $('#kw').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, 300); });
  $('#kw').addEventListener('keydown', e => { if (e.key === 'Enter') run(); });
  $('#do').addEventListener('click', run);
  $('#box').addEventListener('scroll', () => {
    const b = $('#box');
    if (b.scrollTop + b.clientHeight >= b.scrollHeight - 5 && shown < rows.length) {
      setTimeout(() => { shown = Math.min(shown + 5, rows.length); draw(); }, 200);
    }
  });
}
function item(id, sub) {
  post('/svc/item', {id}).then(d => {
    if (!d.ok) { $('#view').innerHTML = '<p>' + esc(d.msg) + '</p>'; return; }
    const g = d.data;
    if (sub === 'mats') {
      $('#view').innerHTML = '<h2 style="margin:1em">办理材料</h2><table style="margin:1em"><thead><tr><th>材料名称</th><th>份数</th><th>是否必需</th></tr></thead><tbody>' +
        g.materials.map(m => '<tr><td>' + m.map(esc).join('</td><td>') + '</td></tr>').join('') + '</tbody></table>';
      return;
    }
    const names = Object.keys(g.segments);
    $('#view').innerHTML = '<h1 style="margin:1em">' + esc(g.segments['概况']['事项名称']) + '</h1>' +
      '<div class="seg">' + names.map((s, i) => '<b' + (i ? '' : ' class="on"') + '>' + esc(s) + '</b>').join('') + '</div>' +
      '<div id="pane"></div><div class="row" id="mats">办理材料（' + g.materials.length + '）›</div>' +
      '<h3 style="margin:1em">办理流程</h3><ol>' + g.flow.map(s => '<li>' + esc(s) + '</li>').join('') + '</ol>';
    const show = name => { $('#pane').innerHTML = '<dl>' + Object.entries(g.segments[name]).map(
      ([k, v]) => '<dt>' + esc(k) + '</dt><dd>' + esc(v) + '</dd>').join('') + '</dl>'; };
    show(names[0]);
    document.querySelectorAll('.seg b').forEach(b => b.addEventListener('click', () => {
      document.querySelectorAll('.seg b').forEach(x => x.classList.remove('on'));
      b.classList.add('on'); setTimeout(() => show(b.textContent), 120);
    }));
    $('#mats').addEventListener('click', () => { location.hash = '#/item/' + id + '/mats'; });
  });
}
function route() {
  const h = location.hash || '#/';
  let m;
  if (h.startsWith('#/find')) find();
  else if ((m = h.match(/^#\/item\/(\w+)(?:\/(\w+))?/))) item(m[1], m[2]);
  else home();
}
window.addEventListener('hashchange', route);
route();
</script></body></html>"""


async def shell(request: Request) -> Response:
    return HTMLResponse(SHELL)


async def query(request: Request) -> Response:
    words = str((await request.json()).get("words", ""))
    pairs = {words[i : i + 2] for i in range(max(len(words) - 1, 1))}
    hits = [it for it in ITEMS if any(p and p in it["name"] for p in pairs)]
    await asyncio.sleep(0.2)
    return JSONResponse({"list": hits})


async def item(request: Request) -> Response:
    found = GUIDES.get(str((await request.json()).get("id", "")))
    await asyncio.sleep(0.2)
    if found is None:
        return JSONResponse({"ok": False, "msg": "事项不存在"})
    return JSONResponse({"ok": True, "data": json.loads(json.dumps(found))})


app = Starlette(
    routes=[
        Route("/", shell),
        Route("/svc/query", query, methods=["POST"]),
        Route("/svc/item", item, methods=["POST"]),
    ]
)


def Served() -> _Served:
    """The portal on a free loopback port, in a thread."""
    return _Served(app, path="/")
