// Every table with a header row: {headers: [...], rows: [[cell text, ...], ...]}; a list page
// (我的咨询) is read from these.
() => [...document.querySelectorAll('table')].map(t => {
  const text = c => (c.innerText || '').replace(/\s+/g, ' ').trim();
  let head = t.querySelector('thead tr') || t.querySelector('tr');
  const headers = head ? [...head.children].map(text) : [];
  const rows = [...t.querySelectorAll('tr')].filter(r => r !== head && !r.closest('thead'))
    .map(r => [...r.children].map(text)).filter(cells => cells.length === headers.length);
  return {headers, rows};
}).filter(t => t.headers.length >= 2)
