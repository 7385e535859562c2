// benchmarks/boot.py: times a lesson switch the way a student makes it, from the click on the
// lesson's link (the next click anywhere) until <body> shows lesson `slug` as interactive.
(slug) => {
  const times = (window.cnnSwitchTimes = { clicked: null, done: null });
  document.addEventListener("click", () => (times.clicked = performance.now()), { capture: true, once: true });
  new MutationObserver((_, observer) => {
    const { route, ready } = document.body.dataset;
    if (times.clicked !== null && route === slug && ready === "true") {
      times.done = performance.now();
      observer.disconnect();
    }
  }).observe(document.body, { attributes: true, attributeFilter: ["data-ready", "data-route"] });
}
