"""The layer lessons in Chromium on the built site: convolution, stride & padding, pooling,
backprop.

Each test boots one lesson, operates its widgets, checks that the lecture's numbers (and the
corrections of its slips) appear, solves every exercise after a wrong and an unreadable answer,
and reloads to see the progress kept. Grid values are read from the grids' screen-reader
captions, which list the numbers row by row.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from app import progress

pytestmark = pytest.mark.browser

PROGRESS_KEY = progress.STORAGE_KEY


@pytest.fixture(autouse=True)
def _patient_expect():
    """Give each Python round trip 20 s: on a loaded 2-core machine (parallel test suites) an
    upload or a 128×128 filter re-render has taken more than Playwright's default 5 s."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


def _caption(page, title: str):
    """What a screen reader hears for a grid ("<title>: 1, 2; 3, 4", its table caption) or a
    picture ("<title>: a 28 by 28 grayscale picture, ...", a hidden paragraph)."""
    return page.locator(
        "caption, p.sr-only", has_text=re.compile("^" + re.escape(title) + ":")
    ).first


def _solve(page, exercise_id: str) -> None:
    """Answer wrongly (a hint appears), then unreadably, then with the worked solution's answer."""
    card = page.locator(f".exercise-{exercise_id}")
    answer = card.get_by_role("textbox")
    check = card.get_by_role("button", name="Check")
    answer.fill("12345")
    check.click()
    expect(card.get_by_role("status")).to_contain_text("Not quite")
    expect(card.get_by_role("button", name="Hint")).to_be_visible()
    answer.fill("abc")
    check.click()
    expect(card.get_by_role("status")).to_contain_text("not a number")
    card.get_by_role("button", name="Show solution").click()
    solution = card.get_by_text("Worked solution.")
    expect(solution).to_be_visible()
    # The solution ends with the answer; KaTeX writes minus signs as U+2212.
    text = solution.evaluate("el => el.getRootNode().textContent").replace("−", "-")
    last = re.findall(r"-?\d+(?:\.\d+)?", text.split("Worked solution.")[-1])[-1]
    answer.fill(last)
    check.click()
    expect(card.get_by_role("status")).to_contain_text("Correct")


def _solve_all_and_reload(page, slug: str, exercise_ids: list[str]) -> None:
    for exercise_id in exercise_ids:
        _solve(page, exercise_id)
    stored = json.loads(page.evaluate(f"localStorage.getItem('{PROGRESS_KEY}')"))
    assert sorted(stored[slug]["solved"]) == sorted(exercise_ids) and stored[slug]["done"]
    expect(page.locator(f'#lesson-nav a[data-slug="{slug}"]')).to_have_class(re.compile("is-done"))
    page.reload()
    page.wait_ready(slug)
    for exercise_id in exercise_ids:
        expect(page.locator(f".exercise-{exercise_id}").get_by_role("status")).to_contain_text(
            "You solved this exercise before"
        )
    expect(page.locator(f'#lesson-nav a[data-slug="{slug}"]')).to_have_class(re.compile("is-done"))


