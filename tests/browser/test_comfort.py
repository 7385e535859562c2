"""Dark mode, keyboard shortcuts and WCAG 2.2 target sizes in Chromium.

One page whose system setting is dark (``shared_page`` below replaces conftest's for this module,
so Python boots once) visits every route: axe-core finds no serious or critical violation, no text
is hard to read against what is behind it, no Bokeh plot keeps a light background, and every
pointer target is at least 24 × 24 px (or spaced as WCAG 2.5.8 allows). The same page then
switches the scheme by hand (no reload; remembered across one) and drives the shortcuts and their
help dialog. A second page has its storage blocked and must still work.
"""

from __future__ import annotations

import pytest
from harness import PLOT_BACKGROUNDS_JS
from playwright.sync_api import expect
from test_narrow_screens import _settle

from app.catalog import SLUGS
from app.components import theme

pytestmark = pytest.mark.browser

# Text (own text nodes, visible, not screen-reader-only) whose colour contrasts with the first
# opaque background behind it, looking through shadow hosts, by less than WCAG AA asks: 4.5:1, or
# 3:1 for large text (24 px, or 18.66 px bold).
_LOW_CONTRAST_JS = """
() => {
  const rgb = (css) => (css.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => [r, g, b]
    .map((v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (el) => {
    for (let node = el; node; node = node.parentElement || node.getRootNode().host) {
      const colour = rgb(getComputedStyle(node).backgroundColor);
      if (colour.length === 3 || colour[3] > 0.5) return colour;
    }
    return [255, 255, 255];
  };
  const ratio = (fg, bg) => {
    const [a, b] = [luminance(fg), luminance(bg)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  };
  const low = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) walk(el.shadowRoot);
      if (el.matches('input[type="file"]:not(:disabled)') && el.checkVisibility()) {
        // The browser draws the "Choose File" button, which the DOM walk does not see.
        const button = getComputedStyle(el, '::file-selector-button');
        const contrast = ratio(rgb(button.color), rgb(button.backgroundColor));
        if (contrast < 4.5) low.push(`${contrast.toFixed(2)}:1 the file input's button`);
      }
      const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!hasText || !el.checkVisibility({opacityProperty: true, visibilityProperty: true}) ||
          el.closest('.katex-mathml, .sr-only, .visually-hidden')) continue;
      const style = getComputedStyle(el);
      const contrast = ratio(rgb(style.color), background(el));
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (contrast < (large ? 3 : 4.5)) {
        const text = el.textContent.trim().slice(0, 30);
        low.push(`${contrast.toFixed(2)}:1 ${el.localName} "${text}"` +
                 ` (${style.color} on rgb(${background(el)}))`);
      }
    }
  };
  walk(document);
  return low.slice(0, 10);
}
"""

# The background colour of every Bokeh plot on the page, from BokehJS's own models.
# WCAG 2.5.8: every pointer target at least 24 × 24 CSS px, unless it is a link inside a sentence
# or a 24 px circle on its centre meets no other target (nor another small target's circle). A
# control inside its <label> is hit anywhere on the label.
_SMALL_TARGETS_JS = """
() => {
  const INTERACTIVE = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, ' +
    '[role="button"], [role="slider"], [role="tab"], [role="checkbox"], [role="radio"], ' +
    '[role="link"], [role="switch"], [tabindex]:not([tabindex="-1"]), [contenteditable="true"]';
  const targets = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) walk(el.shadowRoot);
      if (!el.matches(INTERACTIVE) || el.matches(':disabled') || !el.checkVisibility()) continue;
      const box = ((el.matches('input') && el.closest('label')) || el).getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      const sentence = el.parentElement && el.parentElement.closest('p, li, td, dd, figcaption');
      const inline = el.matches('a') && sentence &&
        sentence.textContent.trim().length > el.textContent.trim().length;
      targets.push({el, box, inline});
    }
  };
  walk(document);
  const small = (t) => t.box.width < 23.5 || t.box.height < 23.5;
  const centre = (b) => [b.left + b.width / 2, b.top + b.height / 2];
  const gap = ([x, y], b) =>
    Math.hypot(Math.max(b.left - x, 0, x - b.right), Math.max(b.top - y, 0, y - b.bottom));
  const failures = [];
  for (const t of targets.filter((t) => small(t) && !t.inline)) {
    const [x, y] = centre(t.box);
    const crowded = targets.some((o) => o !== t && !o.el.contains(t.el) && !t.el.contains(o.el) &&
      (gap([x, y], o.box) < 12 ||
       (small(o) && Math.hypot(centre(o.box)[0] - x, centre(o.box)[1] - y) < 24)));
    const name = (t.el.getAttribute('aria-label') || t.el.textContent || '').trim().slice(0, 30);
    if (crowded) {
      failures.push(`${t.el.localName}.${t.el.classList[0] || ''} "${name}" ` +
                    `${Math.round(t.box.width)}×${Math.round(t.box.height)} px`);
    }
  }
  return failures;
}
"""

_FOCUSED_JS = """
() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  return el ? el.outerHTML.slice(0, 80) : '';
}
"""


