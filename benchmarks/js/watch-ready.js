// Init script of benchmarks/boot.py, run before any page script: marks when the lesson's first step
// is interactive (<body data-first-step>, or data-ready on a build that shows a lesson whole) and
// when <body data-ready> first turns true, without relying on the code under test to report its
// own finish line.
new MutationObserver((_, observer) => {
  const state = document.body ? document.body.dataset : {};
  const firstStep = state.firstStep === "interactive" || state.ready === "true";
  if (firstStep && !performance.getEntriesByName("bench:data-first-step").length) performance.mark("bench:data-first-step");
  if (state.ready === "true") {
    performance.mark("bench:data-ready");
    observer.disconnect();
  }
}).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-ready", "data-first-step"] });