def test_convolution_lesson(page, axe, tmp_path) -> None:
    page.open_lesson("convolution")
    feature_map = _caption(page, "Feature map")
    expect(feature_map).to_have_text("Feature map: 4, –, –; –, –, –; –, –, –")
    page.get_by_role("button", name="Next ▶").click()
    expect(feature_map).to_have_text("Feature map: 4, 3, –; –, –, –; –, –, –")
    page.get_by_label("Jump to output cell").select_option("row 3, column 3")
    expect(feature_map).to_have_text("Feature map: 4, 3, 4; 2, 4, 3; 2, 3, 4")
    axe(page)
    # The stepper is keyboard-operable, and Play walks the window to the end by itself.
    page.get_by_role("button", name="◀ Back").focus()
    page.keyboard.press("Enter")
    expect(feature_map).to_have_text("Feature map: 4, 3, 4; 2, 4, 3; 2, 3, –")
    page.get_by_label("Jump to output cell").select_option("row 1, column 1")
    page.get_by_role("button", name="Play").click()
    expect(feature_map).to_have_text("Feature map: 4, 3, 4; 2, 4, 3; 2, 3, 4", timeout=30_000)
    expect(page.get_by_role("button", name="Play")).to_be_visible()  # it stopped at the end

    # A typo in the editable image gets a message and the grids keep the last valid numbers.
    image_box = page.get_by_label("Input image (5×5, one row per line)")
    image_box.fill("1 1 1 0 0\n0 1 x 1 0\n0 0 1 1 1\n0 0 1 1 0\n0 1 1 0 0")
    image_box.blur()
    expect(page.get_by_text("Row 2 of the input image")).to_be_visible()
    expect(feature_map).to_have_text("Feature map: 4, 3, 4; 2, 4, 3; 2, 3, 4")
    image_box.fill("0 0 0 0 0\n0 0 0 0 0\n0 0 0 0 0\n0 0 0 0 0\n0 0 0 0 1")
    image_box.blur()
    expect(feature_map).to_have_text("Feature map: 0, 0, 0; 0, 0, 0; 0, 0, 1")

    # The kernel table on a photograph and on the student's own picture.
    page.get_by_role("button", name="Photograph").click()
    expect(_caption(page, "Original")).to_contain_text("a 128 by 128 grayscale picture")
    page.get_by_label("Kernel", exact=True).first.select_option("Box blur")
    expect(_caption(page, "After “Box blur”")).to_be_attached()
    page.get_by_role("button", name="Your image").click()
    picture = tmp_path / "stripes.png"
    picture.write_bytes(_png_stripes(width=20, height=10))
    page.get_by_label("Upload your own image (PNG or JPEG)").set_input_files(str(picture))
    expect(page.get_by_text("Showing “stripes.png” in gray, 20×10 pixels")).to_be_visible()
    expect(_caption(page, "Original")).to_contain_text("a 10 by 20 grayscale picture")
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a picture")
    page.get_by_label("Upload your own image (PNG or JPEG)").set_input_files(str(text_file))
    expect(page.get_by_text("“notes.txt” could not be read as an image")).to_be_visible()
    expect(_caption(page, "Original")).to_contain_text("a 10 by 20 grayscale picture")

    # Counting weights is the "Why convolutions?" lesson's job: this one links to it.
    lesson_text = page.locator(".lesson-convolution")
    expect(lesson_text.get_by_role("link", name="Why convolutions?")).to_have_attribute(
        "href", "#why-convolutions"
    )

    _solve_all_and_reload(
        page, "convolution", ["feature-cell", "true-convolution", "conv-parameters"]
    )


def test_stride_padding_lesson(page, axe) -> None:
    page.open_lesson("stride-padding")
    expect(page.get_by_text("Output: 3×3", exact=False)).to_be_visible()
    page.get_by_label("Image size n", exact=True).select_option("8")
    expect(page.get_by_text("Rows and columns 8 are never visited", exact=False)).to_be_visible()
    page.get_by_label("Kernel size k", exact=True).select_option("7")
    page.get_by_label("Image size n", exact=True).select_option("3")
    expect(page.get_by_text("Make the kernel smaller or add padding")).to_be_visible()
    page.get_by_label("Padding p", exact=True).select_option("2")
    expect(page.get_by_text("Output: 1×1", exact=False)).to_be_visible()
    axe(page)

    expect(_caption(page, "Output, 3×3 ones, stride 2")).to_have_text(
        "Output, 3×3 ones, stride 2: 108, 126, 144; 288, 306, 324; 468, 486, 504"
    )
    expect(page.get_by_text("a 2×2 output (108, 126, 288, 306)", exact=False)).to_be_visible()
    expect(_caption(page, "Output (6×6)")).to_contain_text("Output (6×6): -10, 2, 1, -5, 7, 15;")
    expect(page.get_by_text("The slide says -13 in row 1, column 2", exact=False)).to_be_visible()
    expect(page.get_by_text("The slide says -9 in row 2, column 1", exact=False)).to_be_visible()

    _solve_all_and_reload(page, "stride-padding", ["output-size", "same-padding", "unvisited-rows"])


