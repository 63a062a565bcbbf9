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
    if (!(modal || covering)) continue;
    const text = (e.innerText || '').trim();
    if (!text) continue;
    if (!/(我知道了|知道了|确定|同意|关闭|确认|进入|继续|×|✕|x)/.test(text) &&
        !e.querySelector('button, [role=button], .close, [class*=close]')) continue;
    if (found.some(f => f.contains(e))) continue;
    found.push(e);
  }
  found.forEach((e, i) => e.setAttribute('data-govprobe-overlay', String(i)));
  return found.length;
}
"""

# Mark the most likely site-search input; returns a description or null.
MARK_SEARCH = r"""
() => {
  document.querySelectorAll('[data-govprobe-search]').forEach(e => e.removeAttribute('data-govprobe-search'));
  const visible = e => { const s = getComputedStyle(e); const r = e.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0; };
  let best = null, bestScore = 0;
  for (const e of document.querySelectorAll('input, textarea, [role=searchbox], [contenteditable=true]')) {
    const type = (e.getAttribute('type') || 'text').toLowerCase();
    if (!['text', 'search', ''].includes(type) && e.tagName === 'INPUT') continue;
    if (!visible(e) || e.disabled || e.readOnly) continue;
    const hay = [e.getAttribute('placeholder'), e.getAttribute('aria-label'), e.getAttribute('name'),
      e.id, e.className, e.getAttribute('title')].join(' ');
    if (/(密码|用户名|账号|手机|验证码|password|captcha|phone|mobile|user)/i.test(hay)) continue;
    let score = 1;
    if (e.getAttribute('role') === 'searchbox' || type === 'search') score += 5;
    if (/(搜索|检索|查找|事项|关键|请输入|办事|search|keyword|query|kw|wd)/i.test(hay)) score += 6;
    const form = e.closest('form');
    if (form && /(search|sousuo|query)/i.test(form.getAttribute('action') || '')) score += 3;
    const near = e.parentElement && e.parentElement.parentElement ? e.parentElement.parentElement.innerText || '' : '';
    if (/(搜索|搜\s*索|检索)/.test(near)) score += 2;
    if (e.closest('header, .header, #header, .search, .search-box, [class*=search]')) score += 2;
    if (score > bestScore) { best = e; bestScore = score; }
  }
  if (!best) return null;
  best.setAttribute('data-govprobe-search', '1');
  // the button that submits it: nearest element saying 搜索 / 检索 / 查询
  let node = best, button = null;
  for (let depth = 0; depth < 4 && node && !button; depth++) {
    node = node.parentElement;
    if (!node) break;
    for (const b of node.querySelectorAll('button, a, input[type=submit], input[type=button], span, i, div, img')) {
      if (b === best || b.contains(best) || !visible(b)) continue;
      const t = ((b.innerText || b.value || b.getAttribute('title') || b.getAttribute('alt') || b.getAttribute('aria-label') || '') + ' ' + (b.className || '')).trim();
      if (/(搜索|搜\s*索|检索|查询|search|btn-search|sousuo)/i.test(t) && (b.innerText || '').length <= 8) { button = b; break; }
    }
  }
  if (button) button.setAttribute('data-govprobe-search', 'button');
  return (best.getAttribute('placeholder') || best.getAttribute('aria-label') || best.getAttribute('name') || best.tagName);
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
  // things that act like links without being links: a category tree's node, a toggle button
  const toggles = document.querySelectorAll('span, li, div, dt, h3, h4, h5, p, strong, label, button, [role=button], [role=treeitem]');
  for (const e of toggles) {
    if (seen.has(e) || e.closest('a') || e.querySelector('a, input, select, textarea')) continue;
    const raw = (e.textContent || '').trim();
    if (raw.length < 2 || raw.length > 20 || !visible(e)) continue;
    if (getComputedStyle(e).cursor !== 'pointer') continue;
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

# Describe the fields of the form a citizen writes into (the one with a textarea, else the one
# with the most text inputs): each visible field marked data-govprobe-field=i, with the words
# that label it (label[for], a wrapping label, aria-label, placeholder, the table cell or the
# element just before it, title, name). Returns {fields: [{i, tag, type, name, label}], submit}
# where submit describes the marked (data-govprobe-submit) button, or null when no form.
DESCRIBE_FORM = r"""
() => {
  document.querySelectorAll('[data-govprobe-field], [data-govprobe-submit]').forEach(e => {
    e.removeAttribute('data-govprobe-field'); e.removeAttribute('data-govprobe-submit'); });
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const clean = t => (t || '').replace(/[\s*＊:：]+/g, ' ').trim();
  const inputs = 'input:not([type]), input[type=text], input[type=tel], input[type=email], input[type=number], textarea';
  const forms = [...document.querySelectorAll('form')].filter(visible);
  const pool = forms.length ? forms : [document.body];
  const rank = f => (f.querySelector('textarea') ? 100 : 0) + f.querySelectorAll(inputs).length;
  const form = pool.sort((a, b) => rank(b) - rank(a))[0];
  if (!form || !form.querySelector(inputs)) return null;
  const labelOf = e => {
    if (e.id) { const l = document.querySelector(`label[for="${CSS.escape(e.id)}"]`); if (l) return clean(l.innerText); }
    const wrap = e.closest('label'); if (wrap) return clean(wrap.innerText);
    if (e.getAttribute('aria-label')) return clean(e.getAttribute('aria-label'));
    const cell = e.closest('td, dd');
    if (cell) { const prev = cell.previousElementSibling; if (prev && clean(prev.innerText)) return clean(prev.innerText); }
    let prev = e.previousElementSibling;
    while (prev && !clean(prev.innerText) && prev.previousElementSibling) prev = prev.previousElementSibling;
    if (prev && clean(prev.innerText) && clean(prev.innerText).length <= 12) return clean(prev.innerText);
    if (e.placeholder) return clean(e.placeholder);
    return clean(e.title || e.name || '');
  };
  const fields = [];
  [...form.querySelectorAll(inputs)].filter(visible).forEach((e, i) => {
    e.setAttribute('data-govprobe-field', String(i));
    fields.push({i, tag: e.tagName.toLowerCase(), type: (e.type || 'text').toLowerCase(),
                 name: e.name || '', label: labelOf(e), placeholder: e.placeholder || ''});
  });
  const words = /^(提\s*交|确认提交|提交留言|提交咨询|提交投诉|发\s*送|确\s*定|保\s*存并提交)$/;
  const candidates = [...form.querySelectorAll('button, input[type=submit], input[type=button], a, [role=button]')]
    .filter(visible);
  const button = candidates.find(b => words.test((b.innerText || b.value || '').trim())) ||
    candidates.find(b => b.type === 'submit');
  let submit = null;
  if (button) { button.setAttribute('data-govprobe-submit', '1');
    submit = (button.innerText || button.value || '').trim(); }
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

# Error messages a form shows after a refused submission.
FORM_ERRORS = r"""
() => [...document.querySelectorAll('.error, .err, .errors, .help-block, .tip-error, [role=alert], .layui-layer-content, .el-message, .el-form-item__error')]
  .map(e => (e.innerText || '').trim()).filter(t => t && t.length < 120)
"""
