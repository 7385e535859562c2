// Service worker: precaches the whole site on the first visit so the next one loads from the
// cache and works offline. The build writes sw-manifest.js with the cache version (the site's
// content hash) and every file's sha256; a new build has a new version, which the browser
// notices when it compares the imported script.
//
// An update downloads only what changed: a file whose hash the old cache already holds is copied
// from it. The new worker then waits (no skipWaiting on install) until the page's update notice
// asks it to take over and reloads, so a page, its lesson code and its workers always come from
// one build; activating deletes the old cache.
importScripts("sw-manifest.js");
const CACHE = `cnn-classroom-${self.cnnServiceWorkerManifest.cacheVersion}`;
const FILES = Object.entries(self.cnnServiceWorkerManifest.files);

// Every cached response carries the sha256 (per the manifest) of the file it was made from.
const HASH_HEADER = "X-Content-Sha256";

// A gzip'd file (the Python package archive, Pyodide's WebAssembly) is stored decompressed: every
// later visit then skips its gunzip on the critical path (~0.6 s for the archive), for more
// storage. The page reads either form.
importScripts("site-packages.js");
const STORED_DECOMPRESSED = (path) => path.endsWith(".gz");
const STORED_TYPE = (path) => (path.endsWith(".wasm.gz") ? "application/wasm" : "application/x-tar");

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** `path` from the network, checked against its manifest hash (a half-deployed host fails). */
async function download(path, sha256) {
  const response = await fetch(new Request(path, { cache: "reload" }));
  if (!response.ok) throw new Error(`Could not download ${path} (HTTP ${response.status})`);
  const bytes = await response.arrayBuffer();
  const actual = hex(await crypto.subtle.digest("SHA-256", bytes));
  if (actual !== sha256) throw new Error(`${path} is not the file this build lists (sha256 ${actual})`);
  // The body is stored as bytes already decoded (and, for .gz, decompressed).
  const headers = new Headers(response.headers);
  headers.delete("Content-Encoding");
  headers.delete("Content-Length");
  headers.set(HASH_HEADER, sha256);
  if (!STORED_DECOMPRESSED(path)) return new Response(bytes, { headers });
  headers.set("Content-Type", STORED_TYPE(path));
  return new Response(await cnnSitePackages.read(new Response(bytes)), { headers });
}

/** A response for `path` with this hash from an older build's cache, or undefined. */
async function reuse(oldCaches, path, sha256) {
  for (const cache of oldCaches) {
    const hit = await cache.match(path);
    if (hit && hit.headers.get(HASH_HEADER) === sha256) return hit;
  }
  return undefined;
}

async function precache() {
  const names = (await caches.keys()).filter((key) => key.startsWith("cnn-classroom-") && key !== CACHE);
  const oldCaches = await Promise.all(names.map((name) => caches.open(name)));
  const cache = await caches.open(CACHE);
  await Promise.all(
    FILES.map(async ([path, sha256]) => {
      const response = (await reuse(oldCaches, path, sha256)) || (await download(path, sha256));
      await cache.put(path, response);
    }),
  );
}

self.addEventListener("install", (event) => event.waitUntil(precache()));

// The page's Reload button: the waiting worker takes over, then the page reloads.
self.addEventListener("message", (event) => {
  if (event.data === "skipWaiting") self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((key) => key.startsWith("cnn-classroom-") && key !== CACHE).map((key) => caches.delete(key)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    caches
      .open(CACHE)
      .then((cache) => cache.match(request, { ignoreSearch: true }))
      .then((hit) => hit || fetch(request)),
  );
});
