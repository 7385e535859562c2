// The visible text under `root` (the whole body by default), descending into open shadow roots
// (Bokeh renders widgets there), unlike innerText. Whitespace runs become one space.
(root = document.body) => {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      parts.push(node.textContent);
      return;
    }
    if (node.nodeType === Node.ELEMENT_NODE) {
      if (["SCRIPT", "STYLE", "TEMPLATE"].includes(node.tagName)) return;
      // display: contents boxes (Panel's FlexBox uses them) report themselves invisible.
      const contents = getComputedStyle(node).display === "contents";
      if (!contents && !node.checkVisibility()) return;
      if (node.shadowRoot) walk(node.shadowRoot);
    }
    for (const child of node.childNodes) walk(child);
  };
  walk(root);
  return parts.join(" ").replace(/\s+/g, " ").trim();
}
