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
    const scrolls = (el) =>
      el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 &&
      /auto|scroll/.test(getComputedStyle(el).overflowX);
    const markScrolling = (el, scrolling) => {
      const marked = el.hasAttribute('data-cnn-scroll');
      if (scrolling && !marked && !el.hasAttribute('tabindex')) {
        el.setAttribute('data-cnn-scroll', '');
        el.setAttribute('tabindex', '0');
        el.setAttribute('role', 'group');
        el.setAttribute('aria-label', scrollName(el));
      } else if (!scrolling && marked) {
        for (const name of ['data-cnn-scroll', 'tabindex', 'role', 'aria-label']) {
          el.removeAttribute(name);
        }
      }
    };
    // Names what needs a name in `root` and the shadow roots below it, and returns (in `boxes`)
    // the elements that may scroll sideways: shadow hosts and SCROLL_BOXES, which the app's
    // stylesheets or inline styles can give a sideways overflow (reading every element's layout
    // cost ~70 ms per lesson render).
    const visit = (root, boxes) => {
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
        if (el.shadowRoot || el.matches(SCROLL_BOXES)) boxes.push(el);
        if (el.shadowRoot) visit(el.shadowRoot, boxes);
      }
      return boxes;
    };
    // All layout reads first, then all writes: a read after a write makes the browser lay the
    // page out again, and interleaving them did that once per box.
    const pass = () => {
      const boxes = visit(document.body, []);
      const scrolling = boxes.map(scrolls);
      boxes.forEach((el, index) => markScrolling(el, scrolling[index]));
    };
    function schedule() {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; pass(); });
    }
    // Whether a box scrolls changes without a DOM mutation when the window is resized or
    // KaTeX's fonts arrive (late stylesheets: see pass).
    window.addEventListener('resize', schedule);
    document.fonts.addEventListener('loadingdone', schedule);
    schedule();
  }

  return { install };
})();
