// On a login page with tabs for people and for companies (个人 / 法人): mark the person's tab
// data-govprobe-tab; returns {text, active} or null when there are no such tabs.
() => {
  document.querySelectorAll('[data-govprobe-tab]').forEach(e => e.removeAttribute('data-govprobe-tab'));
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const person = /^(个人|个人登录|个人用户|个人用户登录|个人账号登录|个人账户|自然人|自然人登录|自然人用户)$/;
  const legal = /^(法人|法人登录|法人用户|法人用户登录|法人账号登录|企业|企业登录|企业用户|单位|单位登录|单位用户)$/;
  const text = e => (e.innerText || '').replace(/\s+/g, '');
  const nodes = [...document.querySelectorAll('[role=tab], li, a, span, div, button, label, p')].filter(visible);
  const innermost = list => list.filter(e => !list.some(o => o !== e && e.contains(o)));
  const people = innermost(nodes.filter(e => person.test(text(e))));
  if (!people.length || !nodes.some(e => legal.test(text(e)))) return null;
  const tab = people[0];
  tab.setAttribute('data-govprobe-tab', '1');
  const cls = typeof tab.className === 'string' ? tab.className : '';
  return {text: text(tab), active: tab.getAttribute('aria-selected') === 'true' ||
    /(^|[\s_-])(on|active|current|selected|cur)([\s_-]|$)/.test(cls)};
}
