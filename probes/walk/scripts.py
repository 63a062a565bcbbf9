"""JavaScript run inside portal pages by the generic journey.

Each script marks what it found with a ``data-govprobe-*`` attribute, so that the journey then
acts on it through Playwright locators (trusted clicks, auto-waiting) rather than from inside
the page. Heuristics live here once; ``probes/journey.py`` only decides what to do with them.
"""

from __future__ import annotations

# Mark overlays (modal notices) that cover the page; returns how many were marked.
MARK_OVERLAYS = r"""
() => {
  document.querySelectorAll('[data-govprobe-overlay]').forEach(e => e.removeAttribute('data-govprobe-overlay'));
  const vw = window.innerWidth, vh = window.innerHeight;
  const visible = e => { const s = getComputedStyle(e); const r = e.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && +s.opacity !== 0 && r.width > 0 && r.height > 0; };
  const found = [];
  for (const e of document.querySelectorAll('body *')) {
    if (!visible(e)) continue;
    const s = getComputedStyle(e);
    const r = e.getBoundingClientRect();
    const modal = e.getAttribute('role') === 'dialog' || e.getAttribute('aria-modal') === 'true' ||
      /(^|[\s_-])(modal|dialog|popup|layer|mask|notice|tips?)([\s_-]|$)/i.test((e.className && e.className.baseVal === undefined ? e.className : '') + ' ' + e.id);
    const covering = (s.position === 'fixed' || s.position === 'absolute') && (parseInt(s.zIndex) || 0) >= 10 &&
      r.width * r.height >= 0.15 * vw * vh;
    const text = (e.innerText || '').trim();
    // a bar pinned to the top or bottom edge that asks about cookies or privacy
    const bar = s.position === 'fixed' && r.width >= 0.6 * vw && (r.top <= 2 || r.bottom >= vh - 2) &&
      /(cookie|隐私|个人信息保护)/i.test(text) && text.length < 400;
    if (!(modal || covering || bar)) continue;
    if (!text) continue;
    if (!/(我知道了|知道了|确定|同意|接受|关闭|确认|进入|继续|跳过|×|✕|x)/.test(text) &&
        !e.querySelector('button, [role=button], .close, [class*=close]')) continue;
    if (found.some(f => f.contains(e))) continue;
    found.push(e);
  }
  found.forEach((e, i) => e.setAttribute('data-govprobe-overlay', String(i)));
  return found.length;
}
"""


# Mark the most likely site-search input; returns a description or null. A read-only input or
# a search-looking bar with no input (a phone portal's fake search bar that opens the search
# page when tapped) is marked only when no writable one is there, described as "readonly:…".
MARK_SEARCH = r"""
() => {
  document.querySelectorAll('[data-govprobe-search]').forEach(e => e.removeAttribute('data-govprobe-search'));
  const visible = e => { const s = getComputedStyle(e); const r = e.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0; };
  const words = /(搜索|检索|查找|事项|关键|请输入|办事|search|keyword|query|kw|wd)/i;
  let best = null, bestScore = 0, fake = null, fakeScore = 0;
  for (const e of document.querySelectorAll('input, textarea, [role=searchbox], [contenteditable=true]')) {
    const type = (e.getAttribute('type') || 'text').toLowerCase();
    if (!['text', 'search', ''].includes(type) && e.tagName === 'INPUT') continue;
    if (!visible(e) || e.disabled) continue;
    const hay = [e.getAttribute('placeholder'), e.getAttribute('aria-label'), e.getAttribute('name'),
      e.id, e.className, e.getAttribute('title')].join(' ');
    if (/(密码|用户名|账号|手机|验证码|password|captcha|phone|mobile|user)/i.test(hay)) continue;
    let score = 1;
    if (e.getAttribute('role') === 'searchbox' || type === 'search') score += 5;
    if (words.test(hay)) score += 6;
    const form = e.closest('form');
    if (form && /(search|sousuo|query)/i.test(form.getAttribute('action') || '')) score += 3;
    const near = e.parentElement && e.parentElement.parentElement ? e.parentElement.parentElement.innerText || '' : '';
    if (/(搜索|搜\s*索|检索)/.test(near)) score += 2;
    if (e.closest('header, .header, #header, .search, .search-box, [class*=search]')) score += 2;
    if (e.readOnly) { if (score > fakeScore && score > 6) { fake = e; fakeScore = score; } continue; }
    if (score > bestScore) { best = e; bestScore = score; }
  }
  if (!best) {
    if (!fake) {  // a bar that only looks like a search box: it says 请输入… / 搜索… and is tapped
      let fakeRank = 0;
      for (const e of document.querySelectorAll('div, span, p, label, section, a, [role=search], [role=button]')) {
        const t = (e.innerText || '').trim();
        const hint = t + ' ' + (e.getAttribute('aria-label') || '');
        if (!visible(e) || !t || t.length > 24 || !/^\s*(请输入|搜索|检索|查找|输入|搜一搜|找服务|找事项)/.test(hint)) continue;
        if (getComputedStyle(e).cursor !== 'pointer' && e.tagName !== 'A' && e.getAttribute('role') !== 'search') continue;
        const cls = (typeof e.className === 'string' ? e.className : '') + ' ' + e.id + ' ' + (e.getAttribute('role') || '');
        const rank = (/search|sousuo/i.test(cls) ? 4 : 0) + (/(请输入|事项|服务|关键)/.test(t) ? 2 : 0) + 1;
        // the outermost such element: its children say the same
        if (rank > fakeRank && !(fake && fake.contains(e) && rank <= fakeRank + 0)) { fake = e; fakeRank = rank; }
      }
    }
    if (!fake) return null;
    fake.setAttribute('data-govprobe-search', '1');
    return 'readonly:' + (fake.getAttribute('placeholder') || (fake.innerText || '').trim() || fake.tagName);
  }
  best.setAttribute('data-govprobe-search', '1');
  // the button that submits it: nearest element saying 搜索 / 检索 / 查询, or a search icon
  let node = best, button = null;
  for (let depth = 0; depth < 4 && node && !button; depth++) {
    node = node.parentElement;
    if (!node) break;
    for (const b of node.querySelectorAll('button, a, input[type=submit], input[type=button], span, i, div, img')) {
      if (b === best || b.contains(best) || !visible(b)) continue;
      const cls = typeof b.className === 'string' ? b.className : '';
      const t = ((b.innerText || b.value || b.getAttribute('title') || b.getAttribute('alt') || b.getAttribute('aria-label') || '') + ' ' + cls).trim();
      if (/(搜索|搜\s*索|检索|查询|search|btn-search|sousuo)/i.test(t) && (b.innerText || '').length <= 8) {
        // an icon inside a button: the button is what is clicked
        button = b.closest('button, a, [role=button]') || b; break;
      }
    }
  }
  if (button) button.setAttribute('data-govprobe-search', 'button');
  return (best.getAttribute('placeholder') || best.getAttribute('aria-label') || best.getAttribute('name') || best.tagName);
}
"""