def test_pooling_lesson(page, axe) -> None:
    page.open_lesson("pooling")
    pooled = _caption(page, "Pooled")
    expect(pooled).to_have_text("Pooled: 20, 30; 112, 37")
    page.get_by_role("button", name="Average").first.click()
    expect(pooled).to_have_text("Pooled: 13, 8; 79, 19.5")
    expect(page.get_by_text("The slide says 20 for the bottom-right average")).to_be_visible()
    page.get_by_role("button", name="Sum").first.click()
    expect(pooled).to_have_text("Pooled: 52, 32; 316, 78")
    page.get_by_label("Stride", exact=True).select_option("1")
    expect(pooled).to_contain_text("Pooled: 52, 64, 32;")  # 3×3 with overlapping windows
    axe(page)

    # A cell picked right after a window change comes from the option list that change replaces
    # (Panel's Pyodide sync holds browser changes up to 0.5 s): no page error, the grid and the
    # cell list are the new window's, and the dropdown shows the cell in use, not a blank.
    size = page.get_by_label("Window size", exact=True)
    cell = page.get_by_label("Output cell", exact=True)
    size.select_option("1")
    expect(cell.locator("option")).to_have_count(16)
    # Both changes in one task, as a quick student makes them within the sync window: by the
    # time the cell is set, its option is gone and the browser sends an empty choice.
    page.evaluate(
        """([size, cell]) => {
          for (const [select, value] of [[size, "4"], [cell, "row 4, column 4"]]) {
            select.value = value;
            select.dispatchEvent(new Event("change", {bubbles: true}));
          }
        }""",
        [size.element_handle(), cell.element_handle()],
    )
    expect(pooled).to_have_text("Pooled: 478")
    expect(cell.locator("option")).to_have_count(1)
    expect(cell).to_have_value("row 1, column 1")

    grad_in = _caption(page, "Gradient reaching the input")
    expect(grad_in).to_have_text(
        "Gradient reaching the input: 0, 1, 2, 0; 0, 0, 0, 0; 0, 0, 4, 0; 3, 0, 0, 0"
    )
    page.get_by_role("button", name="Average").nth(2).click()
    expect(grad_in).to_have_text(
        "Gradient reaching the input: 0.25, 0.25, 0.5, 0.5; "
        "0.25, 0.25, 0.5, 0.5; 0.75, 0.75, 1, 1; 0.75, 0.75, 1, 1"
    )

    _solve_all_and_reload(page, "pooling", ["pool-value", "pool-size", "pool-backward"])


def test_backprop_lesson(page, axe) -> None:
    page.open_lesson("backprop")
    expect(_caption(page, "δ = ∂E/∂y = y − t")).to_have_text(
        "δ = ∂E/∂y = y − t: 0.1, 4.85, 1.85; 1.6, -2.15, 1.6; -1.65, 1.1, 0.85"
    )
    table = page.locator("table", has_text="Gradients of E, three ways")
    for value in ("10.250000", "-1.150000", "10.650000", "23.250000", "8.150000"):
        expect(table).to_contain_text(value)
    weights = _caption(page, "∂E/∂w")
    page.get_by_role("button", name="Next ▶").click()
    expect(weights).to_have_text("∂E/∂w: 10.25, -1.15; –, –")
    axe(page)

    page.get_by_role("button", name="Take 10 steps").click()
    expect(page.get_by_text("After 10 steps", exact=False)).to_be_visible()
    status = page.get_by_text("After 10 steps", exact=False).inner_text()
    loss = float(re.search(r"E\s*=\s*([\d.]+)", status.replace("\n", " ")).group(1))
    assert loss < 20.67  # the loss fell from its starting value
    page.get_by_role("button", name="Reset").click()
    expect(page.get_by_text("After 0 steps", exact=False)).to_be_visible()
    page.get_by_label("Learning rate η").select_option("0.05")
    page.get_by_role("button", name="Take 10 steps").click()
    expect(page.get_by_text("The loss exploded", exact=False)).to_be_visible()
    # The overshoot the page invites stays on the chart (it was reset to step 0 before).
    expect(page.get_by_text("After 10 steps", exact=False)).to_be_visible()
    page.get_by_role("button", name="Reset").click()
    expect(page.get_by_text("After 0 steps", exact=False)).to_be_visible()
    expect(_caption(page, "∂E/∂w = x ⊗ ∂E/∂z")).to_have_text("∂E/∂w = x ⊗ ∂E/∂z: 26.25, 0; 9, 28.5")

    _solve_all_and_reload(page, "backprop", ["weight-gradient", "bias-gradient", "gradient-step"])


def _png_stripes(width: int, height: int) -> bytes:
    """A tiny grayscale PNG written by hand (the test needs no imaging library)."""
    import struct
    import zlib

    rows = b"".join(
        b"\x00" + bytes(255 if (x // 2) % 2 else 0 for x in range(width)) for _ in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
