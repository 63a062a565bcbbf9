// Mark the control that shows the next page of results: a link or button saying 下一页 (or an
// arrow), one labelled or classed "next" (a pager's icon-only button), or the page number after
// the current one. Returns "marked", "disabled" (there is a next control, but it is the last
// page), or null (no pager: the list may load more as it is scrolled).
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
