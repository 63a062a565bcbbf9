// The page's text as segments, for a detail page read by its labels (答复单位 / 答复时间 / 答复内容):
// [{t, v}] as READ_CARDS gives them, over the page's main part (or its body).
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
