// Starts Pyodide with numpy and the site's own packages (the cnn_classroom wheel: engine + app)
// inside a Web Worker. Shared by the workers that run Python off the page's thread; load it with
// importScripts after pyodide/pyodide.js.
"use strict";

self.cnnWorkerPython = (() => {
  const base = new URL("./", self.location.href);
  importScripts(new URL("pyodide-wasm.js", base).href);

  async function wheelUrl() {
    const response = await fetch(new URL("build-info.json", base));
    if (!response.ok) throw new Error("build-info.json is missing: the site was not built fully");
    const info = await response.json();
    if (!info.app_wheel) throw new Error("build-info.json does not name the cnn_classroom wheel");
    return new URL(info.app_wheel, base).href;
  }

  /** Pyodide with numpy, the engine and the app importable; `started()` is told when Python
   * runs and the packages start loading. */
  async function start(started = () => {}) {
    const indexURL = new URL("pyodide/", base).href;
    const pyodide = await self.cnnPyodideWasm.during(() => loadPyodide({ indexURL }));
    started();
    await pyodide.loadPackage(["numpy", await wheelUrl()], { messageCallback: () => {} });
    return pyodide;
  }

  return { base, start };
})();
