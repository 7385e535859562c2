// ESLint for every JavaScript file in the repository (`npm ci && npx eslint .`, run by .ci/run).
// The recommended rules, with the globals of the place each file runs in.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "site/", "site.*/", "test-artifacts/", "build/"] },
  js.configs.recommended,
  {
    // Page scripts: classic <script>s sharing the window (each assigns one global it exports).
    files: ["static/**/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: {
        ...globals.browser,
        // Defined by the vendored scripts the page loads before ours.
        Bokeh: "readonly",
        katex: "readonly",
        loadPyodide: "readonly",
        renderMathInElement: "readonly",
        // Assigned by our own shared scripts (site-packages.js, pyodide-wasm.js, python-state.js,
        // share-link.js, theme.js).
        cnnSitePackages: "readonly",
        cnnPyodideWasm: "readonly",
        cnnTheme: "readonly",
        cnnPythonState: "readonly",
        cnnShareLink: "readonly",
        cnnWorkerPython: "readonly",
      },
    },
  },
  {
    // Workers: the service worker, the trainer's and the code exercises' workers with their
    // shared loader, and site-packages.js, which also runs as a worker (importScripts, self).
    files: [
      "static/sw.js",
      "static/trainer-worker.js",
      "static/code-worker.js",
      "static/worker-python.js",
      "static/site-packages.js",
      "static/pyodide-wasm.js",
    ],
    languageOptions: { globals: { ...globals.worker, ...globals.serviceworker } },
  },
  {
    // ES modules for the page: Panel JSComponent modules shipped inside the app package (e.g.
    // app/explorer/*.js) and the code editor's sources, bundled by sitebuild/editor.py.
    files: ["app/**/*.js", "sitebuild/codemirror/*.js"],
    languageOptions: { sourceType: "module", globals: { ...globals.browser } },
  },
  {
    // Page-side code of the browser benchmarks (benchmarks/bench_browser.py) and tests
    // (tests/browser/harness.py): init scripts and function expressions that Playwright
    // evaluates in the page, and the Pyodide bench page.
    files: ["benchmarks/js/*.js", "tests/browser/js/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: { ...globals.browser, Bokeh: "readonly", loadPyodide: "readonly", cnnPyodideWasm: "readonly" },
    },
  },
  {
    // The TF.js side of benchmarks/tfjs_race.py: a classic page script after TF.js's own.
    files: ["benchmarks/tfjs_race.js"],
    languageOptions: { sourceType: "script", globals: { ...globals.browser, tf: "readonly" } },
  },
  {
    // Run by Node: the build's bytecode compiler and the benchmarks' Pyodide driver.
    files: ["**/*.mjs"],
    languageOptions: { sourceType: "module", globals: { ...globals.node } },
  },
];