# Mark the control that shows the next page of results: a link or button saying 下一页 (or an
# arrow), one labelled or classed "next" (a pager's icon-only button), or the page number after
# the current one. Returns "marked", "disabled" (there is a next control, but it is the last
# page), or null (no pager: the list may load more as it is scrolled).
MARK_NEXT_PAGE = r"""
() => {
  document.querySelectorAll('[data-govprobe-next]').forEach(e => e.removeAttribute('data-govprobe-next'));
  const visible = e => { const s = getComputedStyle(e); const r = e.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0; };
  const off = e => e.disabled || e.getAttribute('aria-disabled') === 'true' || e.getAttribute('disabled') !== null ||
    /(^|[\s_-])(disabled?|is-disabled)([\s_-]|$)/i.test(typeof e.className === 'string' ? e.className : '');
  const words = /^\s*(下一页|下页|加载更多|更多结果|查看更多结果|›|»|>|后一页)\s*$/;
  const nodes = [...document.querySelectorAll('a, button, li, span, [role=button], input[type=button]')].filter(visible);
  let next = nodes.find(e => words.test(e.innerText || e.value || ''));
  if (!next) next = nodes.find(e => /(下一页|next)/i.test((e.getAttribute('aria-label') || '') + ' ' + (e.getAttribute('title') || '')));
  if (!next) next = nodes.find(e => {
    const cls = typeof e.className === 'string' ? e.className : '';
    return /(^|[\s_-])(btn-next|next|pager-next|page-next|laypage-next)([\s_-]|$)/i.test(cls) && (e.innerText || '').trim().length <= 4;
  });
  if (!next) {  // a pager of numbers: the one after the current page
    const current = nodes.find(e => /^\s*\d+\s*$/.test(e.innerText || '') &&
      /(active|current|selected|on)([\s_-]|$)/i.test(typeof e.className === 'string' ? e.className : '') &&
      e.closest('[class*=pag], [class*=page], nav'));
    if (current) {
      const want = String(+current.innerText.trim() + 1);
      next = nodes.find(e => (e.innerText || '').trim() === want && e.closest('[class*=pag], [class*=page], nav') === current.closest('[class*=pag], [class*=page], nav'));
    }
  }
  if (!next) return null;
  const target = next.closest('button, a, li') || next;
  if (off(next) || off(target) || (next.parentElement && off(next.parentElement) && next.parentElement.tagName === 'LI')) return 'disabled';
  target.setAttribute('data-govprobe-next', '1');
  return 'marked';
}
"""


# Scroll the page and every scrolled list to the bottom, as a person does to make a list that
# loads as it scrolls show more; returns how many things were scrolled.
SCROLL_LISTS = r"""
() => {
  let n = 0;
  const root = document.scrollingElement || document.documentElement;
  if (root.scrollHeight > root.clientHeight + 2) { window.scrollTo(0, root.scrollHeight); n++; }
  for (const e of document.querySelectorAll('body *')) {
    if (e.scrollHeight > e.clientHeight + 20 && e.clientHeight > 50) {
      const s = getComputedStyle(e);
      if (/(auto|scroll)/.test(s.overflowY)) { e.scrollTop = e.scrollHeight; n++; }
    }
  }
  window.dispatchEvent(new Event('scroll'));
  return n;
}
"""


