// Mark entries to a guide's sub-pages: a link or a clickable cell that names a guide element and
// leads elsewhere (申请材料（3） >, 办理流程 ›), or a bare 查看详情 / 点击查看 / 详情 whose row or cell
// is labelled with an element. Called with the known element labels; returns
// [{i, text, label, href}] for the marked (data-govprobe-sub=i) entries.
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
