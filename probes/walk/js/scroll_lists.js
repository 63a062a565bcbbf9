// Scroll the page and every scrolled list to the bottom, as a person does to make a list that
// loads as it scrolls show more; returns how many things were scrolled.
() => {
  let n = 0;
  const root = document.scrollingElement || document.documentElement;
  if (root.scrollHeight > root.clientHeight + 2) { window.scrollTo(0, root.scrollHeight); n++; }
  for (const e of document.querySelectorAll('body *')) {
    if (e.scrollHeight > e.clientHeight + 20 && e.clientHeight > 50) {
      const s = getComputedStyle(e);
      if (/(auto|scroll)/.test(s.overflowY)) { e.scrollTop = e.scrollHeight; n++; }
    }
  }
  window.dispatchEvent(new Event('scroll'));
  return n;
}
