// benchmarks/boot.py: the boot's performance marks named `${prefix}<stage>` (ms since navigation),
// first paint, when data-ready turned true, and the bytes the page fetched until then.
(prefix) => {
  const stages = {};
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  if (paint) stages["first-paint"] = paint.startTime;
  for (const mark of performance.getEntriesByType("mark")) {
    if (mark.name.startsWith(prefix)) stages[mark.name.slice(prefix.length)] = mark.startTime;
  }
  const ready = performance.getEntriesByName("bench:data-ready")[0];
  if (ready) stages["data-ready"] = ready.startTime;
  // Bytes the page itself fetched over the network before it was ready (0 when served from the
  // service worker's or the HTTP cache); the service worker's own downloads are not included.
  const fetched = [
    ...performance.getEntriesByType("navigation"),
    ...performance.getEntriesByType("resource"),
  ].filter((entry) => !ready || entry.responseEnd <= ready.startTime);
  const bytes = fetched.reduce((sum, entry) => sum + entry.transferSize, 0);
  return { stages, bytes };
}
