// The body's markup and its full text (hidden parts included), one line per text node.
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
