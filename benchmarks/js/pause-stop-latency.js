// Init script of benchmarks/browser_train.py --ui, run before the page's scripts: timestamps the
// click, the page posting pause/stop to the trainer's worker and the worker's reply in
// window.latency ([name, ms] pairs), so the page's and the worker's shares of the latency are
// measured apart.
window.latency = [];
const stamp = (name) => window.latency.push([name, performance.now()]);
document.addEventListener("pointerdown", () => stamp("click"), true);
const PageWorker = window.Worker;
window.Worker = class extends PageWorker {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (event) => {
      const message = event.data;
      if (message.type === "progress" && message.state !== "training") stamp(message.state);
    });
  }
  postMessage(message, transfer) {
    if (message && ["pause", "stop"].includes(message.type)) stamp("post " + message.type);
    return super.postMessage(message, transfer);
  }
};
