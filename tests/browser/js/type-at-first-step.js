// Init script body (a function expression called with its arguments): the moment
// <body data-first-step="interactive"> first appears, before the rest of the lesson is shown,
// types `text` into the text box labelled `label` and commits it (an "input", then a "change"
// event): a student quick off the mark. window.cnnTypedAtFirstStep records what the page was
// showing at that moment.
(label, text) => {
  const deepElements = (root) => {
    const found = [];
    const walk = (node) => {
      for (const el of node.querySelectorAll("*")) {
        found.push(el);
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(root);
    return found;
  };
  const labelled = (el) =>
    el.getAttribute("aria-label") === label || [...(el.labels || [])].some((l) => l.textContent.trim() === label);
  new MutationObserver((_, observer) => {
    if (!document.body || document.body.dataset.firstStep !== "interactive") return;
    observer.disconnect();
    const elements = deepElements(document.getElementById("lesson-app"));
    const input = elements.find((el) => el.matches("input") && labelled(el));
    window.cnnTypedAtFirstStep = {
      found: Boolean(input),
      ready: document.body.dataset.ready ?? null,
      steps: elements.filter((el) => el.matches("h2")).length,
    };
    if (!input) return;
    input.value = text;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-first-step"] });
}
