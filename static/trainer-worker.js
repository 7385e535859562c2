// The trainer's Web Worker: its own Pyodide + numpy + the engine, so training never blocks the page.
//
// The messages both ways are defined once, in app/trainer/protocol.py (types, fields, version);
// this file only relays them to Python's Driver (app/trainer/driver.py), which checks and answers
// them. Besides relaying, it boots Python (sending the two unversioned "boot" messages), runs the
// driver's slices with a return to the event loop between them (that is what lets "pause" and
// "stop" in), and keeps the last trained model in IndexedDB so a reload restores it ("forget" and
// "memory" are answered here, through the driver's reply builder, since only JavaScript can).
"use strict";

const BASE = new URL("./", self.location.href);
const SLICE_SECONDS = 0.1;
const DB_NAME = "cnn-classroom-trainer";
const STORE = "models";
const MODEL_KEY = "current";

importScripts(new URL("pyodide/pyodide.js", BASE).href, new URL("worker-python.js", BASE).href);

let pyodide = null;
let driver = null;
let version = null; // app.trainer.protocol.VERSION, read once Python is up
let looping = false;
const pending = [];

function send(message, transfer = []) {
  self.postMessage(message, transfer);
}

// ---------------------------------------------------------------- IndexedDB (the kept model)
function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function dbRequest(mode, action) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const request = action(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

const keepModel = (bytes) => dbRequest("readwrite", (s) => s.put(bytes, MODEL_KEY));
const keptModel = () => dbRequest("readonly", (s) => s.get(MODEL_KEY));
const forgetModel = () => dbRequest("readwrite", (s) => s.delete(MODEL_KEY));

// ---------------------------------------------------------------- boot
async function fetchWithProgress(url, stage) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname} could not be loaded (HTTP ${response.status})`);
  const total = Number(response.headers.get("Content-Length")) || 0;
  const reader = response.body.getReader();
  const chunks = [];
  let loaded = 0;
  let lastPost = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    if (performance.now() - lastPost > 100) {
      lastPost = performance.now();
      send({ type: "boot", stage, loaded, total });
    }
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  send({ type: "boot", stage, loaded, total: total || loaded });
  return bytes;
}

// Pyodide's numpy has no BLAS; its scipy package ships OpenBLAS. Only this worker loads it (the
// lessons never do), and registers scipy's gemms with the engine (engine/blas.py) for its im2col
// and dense products. Without it the engine keeps numpy's own products: slower, same results.
const USE_SCIPY_BLAS = `
import numpy as np
from scipy.linalg.blas import dgemm, sgemm
from engine import blas
blas.register_gemm(np.float32, sgemm)
blas.register_gemm(np.float64, dgemm)
`;

async function useScipyBlas() {
  const problems = [];
  try {
    await pyodide.loadPackage("scipy", {
      messageCallback: () => {},
      errorCallback: (message) => problems.push(message),
    });
    pyodide.runPython(USE_SCIPY_BLAS);
  } catch (error) {
    problems.push(String(error.message || error));
  }
  if (problems.length) console.warn(`Training uses numpy's own products: ${problems.join("; ")}`);
}

async function boot() {
  send({ type: "boot", stage: "Starting Python in the background" });
  // The data download runs while Pyodide, numpy and scipy load.
  const data = fetchWithProgress(new URL("data/mnist.npz", BASE), "Downloading MNIST");
  pyodide = await cnnWorkerPython.start(() =>
    send({ type: "boot", stage: "Loading numpy and the engine" }),
  );
  await useScipyBlas();
  const bytes = await data;
  send({ type: "boot", stage: "Unpacking MNIST" });
  pyodide.globals.set("mnist_bytes", bytes);
  driver = pyodide.runPython(`
from app.trainer.driver import Driver
from engine.data import load_mnist
Driver(load_mnist(mnist_bytes.to_py()))
`);
  pyodide.globals.delete("mnist_bytes");
  version = pyodide.runPython("from app.trainer.protocol import VERSION; VERSION");
  const kept = await keptModel().catch(() => undefined);
  send(reply("ready", { restoring: Boolean(kept) }));
  if (kept) dispatch({ type: "load", v: version, bytes: kept, source: "kept" });
  while (pending.length) dispatch(pending.shift());
}

// ---------------------------------------------------------------- messages
function toJs(pyMessages) {
  const messages = pyMessages.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
  pyMessages.destroy();
  return messages;
}

// A versioned reply built by Python's protocol module (for the messages this file answers).
function reply(type, fields = {}) {
  const pyFields = pyodide.toPy(fields);
  const pyReply = driver.reply(type, pyFields);
  pyFields.destroy();
  const message = pyReply.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
  pyReply.destroy();
  return message;
}

function heapBytes() {
  return pyodide._module.HEAP8.length;
}

function afterPython(message) {
  if (message.type === "finished") {
    const exported = toJs(driver.handle(pyodide.toPy({ type: "export", v: version })));
    keepModel(exported[0].bytes).catch((e) =>
      send(reply("error", { message: `Your model could not be kept in this browser: ${e}` })),
    );
    send(reply("memory", { heap: heapBytes() }));
  }
}

function post(messages) {
  for (const message of messages) {
    const transfer = message.bytes instanceof Uint8Array ? [message.bytes.buffer] : [];
    send(message, transfer);
    afterPython(message);
  }
}

function dispatch(message) {
  if (message.type === "forget" && message.v === version) {
    forgetModel().then(() => send(reply("forgotten")));
    return;
  }
  if (message.type === "memory" && message.v === version) {
    send(reply("memory", { heap: heapBytes() }));
    return;
  }
  const pyMessage = pyodide.toPy(message);
  const replies = toJs(driver.handle(pyMessage));
  pyMessage.destroy();
  for (const answer of replies) {
    if (answer.type === "error" && answer.request === "load" && message.source === "kept") {
      answer.message = `Your saved model could not be restored: ${answer.message}`;
      forgetModel().catch(() => {});
    }
  }
  post(replies);
  runLoop();
}

async function runLoop() {
  if (looping) return;
  looping = true;
  try {
    while (driver.busy) {
      post(toJs(driver.run_slice(SLICE_SECONDS)));
      // Back to the event loop: queued pause/stop messages are handled here.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } catch (error) {
    send(reply("error", { message: `Training failed: ${error.message || error}` }));
  } finally {
    looping = false;
  }
}

self.onmessage = (event) => {
  if (!driver) {
    pending.push(event.data);
    return;
  }
  try {
    dispatch(event.data);
  } catch (error) {
    send(reply("error", { message: String(error.message || error) }));
  }
};

boot().catch((error) => send({ type: "boot-failed", message: String(error.message || error) }));
