// Open what is collapsed: <details>, and mark tabs / expanders / collapsed section headers.
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
