// CNN Classroom page shell: hash routing over the static lesson pages, boot of Python
// (Pyodide + NumPy + Panel) with visible progress, and the nav's completion marks.
// The build inlines #boot-config (wheel list, slugs, versions); every URL here is relative.
(() => {
  "use strict";

  const config = JSON.parse(document.getElementById("boot-config").textContent);
  const body = document.body;
  const PROGRESS_KEY = config.progressKey; // app/progress.py's STORAGE_KEY, handed over by the build
  // [stage id, label shown to the student, share of the boot time it usually takes (percent)]
  const STAGES = [
    ["pyodide", "Starting Python and NumPy", 45],
    ["panel", "Importing Panel", 45],
    ["lesson", "Opening the lesson", 10],
  ];
  const timings = {};
  window.cnnBoot = { timings, ready: false, error: null };

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

  // ------------------------------------------------------------------ routing (no Python needed)

  function currentSlug() {
    const { route } = cnnShareLink.parse(location.hash);
    return config.slugs.includes(route) ? route : config.defaultSlug;
  }

  function showStatic(slug) {
    body.dataset.route = slug;
    for (const section of $$(".lesson-head")) section.hidden = section.dataset.slug !== slug;
    for (const link of $$("#lesson-nav a")) {
      if (link.dataset.slug === slug) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    const title = $(`#title-${slug}`);
    document.title = slug === config.defaultSlug ? "CNN Classroom" : `${title.textContent} · CNN Classroom`;
    $("#lesson-unavailable").hidden = true;
    $("#lesson-error").hidden = true;
    cnnShareLink.route(slug === config.defaultSlug);
  }

  function onRouteChange() {
    const slug = currentSlug();
    body.removeAttribute("data-ready");
    showStatic(slug);
    closeNav();
    // Move focus to the new lesson's title so keyboard and screen-reader users land on it.
    const title = $(`#title-${slug}`);
    title.setAttribute("tabindex", "-1");
    title.focus({ preventScroll: true });
    window.scrollTo({ top: 0 });
    if (shell) renderRoute();
  }

  // ------------------------------------------------------------------ nav: mobile toggle, progress

  const toggle = $(".nav-toggle");
  function closeNav() {
    body.classList.remove("nav-open");
    toggle.setAttribute("aria-expanded", "false");
  }
  toggle.addEventListener("click", () => {
    const open = !body.classList.contains("nav-open");
    body.classList.toggle("nav-open", open);
    toggle.setAttribute("aria-expanded", String(open));
    if (open) $("#lesson-nav a").focus();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && body.classList.contains("nav-open")) {
      closeNav();
      toggle.focus();
    }
  });

  function readProgress() {
    try {
      const value = JSON.parse(localStorage.getItem(PROGRESS_KEY) || "{}");
      return value && typeof value === "object" ? value : {};
    } catch {
      return {}; // corrupt or blocked storage must not break the page
    }
  }

  function showProgress() {
    const progress = readProgress();
    let done = 0;
    const lessons = config.slugs.filter((slug) => slug !== config.defaultSlug);
    for (const link of $$("#lesson-nav a")) {
      const complete = Boolean(progress[link.dataset.slug] && progress[link.dataset.slug].done);
      $(".nav-done", link).hidden = !complete;
      link.classList.toggle("is-done", complete);
      if (complete && lessons.includes(link.dataset.slug)) done += 1;
    }
    $(".nav-progress").textContent = `${done} of ${lessons.length} lessons completed`;
  }
  window.addEventListener("cnn-progress", showProgress);
  window.addEventListener("storage", (event) => {
    if (event.key === PROGRESS_KEY) showProgress();
  });

  // The skip link must not change the hash: the hash is the route.
  $(".skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    $("#main").focus();
  });

  // ------------------------------------------------------------------ boot progress and errors

  const bootStatus = $("#boot-status");
  const stepsList = $(".boot-steps");
  for (const [id, label] of STAGES) {
    const item = document.createElement("li");
    item.dataset.stage = id;
    item.textContent = label;
    stepsList.append(item);
  }
  const t0 = performance.now();

  let creep = null;

  function showPercent(percent) {
    $(".boot-percent").textContent = `${Math.floor(percent)}%`;
    $(".boot-bar").value = percent;
  }

  function stage(id) {
    const index = STAGES.findIndex(([key]) => key === id);
    const start = STAGES.slice(0, index).reduce((sum, [, , share]) => sum + share, 0);
    $(".boot-stage").textContent = `${STAGES[index][1]}…`;
    showPercent(start);
    for (const item of $$("li", stepsList)) {
      const position = STAGES.findIndex(([key]) => key === item.dataset.stage);
      item.className = position < index ? "done" : position === index ? "active" : "";
    }
    // Within a stage the bar eases toward (never reaches) the stage's end, so a long stage
    // still shows movement; it cannot move while Python blocks the main thread.
    clearInterval(creep);
    let percent = start;
    const end = start + STAGES[index][2];
    creep = setInterval(() => showPercent((percent += (end - percent) * 0.08)), 250);
  }

  function stopCreep() {
    clearInterval(creep);
  }

  function mark(id) {
    timings[id] = Math.round(performance.now() - t0);
    performance.mark(`cnn:${id}`);
  }

  function describe(error) {
    const text = error && error.message ? error.message : String(error);
    // A Python traceback is long; its last line says what went wrong.
    const lines = text.trim().split("\n");
    return lines[lines.length - 1] || "Unknown error";
  }

  function failBoot(error) {
    stopCreep();
    console.warn("CNN Classroom: boot failed", error);
    window.cnnBoot.error = describe(error);
    bootStatus.hidden = true;
    const panel = $("#boot-error");
    $(".error-message", panel).textContent = describe(error);
    panel.hidden = false;
  }
  $(".retry-boot").addEventListener("click", () => location.reload());

  // ------------------------------------------------------------------ loading

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.async = false; // keep execution order: BokehJS before its extensions and Panel
      script.onload = resolve;
      script.onerror = () => reject(new Error(`Could not load ${src}`));
      document.head.append(script);
    });
  }

  // ------------------------------------------------------------------ Python's saved state

  // A first visit saves Pyodide's memory once NumPy, Panel and what the lessons share are
  // imported (app/prelude.py); later visits restore it instead of starting Python and importing
  // them again, which was most of a warm boot. The key is the build's package archive, so a new
  // site version makes a new snapshot. Cache Storage is per origin and may be missing (some
  // private modes): then every visit simply starts Python afresh.
  const SNAPSHOT_CACHE = "cnn-classroom/python-snapshot";
  const snapshotFolder = () => new URL("python-snapshot/", document.baseURI).href;
  const snapshotRequest = () => new Request(snapshotFolder() + config.snapshotKey);

  // Saved with the snapshot: its length, known before its bytes are read (see restore()).
  const SNAPSHOT_SIZE = "X-Snapshot-Bytes";

  /** The saved snapshot's size in bytes (its bytes are read later, off the main thread), or 0. */
  async function savedSnapshotSize() {
    try {
      const saved = await (await caches.open(SNAPSHOT_CACHE)).match(snapshotRequest());
      return Number(saved?.headers.get(SNAPSHOT_SIZE)) || 0;
    } catch {
      return 0;
    }
  }

  async function saveSnapshot(bytes) {
    const cache = await caches.open(SNAPSHOT_CACHE);
    // Older versions of this site only: another copy of the site on this origin keeps its own.
    for (const old of await cache.keys()) {
      if (old.url.startsWith(snapshotFolder())) await cache.delete(old);
    }
    const headers = { [SNAPSHOT_SIZE]: String(bytes.byteLength) };
    await cache.put(snapshotRequest(), new Response(bytes, { headers }));
  }

  async function forgetSnapshot() {
    try {
      await (await caches.open(SNAPSHOT_CACHE)).delete(snapshotRequest());
    } catch {
      // nothing saved, nothing to forget
    }
  }

  const RESTORE_TIMEOUT_MS = 20000;

  function withTimeout(promise, ms, message) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Pyodide with the site's packages installed, restored from the saved snapshot (`savedSize`
   * bytes; 0: none) if it can.
   */
  async function startPython(savedSize, packages) {
    const indexURL = new URL("pyodide/", document.baseURI).href;
    const start = (options, ready) =>
      cnnSitePackages.startWith(packages, () => cnnPyodideWasm.during(() => loadPyodide({ indexURL, ...options })), {
        ready,
        mark,
      });
    if (savedSize) {
      try {
        const bytes = cnnSitePackages.readCached(SNAPSHOT_CACHE, snapshotRequest().url);
        const { options, filled } = cnnPythonState.restore(savedSize, bytes);
        filled.catch(() => {}); // awaited while Pyodide starts; until then it is not "unhandled"
        const restoring = start(options, filled);
        const pyodide = await withTimeout(restoring, RESTORE_TIMEOUT_MS, "restore timed out");
        return { pyodide, restored: true };
      } catch (error) {
        if (await packages.then(() => false, () => true)) throw error; // not the snapshot's fault
        // A damaged or foreign snapshot must cost one slow start, not a broken page.
        console.warn("CNN Classroom: the saved Python state could not be restored", error);
        await forgetSnapshot();
      }
    }
    return { pyodide: await start({}), restored: false };
  }

  /**
   * Pyodide's memory to save on a first visit, with the first step of the lesson this visit
   * opens built into it (`app.shell.prepare_saved`): a later visit to that lesson restores it
   * built. Not for a shared link's values (those are applied to a fresh build), and taken again
   * without it if the build holds what a snapshot cannot. Null when nothing can be saved.
   */
  function saveableState(pyodide, python) {
    if (!cnnShareLink.parse(location.hash).query) python.prepare_saved(currentSlug());
    const snapshot = takeSnapshot(pyodide);
    if (snapshot) return snapshot;
    python.forget_prepared();
    return takeSnapshot(pyodide);
  }

  /** Pyodide's memory as bytes to save, or null when this state cannot be saved. */
  function takeSnapshot(pyodide) {
    try {
      return cnnPythonState.take(pyodide);
    } catch (error) {
      console.warn("CNN Classroom: Python's state cannot be saved", error);
      return null;
    }
  }

  // ------------------------------------------------------------------ boot

  let shell = null; // app.shell (a PyProxy) once Python is up

  async function boot() {
    stage("pyodide");
    // Pyodide's module factory is loaded here, not by loadPyodide: startWith wraps it.
    const pyodideScripts = [loadScript("pyodide/pyodide.js"), loadScript("pyodide/pyodide.asm.js")];
    const packages = cnnSitePackages.download(config.sitePackages);
    packages.then(() => mark("archive"), () => {});
    const savedSize = savedSnapshotSize();
    await Promise.all(pyodideScripts);
    const python = startPython(await savedSize, packages);
    // Inserted once Pyodide has asked for its own files, so that evaluating BokehJS (~0.4 s of the
    // main thread) fills the time those take to arrive instead of delaying their requests.
    const frontend = config.scripts.map(loadScript); // BokehJS, Panel, KaTeX
    for (const pending of [...frontend, packages]) pending.catch(() => {}); // awaited below
    const { pyodide, restored } = await python;
    window.cnnBoot.pyodide = pyodide; // for tests, benchmarks and the curious student's console
    window.cnnBoot.restored = restored;
    mark("pyodide");

    stage("panel");
    await Promise.all(frontend);
    const prelude = pyodide.pyimport("app.prelude");
    const pythonShell = pyodide.pyimport("app.shell");
    let snapshot = null;
    if (restored) {
      prelude.reseed();
    } else {
      prelude.load(new URL(config.panelCdnRoot, document.baseURI).href);
      if ("caches" in window) snapshot = saveableState(pyodide, pythonShell);
    }
    prelude.destroy();
    shell = pythonShell;
    shell.attach_to_page();
    mark("panel");

    stage("lesson");
    await shell.mount("lesson-app");
    await renderRoute(() => {
      stopCreep();
      bootStatus.hidden = true; // the lesson's first step (or its error) is on the page
      mark("first-step");
    });
    mark("interactive");
    window.cnnBoot.ready = true;
    registerServiceWorker();
    if (snapshot) {
      saveSnapshot(snapshot)
        .then(() => (window.cnnBoot.snapshotSaved = true))
        .catch((error) => console.warn("CNN Classroom: could not save Python's state", error));
    }
  }

  // ------------------------------------------------------------------ lessons (Python side)

  let rendering = false;
  let again = false;

  // A lesson arrives in two parts: app.shell's show() puts its first step on the page
  // (body[data-first-step=interactive]; `onShown` runs then, or once an error is shown), and
  // show_rest() the other steps below it while the student can already use the first (then
  // body[data-ready=true]). A new route stops show_rest().
  async function renderRoute(onShown = () => {}) {
    if (rendering) {
      again = true; // render the latest route once the current one is done
      return;
    }
    rendering = true;
    try {
      do {
        again = false;
        const slug = currentSlug();
        const stillWanted = () => !again && slug === currentSlug();
        body.removeAttribute("data-ready");
        body.removeAttribute("data-first-step");
        let result = await callShell(() => shell.show(slug, cnnShareLink.parse(location.hash).query));
        if (!stillWanted()) continue;
        await settle();
        $("#lesson-unavailable").hidden = result.status !== "unavailable";
        cnnShareLink.showNotes(result.notes || []);
        showStatus(result);
        if (result.status !== "error") body.dataset.firstStep = "interactive";
        window.cnnBoot.builtAhead = Boolean(result.built_ahead); // for tests and the curious
        onShown();
        if (result.status === "error") continue;
        if (result.status === "ok") {
          result = await callShell(() => shell.show_rest(stillWanted));
          if (!result || !stillWanted()) continue;
          await settle();
          showStatus(result, true);
          if (result.status === "error") continue;
        }
        body.dataset.ready = "true";
        if (result.status !== "unavailable") prepareNextWhenIdle(slug);
      } while (again);
    } finally {
      rendering = false;
    }
  }

  /** What `call()` (a call into app.shell) resolves to, as JavaScript; its error as a result. */
  async function callShell(call) {
    try {
      const proxy = await call();
      if (!proxy) return proxy;
      const result = proxy.toJs({ dict_converter: Object.fromEntries });
      proxy.destroy();
      return result;
    } catch (error) {
      return { status: "error", message: describe(error) };
    }
  }

  /** Shows `result` of app.shell's show() or, with `partShown`, of show_rest(): an error then
   * says that the lesson's first step, on the page already, still works. */
  function showStatus(result, partShown = false) {
    const errorPanel = $("#lesson-error");
    errorPanel.hidden = result.status !== "error";
    $(".error-message", errorPanel).textContent = result.message || "";
    for (const part of $$(".error-whole", errorPanel)) part.hidden = partShown;
    for (const part of $$(".error-part", errorPanel)) part.hidden = !partShown;
    body.dataset.lessonStatus = result.status;
  }

  // The next lesson in the list is built while the student reads this one (app.shell's
  // prepare_next), so "next" only has to put it on the page. It waits until the student has left
  // the page alone for a moment (no key press or pointer press since the lesson became
  // interactive), so that Python's build, a few steps of up to ~0.4 s each, falls in reading time
  // rather than between two uses of a widget.
  const PREPARE_AFTER_MS = 1500;
  let prepareTimer = null;
  let lastInput = 0;
  for (const type of ["keydown", "pointerdown"]) {
    window.addEventListener(type, () => (lastInput = performance.now()), { capture: true, passive: true });
  }

  function prepareNextWhenIdle(slug) {
    if (cnnShareLink.embedded) return; // an embedded lesson has no course navigation
    clearTimeout(prepareTimer);
    const since = performance.now();
    const waitLeft = () => PREPARE_AFTER_MS - (performance.now() - Math.max(since, lastInput));
    const checkAfter = (ms) => {
      prepareTimer = setTimeout(() => requestIdleCallback(check, { timeout: 2000 }), ms);
    };
    const check = () => {
      if (rendering || currentSlug() !== slug) return;
      if (waitLeft() > 0) return checkAfter(waitLeft());
      shell.prepare_next(slug).catch((error) => console.warn("CNN Classroom: could not build the next lesson ahead", error));
    };
    checkAfter(PREPARE_AFTER_MS);
  }

  // A lesson link the mouse pointer rests on (the lesson list, the course map's pipeline) is
  // built too (app.shell's prepare), so that a click on it, which comes a few hundred
  // milliseconds later, mostly only puts it on the page. Resting means HOVER_INTENT_MS without
  // leaving: a pointer crossing the list on its way elsewhere builds nothing. Touch has no
  // hover (its pointer arrives with the tap), and keyboard focus moving through the list would
  // build every lesson it passes.
  const HOVER_INTENT_MS = 120;
  let hoverTimer = null;
  document.addEventListener("pointerover", (event) => {
    const link = event.target.closest?.("a[data-slug]");
    if (!link || event.pointerType !== "mouse" || link.contains(event.relatedTarget)) return;
    clearTimeout(hoverTimer);
    hoverTimer = setTimeout(() => prepareHovered(link.dataset.slug), HOVER_INTENT_MS);
  });
  document.addEventListener("pointerout", (event) => {
    const link = event.target.closest?.("a[data-slug]");
    if (link && !link.contains(event.relatedTarget)) clearTimeout(hoverTimer);
  });

  function prepareHovered(slug) {
    if (!shell || rendering || cnnShareLink.embedded) return; // app.shell skips the lesson shown
    shell.prepare(slug).catch((error) => console.warn("CNN Classroom: could not build a lesson ahead", error));
  }
  $(".retry-lesson").addEventListener("click", () => renderRoute());

  // BokehJS builds views for new models asynchronously; two frames later they are on screen.
  function settle() {
    return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  }

  function registerServiceWorker() {
    if (!("serviceWorker" in navigator) || new URLSearchParams(location.search).has("nosw")) return;
    const hadWorker = Boolean(navigator.serviceWorker.controller);
    // A newer build took over (this tab's Reload, or another tab's): this page's code is from the
    // old build and the old cache is gone, so it reloads rather than mix the two builds.
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      if (hadWorker) location.reload();
    });
    navigator.serviceWorker
      // "none": the update check compares sw-manifest.js fresh from the server, never from the
      // HTTP cache, so a new build is noticed on the next visit even where hosts cache scripts.
      .register("sw.js", { updateViaCache: "none" })
      .then((registration) => {
        // A newer build is cached and waits; this page keeps running the old one until Reload
        // tells the waiting worker to take over (the controllerchange above then reloads).
        const offerReload = () => {
          if (!hadWorker) return;
          $("#update-notice").hidden = false;
          $(".reload-update").onclick = () =>
            registration.waiting ? registration.waiting.postMessage("skipWaiting") : location.reload();
        };
        if (registration.waiting) offerReload();
        registration.addEventListener("updatefound", () => {
          const worker = registration.installing;
          worker.addEventListener("statechange", () => {
            if (worker.state === "installed") offerReload();
          });
        });
      })
      .catch((error) => console.warn("CNN Classroom: offline cache unavailable", error));
  }

  // ------------------------------------------------------------------ start

  window.addEventListener("hashchange", onRouteChange);
  showStatic(currentSlug());
  showProgress();
  mark("first-paint-ready");
  boot().catch(failBoot);
})();
