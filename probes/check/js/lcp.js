// The largest contentful paint, in ms from the navigation's start, as the browser buffered it
// and in 300 ms more; null when there is none or the browser does not report it.
() => new Promise(resolve => {
  let last = null;
  try {
    const observer = new PerformanceObserver(list => {
      const entries = list.getEntries();
      if (entries.length) last = entries[entries.length - 1].startTime;
    });
    observer.observe({type: 'largest-contentful-paint', buffered: true});
    setTimeout(() => { observer.disconnect(); resolve(last); }, 300);
  } catch (e) { resolve(null); }
})
