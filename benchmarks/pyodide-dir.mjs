// Pyodide under Node reads `<indexURL>pyodide.asm.wasm` from disk, but the built site ships that
// file gzip'd (sitebuild.pyodide.compress_wasm). `plainPyodideDir(dir)` is `dir` if it has the
// plain file, else a temporary copy of `dir` with the file gunzipped (a folder of symbolic links
// would not do: Node resolves them, and Pyodide then looks beside the originals).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";

const WASM = "pyodide.asm.wasm";

export function plainPyodideDir(dir) {
  const from = path.resolve(dir);
  if (fs.existsSync(path.join(from, WASM))) return from + "/";
  const to = fs.mkdtempSync(path.join(os.tmpdir(), "cnn-pyodide-"));
  for (const name of fs.readdirSync(from)) fs.copyFileSync(path.join(from, name), path.join(to, name));
  fs.writeFileSync(path.join(to, WASM), zlib.gunzipSync(fs.readFileSync(path.join(from, `${WASM}.gz`))));
  process.on("exit", () => fs.rmSync(to, { recursive: true, force: true }));
  return to + "/";
}
