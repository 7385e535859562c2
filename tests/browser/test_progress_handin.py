"""Progress a student can hand in, in Chromium on the built site: solve a lesson, download the
progress file, import it into a second browser profile (a damaged copy first, which must be
refused and change nothing), print the completion page, and reset after confirming.

One test with two pages (two Python boots): the round trip needs both, and the refusal and the
reset reuse the second page rather than booting a third.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app import progress

pytestmark = pytest.mark.browser

PROGRESS_KEY = progress.STORAGE_KEY
LESSON = "stride-padding"
EXERCISES = ["output-size", "same-padding", "unvisited-rows"]


@pytest.fixture(autouse=True)
def _patient_expect():
    """Python round trips on a loaded 2-core machine can exceed Playwright's default 5 s."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


def _solve_from_the_worked_solution(page, exercise_id: str) -> None:
    card = page.locator(f".exercise-{exercise_id}")
    card.get_by_role("button", name="Show solution").click()
    solution = card.get_by_text("Worked solution.")
    expect(solution).to_be_visible()
    text = solution.evaluate("el => el.getRootNode().textContent").replace("−", "-")
    answer = re.findall(r"-?\d+(?:\.\d+)?", text.split("Worked solution.")[-1])[-1]
    card.get_by_role("textbox").fill(answer)
    card.get_by_role("button", name="Check").click()
    expect(card.get_by_role("status")).to_contain_text("Correct")


def _stored(page) -> dict | None:
    raw = page.evaluate(f"localStorage.getItem('{PROGRESS_KEY}')")
    return None if raw is None else json.loads(raw)


def _message(page):
    return page.locator(".progress-message").get_by_role("status")


def test_progress_travels_to_a_fresh_profile_and_resets_only_when_confirmed(
    page, new_page, axe, tmp_path: Path
) -> None:
    # Browser 1: a student completes a lesson, then downloads the progress file on the map.
    page.open_lesson(LESSON)
    for exercise_id in EXERCISES:
        _solve_from_the_worked_solution(page, exercise_id)
    page.open_lesson("home")
    expect(page.get_by_text("You have completed 1 of 14 lessons")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download progress file").click()
    download = download_info.value
    assert re.fullmatch(
        r"cnn-classroom-progress-\d{4}-\d\d-\d\d\.json", download.suggested_filename
    )
    exported = tmp_path / download.suggested_filename
    download.save_as(exported)
    document = json.loads(exported.read_text())
    assert document["format"] == "cnn-classroom-progress"
    assert sorted(document["lessons"][LESSON]["exercises"]) == sorted(EXERCISES)
    original = _stored(page)[LESSON]
    original.pop("draws")  # which problem each exercise shows stays with its browser

    # Browser 2 (a fresh profile): a hand-edited copy is refused and changes nothing.
    other = new_page()
    other.open_lesson("home")
    tampered = tmp_path / "tampered.json"
    tampered.write_text(exported.read_text().replace('"done": true', '"done": "yes"', 1))
    upload = other.locator(".progress-panel input[type=file]")
    upload.set_input_files(tampered)
    expect(_message(other)).to_contain_text("This progress file is damaged")
    expect(_message(other)).to_contain_text("Nothing was imported and your progress is unchanged")
    assert _stored(other) is None
    axe(other)

    # The real file is merged in, with a summary, and the lesson list marks the lesson done.
    upload.set_input_files(exported)
    expect(_message(other)).to_contain_text(
        "3 exercises added, 1 lesson newly complete (Stride and padding), nothing removed."
    )
    expect(other.locator(f'#lesson-nav a[data-slug="{LESSON}"]')).to_have_class(
        re.compile("is-done")
    )
    assert _stored(other)[LESSON] == original  # same completions, same times
    expect(other.get_by_text("You have completed 1 of 14 lessons")).to_be_visible()

    # The completion page shows the typed name as text, with the lesson and its time.
    other.get_by_role("button", name="Make a completion page…").click()
    other.get_by_label("Your name, as it should appear on the completion page").fill(
        "<b>Ada</b> Lovelace"
    )
    sheet = other.locator(".sheet")
    expect(sheet).to_contain_text("<b>Ada</b> Lovelace")
    expect(sheet).to_contain_text(re.compile(r"Stride and padding\s*completed \d+ \w+ \d{4}"))
    assert sheet.locator("b").count() == 0
    other.evaluate("window.print = () => { window.printAsked = true; }")  # no dialog in tests
    other.get_by_role("button", name="Print completion page").click()
    other.wait_for_function("window.printAsked === true")
    # On paper only the record is printed: no lesson list, no controls.
    other.emulate_media(media="print")
    expect(sheet).to_be_visible()
    expect(other.locator("#lesson-nav")).to_be_hidden()
    expect(other.get_by_role("button", name="Download progress file")).to_be_hidden()
    other.emulate_media(media="screen")

    # Reset asks first, all by keyboard (the confirmation is the next tab stop, with a visible
    # focus ring); then nothing is done any more.
    other.get_by_role("button", name="Reset progress…").focus()
    other.keyboard.press("Enter")
    confirm = other.get_by_role("button", name="Yes, reset my progress")
    expect(confirm).to_be_visible()
    assert _stored(other)[LESSON]["done"] is True  # asking changed nothing yet
    axe(other)  # with the summary, the completion page and the confirmation on screen
    other.keyboard.press("Tab")
    expect(confirm).to_be_focused()
    ring = confirm.evaluate(
        "el => getComputedStyle(el).outlineStyle + getComputedStyle(el).boxShadow"
    )
    assert ring != "nonenone", "no visible focus indicator on the confirmation"
    other.keyboard.press("Enter")
    expect(_message(other)).to_contain_text("Your progress was reset")
    assert _stored(other) == {}
    expect(other.locator(f'#lesson-nav a[data-slug="{LESSON}"]')).not_to_have_class(
        re.compile("is-done")
    )
    other.open_lesson(LESSON)
    expect(other.get_by_text("You solved this exercise before")).to_have_count(0)
