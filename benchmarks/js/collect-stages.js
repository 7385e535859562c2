// benchmarks/boot.py: the boot's performance marks named `${prefix}<stage>` (ms since navigation),
// first paint, and when the first step became interactive and data-ready turned true.
(prefix) => {
  const stages = {};
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  if (paint) stages["first-paint"] = paint.startTime;
  for (const mark of performance.getEntriesByType("mark")) {
    if (mark.name.startsWith(prefix)) stages[mark.name.slice(prefix.length)] = mark.startTime;
  }
  for (const name of ["data-first-step", "data-ready"]) {
    const seen = performance.getEntriesByName(`bench:${name}`)[0];
    if (seen) stages[name] = seen.startTime;
  }
  return { stages };
}