# Every link-like element with short text: candidates for results and navigation.
LIST_LINKS = r"""
() => {
  document.querySelectorAll('[data-govprobe-link]').forEach(e => e.removeAttribute('data-govprobe-link'));
  const visible = e => { const s = getComputedStyle(e); const r = e.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0; };
  const out = [];
  const seen = new Set();
  const nodes = document.querySelectorAll('a, [role=link], [onclick], li[data-href], div[data-href], span[data-href], [data-url]');
  for (const e of nodes) {
    if (!visible(e)) continue;
    let text = (e.innerText || e.getAttribute('title') || '').replace(/\s+/g, ' ').trim();
    if (!text || text.length > 120) continue;
    const title = (e.getAttribute('title') || '').trim();
    if (title && title.length > text.length && title.length <= 120) text = title;
    if (seen.has(e)) continue;
    seen.add(e);
    const i = out.length;
    e.setAttribute('data-govprobe-link', String(i));
    out.push({i, text, href: e.href || e.getAttribute('data-href') || e.getAttribute('data-url') || '',
              target: e.getAttribute('target') || '', toggle: false});
  }
  // things that act like links without being links: a category tree's node, a toggle button, a
  // result whose title has a click handler (a card, a cell). A highlighted piece of a title
  // (合伙<em>企业设立登记</em>) is not a title of its own: an element whose parent holds text of its
  // own around it is a fragment of the parent's text, and the parent is what is listed.
  const fragment = e => { const p = e.parentElement; if (!p) return false;
    for (const n of p.childNodes) if (n.nodeType === 3 && n.textContent.trim()) return true;
    return false; };
  const toggles = document.querySelectorAll('span, li, div, dt, h3, h4, h5, h6, p, strong, em, label, button, td, [role=button], [role=treeitem], [role=option]');
  for (const e of toggles) {
    if (seen.has(e) || e.closest('a') || e.querySelector('a, input, select, textarea')) continue;
    const raw = (e.textContent || '').trim();
    if (raw.length < 2 || raw.length > 60 || !visible(e)) continue;
    if (getComputedStyle(e).cursor !== 'pointer') continue;
    if (fragment(e)) continue;
    if (e.parentElement && seen.has(e.parentElement) && (e.parentElement.textContent || '').trim() === raw) continue;
    seen.add(e);
    const i = out.length;
    e.setAttribute('data-govprobe-link', String(i));
    out.push({i, text: (e.innerText || raw).replace(/\s+/g, ' ').trim(), href: '', target: '', toggle: true});
  }
  return out;
}
"""


# Open what is collapsed: <details>, and mark tabs / expanders / collapsed section headers.
MARK_EXPANDERS = r"""
() => {
  document.querySelectorAll('details:not([open])').forEach(d => d.setAttribute('open', ''));
  document.querySelectorAll('[data-govprobe-expand]').forEach(e => e.removeAttribute('data-govprobe-expand'));
  const visible = e => { const s = getComputedStyle(e); const r = e.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0; };
  const hidden = e => e && getComputedStyle(e).display === 'none';
  const safeHref = e => { const h = e.getAttribute('href'); return !h || h === '#' || h.startsWith('#') || h.startsWith('javascript'); };
  const marked = [];
  const mark = (e, kind) => { if (!marked.includes(e)) { e.setAttribute('data-govprobe-expand', kind); marked.push(e); } };
  for (const e of document.querySelectorAll('[role=tab], [class*=tab] > li, [class*=tab] > a, [class*=tab] > span, [class*=tab] > div, [class*=Tab] > li, .nav-tabs a')) {
    if (!visible(e) || !safeHref(e) || (e.closest('a') && !safeHref(e.closest('a')))) continue;
    const t = (e.innerText || '').trim();
    if (t && t.length <= 16) mark(e, 'tab');
  }
  // a switch of sections without tab markup: siblings of one tag with short texts, one of them
  // marked as the current one (class on / active / current / selected, aria-selected), that a
  // person clicks one after the other
  const current = /(^|[\s_-])(on|active|cur|current|selected|checked)([\s_-]|$)/i;
  for (const e of document.querySelectorAll('[class], [aria-selected=true], [aria-current]')) {
    const cls = typeof e.className === 'string' ? e.className : '';
    if (!(current.test(cls) || e.getAttribute('aria-selected') === 'true' || e.hasAttribute('aria-current'))) continue;
    const parent = e.parentElement;
    if (!parent || !visible(e)) continue;
    const group = [...parent.children].filter(c => c.tagName === e.tagName);
    if (group.length < 2 || group.length > 12) continue;
    const short = group.every(c => { const t = (c.innerText || '').trim(); return t && t.length <= 12; });
    if (!short || !group.every(c => getComputedStyle(c).cursor === 'pointer' || c.tagName === 'A' || c.tagName === 'BUTTON')) continue;
    if (group.some(c => c.tagName === 'A' && !safeHref(c))) continue;  // a menu of pages, not sections
    group.filter(visible).forEach(c => mark(c, 'tab'));
  }
  for (const e of document.querySelectorAll('a, button, span, div, i, p')) {
    if (!visible(e) || !safeHref(e)) continue;
    const t = (e.innerText || '').trim();
    if (/^(展开|展开全部|展开更多|查看更多|更多|显示全部|全部展开|点击展开|展开详情)\s*[>》▼∨+]*$/.test(t)) mark(e, 'more');
  }
  for (const e of document.querySelectorAll('[aria-expanded=false]')) {
    if (visible(e) && safeHref(e)) mark(e, 'section');
  }
  for (const e of document.querySelectorAll('h2, h3, h4, h5, dt, div, p, span, li, header, button')) {
    if (!visible(e) || marked.includes(e)) continue;
    const t = (e.innerText || '').trim();
    if (!t || t.length > 20 || e.children.length > 3) continue;
    const next = e.nextElementSibling;
    if (next && hidden(next) && (next.innerText === undefined || next.textContent.trim().length > 0)) mark(e, 'section');
  }
  return marked.length;
}
"""


