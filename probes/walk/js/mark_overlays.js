// Mark overlays (modal notices) that cover the page; returns how many were marked.
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
