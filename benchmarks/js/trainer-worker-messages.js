// benchmarks/browser_train.py --side-door: starts the trainer's worker on its own and collects
// its messages (all but the frequent progress and boot ones) in window.bench.messages.
() => {
  window.bench = { messages: [], worker: new Worker("trainer-worker.js") };
  window.bench.worker.onmessage = (event) => {
    const message = event.data;
    if (message.type !== "progress" && message.type !== "boot") {
      window.bench.messages.push(message);
    }
  };
}