# Mark entries to a guide's sub-pages: a link or a clickable cell that names a guide element and
# leads elsewhere (申请材料（3） >, 办理流程 ›), or a bare 查看详情 / 点击查看 / 详情 whose row or cell
# is labelled with an element. Called with the known element labels; returns
# [{i, text, label, href}] for the marked (data-govprobe-sub=i) entries.
MARK_SUBPAGES = r"""
(labels) => {
  document.querySelectorAll('[data-govprobe-sub]').forEach(e => e.removeAttribute('data-govprobe-sub'));
  const visible = e => { const s = getComputedStyle(e); const r = e.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0; };
  const squash = t => (t || '').replace(/[\s:：*★]+/g, '');
  const known = new Set(labels.map(squash));
  const labelOf = t => { t = squash(t).replace(/[（(]\d+[)）]/g, '').replace(/[>›〉》→]+$/, '');
    return known.has(t) ? t : null; };
  const detail = /^(查看详情|点击查看|查看|详情|更多|查看更多|查看全部|点击查看详情|详细信息)\s*[>›〉》]*$/;
  const here = location.href.split('#')[0];
  const leadsAway = e => { const a = e.closest('a[href]');
    if (!a) return getComputedStyle(e).cursor === 'pointer';
    const h = a.getAttribute('href') || '';
    if (/^(javascript:|mailto:|tel:)/i.test(h)) return h.startsWith('javascript') && getComputedStyle(e).cursor === 'pointer';
    if (h.startsWith('#') && !h.startsWith('#/')) return false;
    if (/\.(pdf|docx?|xlsx?|zip|rar|jpg|png)(\?|$)/i.test(h)) return false;  // a file: the link checks see it
    return a.href.split('#')[0] !== here || h.startsWith('#/');
  };
  const out = [];
  const taken = new Set();
  for (const e of document.querySelectorAll('a[href], [role=link], [role=button], div, span, li, td, p')) {
    if (taken.has(e) || !visible(e) || e.querySelector('input, select, textarea, table')) continue;
    if (e.closest('header, nav, footer, [class*=nav], [class*=menu], [class*=footer], [class*=header], [role=tab], [role=tablist]')) continue;
    const text = (e.innerText || '').replace(/\s+/g, ' ').trim();
    if (!text || text.length > 24) continue;
    let label = null;
    if (/[（(]\d+[)）]|[>›〉》]\s*$/.test(text) || e.closest('a[href]')) label = labelOf(text);
    if (!label && detail.test(text)) {
      // the label of the row or cell it sits in: the nearest container with text beside it
      for (let box = e.parentElement, depth = 0; box && depth < 4 && !label; box = box.parentElement, depth++) {
        const rest = (box.innerText || '').replace(text, '').trim().split(/\n/)[0];
        if (rest && rest.length <= 16) label = labelOf(rest);
        if (!label && box.tagName === 'TD' && box.previousElementSibling) label = labelOf(box.previousElementSibling.innerText);
      }
    }
    if (!label || !leadsAway(e)) continue;
    // the outermost clickable piece that says it, once
    let target = e.closest('a[href]') || e;
    if ([...taken].some(t => t.contains(target) || target.contains(t))) continue;
    taken.add(target);
    const i = out.length;
    target.setAttribute('data-govprobe-sub', String(i));
    const a = target.closest('a[href]');
    out.push({i, text, label, href: a ? a.href : '', target: a ? (a.getAttribute('target') || '') : ''});
  }
  return out.slice(0, 6);
}
"""


# Online-apply entries on a guide: (text, href) of links/buttons that start an application.
ONLINE_APPLY = r"""
() => {
  const out = [];
  for (const e of document.querySelectorAll('a, button, [role=button], input[type=button]')) {
    const t = (e.innerText || e.value || '').replace(/\s+/g, '').trim();
    if (/^(在线办理|网上办理|在线申办|立即申报|我要办理|在线申报|立即办理|网上申报|在线申请|去办理|马上办)$/.test(t)) {
      const href = e.href || e.getAttribute('data-href') || e.getAttribute('data-url') || '';
      out.push({text: t, href});
    }
  }
  return out;
}
"""


# The body's markup and its full text (hidden parts included), one line per text node.
BODY_SNAPSHOT = r"""
() => {
  if (!document.body) return ['', ''];
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement;
    if (p && (p.tagName === 'SCRIPT' || p.tagName === 'STYLE')) continue;
    const t = n.textContent.trim();
    if (t) parts.push(t);
  }
  return [document.body.innerHTML, parts.join('\n')];
}
"""


# Installed in every page of a journey's context before the page's own scripts: counts the
# page's short timers (setTimeout up to 1.5 s) not yet run, so that settling knows that a page
# which fetches its content a moment after loading (``setTimeout(load, 400)``) is not done yet.
# Longer timers (carousels, session reminders) and setInterval are not counted.
PENDING_TIMERS = r"""
(() => {
  if (window.__govprobePending) return;
  const pending = new Set();
  const native = window.setTimeout, clear = window.clearTimeout;
  const wrapped = function (fn, delay, ...rest) {
    if (typeof fn !== 'function' || (Number(delay) || 0) > 1500) return native.call(this, fn, delay, ...rest);
    const id = native.call(this, function () { pending.delete(id); return fn.apply(this, arguments); }, delay, ...rest);
    pending.add(id);
    return id;
  };
  const cleared = function (id) { pending.delete(id); return clear.call(this, id); };
  wrapped.toString = () => 'function setTimeout() { [native code] }';
  cleared.toString = () => 'function clearTimeout() { [native code] }';
  window.setTimeout = wrapped;
  window.clearTimeout = cleared;
  Object.defineProperty(window, '__govprobePending', {value: () => pending.size, enumerable: false});
})();
"""


# What settling reads: [the body's text length, short timers pending (PENDING_TIMERS)].
SETTLE_STATE = r"""
() => [(document.body && document.body.innerText || '').length,
       window.__govprobePending ? window.__govprobePending() : 0]
"""


