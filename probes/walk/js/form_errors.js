// Error messages a form shows after a refused submission: elements of the usual error classes,
// and short red text (a portal's red hints beside its fields), not the asterisks of labels.
() => {
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const red = e => { const m = getComputedStyle(e).color.match(/\d+/g); return !!m && +m[0] >= 170 && +m[1] <= 90 && +m[2] <= 90; };
  const out = [];
  const classed = '.error, .err, .errors, .help-block, .tip-error, [role=alert], .layui-layer-content, .el-message, .el-form-item__error, .invalid-feedback, [class*=error-msg], [class*=errMsg]';
  for (const e of document.querySelectorAll(classed)) {
    const t = (e.innerText || '').trim();
    if (t && t.length < 120 && visible(e) && !out.includes(t)) out.push(t);
  }
  for (const e of document.querySelectorAll('body *')) {
    if (['SCRIPT', 'STYLE', 'INPUT', 'SELECT', 'OPTION', 'TEXTAREA', 'BUTTON'].includes(e.tagName)) continue;
    const t = (e.innerText || '').trim();
    if (t.length < 2 || t.length >= 120 || /^[*＊\s]+$/.test(t) || !visible(e) || !red(e)) continue;
    if ([...e.children].some(c => (c.innerText || '').trim() === t)) continue;  // the innermost says it
    if (e.closest('label') || e.closest('a')) continue;
    if (!out.some(o => o.includes(t))) out.push(t);
  }
  return out;
}
