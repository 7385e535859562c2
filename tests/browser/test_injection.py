"""Markup from a student, a file or a link is shown as text and never runs (issue #18, item 1).

The answer boxes are covered by ``test_lesson_sweep_in_browser``; here the same payloads go into
the trainer's settings fields and its layer list, whose messages repeat what was typed, and into
a crafted progress file (someone else's file is the cross-user way in). Nothing may run
(``window.__xss`` stays unset) and no element the payloads describe may appear; the messages
must show the payload's characters as they were.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect
from test_lesson_sweep_in_browser import PAYLOADS

from app import progress_file
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


def test_markup_in_a_progress_file_is_shown_as_text(page, tmp_path: Path) -> None:
    page.open_lesson("home")
    upload = page.locator(".progress-panel input[type=file]")
    message = page.locator(".progress-message")
    refused, accepted = tmp_path / "refused.json", tmp_path / "accepted.json"
    document = progress_file.export({}, {}, "2026-12-03T21:30:00Z")
    # A lesson that is not a record: the refusal quotes its name.
    refused.write_text(json.dumps({**document, "lessons": {PAYLOADS[1]: "x"}}))
    upload.set_input_files(refused)
    expect(message).to_contain_text(f"lesson “{PAYLOADS[1]}” is not a record")
    # Unknown lessons are skipped by name; code comes in as the student's code.
    lessons = {payload: {"done": False} for payload in PAYLOADS}
    accepted.write_text(
        json.dumps({**document, "lessons": lessons, "code": {"code-entropy": PAYLOADS[0]}})
    )
    upload.set_input_files(accepted)
    expect(message).to_contain_text(
        f"Skipped, because this site has no such lesson or exercise: {PAYLOADS[0]}"
    )
    page.open_lesson("entropy")
    expect(page.locator(".exercise-code-entropy .cm-content")).to_have_text(PAYLOADS[0])
    assert_nothing_ran(page)