# Whether the focused control shows it: an outline or a box shadow on it or, for controls that
# mark focus on their frame (the code editor: ``:focus-within``), on one of its 3 nearest ancestors.
_FOCUS_SHOWN_JS = """
() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  if (!el || el === document.body) return null;
  const what = `${el.localName}.${el.classList[0] || ''} ` +
    `"${(el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 30)}"`;
  for (let node = el, up = 0; node && up <= 3; up += 1) {
    const style = getComputedStyle(node);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1;
    if (outline || style.boxShadow !== 'none') return {what, shown: true};
    node = node.parentElement || node.getRootNode().host;
  }
  return {what, shown: false};
}
"""


@pytest.fixture(scope="module")
def shared_page(_pages):
    page = _pages.new(color_scheme="dark")
    yield page
    page.context.close()


def _plot_backgrounds(page) -> set[str]:
    return set(page.evaluate(PLOT_BACKGROUNDS_JS))


@pytest.mark.parametrize("slug", SLUGS)
def test_route_in_dark_mode_is_readable_and_accessible(shared_page, axe, slug: str) -> None:
    shared_page.open_lesson(slug)
    assert shared_page.evaluate("document.documentElement.dataset.theme") == "dark"
    _settle(shared_page)
    assert shared_page.evaluate(_LOW_CONTRAST_JS) == []
    assert _plot_backgrounds(shared_page) <= {theme.SURFACE}
    assert shared_page.evaluate(_SMALL_TARGETS_JS) == []
    axe(shared_page)


@pytest.mark.parametrize("slug", ["convolution", "entropy", "explorer", "trainer"])
def test_keyboard_focus_is_visible_in_dark_mode(shared_page, slug: str) -> None:
    """Every Tab stop of a lesson (widgets, grids, code editor, explorer maps, trainer form)."""
    shared_page.open_lesson(slug)
    shared_page.get_by_role("heading", level=1).first.focus()
    hidden, stops = [], 0
    for _ in range(80):
        shared_page.keyboard.press("Tab")
        focus = shared_page.evaluate(_FOCUS_SHOWN_JS)
        if focus is None:
            continue
        stops += 1
        if not focus["shown"]:
            hidden.append(focus["what"])
        if "cm-content" in focus["what"]:
            shared_page.keyboard.press("Escape")  # Tab indents in the editor; Esc, Tab leaves it
    assert stops >= 20
    assert hidden == []


def test_the_colour_scheme_switches_without_reload_and_is_remembered(shared_page) -> None:
    page = shared_page
    page.open_lesson("convolution")  # pictures drawn by Bokeh plots
    assert _plot_backgrounds(page) == {theme.SURFACE}
    page.evaluate("window.sameDocument = true")
    scheme = page.get_by_role("combobox", name="Colours")
    scheme.select_option("light")
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    page.wait_for_function(
        f"() => ({PLOT_BACKGROUNDS_JS})().every((colour) => colour === '#ffffff')"
    )
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(247, 248, 246)"
    assert page.evaluate("window.sameDocument")

    page.reload()
    page.wait_ready("convolution")
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    expect(scheme).to_have_value("light")
    assert _plot_backgrounds(page) == {"#ffffff"}

    scheme.select_option("system")  # the browser says dark
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.wait_for_function(
        f"() => ({PLOT_BACKGROUNDS_JS})().every((colour) => colour === '{theme.SURFACE}')"
    )


def test_shortcuts_and_their_help_dialog(shared_page) -> None:
    page = shared_page
    page.open_lesson("convolution")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")

    page.get_by_role("button", name="Next ▶").focus()
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("row")).to_have_count(7)
    for _ in range(3):  # Tab stays inside the dialog
        page.keyboard.press("Tab")
        assert page.evaluate(
            "document.getElementById('shortcuts-dialog').contains(document.activeElement)"
        )
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert "Next" in page.evaluate(_FOCUSED_JS), "focus did not return to where it was"

    page.get_by_role("button", name="Keyboard shortcuts").click()  # the visible way in
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    page.keyboard.press("e")  # the first exercise's answer box
    focused = page.evaluate(_FOCUSED_JS)
    assert focused.startswith("<input") and 'type="text"' in focused, focused
    page.keyboard.type("np")  # typed into the box, not taken as shortcuts
    assert page.evaluate("document.body.dataset.route") == "convolution"
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")

    page.get_by_role("button", name="Next ▶").focus()
    page.keyboard.press("n")
    page.wait_ready("relu")
    page.keyboard.press("p")
    page.wait_ready("convolution")
    page.keyboard.press("f")
    assert page.evaluate(_FOCUSED_JS).startswith("<textarea"), "f did not reach the first control"
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("m")
    page.wait_ready("home")


def test_blocked_storage_and_an_embedded_lesson(new_page) -> None:
    """Storage the browser refuses (privacy settings) breaks nothing: the scheme still switches
    for this page. An embedded lesson (no course navigation) has no keys that would leave it."""
    page = new_page()
    page.add_init_script(
        "Object.defineProperty(window, 'localStorage', {get() {"
        " throw new DOMException('The operation is insecure.', 'SecurityError'); }});"
    )
    page.goto(page.site_url + "index.html#convolution?embed")
    page.wait_ready("convolution")
    html = page.locator("html")
    page.keyboard.press("t")  # system (this browser: light) -> light
    expect(html).to_have_attribute("data-theme-choice", "light")
    page.keyboard.press("t")  # -> dark
    expect(html).to_have_attribute("data-theme", "dark")

    page.keyboard.press("n")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog.get_by_role("row")).to_have_count(4)  # f, e, t, ?
    assert page.evaluate("document.body.dataset.route") == "convolution"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
