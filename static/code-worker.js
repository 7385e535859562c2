// The code exercises' Web Worker: its own Pyodide runs the student's code, so an endless loop
// blocks only this worker, which the page then terminates and replaces (sitebuild/codemirror/
// runner.js). It sees none of the page's state: no progress, no trained model.
//
// Protocol: page -> worker {id, action: "run"|"check", exercise, code, seed};
//           worker -> page {type: "ready"} | {type: "boot-failed", message} |
//                          {type: "result", id, result} (app.code_exercises.runner's reply).
"use strict";

importScripts("pyodide/pyodide.js", "worker-python.js");

// The trainer keeps its model in IndexedDB and the page its saved Python state in Cache Storage;
// the student's code has no business with either. Both are getters on the global scope's
// prototypes: removed there too, so that no detour (Reflect.get on the prototype) reaches them.
for (const name of ["indexedDB", "caches"]) {
  for (let scope = self; scope; scope = Object.getPrototypeOf(scope)) {
    Reflect.deleteProperty(scope, name);
  }
  Object.defineProperty(self, name, { value: undefined, configurable: false });
}

let handle = null;

async function boot() {
  const pyodide = await cnnWorkerPython.start();
  handle = pyodide.pyimport("app.code_exercises.runner").handle;
  self.postMessage({ type: "ready" });
}

self.onmessage = ({ data }) => {
  const result = JSON.parse(handle(JSON.stringify(data)));
  self.postMessage({ type: "result", id: data.id, result });
};

boot().catch((error) =>
  self.postMessage({ type: "boot-failed", message: String(error.message || error) }),
);
