// The items of a list page shown as blocks rather than a table (我的信件 as cards): the smallest
// element around each ticket (编号 / 查询码 + code), status word (已答复, 办理中, ...) or wanted
// title (``needles``: the titles and tickets of the items looked for) that holds a link and a
// ticket or title; the outermost of nested ones, never one holding two items. Each card is marked
// data-govprobe-card=i and its links data-govprobe-cardlink="i-k". Returns {cards: [{i, segments:
// [{t, v}], links: [{k, text, href}]}], headings: [...], empty: bool}: a segment is one piece of
// text, with ``v`` the text of the element after it where the piece is an element of its own (a
// label and its value); ``empty`` when the page says it has nothing (暂无信件, 暂无记录, ...).
(needles) => {
  document.querySelectorAll('[data-govprobe-card], [data-govprobe-cardlink]').forEach(e => {
    e.removeAttribute('data-govprobe-card'); e.removeAttribute('data-govprobe-cardlink'); });
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const fold = t => (t || '').replace(/\s+/g, '');
  const ticket = /(编号|查询码|受理号|单号|流水号)[:：]?([A-Za-z0-9][A-Za-z0-9_-]{3,})/;
  const tickets = /(编号|查询码|受理号|单号|流水号)[:：]?[A-Za-z0-9][A-Za-z0-9_-]{3,}/g;
  const status = /(已回复|已答复|已办结|已处理|已完成|已反馈|待回复|待答复|未答复|未回复|办理中|处理中|已受理|待受理|待处理|审核中|已转办|未办结|待办理|受理中)/;
  const wanted = (needles || []).map(fold).filter(n => n.length >= 4).map(n => n.slice(0, 16));
  const says = f => ticket.test(f) || status.test(f) || wanted.some(n => f.includes(n));
  const linkSel = 'a[href], [role=link], [onclick], button, [data-href], [data-url]';
  const hasLink = e => e.matches(linkSel) || !!e.querySelector(linkSel);
  const skip = e => !!e.closest('script, style, select, option, textarea, head');
  const anchors = [];
  for (const e of document.querySelectorAll('body *')) {
    if (skip(e)) continue;
    const t = e.textContent || '';
    if (t.length > 300 || !says(fold(t))) continue;
    if ([...e.children].some(c => says(fold(c.textContent)))) continue;  // the deepest that says it
    if (visible(e)) anchors.push(e);
  }
  const blocks = new Set();
  for (const a of anchors) {
    for (let b = a; b && b !== document.body; b = b.parentElement) {
      const f = fold(b.innerText);
      if (f.length > 800) break;
      if (!hasLink(b) || !(ticket.test(f) || wanted.some(n => f.includes(n)))) continue;
      const labels = (f.match(tickets) || []).map(m => m.match(ticket)[1]);
      if (new Set(labels).size < labels.length) break;  // two items' tickets: a list, not a card
      blocks.add(b);
      break;
    }
  }
  const outer = [...blocks].filter(b => ![...blocks].some(o => o !== b && o.contains(b)));
  const segments = root => {
    const out = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const p = n.parentElement;
      if (!p || skip(p) || !visible(p)) continue;
      const t = n.textContent.replace(/\s+/g, ' ').trim();
      if (!t) continue;
      let v = '';
      if (t.length <= 12 && (p.innerText || '').replace(/\s+/g, ' ').trim() === t && p !== root && p.nextElementSibling)
        v = (p.nextElementSibling.innerText || '').trim().slice(0, 4000);
      out.push({t, v});
    }
    return out;
  };
  const cards = outer.slice(0, 200).map((b, i) => {
    b.setAttribute('data-govprobe-card', String(i));
    const found = b.matches(linkSel) ? [b, ...b.querySelectorAll(linkSel)] : [...b.querySelectorAll(linkSel)];
    const links = found.filter(visible).map((l, k) => {
      l.setAttribute('data-govprobe-cardlink', `${i}-${k}`);
      return {k, text: (l.innerText || l.value || '').replace(/\s+/g, ' ').trim(),
              href: l.href || l.getAttribute('data-href') || l.getAttribute('data-url') || ''};
    });
    return {i, segments: segments(b), links};
  });
  const headings = [...document.querySelectorAll('h1, h2, h3, [class*=title], [aria-selected=true], .active, .on, .current')]
    .filter(visible).map(e => (e.innerText || '').replace(/\s+/g, ' ').trim()).filter(t => t && t.length <= 20);
  headings.push(document.title || '');
  const text = document.body ? document.body.innerText || '' : '';
  const empty = /(暂无(信件|记录|数据|留言|咨询|投诉|诉求|内容|相关)|没有(找到)?(相关|任何)?的?(记录|信件|数据|留言))/.test(text);
  return {cards, headings, empty};
}