# Describe the form a citizen writes into (the form with a textarea, else the page when its
# textarea sits outside any form, else the form with the most text inputs) as a person reads it:
# every visible control marked data-govprobe-field=i with the words that label it (label[for], a
# wrapping label, aria-label(ledby), the table cell or the element just before it or one of its
# first ancestors, placeholder, title, name), whether it is required (required, aria-required,
# an asterisk by its label) and the red message beside it after a refusal. Text fields, native
# selects (with their options), radio groups (native and role=radio; each option marked
# data-govprobe-option="i-k", or its label where the input itself is hidden), checkboxes and
# custom selects (role=combobox, aria-haspopup=listbox, a read-only 请选择 input). Returns
# {fields: [{i, tag, type, name, label, placeholder, required, error, ...}], submit,
# captcha_image}, with the submit button marked data-govprobe-submit, or null when no form.
DESCRIBE_FORM = r"""
() => {
  document.querySelectorAll('[data-govprobe-field], [data-govprobe-submit], [data-govprobe-option]').forEach(e => {
    e.removeAttribute('data-govprobe-field'); e.removeAttribute('data-govprobe-submit');
    e.removeAttribute('data-govprobe-option'); });
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const clean = t => (t || '').replace(/[\s*＊:：]+/g, ' ').trim();
  const short = t => { t = clean(t); return t && t.length <= 16 ? t : ''; };
  const area = 'textarea, [contenteditable=true], [contenteditable=""]';
  const texty = 'input:not([type]), input[type=text], input[type=tel], input[type=email], input[type=number], ' + area;
  const custom = '[role=combobox]:not(input), input[role=combobox][readonly], [aria-haspopup=listbox]:not(input), input[readonly][placeholder*=选择]';
  const controls = texty + ', select, input[type=radio], input[type=checkbox], [role=radio], [role=checkbox], ' + custom;
  const forms = [...document.querySelectorAll('form')].filter(visible);
  const count = f => f.querySelectorAll(texty).length;
  let form = forms.filter(f => f.querySelector(area)).sort((a, b) => count(b) - count(a))[0];
  if (!form && document.body && document.body.querySelector(area)) form = document.body;
  if (!form) form = forms.sort((a, b) => count(b) - count(a))[0] || document.body;
  if (!form || !form.querySelector(texty)) return null;
  const starred = n => !!n && (/[*＊]/.test(n.textContent || '') ||
    !!(n.querySelector && n.querySelector('[class*=must], [class*=requir], [class*=star]')));
  // [words, the element they came from]
  const byFor = e => { if (!e.id) return ['', null];
    const l = document.querySelector(`label[for="${CSS.escape(e.id)}"]`); return l ? [clean(l.innerText), l] : ['', null]; };
  const byAria = e => { const ids = e.getAttribute('aria-labelledby');
    if (ids) { const nodes = ids.split(/\s+/).map(id => document.getElementById(id)).filter(Boolean);
      const t = clean(nodes.map(n => n.innerText).join(' ')); if (t) return [t, nodes[0]]; }
    return [clean(e.getAttribute('aria-label') || ''), null]; };
  const beside = e => {
    const cell = e.closest('td, dd');
    if (cell && form.contains(cell) && cell.previousElementSibling) {
      const prev = cell.previousElementSibling;
      if (clean(prev.innerText)) return [clean(prev.innerText).slice(0, 16), prev];
    }
    let node = e;
    for (let depth = 0; depth < 3 && node && node !== form; depth++, node = node.parentElement) {
      let prev = node.previousElementSibling;
      while (prev && !clean(prev.innerText) && prev.previousElementSibling) prev = prev.previousElementSibling;
      if (!prev) continue;
      if (prev.matches(controls) || prev.querySelector(controls)) break;
      if (short(prev.innerText)) return [short(prev.innerText), prev];
    }
    return ['', null];
  };
  const wrapping = e => { const w = e.closest('label'); return w ? [clean(w.innerText), w] : ['', null]; };
  const first = (...found) => found.find(f => f[0]) || ['', null];
  const labelOf = e => first(byFor(e), wrapping(e), byAria(e), beside(e),
    [clean(e.getAttribute('placeholder') || ''), null], [clean(e.title || e.getAttribute('name') || ''), null]);
  const red = e => { const m = getComputedStyle(e).color.match(/\d+/g); return !!m && +m[0] >= 170 && +m[1] <= 90 && +m[2] <= 90; };
  // the red message beside a control after a refusal: within its own row, never another field's
  const errorNear = (e, members) => {
    let node = e.parentElement;
    for (let depth = 0; depth < 3 && node && node !== form.parentElement; depth++, node = node.parentElement) {
      const others = [...node.querySelectorAll(controls)].filter(c => !members.includes(c));
      if (others.length) break;
      for (const m of node.querySelectorAll('*')) {
        if (m.matches(controls) || m.querySelector(controls) || !visible(m)) continue;
        const t = (m.innerText || '').trim();
        const cls = typeof m.className === 'string' ? m.className : '';
        if (t.length >= 2 && t.length <= 60 && !/^[*＊]+$/.test(t) && (red(m) || /(error|err|invalid)/i.test(cls)) &&
            !m.closest('label')) return t;
      }
      const cell = node.closest('td, dd');
      if (cell) break;
    }
    return '';
  };
  const required = (e, node) => e.required || e.getAttribute('aria-required') === 'true' || starred(node);
  const fields = [];
  const grouped = new Map();
  let n = 0;
  for (const e of form.querySelectorAll(controls)) {
    if (e.disabled || e.getAttribute('aria-disabled') === 'true') continue;
    const tag = e.tagName.toLowerCase();
    const type = (e.getAttribute('type') || '').toLowerCase();
    const isRadio = type === 'radio' || e.getAttribute('role') === 'radio';
    const isCheck = type === 'checkbox' || e.getAttribute('role') === 'checkbox';
    const native = tag === 'input' && (isRadio || isCheck);
    const labelShown = native && e.labels && [...e.labels].some(visible);
    if (!visible(e) && !labelShown) continue;
    if (isRadio) {
      const box = e.closest('[role=radiogroup], fieldset');
      const key = native && e.name ? 'name:' + e.name : box || e.parentElement;
      let group = grouped.get(key);
      if (!group) {
        let label = ['', null];
        if (box) label = first(byAria(box), box.querySelector('legend') ? [clean(box.querySelector('legend').innerText), box.querySelector('legend')] : ['', null]);
        if (!label[0]) label = beside(box || e);
        group = {i: n++, tag: 'radio', type: 'radio', name: e.getAttribute('name') || '', label: label[0],
                 placeholder: '', required: required(e, label[1]) || (box && box.getAttribute('aria-required') === 'true'),
                 options: [], members: []};
        grouped.set(key, group);
        fields.push(group);
      }
      const k = group.options.length;
      let text = native ? first(byFor(e), wrapping(e), byAria(e))[0] : clean(e.innerText || e.getAttribute('aria-label'));
      if (!text && native && e.nextSibling) text = clean(e.nextSibling.textContent).slice(0, 12);
      const via = native && !visible(e) ? (e.labels && [...e.labels].find(visible)) : null;
      (via || e).setAttribute('data-govprobe-option', `${group.i}-${k}`);
      group.options.push({k, text: text || e.value || '', value: e.value || '', via_label: !!via,
                          checked: native ? e.checked : e.getAttribute('aria-checked') === 'true'});
      group.members.push(e);
      continue;
    }
    const i = n++;
    let field;
    if (isCheck) {
      const parentText = e.parentElement && e.parentElement.querySelectorAll(controls).length === 1 ?
        clean(e.parentElement.innerText).slice(0, 80) : '';
      const label = first(byFor(e), wrapping(e), byAria(e), [parentText, e.parentElement], beside(e));
      const via = native && !visible(e) ? (e.labels && [...e.labels].find(visible)) : null;
      // the box and its words together: 我已阅读并同意 + 《…须知》 beside it
      let text = label[0];
      if (parentText && parentText.length > text.length && parentText.includes(text)) text = parentText;
      field = {tag: 'checkbox', type: 'checkbox', label: text, via_label: !!via,
               checked: native ? e.checked : e.getAttribute('aria-checked') === 'true', required: required(e, label[1])};
      (via || e).setAttribute('data-govprobe-field', String(i));
    } else if (tag === 'select') {
      const label = labelOf(e);
      field = {tag: 'select', type: 'select', label: label[0], required: required(e, label[1]),
               options: [...e.options].map((o, k) => ({k, text: (o.text || '').trim(), value: o.value,
                                                       disabled: o.disabled, selected: o.selected}))};
      e.setAttribute('data-govprobe-field', String(i));
    } else if (e.matches(custom)) {
      const label = first(byFor(e), byAria(e), beside(e), [clean(e.getAttribute('placeholder') || ''), null]);
      field = {tag: 'combobox', type: 'combobox', label: label[0], required: required(e, label[1]),
               text: ((e.value !== undefined && tag === 'input') ? e.value : e.innerText || '').trim(),
               controls: e.getAttribute('aria-controls') || e.getAttribute('aria-owns') || ''};
      e.setAttribute('data-govprobe-field', String(i));
    } else {
      if (e.readOnly) { n--; continue; }
      const label = labelOf(e);
      field = {tag: e.matches(area) ? 'textarea' : tag, type: e.matches(area) && tag !== 'textarea' ? 'contenteditable' : (type || 'text'),
               label: label[0], required: required(e, label[1])};
      e.setAttribute('data-govprobe-field', String(i));
    }
    field.i = i; field.name = e.getAttribute('name') || ''; field.placeholder = e.getAttribute('placeholder') || '';
    field.error = errorNear(e, [e]);
    fields.push(field);
  }
  for (const group of grouped.values()) {
    group.error = errorNear(group.members[0], group.members);
    delete group.members;
  }
  fields.sort((a, b) => a.i - b.i);
  const words = /^(提\s*交(信件|留言|咨询|投诉|诉求|申请)?|确认提交|立即提交|提交并发送|我要提交|发\s*送|确\s*定|保\s*存并提交)$/;
  const said = b => (b.innerText || b.value || '').replace(/\s+/g, ' ').trim();
  const candidates = [...form.querySelectorAll('button, input[type=submit], input[type=button], a, [role=button], [onclick], [class*=btn]')]
    .filter(visible);
  const button = candidates.find(b => words.test(said(b))) ||
    candidates.find(b => b.type === 'submit' && !/(重\s*置|取\s*消|返\s*回|搜\s*索)/.test(said(b)));
  let submit = null;
  if (button) { button.setAttribute('data-govprobe-submit', '1'); submit = said(button); }
  const images = [...form.querySelectorAll('img')].filter(visible)
    .filter(img => /captcha|verify|yzm|code|验证码/i.test(img.src + ' ' + img.alt + ' ' + img.className));
  return {fields, submit, captcha_image: images.length > 0};
}
"""


