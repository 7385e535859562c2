// Runs the student's code in a Web Worker (static/code-worker.js) with its own Pyodide, so an
// endless loop never freezes the page. A job that outlives its time limit is stopped the only way
// a worker's Python can be stopped on a host without SharedArrayBuffer (GitHub Pages): the worker
// is terminated and a fresh one started. One worker serves every editor on the page, one job at
// a time.

let worker = null;
let ready = null; // resolves when the current worker's Python is up, rejects if it cannot start
let queue = Promise.resolve();
let bootStarted = 0;

function startWorker() {
  bootStarted = performance.now();
  worker = new Worker(new URL("code-worker.js", document.baseURI));
  const current = worker;
  ready = new Promise((resolve, reject) => {
    current.onmessage = ({ data }) => {
      if (data.type === "ready") resolve(current);
      else if (data.type === "boot-failed") reject(new Error(data.message));
    };
    current.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message || "the worker could not start"));
    };
  });
  ready.then(
    () => {
      window.cnnCodeRunner.bootMs = performance.now() - bootStarted;
    },
    () => {},
  );
}

/** Starts the worker's Python now, so the first Run does not wait for it. */
export function warm() {
  if (!worker) startWorker();
}

function restart() {
  worker.terminate();
  startWorker();
}

async function execute(request) {
  warm();
  let current;
  try {
    current = await ready;
  } catch (error) {
    restart(); // the next request tries a fresh worker
    return { kind: "unavailable", message: error.message };
  }
  const limitMs = 1000 * request.limit;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      restart();
      resolve({ kind: "timeout", seconds: request.limit });
    }, limitMs);
    current.onmessage = ({ data }) => {
      if (data.type !== "result") return;
      clearTimeout(timer);
      resolve(data.result);
    };
    current.onerror = (event) => {
      event.preventDefault();
      clearTimeout(timer);
      restart();
      resolve({ kind: "crashed", message: event.message || "the worker stopped" });
    };
    current.postMessage(request);
  });
}

/**
 * Runs `request` ({action: "run"|"check", exercise, code, seed, limit}) after any earlier job;
 * resolves with the worker's result or a {kind: "timeout"|"crashed"|"unavailable"} result.
 */
export function submit(request) {
  const job = queue.then(() => execute(request));
  queue = job.catch(() => {});
  return job;
}

// For tests and benchmarks: how long the last worker took to start (ms).
window.cnnCodeRunner = { bootMs: null };
