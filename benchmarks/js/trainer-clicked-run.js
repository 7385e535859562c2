// Init script of benchmarks/browser_train.py's clicked runs, run before the page's scripts: the
// main thread's long tasks with their start times ([ms, duration] pairs) and the times the
// worker's "finished" reports arrived, in window.clickedRun, so a run's long tasks split into
// those while it trained (click to report) and those drawing the report.
window.clickedRun = { tasks: [], finished: [] };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    window.clickedRun.tasks.push([entry.startTime, entry.duration]);
  }
}).observe({ type: "longtask" });
const PageWorker = window.Worker;
window.Worker = class extends PageWorker {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (event) => {
      if (event.data.type === "finished") window.clickedRun.finished.push(performance.now());
    });
  }
};