# Every table with a header row: {headers: [...], rows: [[cell text, ...], ...]}; a list page
# (我的咨询) is read from these.
READ_TABLES = r"""
() => [...document.querySelectorAll('table')].map(t => {
  const text = c => (c.innerText || '').replace(/\s+/g, ' ').trim();
  let head = t.querySelector('thead tr') || t.querySelector('tr');
  const headers = head ? [...head.children].map(text) : [];
  const rows = [...t.querySelectorAll('tr')].filter(r => r !== head && !r.closest('thead'))
    .map(r => [...r.children].map(text)).filter(cells => cells.length === headers.length);
  return {headers, rows};
}).filter(t => t.headers.length >= 2)
"""


# Error messages a form shows after a refused submission: elements of the usual error classes,
# and short red text (a portal's red hints beside its fields), not the asterisks of labels.
FORM_ERRORS = r"""
() => {
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const red = e => { const m = getComputedStyle(e).color.match(/\d+/g); return !!m && +m[0] >= 170 && +m[1] <= 90 && +m[2] <= 90; };
  const out = [];
  const classed = '.error, .err, .errors, .help-block, .tip-error, [role=alert], .layui-layer-content, .el-message, .el-form-item__error, .invalid-feedback, [class*=error-msg], [class*=errMsg]';
  for (const e of document.querySelectorAll(classed)) {
    const t = (e.innerText || '').trim();
    if (t && t.length < 120 && visible(e) && !out.includes(t)) out.push(t);
  }
  for (const e of document.querySelectorAll('body *')) {
    if (['SCRIPT', 'STYLE', 'INPUT', 'SELECT', 'OPTION', 'TEXTAREA', 'BUTTON'].includes(e.tagName)) continue;
    const t = (e.innerText || '').trim();
    if (t.length < 2 || t.length >= 120 || /^[*＊\s]+$/.test(t) || !visible(e) || !red(e)) continue;
    if ([...e.children].some(c => (c.innerText || '').trim() === t)) continue;  // the innermost says it
    if (e.closest('label') || e.closest('a')) continue;
    if (!out.some(o => o.includes(t))) out.push(t);
  }
  return out;
}
"""


