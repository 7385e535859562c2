"""Markup from a student, a file or a link is shown as text and never runs (issue #18, item 1).

The answer boxes are covered by ``test_lesson_sweep_in_browser``; here the same payloads go into
the trainer's settings fields and its layer list, whose messages repeat what was typed. Nothing
may run (``window.__xss`` stays unset) and no element the payloads describe may appear; the
messages must show the typed characters as the student typed them.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from test_lesson_sweep_in_browser import PAYLOADS

from app.trainer.settings import LABELS

pytestmark = pytest.mark.browser

#: The trainer's number fields that are editable with the default preset.
NUMBER_FIELDS = ("lr", "batch_size", "epochs", "train_size", "seed")
#: The layer parser splits lines at spaces and quotes the first word: a payload without spaces.
ONE_WORD_PAYLOAD = "<img/src=x/onerror=window.__xss=1>"


def assert_nothing_ran(page) -> None:
    """No payload executed or became an element anywhere on the page (shadow roots included)."""
    assert page.evaluate("window.__xss") is None
    assert page.locator('img[src="x"], a[href^="javascript:"]').count() == 0
    scripts = page.locator("script").evaluate_all(
        "(found) => found.filter((s) => s.textContent.includes('__xss')).length"
    )
    assert scripts == 0
    assert not page.problems, page.problems


def test_markup_typed_into_the_trainer_is_shown_as_text(page) -> None:
    page.open_lesson("trainer")
    errors = page.locator("#lesson-app .msg.error")
    settings_errors = errors.filter(has_text=f"{LABELS['lr']}:")
    layers_error = errors.filter(has_text="unknown layer")
    layers = page.get_by_label(LABELS["layers"], exact=False)
    default_layers = layers.input_value()
    for payload in PAYLOADS:
        for key in NUMBER_FIELDS:
            box = page.get_by_label(LABELS[key], exact=True)
            box.fill(payload)
            box.press("Tab")
        for key in NUMBER_FIELDS:
            # The message names the field and repeats the payload's characters, unescaped.
            expect(settings_errors).to_contain_text(f"{LABELS[key]}: “{payload}”")
        expect(settings_errors).not_to_contain_text("\\")
    for payload in (*PAYLOADS, ONE_WORD_PAYLOAD):
        layers.fill(f"{default_layers}\n{payload}")
        layers.press("Tab")
        expect(layers_error).to_contain_text(f"unknown layer '{payload.split()[0]}'")
    assert_nothing_ran(page)
