// Accessible names for the parts of Bokeh widgets that BokehJS leaves unnamed, and keyboard
// access to boxes that scroll sideways. Python's app.components.a11y.install() calls
// cnnA11y.install() once the page has Python; later calls do nothing.
//
// BokehJS renders a slider's handle (role="slider") without an accessible name and a spinner's
// up/down buttons without text, so screen readers announce "slider" or "button" and axe-core
// reports them. Each shadow root gets a MutationObserver, and a full pass runs at most once per
// animation frame, so widgets that lessons render later are named too. The same pass hands
// every shadow root the colour scheme's widget stylesheet (static/theme.js).
globalThis.cnnA11y = (() => {
  let installed = false;

  // WCAG 2.5.8 (targets at least 24 x 24 px), adopted into every shadow root: BokehJS stacks a
  // spinner's up and down buttons in half the input's height (16 px each); side by side, each is
  // as tall as the input.
  const targetSizes = new CSSStyleSheet();
  targetSizes.replaceSync(`
    .bk-input-group > .bk-spin-wrapper > .bk-spin-btn { top: 0; bottom: auto; height: 100%; width: 26px; }
    .bk-input-group > .bk-spin-wrapper > .bk-spin-btn.bk-spin-btn-up { right: 0; }
    .bk-input-group > .bk-spin-wrapper > .bk-spin-btn.bk-spin-btn-down { right: 26px; }
    .bk-input-group > .bk-spin-wrapper > .bk-spin-btn:before { transform: none; vertical-align: middle; }
    .bk-input-group > .bk-spin-wrapper input { padding-right: 56px; }
  `);

  function install() {
    if (installed) return;
    installed = true;
    const observed = new WeakSet();
    let pending = false;
    const sliderName = (handle) => {
      const title = handle.getRootNode().querySelector('.bk-slider-title');
      const text = title && title.firstChild ? title.firstChild.textContent : '';
      return text.replace(/:\s*$/, '').trim() || 'Slider';
    };
    const spinName = (button) => {
      const label = button.getRootNode().querySelector('label');
      const what = label ? label.textContent.trim() : 'value';
      return (button.classList.contains('bk-spin-btn-up') ? 'Increase ' : 'Decrease ') + what;
    };
    const scrollName = (box) => {
      const caption = box.querySelector('caption');
      const title = caption && caption.firstChild ? caption.firstChild.textContent.trim() : '';
      const what = title || (box.querySelector('.katex') ? 'Formula' : 'Wide content');
      return what + ' (scrolls sideways)';
    };
    // [data-cnn-scroll]: a box marked earlier is re-checked even if its inline style changed.
    const SCROLL_BOXES = '.katex-display, .scroll, pre, [style*="overflow"], [data-cnn-scroll]';
    const markScrolling = (el) => {
      const scrolls = el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 &&
        /auto|scroll/.test(getComputedStyle(el).overflowX);
      const marked = el.hasAttribute('data-cnn-scroll');
      if (scrolls && !marked && !el.hasAttribute('tabindex')) {
        el.setAttribute('data-cnn-scroll', '');
        el.setAttribute('tabindex', '0');
        el.setAttribute('role', 'group');
        el.setAttribute('aria-label', scrollName(el));
      } else if (!scrolls && marked) {
        for (const name of ['data-cnn-scroll', 'tabindex', 'role', 'aria-label']) {
          el.removeAttribute(name);
        }
      }
    };
    const pass = (root) => {
      if (!observed.has(root)) {
        observed.add(root);
        if (root !== document.body) {
          root.adoptedStyleSheets = [...root.adoptedStyleSheets, targetSizes];
          cnnTheme.adopt(root); // static/theme.js
        }
        // Styles too: Bokeh sizes its boxes by setting inline styles, which can end a scroll.
        new MutationObserver(schedule).observe(
          root, {childList: true, subtree: true, attributes: true, attributeFilter: ['style']});
      }
      // A stylesheet Bokeh links into a shadow root can arrive after the render and change
      // whether a box scrolls, with no DOM mutation to say so.
      for (const sheet of root.querySelectorAll('link[rel="stylesheet"]')) {
        if (!observed.has(sheet)) {
          observed.add(sheet);
          sheet.addEventListener('load', schedule);
        }
      }
      for (const handle of root.querySelectorAll('.noUi-handle:not([aria-label])')) {
        handle.setAttribute('aria-label', sliderName(handle));
      }
      for (const button of root.querySelectorAll('.bk-spin-btn:not([aria-label])')) {
        button.setAttribute('aria-label', spinName(button));
      }
      for (const el of root.querySelectorAll('*')) {
        // Reading every element's layout cost ~70 ms per lesson render; only shadow hosts and
        // SCROLL_BOXES are given a sideways overflow (by the app's stylesheets or inline).
        if (el.shadowRoot || el.matches(SCROLL_BOXES)) markScrolling(el);
        if (el.shadowRoot) pass(el.shadowRoot);
      }
    };
    function schedule() {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; pass(document.body); });
    }
    // Whether a box scrolls changes without a DOM mutation when the window is resized or
    // KaTeX's fonts arrive (late stylesheets: see pass).
    window.addEventListener('resize', schedule);
    document.fonts.addEventListener('loadingdone', schedule);
    schedule();
  }

  return { install };
})();
