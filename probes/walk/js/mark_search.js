// Mark the most likely site-search input; returns a description or null. A read-only input or
// a search-looking bar with no input (a phone portal's fake search bar that opens the search
// page when tapped) is marked only when no writable one is there, described as "readonly:…".
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
