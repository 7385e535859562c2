// Keyboard shortcuts and their help dialog (`?`, or the "Shortcuts" button in the top bar).
// A shortcut is one plain key; none fires while the student types (text boxes, selects, the code
// editor, a focused slider) or holds Ctrl/Alt/Meta, so browser and screen-reader keys keep working.
// The dialog is a native modal <dialog>: the rest of the page is inert while it is open, Tab stays
// inside it, Escape closes it, and focus returns to where it was.
(() => {
  "use strict";

  const config = JSON.parse(document.getElementById("boot-config").textContent);
  const dialog = document.getElementById("shortcuts-dialog");
  const opener = document.querySelector(".shortcuts-button");

  // Controls where a plain key is input (or moves a value) rather than a command.
  const TYPING = 'input, textarea, select, [contenteditable=""], [contenteditable="true"], ' +
    '[role="slider"], [role="spinbutton"], [role="textbox"], [role="combobox"], [role="listbox"]';
  const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), ' +
    'select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"]), ' +
    '[contenteditable="true"]';
  const ANSWER = 'input[type="text"]:not([disabled]), select:not([disabled]), .cm-content';

  /** Every element under `root` in document order, shadow roots included. */
  function* deepElements(root) {
    for (const el of root.querySelectorAll("*")) {
      yield el;
      if (el.shadowRoot) yield* deepElements(el.shadowRoot);
    }
  }

  /** `el` or one of its ancestors across shadow boundaries matches `selector`. */
  function insideMatch(el, selector) {
    for (let node = el; node; node = node.parentElement || node.getRootNode().host) {
      if (node.matches && node.matches(selector)) return true;
    }
    return false;
  }

  const visible = (el) => el.checkVisibility() && el.getClientRects().length > 0;

  /** The element that really has focus, inside shadow roots. */
  function focusedElement() {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return el;
  }

  function goToLesson(step) {
    const here = config.slugs.indexOf(document.body.dataset.route);
    const next = config.slugs[here + step];
    if (next) location.hash = next;
  }

  function focusFirstControl() {
    const app = document.getElementById("lesson-app");
    for (const el of deepElements(app)) {
      if (el.matches(FOCUSABLE) && visible(el)) return el.focus();
    }
    return undefined;
  }

  // The answer box of the next exercise after the focus (wrapping around to the first).
  function focusNextExercise() {
    const app = document.getElementById("lesson-app");
    const answers = [...deepElements(app)].filter(
      (el) => el.matches(ANSWER) && visible(el) && insideMatch(el, ".exercise"),
    );
    if (!answers.length) return;
    const current = focusedElement();
    const after = current ? answers.findIndex((el) => precedes(current, el)) : 0;
    answers[after === -1 ? 0 : after].focus();
  }

  // Whether `a` comes before `b` in the page, comparing through shadow hosts.
  function precedes(a, b) {
    const chain = (el) => {
      const hosts = [el];
      while (hosts[0].getRootNode().host) hosts.unshift(hosts[0].getRootNode().host);
      return hosts;
    };
    const [ca, cb] = [chain(a), chain(b)];
    let i = 0;
    while (i < ca.length && i < cb.length && ca[i] === cb[i]) i += 1;
    if (i === ca.length || i === cb.length) return i === ca.length && i < cb.length;
    return Boolean(ca[i].compareDocumentPosition(cb[i]) & Node.DOCUMENT_POSITION_FOLLOWING);
  }

  function nextScheme() {
    const order = ["system", "light", "dark"];
    cnnTheme.choose(order[(order.indexOf(cnnTheme.choice()) + 1) % order.length]);
  }

  // [key, what the help dialog says, action]: the one list of shortcuts. An embedded lesson
  // (share-link.js: no course navigation) leaves out the keys that would leave it.
  const COURSE = cnnShareLink.embedded ? [] : [
    ["n", "Next lesson", () => goToLesson(1)],
    ["p", "Previous lesson", () => goToLesson(-1)],
    ["m", "Course map", () => (location.hash = config.defaultSlug)],
  ];
  const SHORTCUTS = [
    ...COURSE,
    ["f", "Focus the lesson's first control", focusFirstControl],
    ["e", "Go to the next exercise's answer box (Enter there checks the answer)", focusNextExercise],
    ["t", "Switch colour scheme: system, light, dark", nextScheme],
    ["?", "Show this list", () => openHelp()],
  ];

  // ------------------------------------------------------------------ the help dialog

  let returnFocus = null;

  function openHelp() {
    if (dialog.open) return;
    returnFocus = focusedElement();
    dialog.showModal();
  }
  dialog.addEventListener("close", () => {
    if (returnFocus && returnFocus.isConnected) returnFocus.focus();
    returnFocus = null;
  });
  dialog.querySelector(".close-dialog").addEventListener("click", () => dialog.close());
  // The page behind is inert, but Tab would still leave for the browser's own controls: keep it
  // cycling through the dialog's controls.
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const controls = [...dialog.querySelectorAll(FOCUSABLE)].filter(visible);
    const [first, last] = [controls[0], controls[controls.length - 1]];
    if (event.shiftKey ? document.activeElement === first : document.activeElement === last) {
      event.preventDefault();
      (event.shiftKey ? last : first).focus();
    }
  });
  opener.addEventListener("click", openHelp);

  const list = dialog.querySelector(".shortcut-list");
  for (const [key, label] of SHORTCUTS) {
    const row = document.createElement("tr");
    const keyCell = document.createElement("th");
    keyCell.scope = "row";
    const kbd = document.createElement("kbd");
    kbd.textContent = key;
    keyCell.append(kbd);
    const what = document.createElement("td");
    what.textContent = label;
    row.append(keyCell, what);
    list.append(row);
  }

  // ------------------------------------------------------------------ the keys

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
    if (dialog.open) return; // the dialog's own keys: Tab, Enter on Close, Escape
    const target = event.composedPath()[0];
    if (target instanceof Element && (target.isContentEditable || target.matches(TYPING))) return;
    const shortcut = SHORTCUTS.find(([key]) => key === event.key);
    if (!shortcut) return;
    event.preventDefault();
    shortcut[2]();
  });
})();
