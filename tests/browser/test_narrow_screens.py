"""Every route on a 390 px phone: nothing runs past the screen's right edge, and axe-core finds no
serious or critical violation (a box that scrolls sideways must be reachable by keyboard).

One page visits all routes (``shared_page``: Python boots once), then trains a short run so the
trainer's results (the 10×10 confusion matrix, galleries, feature maps) are measured as well.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from test_trainer import RUN_TIMEOUT_MS, start_short_run

from app.catalog import SLUGS

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# One walk through the page and its shadow roots finds
# - ``overflowing``: elements whose right edge passes the viewport, deepest first, so a failure
#   names the culprit (KaTeX's MathML copy is skipped: it is clipped to 1 px for screen readers);
# - ``scroll_boxes``: boxes the page made focusable because they scroll sideways (app.components.
#   a11y), with whether they still do.
_LAYOUT_JS = """
() => {
  const overflowing = [];
  const scrollBoxes = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.right > window.innerWidth + 0.5 && !el.closest('.katex-mathml')) {
        const classes = [...el.classList].slice(0, 2).map((c) => '.' + c).join('');
        const text = el.textContent.slice(0, 40);
        overflowing.push(`${el.localName}${classes} right=${Math.round(box.right)} "${text}"`);
      }
      if (el.hasAttribute('data-cnn-scroll')) {
        scrollBoxes.push({name: el.getAttribute('aria-label'),
                          scrolls: el.scrollWidth > el.clientWidth + 1,
                          widths: `${el.scrollWidth} in ${el.clientWidth} px`});
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return {overflowing: overflowing.reverse().slice(0, 8), scroll_boxes: scrollBoxes};
}
"""


_STYLESHEETS_LOADED_JS = """
() => {
  const pending = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.matches('link[rel="stylesheet"]') && !el.sheet) pending.push(el.href);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return pending.length === 0;
}
"""


def _settle(page) -> None:
    """Let KaTeX's fonts and Bokeh's stylesheets arrive, then the page's once-per-frame
    accessibility pass run."""
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_function(_STYLESHEETS_LOADED_JS)
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _assert_fits_and_passes_axe(page, axe) -> None:
    _settle(page)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    layout = page.evaluate(_LAYOUT_JS)
    assert width <= inner, (
        f"the page is {width} px wide on a {inner} px screen; past the edge:\n  "
        + "\n  ".join(layout["overflowing"])
    )
    # A focusable box that no longer scrolls would be a pointless tab stop.
    assert all(box["scrolls"] for box in layout["scroll_boxes"]), layout["scroll_boxes"]
    axe(page)


@pytest.mark.parametrize("slug", SLUGS)
def test_route_fits_a_phone(shared_page, axe, slug: str) -> None:
    shared_page.set_viewport_size(PHONE)
    shared_page.open_lesson(slug)
    _assert_fits_and_passes_axe(shared_page, axe)
    # Every formula and table is read whole: nothing needs scrolling sideways.
    assert shared_page.evaluate(_LAYOUT_JS)["scroll_boxes"] == []


def test_softmax_solutions_fit_a_phone_without_scrolling(shared_page, axe) -> None:
    shared_page.set_viewport_size(PHONE)
    shared_page.open_lesson("softmax")
    solutions = shared_page.get_by_role("button", name="Show solution")
    expect(solutions).to_have_count(3)
    for button in solutions.all():
        button.click()
    expect(shared_page.get_by_text(re.compile(r"^Answer: "))).to_have_count(3)
    _settle(shared_page)
    # Every formula fits: none had to become a sideways-scrolling box.
    assert shared_page.evaluate(_LAYOUT_JS)["scroll_boxes"] == []
    _assert_fits_and_passes_axe(shared_page, axe)


def test_a_box_that_scrolls_sideways_is_keyboard_reachable_only_while_it_scrolls(
    shared_page,
) -> None:
    """A wide table in a box as wide as the screen: a named tab stop on a phone, none on a
    desktop (the page's accessibility pass, not any one lesson's content, does this)."""
    shared_page.set_viewport_size(PHONE)
    shared_page.open_lesson("home")
    shared_page.evaluate(
        """() => {
          const box = document.createElement('div');
          box.id = 'wide-box';
          box.style.overflowX = 'auto';
          box.innerHTML = '<table><caption>Test table</caption>' +
            '<tr><td style="min-width: 600px">wide</td></tr></table>';
          document.querySelector('#lesson-app').append(box);
        }"""
    )
    box = shared_page.locator("#wide-box")
    expect(box).to_have_attribute("tabindex", "0")
    expect(box).to_have_attribute("role", "group")
    expect(box).to_have_attribute("aria-label", "Test table (scrolls sideways)")
    box.focus()
    shared_page.keyboard.press("ArrowRight")
    shared_page.wait_for_function("document.querySelector('#wide-box').scrollLeft > 0")

    shared_page.set_viewport_size({"width": 1280, "height": 844})
    expect(box).not_to_have_attribute("tabindex", "0")
    expect(box).not_to_have_attribute("role", "group")
    box.evaluate("(el) => el.remove()")


def test_trainer_results_fit_a_phone(shared_page, axe) -> None:
    shared_page.set_viewport_size(PHONE)
    shared_page.open_lesson("trainer")
    start_short_run(shared_page)
    expect(shared_page.get_by_text("Training finished").first).to_be_visible(timeout=RUN_TIMEOUT_MS)
    # The last results to arrive: the feature maps of test digit 0.
    expect(shared_page.get_by_text(re.compile(r"Test digit #0 \(a \d\)"))).to_be_visible()
    expect(shared_page.locator("table.matrix caption", has_text="Confusion matrix")).to_be_visible()
    _assert_fits_and_passes_axe(shared_page, axe)
