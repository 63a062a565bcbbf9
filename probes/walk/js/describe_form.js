// Describe the form a citizen writes into (the form with a textarea, else the page when its
// textarea sits outside any form, else the form with the most text inputs) as a person reads it:
// every visible control marked data-govprobe-field=i with the words that label it (label[for], a
// wrapping label, aria-label(ledby), the table cell or the element just before it or one of its
// first ancestors, placeholder, title, name), whether it is required (required, aria-required,
// an asterisk by its label) and the red message beside it after a refusal. Text fields, native
// selects (with their options), radio groups (native and role=radio; each option marked
// data-govprobe-option="i-k", or its label where the input itself is hidden), checkboxes and
// custom selects (role=combobox, aria-haspopup=listbox, a read-only 请选择 input). Returns
// {fields: [{i, tag, type, name, label, placeholder, required, error, ...}], submit,
// captcha_image}, with the submit button marked data-govprobe-submit, or null when no form.
() => {
  document.querySelectorAll('[data-govprobe-field], [data-govprobe-submit], [data-govprobe-option]').forEach(e => {
    e.removeAttribute('data-govprobe-field'); e.removeAttribute('data-govprobe-submit');
    e.removeAttribute('data-govprobe-option'); });
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const clean = t => (t || '').replace(/[\s*＊:：]+/g, ' ').trim();
  const short = t => { t = clean(t); return t && t.length <= 16 ? t : ''; };
  const area = 'textarea, [contenteditable=true], [contenteditable=""]';
  const texty = 'input:not([type]), input[type=text], input[type=tel], input[type=email], input[type=number], ' + area;
  const custom = '[role=combobox]:not(input), input[role=combobox][readonly], [aria-haspopup=listbox]:not(input), input[readonly][placeholder*=选择]';
  const controls = texty + ', select, input[type=radio], input[type=checkbox], [role=radio], [role=checkbox], ' + custom;
  const forms = [...document.querySelectorAll('form')].filter(visible);
  const count = f => f.querySelectorAll(texty).length;
  let form = forms.filter(f => f.querySelector(area)).sort((a, b) => count(b) - count(a))[0];
  if (!form && document.body && document.body.querySelector(area)) form = document.body;
  if (!form) form = forms.sort((a, b) => count(b) - count(a))[0] || document.body;
  if (!form || !form.querySelector(texty)) return null;
  const starred = n => !!n && (/[*＊]/.test(n.textContent || '') ||
    !!(n.querySelector && n.querySelector('[class*=must], [class*=requir], [class*=star]')));
  // [words, the element they came from]
  const byFor = e => { if (!e.id) return ['', null];
    const l = document.querySelector(`label[for="${CSS.escape(e.id)}"]`); return l ? [clean(l.innerText), l] : ['', null]; };
  const byAria = e => { const ids = e.getAttribute('aria-labelledby');
    if (ids) { const nodes = ids.split(/\s+/).map(id => document.getElementById(id)).filter(Boolean);
      const t = clean(nodes.map(n => n.innerText).join(' ')); if (t) return [t, nodes[0]]; }
    return [clean(e.getAttribute('aria-label') || ''), null]; };
  const beside = e => {
    const cell = e.closest('td, dd');
    if (cell && form.contains(cell) && cell.previousElementSibling) {
      const prev = cell.previousElementSibling;
      if (clean(prev.innerText)) return [clean(prev.innerText).slice(0, 16), prev];
    }
    let node = e;
    for (let depth = 0; depth < 3 && node && node !== form; depth++, node = node.parentElement) {
      let prev = node.previousElementSibling;
      while (prev && !clean(prev.innerText) && prev.previousElementSibling) prev = prev.previousElementSibling;
      if (!prev) continue;
      if (prev.matches(controls) || prev.querySelector(controls)) break;
      if (short(prev.innerText)) return [short(prev.innerText), prev];
    }
    return ['', null];
  };
  const wrapping = e => { const w = e.closest('label'); return w ? [clean(w.innerText), w] : ['', null]; };
  const first = (...found) => found.find(f => f[0]) || ['', null];
  const labelOf = e => first(byFor(e), wrapping(e), byAria(e), beside(e),
    [clean(e.getAttribute('placeholder') || ''), null], [clean(e.title || e.getAttribute('name') || ''), null]);
  const red = e => { const m = getComputedStyle(e).color.match(/\d+/g); return !!m && +m[0] >= 170 && +m[1] <= 90 && +m[2] <= 90; };
  // the red message beside a control after a refusal: within its own row, never another field's
  const errorNear = (e, members) => {
    let node = e.parentElement;
    for (let depth = 0; depth < 3 && node && node !== form.parentElement; depth++, node = node.parentElement) {
      const others = [...node.querySelectorAll(controls)].filter(c => !members.includes(c));
      if (others.length) break;
      for (const m of node.querySelectorAll('*')) {
        if (m.matches(controls) || m.querySelector(controls) || !visible(m)) continue;
        const t = (m.innerText || '').trim();
        const cls = typeof m.className === 'string' ? m.className : '';
        if (t.length >= 2 && t.length <= 60 && !/^[*＊]+$/.test(t) && (red(m) || /(error|err|invalid)/i.test(cls)) &&
            !m.closest('label')) return t;
      }
      const cell = node.closest('td, dd');
      if (cell) break;
    }
    return '';
  };
  const required = (e, node) => e.required || e.getAttribute('aria-required') === 'true' || starred(node);
  const fields = [];
  const grouped = new Map();
  let n = 0;
  for (const e of form.querySelectorAll(controls)) {
    if (e.disabled || e.getAttribute('aria-disabled') === 'true') continue;
    const tag = e.tagName.toLowerCase();
    const type = (e.getAttribute('type') || '').toLowerCase();
    const isRadio = type === 'radio' || e.getAttribute('role') === 'radio';
    const isCheck = type === 'checkbox' || e.getAttribute('role') === 'checkbox';
    const native = tag === 'input' && (isRadio || isCheck);
    const labelShown = native && e.labels && [...e.labels].some(visible);
    if (!visible(e) && !labelShown) continue;
    if (isRadio) {
      const box = e.closest('[role=radiogroup], fieldset');
      const key = native && e.name ? 'name:' + e.name : box || e.parentElement;
      let group = grouped.get(key);
      if (!group) {
        let label = ['', null];
        if (box) label = first(byAria(box), box.querySelector('legend') ? [clean(box.querySelector('legend').innerText), box.querySelector('legend')] : ['', null]);
        if (!label[0]) label = beside(box || e);
        group = {i: n++, tag: 'radio', type: 'radio', name: e.getAttribute('name') || '', label: label[0],
                 placeholder: '', required: required(e, label[1]) || (box && box.getAttribute('aria-required') === 'true'),
                 options: [], members: []};
        grouped.set(key, group);
        fields.push(group);
      }
      const k = group.options.length;
      let text = native ? first(byFor(e), wrapping(e), byAria(e))[0] : clean(e.innerText || e.getAttribute('aria-label'));
      if (!text && native && e.nextSibling) text = clean(e.nextSibling.textContent).slice(0, 12);
      const via = native && !visible(e) ? (e.labels && [...e.labels].find(visible)) : null;
      (via || e).setAttribute('data-govprobe-option', `${group.i}-${k}`);
      group.options.push({k, text: text || e.value || '', value: e.value || '', via_label: !!via,
                          checked: native ? e.checked : e.getAttribute('aria-checked') === 'true'});
      group.members.push(e);
      continue;
    }
    const i = n++;
    let field;
    if (isCheck) {
      const parentText = e.parentElement && e.parentElement.querySelectorAll(controls).length === 1 ?
        clean(e.parentElement.innerText).slice(0, 80) : '';
      const label = first(byFor(e), wrapping(e), byAria(e), [parentText, e.parentElement], beside(e));
      const via = native && !visible(e) ? (e.labels && [...e.labels].find(visible)) : null;
      // the box and its words together: 我已阅读并同意 + 《…须知》 beside it
      let text = label[0];
      if (parentText && parentText.length > text.length && parentText.includes(text)) text = parentText;
      field = {tag: 'checkbox', type: 'checkbox', label: text, via_label: !!via,
               checked: native ? e.checked : e.getAttribute('aria-checked') === 'true', required: required(e, label[1])};
      (via || e).setAttribute('data-govprobe-field', String(i));
    } else if (tag === 'select') {
      const label = labelOf(e);
      field = {tag: 'select', type: 'select', label: label[0], required: required(e, label[1]),
               options: [...e.options].map((o, k) => ({k, text: (o.text || '').trim(), value: o.value,
                                                       disabled: o.disabled, selected: o.selected}))};
      e.setAttribute('data-govprobe-field', String(i));
    } else if (e.matches(custom)) {
      const label = first(byFor(e), byAria(e), beside(e), [clean(e.getAttribute('placeholder') || ''), null]);
      field = {tag: 'combobox', type: 'combobox', label: label[0], required: required(e, label[1]),
               text: ((e.value !== undefined && tag === 'input') ? e.value : e.innerText || '').trim(),
               controls: e.getAttribute('aria-controls') || e.getAttribute('aria-owns') || ''};
      e.setAttribute('data-govprobe-field', String(i));
    } else {
      if (e.readOnly) { n--; continue; }
      const label = labelOf(e);
      field = {tag: e.matches(area) ? 'textarea' : tag, type: e.matches(area) && tag !== 'textarea' ? 'contenteditable' : (type || 'text'),
               label: label[0], required: required(e, label[1])};
      e.setAttribute('data-govprobe-field', String(i));
    }
    field.i = i; field.name = e.getAttribute('name') || ''; field.placeholder = e.getAttribute('placeholder') || '';
    field.error = errorNear(e, [e]);
    fields.push(field);
  }
  for (const group of grouped.values()) {
    group.error = errorNear(group.members[0], group.members);
    delete group.members;
  }
  fields.sort((a, b) => a.i - b.i);
  const words = /^(提\s*交(信件|留言|咨询|投诉|诉求|申请)?|确认提交|立即提交|提交并发送|我要提交|发\s*送|确\s*定|保\s*存并提交)$/;
  const said = b => (b.innerText || b.value || '').replace(/\s+/g, ' ').trim();
  const candidates = [...form.querySelectorAll('button, input[type=submit], input[type=button], a, [role=button], [onclick], [class*=btn]')]
    .filter(visible);
  const button = candidates.find(b => words.test(said(b))) ||
    candidates.find(b => b.type === 'submit' && !/(重\s*置|取\s*消|返\s*回|搜\s*索)/.test(said(b)));
  let submit = null;
  if (button) { button.setAttribute('data-govprobe-submit', '1'); submit = said(button); }
  const images = [...form.querySelectorAll('img')].filter(visible)
    .filter(img => /captcha|verify|yzm|code|验证码/i.test(img.src + ' ' + img.alt + ' ' + img.className));
  return {fields, submit, captcha_image: images.length > 0};
}
