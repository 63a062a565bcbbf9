// Installed in every page of a journey's context before the page's own scripts: counts the
// page's short timers (setTimeout up to 1.5 s) not yet run, so that settling knows that a page
// which fetches its content a moment after loading (``setTimeout(load, 400)``) is not done yet.
// Longer timers (carousels, session reminders) and setInterval are not counted.
(() => {
  if (window.__govprobePending) return;
  const pending = new Set();
  const native = window.setTimeout, clear = window.clearTimeout;
  const wrapped = function (fn, delay, ...rest) {
    if (typeof fn !== 'function' || (Number(delay) || 0) > 1500) return native.call(this, fn, delay, ...rest);
    const id = native.call(this, function () { pending.delete(id); return fn.apply(this, arguments); }, delay, ...rest);
    pending.add(id);
    return id;
  };
  const cleared = function (id) { pending.delete(id); return clear.call(this, id); };
  wrapped.toString = () => 'function setTimeout() { [native code] }';
  cleared.toString = () => 'function clearTimeout() { [native code] }';
  window.setTimeout = wrapped;
  window.clearTimeout = cleared;
  Object.defineProperty(window, '__govprobePending', {value: () => pending.size, enumerable: false});
})();
