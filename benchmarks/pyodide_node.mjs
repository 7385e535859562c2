// Run a Python script inside Pyodide under Node, with the repository's `engine` package importable.
//
//   node benchmarks/pyodide_node.mjs <pyodide-dir> <script.py> [args...]
//
// <pyodide-dir> holds pyodide.mjs, the core files, pyodide-lock.json and the numpy wheel (the
// built site's site/pyodide/ does); CNN_PYODIDE_PACKAGES="scipy" loads scipy (and its openblas)
// from there too. The repository root and /tmp (and CNN_PYODIDE_MOUNTS) are mounted at the same
// paths inside Pyodide, so the script, the engine and data files keep their native paths.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { plainPyodideDir } from "./pyodide-dir.mjs";

const [pyodideDir, script, ...args] = process.argv.slice(2);
if (!pyodideDir || !script) {
  console.error("usage: node pyodide_node.mjs <pyodide-dir> <script.py> [args...]");
  process.exit(2);
}
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const indexURL = plainPyodideDir(pyodideDir);
const { loadPyodide } = await import(pathToFileURL(indexURL + "pyodide.mjs").href);
const py = await loadPyodide({ indexURL, stdout: (s) => console.log(s), stderr: (s) => console.error(s) });
// CNN_PYODIDE_PACKAGES: more of Pyodide's packages, comma-separated (e.g. "scipy").
const extra = (process.env.CNN_PYODIDE_PACKAGES || "").split(",").filter(Boolean);
await py.loadPackage(["numpy", ...extra], { messageCallback: () => {} });

// CNN_PYODIDE_MOUNTS: more host directories to mount at their own paths, ":"-separated (e.g. an
// older checkout that pyodide_kernels.py --against compares with).
const mounts = (process.env.CNN_PYODIDE_MOUNTS || "").split(":").filter(Boolean);
for (const dir of [repo, "/tmp", ...mounts]) {
  py.FS.mkdirTree(dir);
  py.FS.mount(py.FS.filesystems.NODEFS, { root: dir }, dir);
}
const scriptPath = path.resolve(script);
py.globals.set("_argv", py.toPy([scriptPath, ...args]));
// SystemExit is caught in Python: Pyodide would otherwise treat it as a fatal error.
let status;
try {
  status = py.runPython(`
import runpy, sys
sys.argv = list(_argv)
sys.path.insert(0, ${JSON.stringify(repo)})
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
    _status = 0
except SystemExit as exc:
    _status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
_status
`);
} catch (e) {
  // A Python exception: its traceback is the useful part, not Pyodide's JS stack.
  console.error(e.message);
  status = 1;
}
process.exit(status);
