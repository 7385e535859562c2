"""The probability lessons in Chromium on the built site: entropy, cross-entropy, softmax, encoding.

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
from harness import DEEP_TEXT_JS
from playwright.sync_api import expect

from app import progress

pytestmark = pytest.mark.browser

PROGRESS_KEY = progress.STORAGE_KEY


def _text(locator) -> str:
    return locator.evaluate(DEEP_TEXT_JS)


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
    # Panel batches typed text to Python for up to ~0.5 s after the last sync but sends clicks at
    # once; pause like a student between typing and clicking so the check sees the typed text.
    page.wait_for_timeout(700)
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


def _plain_entry_answer(page) -> str:
    """The plain-normalization exercise's answer, worked out from the scores in its prompt."""
    prompt = _text(_card(page, "plain-entry"))
    # KaTeX writes a minus as "− 1.5"; rejoin it with its number.
    scores = _numbers(re.sub(r"[−-]\s*", "-", re.search(r"scores \[(.*?)\]", prompt).group(1)))
    k = int(re.search(r"give score (\d)", prompt).group(1)) - 1
    return f"{scores[k] / sum(scores):.4f}"


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

    # Dragging a bar's weight (here with the keyboard) reshapes the distribution.
    weight = page.get_by_role("slider", name="Weight of class 1")
    weight.focus()
    weight.press("ArrowRight")  # weights 2, 1, 1, 1
    _wait_for(page.locator(".distribution-entropy"), r"H = 1\.9219 bits")

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
    assert not _stored(page)["entropy"]["done"]

    # Solving the other two exercises completes the lesson, and the lesson list says so.
    faces = int(re.search(r"has (\d+) faces", _text(_card(page, "uniform-die"))).group(1))
    assert "Correct" in _answer(page, "uniform-die", f"{math.log2(faces):.3f}")
    probs = _numbers(re.search(r"\[(.*?)\]", _text(_card(page, "nats"))).group(1))
    nats = -sum(p * math.log(p) for p in probs if p > 0)
    assert "Correct" in _answer(page, "nats", f"{nats:.3f}")
    assert _stored(page)["entropy"]["done"]
    expect(page.locator(".nav-progress")).to_have_text(re.compile("^1 of"))
    axe(page)
    _check_kept_after_reload(page, "entropy", "container-bits")
    expect(page.locator(".nav-progress")).to_have_text(re.compile("^1 of"))


def test_cross_entropy_lesson(page, axe) -> None:
    page.open_lesson("cross-entropy")
    main = page.locator("#lesson-app")
    text = _text(main)
    for number in ("0.775", "0.3677", "0.0923", "0.116", "0.126", "0.095"):
        assert number in text, number

    # The training slider moves the prediction from 0.775 to 0.938 (keyboard: End key).
    slider = page.get_by_role("slider", name="Training progress")
    slider.focus()
    slider.press("End")
    readout = page.locator(".training-readout")
    _wait_for(readout, r"p\(dog\) = 0\.938 .*loss = 0\.0923 bits")

    # Choosing another true class moves the loss to that class.
    page.get_by_role("button", name="cat", exact=True).click()
    _wait_for(page.locator(".ce-total"), "3.1078")

    # The binary table explains mismatched lengths.
    targets = page.get_by_role("textbox", name=re.compile("Targets"))
    _set_input(page, targets, "1, 0")
    _wait_for(main, "2 targets but 4 probabilities")

    card = _card(page, "probability-from-loss")
    bits = float(re.search(r"is (\d+\.\d+) bits", _text(card)).group(1))
    wrong = _answer(page, "probability-from-loss", "2")
    assert "Not quite" in wrong
    assert "Correct" in _answer(page, "probability-from-loss", f"{100 * 2**-bits:.0f}%")
    axe(page)
    _check_kept_after_reload(page, "cross-entropy", "probability-from-loss")


