// Starts collecting the duration (ms) of every main-thread task over 50 ms into
// window.benchLongTasks, which the benchmark reads when its measurement ends.
() => {
  window.benchLongTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.benchLongTasks.push(entry.duration);
  }).observe({ type: "longtask" });
}