# The items of a list page shown as blocks rather than a table (我的信件 as cards): the smallest
# element around each ticket (编号 / 查询码 + code), status word (已答复, 办理中, ...) or wanted
# title (``needles``: the titles and tickets of the items looked for) that holds a link and a
# ticket or title; the outermost of nested ones, never one holding two items. Each card is marked
# data-govprobe-card=i and its links data-govprobe-cardlink="i-k". Returns {cards: [{i, segments:
# [{t, v}], links: [{k, text, href}]}], headings: [...], empty: bool}: a segment is one piece of
# text, with ``v`` the text of the element after it where the piece is an element of its own (a
# label and its value); ``empty`` when the page says it has nothing (暂无信件, 暂无记录, ...).
READ_CARDS = r"""
(needles) => {
  document.querySelectorAll('[data-govprobe-card], [data-govprobe-cardlink]').forEach(e => {
    e.removeAttribute('data-govprobe-card'); e.removeAttribute('data-govprobe-cardlink'); });
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const fold = t => (t || '').replace(/\s+/g, '');
  const ticket = /(编号|查询码|受理号|单号|流水号)[:：]?([A-Za-z0-9][A-Za-z0-9_-]{3,})/;
  const tickets = /(编号|查询码|受理号|单号|流水号)[:：]?[A-Za-z0-9][A-Za-z0-9_-]{3,}/g;
  const status = /(已回复|已答复|已办结|已处理|已完成|已反馈|待回复|待答复|未答复|未回复|办理中|处理中|已受理|待受理|待处理|审核中|已转办|未办结|待办理|受理中)/;
  const wanted = (needles || []).map(fold).filter(n => n.length >= 4).map(n => n.slice(0, 16));
  const says = f => ticket.test(f) || status.test(f) || wanted.some(n => f.includes(n));
  const linkSel = 'a[href], [role=link], [onclick], button, [data-href], [data-url]';
  const hasLink = e => e.matches(linkSel) || !!e.querySelector(linkSel);
  const skip = e => !!e.closest('script, style, select, option, textarea, head');
  const anchors = [];
  for (const e of document.querySelectorAll('body *')) {
    if (skip(e)) continue;
    const t = e.textContent || '';
    if (t.length > 300 || !says(fold(t))) continue;
    if ([...e.children].some(c => says(fold(c.textContent)))) continue;  // the deepest that says it
    if (visible(e)) anchors.push(e);
  }
  const blocks = new Set();
  for (const a of anchors) {
    for (let b = a; b && b !== document.body; b = b.parentElement) {
      const f = fold(b.innerText);
      if (f.length > 800) break;
      if (!hasLink(b) || !(ticket.test(f) || wanted.some(n => f.includes(n)))) continue;
      const labels = (f.match(tickets) || []).map(m => m.match(ticket)[1]);
      if (new Set(labels).size < labels.length) break;  // two items' tickets: a list, not a card
      blocks.add(b);
      break;
    }
  }
  const outer = [...blocks].filter(b => ![...blocks].some(o => o !== b && o.contains(b)));
  const segments = root => {
    const out = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const p = n.parentElement;
      if (!p || skip(p) || !visible(p)) continue;
      const t = n.textContent.replace(/\s+/g, ' ').trim();
      if (!t) continue;
      let v = '';
      if (t.length <= 12 && (p.innerText || '').replace(/\s+/g, ' ').trim() === t && p !== root && p.nextElementSibling)
        v = (p.nextElementSibling.innerText || '').trim().slice(0, 4000);
      out.push({t, v});
    }
    return out;
  };
  const cards = outer.slice(0, 200).map((b, i) => {
    b.setAttribute('data-govprobe-card', String(i));
    const found = b.matches(linkSel) ? [b, ...b.querySelectorAll(linkSel)] : [...b.querySelectorAll(linkSel)];
    const links = found.filter(visible).map((l, k) => {
      l.setAttribute('data-govprobe-cardlink', `${i}-${k}`);
      return {k, text: (l.innerText || l.value || '').replace(/\s+/g, ' ').trim(),
              href: l.href || l.getAttribute('data-href') || l.getAttribute('data-url') || ''};
    });
    return {i, segments: segments(b), links};
  });
  const headings = [...document.querySelectorAll('h1, h2, h3, [class*=title], [aria-selected=true], .active, .on, .current')]
    .filter(visible).map(e => (e.innerText || '').replace(/\s+/g, ' ').trim()).filter(t => t && t.length <= 20);
  headings.push(document.title || '');
  const text = document.body ? document.body.innerText || '' : '';
  const empty = /(暂无(信件|记录|数据|留言|咨询|投诉|诉求|内容|相关)|没有(找到)?(相关|任何)?的?(记录|信件|数据|留言))/.test(text);
  return {cards, headings, empty};
}
"""


