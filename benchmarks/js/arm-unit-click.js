// benchmarks/explorer_click.py: arms a one-shot watch, window.explorerBench, resolving to the ms
// from the next click to the first frame whose detail heading differs from `before`. The
// heading lives in a Bokeh shadow root, hence the deep search.
(before) => {
  const find = (root) => {
    const hit = root.querySelector(".explorer-detail-title");
    if (hit) return hit;
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) {
        const found = find(el.shadowRoot);
        if (found) return found;
      }
    }
    return null;
  };
  window.explorerBench = new Promise((resolve) => {
    let clicked = null;
    addEventListener(
      "click",
      () => {
        clicked = performance.now();
      },
      { capture: true, once: true },
    );
    const frame = () => {
      const title = find(document);
      if (clicked !== null && title && title.textContent !== before) {
        resolve({ ms: performance.now() - clicked, title: title.textContent });
      } else {
        requestAnimationFrame(frame);
      }
    };
    requestAnimationFrame(frame);
  });
}
