// Colour scheme: light, dark, or whatever the system says (prefers-color-scheme), remembered in
// localStorage. Loaded in <head> so the first paint already has the right colours.
//
// The page's colours are CSS custom properties (style.css, `:root[data-theme="dark"]`); they
// inherit into the shadow roots Panel and Bokeh render into, so the app's own component styles
// switch with them. BokehJS's widgets set their colours as variables on every shadow host
// instead, which inheritance cannot reach: `widgetSheet` (dark-widgets.css in dark mode, empty
// in light mode) is adopted into every shadow root by cnnA11y's pass. Bokeh's plots are canvas
// drawings: Python re-themes them on the `cnn-theme` event (app/components/theme.py).
globalThis.cnnTheme = (() => {
  const KEY = "cnn-classroom/theme/v1";
  const CHOICES = ["system", "light", "dark"];
  const root = document.documentElement;
  const systemDark = window.matchMedia("(prefers-color-scheme: dark)");
  const widgetSheet = new CSSStyleSheet();
  let darkWidgetCss = null; // dark-widgets.css once fetched

  // Blocked or full storage must not break the page: the choice then lasts for this page only.
  function stored() {
    try {
      const value = localStorage.getItem(KEY);
      return CHOICES.includes(value) ? value : "system";
    } catch {
      return "system";
    }
  }

  function remember(choice) {
    try {
      localStorage.setItem(KEY, choice);
    } catch {
      // nothing to do: the choice still applies until the page is closed
    }
  }

  let choice = stored();
  const resolved = () => (choice === "system" ? (systemDark.matches ? "dark" : "light") : choice);

  function fillWidgetSheet() {
    const dark = resolved() === "dark";
    widgetSheet.replaceSync(dark && darkWidgetCss ? darkWidgetCss : "");
    if (dark && darkWidgetCss === null) {
      darkWidgetCss = "";
      fetch(new URL("dark-widgets.css", document.baseURI))
        .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
        .then((css) => {
          darkWidgetCss = css;
          fillWidgetSheet();
        })
        .catch((error) => console.warn("CNN Classroom: dark widget colours unavailable", error));
    }
  }

  function apply() {
    const scheme = resolved();
    const changed = root.dataset.theme !== scheme;
    root.dataset.theme = scheme;
    root.dataset.themeChoice = choice;
    fillWidgetSheet();
    for (const select of document.querySelectorAll("select[data-theme-choice]")) select.value = choice;
    if (changed) window.dispatchEvent(new CustomEvent("cnn-theme", { detail: { scheme } }));
  }

  /** Use `next` ("system", "light" or "dark") from now on, on this page and on later visits. */
  function choose(next) {
    if (!CHOICES.includes(next)) return;
    choice = next;
    remember(next);
    apply();
  }

  /** Give a shadow root the widget colours of the current scheme (idempotent). */
  function adopt(shadowRoot) {
    if (!shadowRoot.adoptedStyleSheets.includes(widgetSheet)) {
      shadowRoot.adoptedStyleSheets = [...shadowRoot.adoptedStyleSheets, widgetSheet];
    }
  }

  systemDark.addEventListener("change", apply);
  // Another tab changed the choice.
  window.addEventListener("storage", (event) => {
    if (event.key !== KEY) return;
    choice = stored();
    apply();
  });
  document.addEventListener("change", (event) => {
    if (event.target.matches("select[data-theme-choice]")) choose(event.target.value);
  });
  document.addEventListener("DOMContentLoaded", apply);
  apply();

  return { choose, adopt, choice: () => choice, scheme: resolved };
})();
