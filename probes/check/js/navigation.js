// The page's own Navigation Timing and what it loaded: {time_origin, ttfb_ms,
// dom_content_loaded_ms, load_ms, bytes, requests}, times in ms from the navigation's start
// (null without a navigation entry), bytes transferred for the document and every resource,
// requests counting the document; time_origin (epoch ms) tells how long was waited before this
// navigation began (a script challenge passed on the way).
() => {
  const n = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const size = e => e.transferSize || e.encodedBodySize || 0;
  let bytes = n ? size(n) : 0;
  for (const r of resources) bytes += size(r);
  return {
    time_origin: performance.timeOrigin,
    ttfb_ms: n ? n.responseStart : null,
    dom_content_loaded_ms: n ? n.domContentLoadedEventEnd : null,
    load_ms: n ? (n.loadEventEnd || n.loadEventStart || n.duration) : null,
    bytes: bytes,
    requests: resources.length + 1,
  };
}
