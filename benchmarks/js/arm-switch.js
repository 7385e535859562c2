// benchmarks/boot.py: times a lesson switch the way a student makes it, from the click on the
// lesson's link (the next click anywhere) until <body> shows lesson `slug`'s first step as
// interactive (firstStep; data-ready on a build that shows a lesson whole) and until the whole
// lesson is on the page (done).
(slug) => {
  const times = (window.cnnSwitchTimes = { clicked: null, firstStep: null, done: null });
  document.addEventListener("click", () => (times.clicked = performance.now()), { capture: true, once: true });
  new MutationObserver((_, observer) => {
    const { route, ready, firstStep } = document.body.dataset;
    if (times.clicked === null || route !== slug) return;
    if (times.firstStep === null && (firstStep === "interactive" || ready === "true")) times.firstStep = performance.now();
    if (ready === "true") {
      times.done = performance.now();
      observer.disconnect();
    }
  }).observe(document.body, { attributes: true, attributeFilter: ["data-ready", "data-route", "data-first-step"] });
}
