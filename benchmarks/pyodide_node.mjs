// Run a Python script inside Pyodide under Node, with the repository's `engine` package importable.
//
//   node benchmarks/pyodide_node.mjs <pyodide-dir> <script.py> [args...]
//
// <pyodide-dir> holds pyodide.mjs, the core files, pyodide-lock.json and the numpy wheel (the
// built site's site/pyodide/ does). The repository root and /tmp are mounted at the same paths
// inside Pyodide, so the script, the engine and data files keep their native paths.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [pyodideDir, script, ...args] = process.argv.slice(2);
if (!pyodideDir || !script) {
  console.error("usage: node pyodide_node.mjs <pyodide-dir> <script.py> [args...]");
  process.exit(2);
}
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const indexURL = path.resolve(pyodideDir) + "/";
const { loadPyodide } = await import(pathToFileURL(indexURL + "pyodide.mjs").href);
const py = await loadPyodide({ indexURL, stdout: (s) => console.log(s), stderr: (s) => console.error(s) });
await py.loadPackage("numpy", { messageCallback: () => {} });

for (const dir of [repo, "/tmp"]) {
  py.FS.mkdirTree(dir);
  py.FS.mount(py.FS.filesystems.NODEFS, { root: dir }, dir);
}
const scriptPath = path.resolve(script);
py.globals.set("_argv", py.toPy([scriptPath, ...args]));
try {
  await py.runPythonAsync(`
import runpy, sys
sys.argv = list(_argv)
sys.path.insert(0, ${JSON.stringify(repo)})
runpy.run_path(sys.argv[0], run_name="__main__")
`);
} catch (e) {
  // A Python exception: its traceback is the useful part, not Pyodide's JS stack.
  console.error(e.message);
  process.exit(1);
}
