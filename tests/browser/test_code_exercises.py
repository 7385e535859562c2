"""Code exercises in Chromium: the editor, the code worker and the checker, as a student uses them.

One page for the module: the stride & padding lesson's cross-correlation exercise is driven
through a syntax error, three realistic wrong solutions, an endless loop and a right one, then
the softmax lesson's exercise with the classic overflow slip. Code goes in through the editor
(select all, insert text), as pasting does.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from app.code_exercises.registry import get

pytestmark = pytest.mark.browser

PROGRESS_KEY = "cnn-classroom/progress/v1"
#: The first reply waits for the code worker's own Pyodide to start.
WORKER_TIMEOUT_MS = 90_000

CORRELATE = get("code-correlate2d").solution


@pytest.fixture(autouse=True)
def _patient_expect():
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


def _type_code(card, code: str) -> None:
    editor = card.locator(".cm-content")
    editor.click()
    editor.press("Control+a")
    card.page.keyboard.insert_text(code)
    expect(editor).to_contain_text(code.strip().splitlines()[-1].strip())


def _press(card, button: str, code: str, expected: str, timeout: float = 30_000) -> str:
    _type_code(card, code)
    card.get_by_role("button", name=button, exact=True).click()
    status = card.get_by_role("status")
    expect(status).to_contain_text(expected, timeout=timeout)
    return status.inner_text()


def _exercise_card(shared_page, slug: str, exercise: str):
    """The card of code exercise ``exercise`` (its spec's id without ``code-``) on lesson
    ``slug``, scrolled into view."""
    card = shared_page.open_lesson(slug).locator(f".exercise-code-{exercise}")
    card.scroll_into_view_if_needed()
    return card


def test_conv_exercise_from_syntax_error_to_solved(shared_page, axe):
    page = shared_page.open_lesson("stride-padding")
    card = page.locator(".exercise-code-correlate2d")
    card.scroll_into_view_if_needed()
    expect(card.locator(".cm-content")).to_contain_text("def correlate2d")  # the starter

    # The keyboard way out of the editor: Tab indents, Esc then Tab moves on to Run.
    card.locator(".cm-content").click()
    page.keyboard.press("Tab")
    expect(card.locator(".cm-content")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(card.get_by_role("button", name="Run", exact=True)).to_be_focused()

    broken = CORRELATE.replace(
        "def correlate2d(image, kernel, stride=1, padding=0):",
        "def correlate2d(image, kernel, stride=1, padding=0)",
    )
    text = _press(card, "Check", broken, "Line 4 of your code", WORKER_TIMEOUT_MS)
    assert "SyntaxError" in text

    no_stride = CORRELATE.replace("i * stride", "i").replace("j * stride", "j")
    no_stride = no_stride.replace("// stride", "// 1")
    assert "stride-1 result" in _press(card, "Check", no_stride, "failed")
    transposed = CORRELATE.replace("np.sum(window * kernel)", "np.sum(window * kernel.T)")
    text = _press(card, "Check", transposed, "failed")
    assert "transposed kernel" in text
    expect(card.locator("td.diff mark")).to_have_count(2)  # expected and yours side by side
    axe(page)  # the failed check's grids and marked cells
    off_by_one = CORRELATE.replace("// stride + 1", "// stride")
    assert "One window too many or too few" in _press(card, "Check", off_by_one, "failed")
    expect(card.get_by_role("button", name="Hint")).to_be_visible()

    # An endless loop is stopped; the page answers meanwhile, and the next Run works.
    endless = (
        "def correlate2d(image, kernel, stride=1, padding=0):\n    while True:\n        pass\n"
    )
    _type_code(card, endless)
    card.get_by_role("button", name="Run", exact=True).click()
    card.get_by_role("button", name="Show model solution").click()
    expect(card.get_by_text("Model solution.")).to_be_visible(timeout=4_000)
    expect(card.get_by_role("status")).to_contain_text("Stopped after 5 s", timeout=20_000)
    text = _press(card, "Run", CORRELATE, "returned", WORKER_TIMEOUT_MS)
    assert "the lecture's 5×5 image" in text

    _press(card, "Check", CORRELATE, "Correct!")
    stored = json.loads(page.evaluate(f"localStorage.getItem({PROGRESS_KEY!r})"))
    assert "code-correlate2d" in stored["stride-padding"]["solved"]
    axe(page)

    # The code is kept with the progress: after a reload the editor shows it again.
    page.reload()
    page.wait_ready("stride-padding")
    kept = page.locator(".exercise-code-correlate2d .cm-content")
    expect(kept).to_contain_text("out[i, j] = np.sum(window * kernel)")
    expect(page.locator(".exercise-code-correlate2d").get_by_role("status")).to_contain_text(
        "solved this exercise before"
    )
    page.locator(".exercise-code-correlate2d").get_by_role("button", name="Restore starter").click()
    expect(kept).to_contain_text("pass  # your code here")


def test_softmax_without_max_subtraction_fails_on_large_logits(shared_page):
    card = _exercise_card(shared_page, "softmax", "softmax")
    naive = "import numpy as np\n\ndef softmax(z):\n    e = np.exp(z)\n    return e / np.sum(e)\n"
    text = _press(card, "Check", naive, "failed", WORKER_TIMEOUT_MS)
    assert re.search(r"large logits", text)
    assert "subtract the largest logit" in text
    # (No "overflow" warning here: WebAssembly has no floating-point flags for NumPy to read.)


def test_a_monkeypatched_np_sum_does_not_reach_the_next_check(shared_page):
    card = _exercise_card(shared_page, "softmax", "softmax")
    patch = (
        "import numpy as np\nnp.sum = lambda *args, **kwargs: 0.0\n\n"
        "def softmax(z):\n    return np.sum(z)\n"
    )
    assert "0" in _press(card, "Run", patch, "returned", WORKER_TIMEOUT_MS)
    _press(card, "Check", get("code-softmax").solution, "Correct!")


def test_huge_output_and_allocation_get_clear_messages(shared_page):
    card = _exercise_card(shared_page, "entropy", "entropy")
    chatty = "def entropy(p):\n    for i in range(200_000):\n        print(i)\n    return 0.0\n"
    text = _press(card, "Run", chatty, "returned", WORKER_TIMEOUT_MS)
    assert "more characters not shown" in text
    greedy = "import numpy as np\n\ndef entropy(p):\n    big = np.zeros(10**10)\n    return 0.0\n"
    text = _press(card, "Run", greedy, "more memory than Python in your browser can have")
    assert "Line 4 of your code" in text
    # The page is alive and the worker answers the next request.
    _press(card, "Check", get("code-entropy").solution, "Correct!")


def test_student_code_sees_neither_progress_nor_saved_models(shared_page):
    card = _exercise_card(shared_page, "entropy", "entropy")
    probe = (
        "import js\n\ndef entropy(p):\n"
        "    prototype = js.Object.getPrototypeOf(js.self)\n"
        "    print('reached:', js.indexedDB, js.caches, js.Reflect.get(prototype, 'indexedDB'),"
        " hasattr(js, 'localStorage'))\n"
        "    return 0.0\n"
    )
    text = _press(card, "Run", probe, "returned", WORKER_TIMEOUT_MS)
    assert "reached: None None None False" in text
