// Pyodide's WebAssembly ships gzip'd: pyodide.asm.wasm.gz is 3.1 MB where the file is 10.1 MB,
// and no static host can be relied on to compress it (the test server and `build.py serve` do
// not). Pyodide asks for `<indexURL>pyodide.asm.wasm` itself; `cnnPyodideWasm.during(start)` runs
// `start` (a call of loadPyodide) with that one request sent to the .gz file and its body gunzipped
// as it arrives, so compiling still overlaps the download. Loaded by the page (boot.js) and the
// workers (worker-python.js).
//
// The service worker stores the file decompressed (sw.js): its response reaches Pyodide untouched,
// so the browser can reuse its compiled code on later visits. A host that adds
// "Content-Encoding: gzip" has the browser gunzip it already; that works too.
globalThis.cnnPyodideWasm = (() => {
  "use strict";

  const WASM = "/pyodide.asm.wasm";
  const WASM_TYPE = "application/wasm";

  /** Whether the body of `response` starts with gzip's magic bytes (read from a copy). */
  async function isGzip(response) {
    const reader = response.clone().body.getReader();
    let head = new Uint8Array(0);
    while (head.length < 2) {
      const { done, value } = await reader.read();
      if (done) break;
      head = new Uint8Array([...head, ...value.subarray(0, 2)]);
    }
    reader.cancel();
    return head[0] === 0x1f && head[1] === 0x8b;
  }

  /** `response` (the .gz file) as WebAssembly that instantiateStreaming accepts. */
  async function asWasm(response) {
    if (!response.ok) {
      throw new Error(`pyodide.asm.wasm.gz: HTTP ${response.status}`);
    }
    if (await isGzip(response)) {
      const body = response.body.pipeThrough(new DecompressionStream("gzip"));
      return new Response(body, { headers: { "Content-Type": WASM_TYPE } });
    }
    if (response.headers.get("Content-Type") === WASM_TYPE) return response; // the service worker's
    return new Response(response.body, { headers: { "Content-Type": WASM_TYPE } });
  }

  /**
   * Runs `start` (a call of loadPyodide) with Pyodide's WebAssembly read from the .gz file. If
   * that download fails, rejects with the reason: Pyodide itself would only log it and wait.
   */
  async function during(start) {
    const plainFetch = globalThis.fetch;
    let fail;
    const failed = new Promise((_, reject) => (fail = reject));
    globalThis.fetch = (resource, options) => {
      const url = resource instanceof Request ? resource.url : String(resource);
      if (!new URL(url, globalThis.location.href).pathname.endsWith(WASM)) {
        return plainFetch(resource, options);
      }
      const wasm = plainFetch(`${url}.gz`, options).then(asWasm);
      wasm.catch((error) => fail(new Error(`Could not download Python itself (${error.message})`)));
      return wasm;
    };
    try {
      return await Promise.race([start(), failed]);
    } finally {
      globalThis.fetch = plainFetch;
    }
  }

  return { during };
})();
