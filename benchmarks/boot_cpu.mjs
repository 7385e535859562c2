// CPU cost of each Python boot stage inside Pyodide under Node: run by benchmarks/boot_cpu.py
//   node benchmarks/boot_cpu.mjs '{"site": "site", "lessons": [[slug, module], ...], "collect": false}'
// It repeats static/boot.js's steps with the built site's own scripts and prints one JSON line.
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { plainPyodideDir } from "./pyodide-dir.mjs";

const config = JSON.parse(process.argv[2]);
const site = path.resolve(config.site) + "/";
const url = (file) => pathToFileURL(site + file).href;
const indexURL = plainPyodideDir(site + "pyodide");
const { loadPyodide } = await import(pathToFileURL(indexURL + "pyodide.mjs").href);
const info = JSON.parse(fs.readFileSync(site + "build-info.json"));
// Panel's Pyodide module imports these browser globals at import time; lessons install scripts.
globalThis.XMLHttpRequest = function () {};
globalThis.window = globalThis;
globalThis.requestAnimationFrame = () => 0;
globalThis.dispatchEvent = () => true;
globalThis.addEventListener = () => {};
globalThis.document = {
  fonts: { addEventListener: () => {} },
  documentElement: { getAttribute: () => null }, // app.components.theme: light
};
// static/a11y.js builds a constructable stylesheet when it loads; Node has none.
globalThis.CSSStyleSheet = class { replaceSync() {} };
const store = new Map();
globalThis.localStorage = {
  getItem: (key) => (store.has(key) ? store.get(key) : null),
  setItem: (key, value) => store.set(key, String(value)),
  removeItem: (key) => store.delete(key),
};
const stages = {};
let cpu = process.cpuUsage(), wall = performance.now();
function stage(name) {
  const used = process.cpuUsage(cpu);
  stages[name] = { cpu_ms: Math.round((used.user + used.system) / 1000),
                    wall_ms: Math.round(performance.now() - wall) };
  cpu = process.cpuUsage(); wall = performance.now();
}
await import(url("site-packages.js"));
await import(url("python-state.js"));
await import(url("a11y.js")); // the page's own script that app.components.a11y.install() calls
await import(pathToFileURL(indexURL + "pyodide.asm.js").href); // defines the module factory that startWith wraps, as boot.js does
const packed = fs.readFileSync(site + info.site_packages.archive);
const archive = globalThis.cnnSitePackages.read(new Response(packed));
const start = (options) => globalThis.cnnSitePackages.startWith(archive, () => loadPyodide(options));
// First visit: Python starts afresh with the packages installed and NumPy linked, imports the
// prelude (NumPy, Panel, ...), and its memory is saved.
const fresh = await start({ indexURL });
stage("pyodide");
fresh.runPython("import app.prelude; app.prelude.load('static/panel/')");
stage("prelude");
const snapshot = globalThis.cnnPythonState.take(fresh);
stage("snapshot");
// Later visits (the rest of this run): restore that memory instead.
const { options, filled } = globalThis.cnnPythonState.restore(snapshot.length, Promise.resolve(snapshot));
const py = await globalThis.cnnSitePackages.startWith(
  archive, () => loadPyodide({ indexURL, ...options }), { ready: filled });
stage("restore");
py.runPython("import app.prelude, app.shell; app.prelude.reseed(); app.shell.attach_to_page()");
// Each lesson as app.shell.show and show_rest build it (import, view, Bokeh models, the JSON for
// BokehJS), minus what happens in the browser (BokehJS drawing it): its first step, then the rest.
py.runPython(`
import gc
from contextlib import nullcontext
def pauses():
    return nullcontext() if collect else app.shell.no_collection_pauses()
def build_first(slug):
    global rest
    with pauses():
        result, view, rest = app.shell.load_view(slug)
        if result["status"] != "ok":
            raise RuntimeError(result["message"] or result["status"])
        app.shell.build_document("lesson-app", view)
def build_rest():
    with pauses():
        rest_view = rest()
        if rest_view is not None:
            app.shell.build_document("lesson-app", rest_view)
    gc.collect()  # this lesson's garbage, so that the next one starts from the same state
`);
stage("attach (restored)");
py.globals.set("collect", config.collect);
for (const [slug, module] of config.lessons) {
  const first = `first step:${module}`;
  try {
    py.runPython(`build_first("${slug}")`);
    stage(first);
    py.runPython("build_rest()");
    stage(`rest:${module}`);
  } catch (error) {
    const failed = first in stages ? `rest:${module}` : first;
    stage(failed);
    stages[failed].error = String(error.message).trim().split("\n").pop();
  }
  const parts = [stages[first], stages[`rest:${module}`]].filter(Boolean);
  stages[`lesson:${module}`] = Object.fromEntries(
    ["cpu_ms", "wall_ms"].map((key) => [key, parts.reduce((sum, part) => sum + part[key], 0)]));
}
console.log(JSON.stringify(stages));
