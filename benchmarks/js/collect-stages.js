// benchmarks/boot.py: the boot's performance marks named `${prefix}<stage>` (ms since navigation),
// first paint, and when data-ready turned true.
(prefix) => {
  const stages = {};
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  if (paint) stages["first-paint"] = paint.startTime;
  for (const mark of performance.getEntriesByType("mark")) {
    if (mark.name.startsWith(prefix)) stages[mark.name.slice(prefix.length)] = mark.startTime;
  }
  const ready = performance.getEntriesByName("bench:data-ready")[0];
  if (ready) stages["data-ready"] = ready.startTime;
  return { stages };
}
