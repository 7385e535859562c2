"""Every lesson's controls once in Chromium, on one shared page, at phone width: extreme typed
values and every select option go through Python and the engine, and the page stays free of
console errors and never grows wider than the screen (the thorough sweep of every value runs
natively in tests/app/test_lesson_sweep.py). Also: markup typed into an answer box is shown as
text and runs nothing, and checking a choice exercise before choosing is a message, not a try.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from test_narrow_screens import PHONE, _settle

from app import catalog

LESSONS = [info.slug for info in catalog.LESSONS if info.slug not in ("home", "trainer")]

TYPED = ("1e308", "-0", "9" * 2000)

#: Markup a student (or a pasted link) could put into an answer box.
PAYLOADS = (
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss=1">',
    "[click me](javascript:window.__xss=1)",
)


@pytest.mark.parametrize("slug", LESSONS)
def test_every_control_of_the_lesson_in_the_browser(shared_page, slug: str) -> None:
    page = shared_page
    page.set_viewport_size(PHONE)
    page.open_lesson(slug)
    boxes = page.locator("#lesson-app input[type=text], #lesson-app textarea")
    for index in range(boxes.count()):
        box = boxes.nth(index)
        if not box.is_visible() or box.is_disabled():
            continue
        original = box.input_value()
        for text in (*TYPED, original):
            box.fill(text)
            box.press("Tab")
    selects = page.locator("#lesson-app select")
    for index in range(selects.count()):
        select = selects.nth(index)
        if not select.is_visible():
            continue
        values = select.locator("option").evaluate_all("(options) => options.map(o => o.value)")
        for value in (*values[-1:], *values[:1]):
            select.select_option(value)
            # At a student's pace: Panel in Pyodide holds a browser change for up to 0.5 s, so a
            # select whose options the previous change rebuilt (pooling's output cell) could
            # send a choice from its old list (a Panel sync race, not a lesson bug).
            page.wait_for_timeout(700)
    page.wait_for_timeout(1500)  # the last changes' round trips through Python
    _settle(page)
    # The page itself never scrolls sideways (a code editor's long line scrolls inside its box).
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{slug} at 390 px is {width[0]} px wide"
    assert page.evaluate("document.body.dataset.lessonStatus") == "ok"
    assert not page.problems, page.problems


def test_markup_typed_into_an_answer_box_is_shown_as_text(shared_page) -> None:
    page = shared_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.open_lesson("entropy")
    card = page.locator(".exercise-container-bits")
    box = card.locator("input[type=text]")
    feedback = card.locator(".feedback")
    for payload in PAYLOADS:
        box.fill(payload)
        box.press("Enter")
        expect(feedback).to_contain_text(payload[:12])  # the characters, as typed
    assert page.evaluate("window.__xss") is None
    assert card.locator(".feedback img, .feedback script, .feedback a").count() == 0
    assert not page.problems, page.problems


def test_checking_a_choice_before_choosing_is_a_message_not_a_try(shared_page) -> None:
    page = shared_page
    page.open_lesson("encoding")
    card = page.locator(".exercise-ordinal-or-nominal")
    card.get_by_role("button", name="Check").click()
    expect(card.locator(".feedback")).to_contain_text("Pick one of the options first")
    expect(card.get_by_role("button", name="Hint")).to_be_hidden()  # no wrong try counted
