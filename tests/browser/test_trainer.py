"""The MNIST trainer in Chromium: what the default click
sends the worker, every preset's network trained briefly with its feature maps, the same seed
giving the same curve, Pause/Resume/Stop across a lesson switch; then a short real run and
everything a student does with the model (results, drawing, export/import, reload), plus the bad
inputs. Runs use small training sets: the real engine in the real worker, CI-fast."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.trainer.settings import DEFAULT_PRESET, PRESETS
from engine import recipes

pytestmark = pytest.mark.browser

WORKER_TIMEOUT_MS = 180_000  # Pyodide + numpy + 11 MB of MNIST in the worker, on a busy CI box
RUN_TIMEOUT_MS = 240_000
ACCURACY = re.compile(r"Test accuracy: (\d{1,3}\.\d)%")


# Runs before the page's scripts: records what the page posts to the trainer's worker and the
# worker's checkpoints, so a test can compare them with the preset and with each other.
RECORD_JS = """
window.trainerLog = [];
const PageWorker = window.Worker;
window.Worker = class extends PageWorker {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (event) => {
      if (event.data.type === "checkpoint") window.trainerLog.push(event.data);
    });
  }
  postMessage(message, transfer) {
    if (message && message.type === "train") window.trainerLog.push(message);
    return super.postMessage(message, transfer);
  }
};
"""


def _fill(page, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Tab")


def _log(page, kind: str) -> list[dict]:
    return [m for m in page.evaluate("window.trainerLog") if m["type"] == kind]


def choose_preset(page, key: str) -> None:
    page.get_by_label("Preset network").select_option(label=recipes.PRESETS[key]["label"])
    # The preset fills the form through Python: wait for it before typing over its values.
    description = recipes.PRESETS[key]["description"]
    expect(page.get_by_text(description[:30]).first).to_be_visible()


def start_short_run(page, images: int = 1500, preset: str = "tiny", seed: str = "0") -> None:
    """Train ``preset`` on ``images`` images for one epoch: CI-fast, but the real engine in the
    real worker. Waits for the worker to be ready first."""
    expect(page.get_by_text("Ready: MNIST")).to_be_visible(timeout=WORKER_TIMEOUT_MS)
    choose_preset(page, preset)
    _fill(page, "Training images", str(images))
    _fill(page, "Epochs", "1")
    _fill(page, "Seed", seed)
    # Panel batches typed values to Python for up to ~0.5 s after an earlier change (here the
    # preset's) but sends clicks at once; pause like a student before pressing Train.
    page.wait_for_timeout(700)
    train = page.get_by_role("button", name=re.compile("^Train"))
    expect(train).to_be_enabled()
    train.click()
    # The run has begun (the previous run's "finished" line is gone) once Train is disabled.
    expect(train).to_be_disabled()


def wait_finished(page, images: int) -> None:
    done = page.get_by_text(re.compile(f"Training (finished|stopped early) after {images:,} "))
    expect(done.first).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.get_by_role("button", name=re.compile("^Train"))).to_be_enabled()


def _accuracy(page) -> str:
    text = page.get_by_text(ACCURACY).first.inner_text()
    return ACCURACY.search(text).group(1)


def _stroke(page) -> list[tuple[float, float]]:
    """Points of a vertical stroke (a "1") down the middle of the drawing pad."""
    pad = page.get_by_role("img", name=re.compile("Drawing pad"))
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    x, y, h = box["x"] + box["width"] * 0.5, box["y"], box["height"]
    return [(x + i * 0.5, y + h * (0.2 + 0.06 * i)) for i in range(11)]


def _draw_with_mouse(page) -> None:
    points = _stroke(page)
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point)
    page.mouse.up()


def _draw_with_finger(page) -> None:
    """The same stroke as touch events (what a phone sends), through the DevTools protocol."""
    cdp = page.context.new_cdp_session(page.raw)
    points = _stroke(page)
    for kind, (x, y) in [("touchStart", points[0])] + [("touchMove", p) for p in points[1:]]:
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_settings_presets_seeds_and_controls(page) -> None:
    page.add_init_script(RECORD_JS)
    page.open_lesson("trainer")
    expect(page.get_by_text("Ready: MNIST")).to_be_visible(timeout=WORKER_TIMEOUT_MS)

    # The default click sends the worker exactly the preset's settings, schedule included.
    train = page.get_by_role("button", name=re.compile("^Train"))
    expect(train).to_be_enabled()
    train.click()
    expect(page.get_by_text(re.compile(r"images/s"))).to_be_visible(timeout=60_000)
    assert _log(page, "train")[-1]["settings"] == PRESETS[DEFAULT_PRESET].to_dict()
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("Training stopped early").first).to_be_visible(timeout=RUN_TIMEOUT_MS)

    # Every preset's network trains a few batches and shows every layer's output.
    for key, settings in PRESETS.items():
        start_short_run(page, images=200, preset=key)
        wait_finished(page, 200)
        outputs = page.get_by_role("group", name=re.compile(r"^Output of layer \d+$"))
        expect(outputs).to_have_count(len(settings.layers), timeout=30_000)
        sent = _log(page, "train")[-1]["settings"]
        assert sent["layers"] == settings.layers and sent["train_size"] == 200

    # The same seed twice gives the same curve; the earlier run stays listed.
    curves = []
    for _ in range(2):
        before = len(_log(page, "checkpoint"))
        start_short_run(page, images=2000, seed="5")
        wait_finished(page, 2000)
        curves.append([(c["images"], c["val_acc"]) for c in _log(page, "checkpoint")[before:]])
    # Validated halfway (the first batch past 1,000 images) and at the end.
    assert [images for images, _ in curves[0]] == [1024, 2000]
    assert curves[0] == curves[1]
    expect(page.get_by_text(re.compile(r"^Earlier runs \(faded gray"))).to_be_visible()
    page.get_by_role("button", name="Clear earlier runs").click()
    expect(page.get_by_text(re.compile(r"^Earlier runs \(faded gray"))).to_have_count(0)

    # Pause, Resume and Stop work across a switch to another lesson and back.
    start_short_run(page, images=40_000)
    expect(page.get_by_text(re.compile(r"images/s"))).to_be_visible(timeout=60_000)
    page.open_lesson("entropy")
    page.open_lesson("trainer")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Resume")).to_be_visible(timeout=5_000)
    expect(page.get_by_text(re.compile(r"^Paused:"))).to_be_visible()
    page.get_by_role("button", name="Resume").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible(timeout=5_000)
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("Training stopped early").first).to_be_visible(timeout=RUN_TIMEOUT_MS)
    clocks = page.get_by_text(re.compile(r"training clock [\d.]+ s · wall clock"))
    expect(clocks.first).to_be_visible()
    page.raise_problems()


def test_train_inspect_draw_export_import_and_reload(page, tmp_path: Path) -> None:
    page.open_lesson("trainer")
    expect(page.get_by_text("Ready: MNIST")).to_be_visible(timeout=WORKER_TIMEOUT_MS)
    train = page.get_by_role("button", name=re.compile("^Train"))
    expect(train).to_be_enabled()

    # Bad settings: a message next to the form and Train disabled; fixed values enable it again.
    for label, text, message in [
        ("Learning rate", "nan", "NaN"),
        ("Learning rate", "-1", "negative one climbs the loss"),
        ("Batch size", "-3", "between 1"),
        ("Epochs", "1e9", "between 1 and 50"),
        ("Training images", "lots", "not a number"),
    ]:
        _fill(page, "Learning rate", "0.002")
        _fill(page, label, text)
        expect(page.get_by_role("alert").filter(has_text=message)).to_be_visible()
        expect(train).to_be_disabled()
        _fill(page, label, {"Learning rate": "0.002", "Batch size": "64"}.get(label, "1"))
    layers = page.get_by_label("Layers (one per line; edit freely)")
    layers.fill("conv filters=8 kernel=7\nmaxpool size=4\nconv filters=8 kernel=7\ndense units=10")
    layers.press("Tab")
    expect(page.get_by_role("alert").filter(has_text="smaller than the 7×7")).to_be_visible()
    expect(train).to_be_disabled()

    start_short_run(page, images=3000)
    # The size typed is the one trained on (short runs used to train the preset's 50,000).
    expect(page.get_by_text("Training finished after 3,000 images").first).to_be_visible(
        timeout=RUN_TIMEOUT_MS
    )
    accuracy = _accuracy(page)
    assert 10.0 < float(accuracy) <= 100.0
    validation = page.get_by_text(re.compile(r"validation accuracy \d+\.\d% \(the 10,000"))
    expect(validation).to_be_visible()

    # Results: the confusion matrix covers all 10,000 test images; misclassified digits and
    # first-layer filters are drawn; feature maps of test digit 0 appear.
    grid = page.locator("table.matrix", has=page.locator("caption", has_text="Confusion matrix"))
    spoken = grid.locator("caption .sr-only").inner_text()
    counts = [int(n) for n in re.findall(r"\d+", spoken)]
    assert len(counts) == 100 and sum(counts) == 10_000
    wrong = page.get_by_role("group", name="Misclassified test digits").locator("figcaption")
    expect(wrong.first).to_have_text(re.compile(r"^\d → \d \(\d+%\)$"))
    filters = page.get_by_role("group", name="First-layer filters").locator("canvas")
    expect(filters).to_have_count(8)
    expect(page.get_by_text(re.compile(r"Test digit #0 \(a \d\)"))).to_be_visible()
    outputs = page.get_by_role("group", name=re.compile(r"^Output of layer \d+$"))
    expect(outputs).to_have_count(len(PRESETS["tiny"].layers))

    # Drawing: a stroke gets probabilities; a cleared pad gets a message.
    reads = page.get_by_text("The model reads your digit as")
    empty = page.get_by_text("The canvas is empty: draw a digit first.")
    # One tap of the pen is refused, not read as a digit.
    pad = page.get_by_role("img", name=re.compile("Drawing pad"))
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.get_by_text("too small to read as a digit")).to_be_visible(timeout=10_000)
    page.get_by_role("button", name="Clear drawing").click()
    for draw in (_draw_with_mouse, _draw_with_finger):
        draw(page)
        expect(reads).to_be_visible(timeout=10_000)
        page.get_by_role("button", name="Clear drawing").click()
        expect(empty).to_be_visible()

    # Export downloads an .npz; a corrupted import is refused and the model stays.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export model (.npz)").click()
    exported = tmp_path / "model.npz"
    download_info.value.save_as(exported)
    assert exported.read_bytes()[:2] == b"PK"
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"this is not a model")
    page.get_by_label("Import a model (.npz)").set_input_files(broken)
    expect(page.get_by_text("Could not load the model")).to_be_visible(timeout=10_000)
    expect(page.get_by_text("Your current model is unchanged.")).to_be_visible()
    assert _accuracy(page) == accuracy
    page.get_by_label("Import a model (.npz)").set_input_files(exported)
    imported = page.get_by_text(re.compile(r"^Imported model\.npz: test accuracy \d+\.\d%"))
    expect(imported).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Model loaded.")).to_be_visible()
    assert _accuracy(page) == accuracy

    # Another lesson and back (Python is not reloaded): the same trainer, model and results.
    page.open_lesson("entropy")
    page.open_lesson("trainer")
    assert _accuracy(page) == accuracy
    expect(page.get_by_role("button", name=re.compile("^Train"))).to_be_enabled()

    # Reload: the model kept in the browser comes back, with the same test accuracy.
    page.reload()
    page.wait_ready("trainer")
    expect(page.get_by_text("Model loaded.")).to_be_visible(timeout=WORKER_TIMEOUT_MS)
    restored = page.get_by_text(re.compile("Restored the model you trained last time: test acc"))
    expect(restored).to_be_visible()
    expect(page.get_by_text("Restoring the model")).to_have_count(0)
    assert _accuracy(page) == accuracy
    # The run's curves and settings were kept too: after the reload they are an earlier run.
    earlier = page.locator("ul.runs li")
    expect(earlier).to_have_count(1)
    expect(earlier).to_contain_text(f"3,000 images, seed 0 — test {accuracy}%")
    page.raise_problems()
