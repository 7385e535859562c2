"""Lessons I in Chromium on the built site: entropy, cross-entropy, softmax, encoding.

Each test boots the site once, operates the lesson's widgets, answers one exercise wrongly and
one correctly (computing the right answer here from the numbers in the prompt, not from the
page), reloads, and checks the progress survived. Bokeh renders inside shadow roots, which
Playwright's locators pierce; ``_text`` reads text including shadow content.
"""

from __future__ import annotations

import json
import math
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PROGRESS_KEY = "cnn-classroom/progress/v1"

_DEEP_TEXT = """(root) => {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
    if (node.nodeType === Node.ELEMENT_NODE) {
      if (['SCRIPT', 'STYLE', 'TEMPLATE'].includes(node.tagName)) return;
      // display: contents boxes (Panel's FlexBox uses them) report themselves invisible.
      const contents = getComputedStyle(node).display === 'contents';
      if (!contents && !node.checkVisibility()) return;
      if (node.shadowRoot) walk(node.shadowRoot);
    }
    for (const child of node.childNodes) walk(child);
  };
  walk(root);
  return parts.join(' ').replace(/\\s+/g, ' ').trim();
}"""


def _text(locator) -> str:
    return locator.evaluate(_DEEP_TEXT)


def _card(page, exercise_id: str):
    return page.locator(f".exercise-{exercise_id}").first


def _wait_for(locator, pattern: str, timeout_ms: int = 10_000) -> str:
    """Wait until the locator's deep text matches ``pattern``; return the text."""
    regex = re.compile(pattern)
    for _ in range(timeout_ms // 50):
        text = _text(locator)
        if regex.search(text):
            return text
        locator.page.wait_for_timeout(50)
    raise AssertionError(f"{pattern!r} never appeared; the text is: {_text(locator)[:500]}")


def _answer(page, exercise_id: str, answer: str) -> str:
    """Type an answer, press Check, and return the feedback once it changes."""
    card = _card(page, exercise_id)
    feedback = card.locator(".feedback")
    before = _text(feedback)
    box = card.locator("input[type=text]")
    box.fill(answer)
    card.get_by_role("button", name="Check").click()
    for _ in range(200):
        if _text(feedback) != before:
            break
        page.wait_for_timeout(50)
    return _text(feedback)


def _set_input(page, locator, value: str) -> None:
    locator.fill(value)
    locator.press("Enter")


def _stored(page) -> dict:
    return json.loads(page.evaluate(f"localStorage.getItem('{PROGRESS_KEY}')") or "{}")


def _check_kept_after_reload(page, slug: str, exercise_id: str) -> None:
    assert exercise_id in _stored(page)[slug]["solved"]
    page.reload()
    page.wait_ready(slug)
    assert exercise_id in _stored(page)[slug]["solved"]
    _wait_for(_card(page, exercise_id), "solved this exercise before")


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", text)]


def test_entropy_lesson(page, axe) -> None:
    page.open_lesson("entropy")
    main = page.locator("#lesson-app")
    text = _text(main)
    for number in ("0.5665", "0.9968", "0.2108"):
        assert number in text, number
    assert "Lecture slip" in text or "LECTURE SLIP" in text.upper()

    # Counts drive the bits live; a negative count gets a message and keeps the page intact.
    triangles = page.get_by_role("textbox", name="Triangles in Container 1")
    _set_input(page, triangles, "4")
    _wait_for(page.locator(".container-1"), r"Entropy = 1\.0000 bits")
    _set_input(page, triangles, "-3")
    _wait_for(page.locator(".container-1"), "cannot hold a negative number")

    # The distribution editor rejects a vector that does not sum to 1.
    probs = page.get_by_role("textbox", name=re.compile("Probabilities"))
    _set_input(page, probs, "0.5, 0.4")
    _wait_for(main, "add up to 0.9")

    # Show the code reveals the engine's source.
    page.get_by_role("button", name=re.compile("Show the code: engine.functional.entropy")).click()
    _wait_for(main, "def entropy")

    card = _card(page, "container-bits")
    t, c = (int(n) for n in re.search(r"(\d+) triangles and (\d+) circles", _text(card)).groups())
    wrong = _answer(page, "container-bits", "abc")
    assert "not a number" in wrong
    wrong = _answer(page, "container-bits", "5")
    assert "Not quite" in wrong and "hint" in wrong.lower()
    expect(card.get_by_role("button", name="Hint")).to_be_visible()
    p = t / (t + c)
    bits = -(p * math.log2(p) + (1 - p) * math.log2(1 - p))
    assert "Correct" in _answer(page, "container-bits", f"{bits:.2f}")
    axe(page)
    _check_kept_after_reload(page, "entropy", "container-bits")
