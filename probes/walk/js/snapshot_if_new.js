// After a click on a tab or a collapsed section: the body's markup and full text, as
// body_snapshot.js gives them, when the text holds a piece no earlier call on this page has
// seen; else null, and nothing is sent back. A state whose every piece was in an earlier
// state adds nothing the guide's capture would keep, and the markup of a long guide sent back
// after each of forty clicks was most of what opening them cost. The pieces seen live on
// window: a page loaded again starts afresh (and its next state is sent whole).
() => {
  if (!document.body) return null;
  const seen = window.__govprobeSeenText || (window.__govprobeSeenText = new Set());
  const parts = [];
  let fresh = false;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement;
    if (p && (p.tagName === 'SCRIPT' || p.tagName === 'STYLE')) continue;
    const t = n.textContent.trim();
    if (!t) continue;
    parts.push(t);
    if (!seen.has(t)) {
      seen.add(t);
      fresh = true;
    }
  }
  return fresh ? [document.body.innerHTML, parts.join('\n')] : null;
}
