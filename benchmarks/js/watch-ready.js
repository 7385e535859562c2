// Init script of benchmarks/boot.py, run before any page script: marks when <body data-ready>
// first turns true, without relying on the code under test to report its own finish line.
new MutationObserver((_, observer) => {
  if (document.body && document.body.dataset.ready === "true") {
    performance.mark("bench:data-ready");
    observer.disconnect();
  }
}).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-ready"] });
