// Runs the student's code in a Web Worker (static/code-worker.js) with its own Pyodide, so an
// endless loop never freezes the page. A job that outlives its time limit is stopped the only way
// a worker's Python can be stopped on a host without SharedArrayBuffer (GitHub Pages): the worker
// is terminated and a fresh one started. One worker serves every editor on the page, one job at
// a time.
//
// A fresh worker needs 2-4 s to start Python, so a job still running STANDBY_BEFORE_LIMIT_MS
// before its limit (far longer than any check takes) gets its replacement started beside it:
// when the limit stops the job, the next worker is ready, or nearly. A job that finishes after
// all has its standby terminated (a second Pyodide costs ~100 MB).
const STANDBY_BEFORE_LIMIT_MS = 3000;

let current = null; // {worker, ready: resolves when its Python is up, rejects if it cannot start, started}
let standby = null; // the same for the replacement started during a long job, or null
let queue = Promise.resolve();

function spawn() {
  const started = performance.now();
  const worker = new Worker(new URL("code-worker.js", document.baseURI));
  const ready = new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => {
      if (data.type === "ready") resolve(worker);
      else if (data.type === "boot-failed") reject(new Error(data.message));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message || "the worker could not start"));
    };
  });
  ready.catch(() => {}); // awaited by the job that uses it
  return { worker, ready, started };
}

function adopt(next) {
  current = next;
  next.ready.then(
    () => {
      window.cnnCodeRunner.bootMs = performance.now() - next.started;
    },
    () => {},
  );
}

/** Starts the worker's Python now, so the first Run does not wait for it. */
export function warm() {
  if (!current) adopt(spawn());
}

/**
 * Starts the worker's Python once the page's lesson is interactive and the page is idle: a worker
 * starting beside the page's own boot takes CPU from it (on two cores, a second Pyodide
 * compiling and starting). A Run before then starts it at once (`execute` calls `warm`).
 */
export function warmWhenIdle() {
  const start = () => requestIdleCallback(warm, { timeout: 1000 });
  if (document.body.dataset.ready === "true") {
    start();
    return;
  }
  const observer = new MutationObserver(() => {
    if (document.body.dataset.ready !== "true") return;
    observer.disconnect();
    start();
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ["data-ready"] });
}

function dropStandby() {
  if (standby) standby.worker.terminate();
  standby = null;
}

/** Stops the current worker and puts the standby (or a new worker) in its place. */
function restart() {
  current.worker.terminate();
  const next = standby || spawn();
  standby = null;
  adopt(next);
  const stopped = performance.now();
  next.ready.then(
    () => {
      window.cnnCodeRunner.readyAfterStopMs = performance.now() - stopped;
    },
    () => {},
  );
}

async function execute(request) {
  warm();
  let worker;
  try {
    worker = await current.ready;
  } catch (error) {
    restart(); // the next request tries a fresh worker
    return { kind: "unavailable", message: error.message };
  }
  const limitMs = 1000 * request.limit;
  return new Promise((resolve) => {
    const standbyTimer = setTimeout(() => {
      standby ??= spawn();
    }, Math.max(0, limitMs - STANDBY_BEFORE_LIMIT_MS));
    const finish = (result) => {
      clearTimeout(timer);
      clearTimeout(standbyTimer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      clearTimeout(standbyTimer);
      restart();
      resolve({ kind: "timeout", seconds: request.limit });
    }, limitMs);
    worker.onmessage = ({ data }) => {
      if (data.type !== "result") return;
      dropStandby();
      finish(data.result);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      restart();
      finish({ kind: "crashed", message: event.message || "the worker stopped" });
    };
    worker.postMessage(request);
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

// For tests and benchmarks: how long the last worker took to start (ms, from its own start), and
// how long after the last stop (time limit or crash) its replacement was ready.
window.cnnCodeRunner = { bootMs: null, readyAfterStopMs: null };
