// What mobile adaptation is judged from, called with the smallest readable font size in px:
// {viewport_meta (its content, null without one), scroll_width, text_chars (visible text),
// small_chars (of it, in a font smaller than readablePx)}.
(readablePx) => {
  const meta = document.querySelector('meta[name="viewport" i]');
  let chars = 0, small = 0;
  const counted = new Set();
  if (document.body) {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const text = walker.currentNode.textContent.trim();
      const el = walker.currentNode.parentElement;
      if (!text || !el || counted.has(el)) continue;
      counted.add(el);
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (style.display === 'none' || style.visibility === 'hidden' || !box.width || !box.height) continue;
      const n = (el.innerText || text).trim().length;
      chars += n;
      if (parseFloat(style.fontSize) < readablePx) small += n;
    }
  }
  return {
    viewport_meta: meta ? meta.getAttribute('content') || '' : null,
    scroll_width: Math.max(document.documentElement.scrollWidth,
                           document.body ? document.body.scrollWidth : 0),
    text_chars: chars,
    small_chars: small,
  };
}
