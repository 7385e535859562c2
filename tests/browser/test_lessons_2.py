"""Lessons II in Chromium against the built site: convolution, stride & padding, pooling, backprop.

Each test boots one lesson, operates its widgets, checks that the lecture's numbers (and the
corrections of its slips) appear, solves an exercise wrongly and rightly, and reloads to see the
progress kept. Grid values are read from the grids' screen-reader captions.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _caption(page, title: str):
    """The hidden caption that reads a grid's values out: "<title>: 1, 2; 3, 4"."""
    return page.locator("p.sr-only", has_text=re.compile("^" + re.escape(title) + ":"))


def _solve(page, exercise_id: str) -> None:
    """Answer wrongly (a hint appears), then read the worked solution and type its answer."""
    card = page.locator(f".exercise-{exercise_id}")
    answer = card.get_by_role("textbox")
    answer.fill("12345")
    card.get_by_role("button", name="Check").click()
    expect(card.get_by_role("status")).to_contain_text("Not quite")
    expect(card.get_by_role("button", name="Hint")).to_be_visible()
    answer.fill("abc")
    card.get_by_role("button", name="Check").click()
    expect(card.get_by_role("status")).to_contain_text("not a number")
    card.get_by_role("button", name="Show solution").click()
    solution = card.locator("text=Worked solution").first
    expect(solution).to_be_visible()
    text = solution.evaluate("el => el.closest('div, p').parentElement.innerText")
    numbers = re.findall(r"−?-?\d+(?:\.\d+)?", text.replace("−", "-"))
    answer.fill(numbers[-1])
    card.get_by_role("button", name="Check").click()
    expect(card.get_by_role("status")).to_contain_text("Correct")


def test_convolution_lesson(page, axe) -> None:
    page.open_lesson("convolution")
    expect(_caption(page, "Feature map")).to_have_text(re.compile(r"Feature map: 4, –, –"))
    axe(page)
