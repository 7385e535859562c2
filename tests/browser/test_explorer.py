"""The whole-CNN explorer in Chromium: the measured accuracy is stated, a mouse click and the
keyboard open a unit's computation, a drawing is traced, the page has no serious axe issue, and a
network the trainer kept in the browser can be shown instead."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from app.explorer import recipe
from engine import recipes
from engine.model import Sequential

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _patient_expect():
    """A Python round trip on a loaded 2-core machine can take longer than Playwright's 5 s."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


def test_explorer_overview_click_keyboard_and_drawing(page, axe) -> None:
    page.open_lesson("explorer")
    accuracy = f"{recipe.load_facts()['test_accuracy']:.2%} test accuracy"
    expect(page.get_by_text(accuracy)).to_be_visible()
    title = page.locator(".explorer-detail-title")
    expect(title).to_contain_text("conv 5×5×6: filter")  # the strongest first-layer unit

    # A mouse click on the first pool map's top-left cell shows that window and its winner.
    pool_map = page.locator(".layer-pool button.map").first
    pool_map.click(position={"x": 2, "y": 2})
    expect(title).to_have_text("max pool 2×2, channel 1, row 1, column 1")
    expect(page.get_by_text("channel 1 window (winner outlined)")).to_be_visible()

    # Keyboard: focus a second-layer convolution map, move right twice and down once, Enter.
    conv_map = page.locator(".layer-conv button.map").nth(6)
    conv_map.focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "Enter"):
        page.keyboard.press(key)
    expect(title).to_have_text("conv 3×3×8: filter 1, row 2, column 3")
    expect(page.get_by_text("window (channel 6)")).to_be_visible()

    # The softmax bar of the predicted digit: its probability, computed from the ten scores.
    page.locator(".layer-softmax button.bar").nth(7).click()
    expect(title).to_have_text("Softmax: the probability of digit 7")
    axe(page)

    # A drawing replaces the test digit; the selected unit is recomputed for it.
    pad = page.get_by_role("img", name="Drawing pad: draw one digit with the mouse or a finger")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.8, steps=8)
    page.mouse.up()
    expect(page.get_by_text("The network reads your drawing as a")).to_be_visible()
    expect(title).to_have_text("Softmax: the probability of digit 7")
    page.get_by_role("button", name="Clear drawing").click()
    expect(page.get_by_text("The canvas is empty: draw a digit first.")).to_be_visible()

    # No model kept: the explorer offers none and leaves the trainer's database uncreated.
    expect(page.get_by_role("button", name="Your trained network")).to_have_count(0)
    names = page.evaluate("async () => (await indexedDB.databases()).map((d) => d.name)")
    assert "cnn-classroom-trainer" not in names

    # A model kept by the trainer (as its worker stores it) is offered after a reload.
    tiny = Sequential.from_spec(recipes.PRESETS["tiny"]["layers"], (1, 28, 28), rng=0)
    saved = io.BytesIO()
    tiny.save(saved)
    page.evaluate(_KEEP_MODEL_JS, list(saved.getvalue()))
    page.reload()
    page.wait_ready("explorer")
    page.get_by_role("button", name="Your trained network").click()
    expect(page.get_by_text("Your network reads test digit #0 (a 7) as a")).to_be_visible()
    expect(page.locator(".layer-conv .head strong").first).to_have_text("1 · conv 3×3×8")


# What static/trainer-worker.js does with a trained model: its bytes under "current".
_KEEP_MODEL_JS = """
(bytes) => new Promise((resolve, reject) => {
  const request = indexedDB.open("cnn-classroom-trainer", 1);
  request.onupgradeneeded = () => request.result.createObjectStore("models");
  request.onerror = () => reject(request.error);
  request.onsuccess = () => {
    const tx = request.result.transaction("models", "readwrite");
    tx.objectStore("models").put(new Uint8Array(bytes), "current");
    tx.oncomplete = () => { request.result.close(); resolve(); };
    tx.onerror = () => reject(tx.error);
  };
})
"""
