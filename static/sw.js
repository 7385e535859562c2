// Service worker: precaches the whole site on the first visit so the next one loads from the
// cache and works offline. The build writes sw-manifest.js with the cache version (the site's
// content hash) and the file list; a new build has a new version, which the browser notices
// when it compares the imported script, and the old cache is replaced when the new one activates.
importScripts("sw-manifest.js");
const CACHE = `cnn-classroom-${self.cnnServiceWorkerManifest.cacheVersion}`;
const PRECACHE = self.cnnServiceWorkerManifest.precache;

// A gzip'd file (the Python package archive) is stored decompressed: every later visit then
// skips ~0.6 s of gunzip on its critical path, for ~30 MB more storage. The page reads either form.
importScripts("site-packages.js");
const STORED_DECOMPRESSED = (path) => path.endsWith(".gz");

async function storeDecompressed(cache, path) {
  const request = new Request(path, { cache: "reload" });
  const bytes = await cnnSitePackages.read(await fetch(request));
  const headers = { "Content-Type": "application/x-tar" };
  await cache.put(request, new Response(bytes, { headers }));
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) =>
        Promise.all([
          cache.addAll(
            PRECACHE.filter((path) => !STORED_DECOMPRESSED(path)).map(
              (path) => new Request(path, { cache: "reload" }),
            ),
          ),
          ...PRECACHE.filter(STORED_DECOMPRESSED).map((path) => storeDecompressed(cache, path)),
        ]),
      )
      .then(() => self.skipWaiting()),
  );
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