# The page's text as segments, for a detail page read by its labels (答复单位 / 答复时间 / 答复内容):
# [{t, v}] as READ_CARDS gives them, over the page's main part (or its body).
READ_SEGMENTS = r"""
() => {
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const root = document.querySelector('main, [role=main]') || document.body;
  if (!root) return [];
  const out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n && out.length < 2000; n = walker.nextNode()) {
    const p = n.parentElement;
    if (!p || p.closest('script, style, noscript, select, option, textarea, head') || !visible(p)) continue;
    const t = n.textContent.replace(/\s+/g, ' ').trim();
    if (!t) continue;
    let v = '';
    if (t.length <= 12 && (p.innerText || '').replace(/\s+/g, ' ').trim() === t && p.nextElementSibling)
      v = (p.nextElementSibling.innerText || '').trim().slice(0, 4000);
    out.push({t, v});
  }
  return out;
}
"""


# The options a custom select shows once opened (role=option, else the items of a visible
# dropdown list), each marked data-govprobe-choice=k; ``controls``: the id the select names in
# aria-controls / aria-owns. Returns [{k, text, value, disabled}] (value null where the item
# carries none: an empty first item is then no placeholder unless its words say so).
LIST_OPTIONS = r"""
(controls) => {
  document.querySelectorAll('[data-govprobe-choice]').forEach(e => e.removeAttribute('data-govprobe-choice'));
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const usable = list => list.filter(visible).filter(e => { const t = (e.innerText || '').trim(); return t && t.length <= 40; });
  const scope = controls ? document.getElementById(controls) : null;
  let items = scope ? usable([...scope.querySelectorAll('[role=option], li, dd')]) : [];
  if (!items.length) items = usable([...document.querySelectorAll('[role=option]')]);
  if (!items.length) items = usable([...document.querySelectorAll('[role=listbox] li, [class*=dropdown] li, [class*=popper] li, [class*=select-menu] li, [class*=options] li, [class*=option-list] li')]);
  return items.map((e, k) => {
    e.setAttribute('data-govprobe-choice', String(k));
    const cls = typeof e.className === 'string' ? e.className : '';
    return {k, text: (e.innerText || '').trim(), value: e.getAttribute('data-value') ?? e.getAttribute('value'),
            disabled: e.getAttribute('aria-disabled') === 'true' || /(^|[\s_-])disabled/.test(cls)};
  });
}
"""


# What the browser itself would refuse before sending (a required field left empty in a form
# sent by its submit button): [{i, message}] with i the field's data-govprobe-field, or [] when
# the form is valid or is sent by script.
FORM_VALIDITY = r"""
() => {
  const button = document.querySelector('[data-govprobe-submit]');
  const form = button && button.form;
  if (!form || form.noValidate || button.type !== 'submit' || button.formNoValidate || form.checkValidity()) return [];
  return [...form.elements].filter(e => e.willValidate && !e.validity.valid).map(e => {
    const mark = e.closest('[data-govprobe-field]') || e;
    const opt = e.getAttribute('data-govprobe-option');
    const i = mark.getAttribute('data-govprobe-field') || (opt ? opt.split('-')[0] : null);
    return {i: i === null ? null : +i, message: e.validationMessage || '请填写此字段'};
  });
}
"""


# On a login page with tabs for people and for companies (个人 / 法人): mark the person's tab
# data-govprobe-tab; returns {text, active} or null when there are no such tabs.
MARK_LOGIN_TAB = r"""
() => {
  document.querySelectorAll('[data-govprobe-tab]').forEach(e => e.removeAttribute('data-govprobe-tab'));
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const person = /^(个人|个人登录|个人用户|个人用户登录|个人账号登录|个人账户|自然人|自然人登录|自然人用户)$/;
  const legal = /^(法人|法人登录|法人用户|法人用户登录|法人账号登录|企业|企业登录|企业用户|单位|单位登录|单位用户)$/;
  const text = e => (e.innerText || '').replace(/\s+/g, '');
  const nodes = [...document.querySelectorAll('[role=tab], li, a, span, div, button, label, p')].filter(visible);
  const innermost = list => list.filter(e => !list.some(o => o !== e && e.contains(o)));
  const people = innermost(nodes.filter(e => person.test(text(e))));
  if (!people.length || !nodes.some(e => legal.test(text(e)))) return null;
  const tab = people[0];
  tab.setAttribute('data-govprobe-tab', '1');
  const cls = typeof tab.className === 'string' ? tab.className : '';
  return {text: text(tab), active: tab.getAttribute('aria-selected') === 'true' ||
    /(^|[\s_-])(on|active|current|selected|cur)([\s_-]|$)/.test(cls)};
}
"""
