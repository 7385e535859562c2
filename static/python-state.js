// Python's saved state: a snapshot of Pyodide's memory, taken on a first visit once NumPy, Panel
// and what the lessons share are imported, and restored on later visits instead of starting
// Python and importing them again. Shared by boot.js (which keeps it in Cache Storage) and the
// boot benchmark, so it only assigns one global. Relies on Pyodide 0.27 internals (the build pins
// that version; the browser tests cover each): the snapshot header, `_loadSnapshot`,
// `_snapshotDeserializer` and the `_makeSnapshot` flag.
globalThis.cnnPythonState = (() => {
  "use strict";

  // Snapshot layout: u32 magic, u32 header size, then wasm memory (64 KiB pages).
  const MAGIC = 1886286592;
  const PAGE = 65536;
  const NATIVE = /\{\s*\[native code\]\s*\}$/;

  /** Whether `bytes` looks like a whole snapshot: Pyodide waits forever on a truncated one. */
  function plausible(bytes) {
    if (!bytes || bytes.byteLength < PAGE) return false;
    const [magic, headerSize] = new Uint32Array(bytes.buffer, bytes.byteOffset, 2);
    return magic === MAGIC && headerSize < bytes.byteLength
      && (bytes.byteLength - headerSize) % PAGE === 0;
  }

  // The JavaScript objects Python holds when the snapshot is taken must be found again on the
  // next page. Panel's import keeps browser globals (document, JSON, XMLHttpRequest, eval) and a
  // function it built from source with run_js; anything else makes the snapshot fail, and the
  // page then simply saves none.
  function serialize(value) {
    if (value === globalThis) return { global: "" };
    for (const name of ["document", "JSON", "XMLHttpRequest", "eval", "console"]) {
      if (globalThis[name] === value) return { global: name };
    }
    const source = typeof value === "function" ? String(value) : "";
    if (source && !NATIVE.test(source)) return { source };
    throw new Error(`Python holds a JavaScript object a snapshot cannot restore: ${value}`);
  }

  function deserialize(saved) {
    if ("source" in saved) return (0, eval)(`(${saved.source})`);
    return saved.global ? globalThis[saved.global] : globalThis;
  }

  /** Pyodide's memory as bytes to save; throws when Python holds what cannot be saved. */
  function take(pyodide) {
    // The "make snapshot" mode of loadPyodide wraps every browser global in a proxy that breaks
    // DOM calls for the page's whole life; the flag alone suffices, with `serialize` naming each
    // JavaScript object Python holds.
    const api = pyodide._api;
    // Pyodide checks that its list of installed packages is as at start-up (empty) and fills it
    // again, from the files, after a restore.
    const installed = { ...pyodide.loadedPackages };
    for (const name of Object.keys(installed)) delete pyodide.loadedPackages[name];
    api.config._makeSnapshot = true;
    try {
      return pyodide.makeMemorySnapshot({ serializer: serialize });
    } finally {
      api.config._makeSnapshot = false;
      Object.assign(pyodide.loadedPackages, installed);
    }
  }

  /**
   * How to restore a saved snapshot of `size` bytes that `bytes` (a promise) will deliver:
   * `options` for loadPyodide and `filled`, a promise that the bytes have arrived and look whole.
   * Pyodide reads the snapshot only once its WebAssembly is instantiated, but waits for it before
   * even starting that (it needs its length): given a stand-in up front, it instantiates while the
   * bytes are still being read. `filled` must resolve before Pyodide restores;
   * `cnnSitePackages.startWith` waits for it.
   */
  function restore(size, bytes) {
    let saved = null;
    const filled = bytes.then((received) => {
      if (!plausible(received) || received.byteLength !== size) {
        throw new Error("not a whole Pyodide 0.27 snapshot");
      }
      saved = received;
    });
    const options = { _loadSnapshot: standIn(size, () => saved), _snapshotDeserializer: deserialize };
    return { options, filled };
  }

  /**
   * A byte array of length `size` that reads through to `arrived()` (the saved bytes). Pyodide
   * takes only its `length` when it starts, and its buffer and slices when it restores, by which
   * time the bytes are there: so they are copied once, into Python's memory, instead of first
   * into a buffer made up front.
   */
  function standIn(size, arrived) {
    const bytes = () => {
      const saved = arrived();
      if (!saved) throw new Error("the saved Python state has not arrived");
      return saved;
    };
    return Object.defineProperties(new Uint8Array(0), {
      length: { value: size },
      byteLength: { get: () => bytes().byteLength },
      byteOffset: { get: () => bytes().byteOffset },
      buffer: { get: () => bytes().buffer },
      subarray: { value: (begin, end) => bytes().subarray(begin, end) },
    });
  }

  return { take, restore };
})();
