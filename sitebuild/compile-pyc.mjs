// Byte-compiles every .py below a folder with Pyodide's own CPython, run under Node:
//   node compile-pyc.mjs <pyodide dir> <folder> <"legacy"|"pycache">
// The .pyc files must come from the very CPython the browser runs (3.12 compiled to wasm), and
// "unchecked-hash" pycs stay valid although unpacking a wheel gives its sources new times.
// "legacy" puts x.pyc beside x.py, the only layout zipimport reads.
import { pathToFileURL } from "node:url";
import path from "node:path";
import process from "node:process";

const [pyodideDir, folder, layout] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: pyodideDir + path.sep });
pyodide.FS.mkdirTree("/host");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: folder }, "/host");
pyodide.globals.set("legacy", layout === "legacy");
pyodide.runPython(`
import compileall, py_compile, sys
mode = py_compile.PycInvalidationMode.UNCHECKED_HASH
if not compileall.compile_dir("/host", quiet=1, legacy=legacy, invalidation_mode=mode):
    sys.exit("compileall failed")
`);
