// Every link-like element with short text: candidates for results and navigation.
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
