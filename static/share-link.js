// Shareable links (window.cnnShareLink): reads the route and query from the URL hash
// (#convolution?kernel=Sharpen&embed), embed mode (no course navigation, for an iframe), the
// "Copy link" control and the notes about a link's ignored values. Python (app/shell.py,
// app/components/shared_link.py) restores the values and keeps the hash current through
// write() (history.replaceState), so the link to copy is always the page's own URL.
(() => {
  "use strict";

  const $ = (selector, root = document) => root.querySelector(selector);

  /** {route, query, embed} of a location hash such as "#convolution?kernel=Sharpen&embed". */
  function parse(hash) {
    const text = hash.replace(/^#/, "");
    const cut = text.indexOf("?");
    const rawRoute = cut < 0 ? text : text.slice(0, cut);
    const query = cut < 0 ? "" : text.slice(cut + 1);
    let route = rawRoute;
    try {
      route = decodeURIComponent(rawRoute);
    } catch {
      // a malformed escape is simply not a known route (the course map is shown)
    }
    return { route, query, embed: new URLSearchParams(query).has("embed") };
  }

  // Embed mode is decided by the link the page was opened with and kept while it stays open,
  // so following a link inside an embedded lesson does not bring the course navigation back.
  const embedded = parse(location.hash).embed;
  document.body.classList.toggle("embedded", embedded);

  const bar = $("#share-bar");
  const button = $(".copy-link", bar);
  const status = $(".copy-status", bar);
  const fallback = $(".copy-fallback", bar);
  const field = $("input", fallback);

  function showFallback() {
    field.value = location.href;
    fallback.hidden = false;
    field.focus();
    field.select();
    status.textContent = "Copying is not available here: the link is selected below, copy it with Ctrl+C (⌘C).";
  }

  button.addEventListener("click", async () => {
    fallback.hidden = true;
    status.textContent = "";
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(location.href);
      status.textContent = "Link copied. It opens this lesson with your settings.";
    } catch {
      showFallback();
    }
  });

  const notice = $("#link-notice");

  /** Show the notes about a link's ignored values (plain text: nothing from a link is HTML). */
  function showNotes(notes) {
    const list = $("ul", notice);
    list.replaceChildren(
      ...notes.map((note) => {
        const item = document.createElement("li");
        item.textContent = note;
        return item;
      }),
    );
    notice.hidden = notes.length === 0;
  }

  // Python asks for a new URL after every change of a control; a slider dragged or a stepper
  // playing would otherwise call replaceState often enough for the browser to throttle it.
  const WRITE_DELAY_MS = 150;
  let pendingWrite = null;

  /** Show `hash` ("convolution?kernel=…") in the address bar, without a history entry, unless
   * the address has meanwhile changed: another route, or a new link for this one opened in the
   * moment before its hashchange event arrives (the write must not put the old view back). */
  function write(hash) {
    clearTimeout(pendingWrite);
    const asked = location.hash;
    pendingWrite = setTimeout(() => {
      if (location.hash === asked && parse(location.hash).route === parse(hash).route) {
        history.replaceState(history.state, "", `#${hash}`);
      }
    }, WRITE_DELAY_MS);
  }

  /** The shell calls this on every route change: the bar is for lessons, not the course map. */
  function route(isHome) {
    clearTimeout(pendingWrite); // the previous view's last change must not rewrite the new link
    bar.hidden = isHome;
    fallback.hidden = true;
    status.textContent = "";
    showNotes([]); // the new route's notes arrive once Python has read its link
  }

  window.cnnShareLink = { parse, embedded, showNotes, route, write };
})();
