// The options a custom select shows once opened (role=option, else the items of a visible
// dropdown list), each marked data-govprobe-choice=k; ``controls``: the id the select names in
// aria-controls / aria-owns. Returns [{k, text, value, disabled}] (value null where the item
// carries none: an empty first item is then no placeholder unless its words say so).
(controls) => {
  document.querySelectorAll('[data-govprobe-choice]').forEach(e => e.removeAttribute('data-govprobe-choice'));
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const usable = list => list.filter(visible).filter(e => { const t = (e.innerText || '').trim(); return t && t.length <= 40; });
  const scope = controls ? document.getElementById(controls) : null;
  let items = scope ? usable([...scope.querySelectorAll('[role=option], li, dd')]) : [];
  if (!items.length) items = usable([...document.querySelectorAll('[role=option]')]);
  if (!items.length) items = usable([...document.querySelectorAll('[role=listbox] li, [class*=dropdown] li, [class*=popper] li, [class*=select-menu] li, [class*=options] li, [class*=option-list] li')]);
  return items.map((e, k) => {
    e.setAttribute('data-govprobe-choice', String(k));
    const cls = typeof e.className === 'string' ? e.className : '';
    return {k, text: (e.innerText || '').trim(), value: e.getAttribute('data-value') ?? e.getAttribute('value'),
            disabled: e.getAttribute('aria-disabled') === 'true' || /(^|[\s_-])disabled/.test(cls)};
  });
}