def test_softmax_lesson(page, axe) -> None:
    page.open_lesson("softmax")
    main = page.locator("#lesson-app")
    text = _text(main)
    for number in ("24.5325", "3.6693", "1.2214", "2.2255", "0.775", "0.116"):
        assert number in text, number

    # Presets break plain normalization in the two ways the lecture names.
    page.get_by_role("combobox", name="Try an example").select_option("Scores summing to 0")
    _wait_for(main, "divided by 0")
    page.get_by_role("combobox", name="Try an example").select_option("A negative score")
    _wait_for(main, "below 0 or above 1")
    logits = page.get_by_role("textbox", name=re.compile("Logits"))
    _set_input(page, logits, "1, 1/0")
    _wait_for(main, "Division by zero")

    # Doubling [2, 4] to [4, 8]: softmax reacts, plain normalization does not.
    scale = page.get_by_role("slider", name="Multiply the scores [2, 4] by")
    scale.focus()
    scale.press("ArrowRight")
    _wait_for(page.locator(".scale-readout"), r"scores \[3, 6\]")
    scale.press("ArrowRight")
    _wait_for(page.locator(".scale-readout"), r"\[0\.018, 0\.982\].*\[0\.333, 0\.667\]")

    assert "Not quite" in _answer(page, "plain-entry", "12")
    assert "Correct" in _answer(page, "plain-entry", _plain_entry_answer(page))
    axe(page)
    _check_kept_after_reload(page, "softmax", "plain-entry")


def test_encoding_lesson(page, axe) -> None:
    page.open_lesson("encoding")
    main = page.locator("#lesson-app")
    assert "code of cat" in _text(main)  # dog (0) and horse (2) average to cat (1)

    labels = page.get_by_role("textbox", name=re.compile("Labels of your samples"))
    _set_input(page, labels, "dog, horse")
    _wait_for(page.locator(".one-hot-loss"), "0.3677")
    _set_input(page, labels, "dog, unicorn")
    _wait_for(main, "Unknown class “unicorn”")

    card = _card(page, "ordinal-or-nominal")
    card.get_by_role("button", name="Check").click()
    _wait_for(card.locator(".feedback"), "Pick one of the options first")

    card = _card(page, "one-hot-vector")
    prompt = _text(card)
    # Bold names are separate text nodes, so the last one arrives with a space before the ".".
    classes = [c.strip() for c in re.search(r"are (.*?)\. Type", prompt).group(1).split(",")]
    label = re.search(r"vector of (\w+)", prompt).group(1)
    assert "Not quite" in _answer(page, "one-hot-vector", ", ".join(["0"] * len(classes)))
    answer = ", ".join("1" if c == label else "0" for c in classes)
    assert "Correct" in _answer(page, "one-hot-vector", answer)
    axe(page)
    _check_kept_after_reload(page, "encoding", "one-hot-vector")


def test_unreadable_progress_is_kept_as_a_backup_and_the_lesson_still_works(page) -> None:
    # Damaged storage from an older version or a hand edit, present before Python boots.
    page.add_init_script(
        f"if (!sessionStorage.getItem('seeded')) {{ sessionStorage.setItem('seeded', '1');"
        f" localStorage.setItem('{PROGRESS_KEY}', '{{not json'); }}"
    )
    page.open_lesson("softmax")
    main = page.locator("#lesson-app")
    _wait_for(main, "could not be read")
    # Said once: the next lesson reads the same damaged storage but does not repeat it.
    page.open_lesson("entropy")
    assert "could not be read" not in _wait_for(main, "Pick a shape")
    page.open_lesson("softmax")
    assert "Correct" in _answer(page, "plain-entry", _plain_entry_answer(page))
    assert page.evaluate(f"localStorage.getItem('{PROGRESS_KEY}/unreadable-backup')") == (
        "{not json"
    )
    assert _stored(page)["softmax"]["solved"] == ["plain-entry"]
