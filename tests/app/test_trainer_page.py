"""The trainer page's logic natively: the real page parts wired to the real driver in-process."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from app import progress
from app.trainer import protocol, runs_kept
from app.trainer.drawing import NO_TEST_DIGIT
from app.trainer.driver import Driver
from app.trainer.link import LocalLink, coalesce
from app.trainer.live import crossings
from app.trainer.page import TrainerPage
from app.trainer.results import as_grid, feature_scale
from app.trainer.settings import DEFAULT_PRESET, PRESETS
from engine import recipes
from engine.data import Mnist
from engine.model import Sequential
from tests.app.test_trainer_driver import TINY, _split


class RecordingLink(LocalLink):
    """The in-process worker, remembering every request the page sent."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[dict] = []

    def send(self, message: dict) -> None:
        self.sent.append(message)
        super().send(message)


def new_page() -> TrainerPage:
    """The trainer page on a small random data set, its worker driven in-process."""
    rng = np.random.default_rng(1)
    data = Mnist(*_split(rng, 400), *_split(rng, 200), *_split(rng, 200))
    return TrainerPage(
        lambda on_message: RecordingLink(
            on_message, Driver(data, max_rate=1e6), auto=False, slice_seconds=0.002
        )
    )


@pytest.fixture
def page() -> TrainerPage:
    progress.use_storage(progress.MemoryStorage())  # no runs kept from another test
    page = new_page()
    page.on_message(protocol.reply("ready", restoring=False))
    return page


def test_building_the_page_uses_no_deprecated_panel_arguments() -> None:
    """Panel 2.0 removes deprecated arguments (``button_type``, widget ``name``): fail now."""
    app_dir = str(Path(__file__).resolve().parents[2] / "app")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        new_page()
    ours = [
        f"{w.filename}:{w.lineno}: {w.message}" for w in caught if w.filename.startswith(app_dir)
    ]
    assert not ours, "\n".join(ours)


def settle(page: TrainerPage) -> None:
    for _ in range(20_000):
        if not page.link.driver.busy:
            return
        page.link.tick()
    raise AssertionError("the run did not end")


def type_into(widget, text: str) -> None:
    widget.value_input = text
    widget.value = text


def configure_small_run(page: TrainerPage, layers: str = TINY, images: str = "400") -> None:
    type_into(page.form.layers, layers)
    type_into(page.form.texts["train_size"], images)
    type_into(page.form.texts["epochs"], "2")
    type_into(page.form.texts["lr"], "0.01")


def test_default_preset_is_valid_and_train_is_enabled(page: TrainerPage) -> None:
    assert page.train_button.label == "Train"
    assert not page.train_button.disabled
    recipe = recipes.PRESETS[recipes.DEFAULT_PRESET]
    engine_count = Sequential.from_spec(recipe["layers"], recipes.INPUT_SHAPE).num_params()
    assert f"{engine_count:,}</th>" in page.form.table.object  # the table's total agrees
    # Every header cell has text (axe: empty-table-header); the total row's blanks are data.
    assert not re.search(r"<th[^>]*></th>", page.form.table.object)


def test_the_default_click_sends_the_presets_settings_schedule_included(
    page: TrainerPage,
) -> None:
    page.train()
    sent = page.link.sent[-1]
    assert sent["type"] == "train"
    assert sent["settings"] == PRESETS[DEFAULT_PRESET].to_dict()
    assert sent["settings"]["lr_schedule"] == {"kind": "linear", "final": 0.01}
    assert page.link.driver.settings == PRESETS[DEFAULT_PRESET]


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("lr", "nan", "NaN"),
        ("lr", "0", "greater than 0"),
        ("lr", "-1", "negative one climbs the loss"),
        ("batch_size", "-5", "between 1"),
        ("epochs", "1000", "between 1 and 50"),
        ("train_size", "abc", "not a number"),
        ("seed", "1.5", "whole number"),
        ("layers", "conv 8 9\nmaxpool 4\nconv 4 9\ndense 10", "smaller than the 9×9"),
    ],
)
def test_bad_input_explains_and_disables_train(
    page: TrainerPage, field: str, text: str, message: str
) -> None:
    widget = page.form.layers if field == "layers" else page.form.texts[field]
    type_into(widget, text)
    shown = page.form.message.object + page.form.layers_message.object
    assert message in shown
    assert page.train_button.disabled
    page.form.preset.value = "tiny"  # choosing a preset again repairs everything
    assert not page.train_button.disabled


def test_a_typed_layer_is_quoted_as_text_not_markup(page: TrainerPage) -> None:
    type_into(page.form.layers, "<img/src=x/onerror=f()>")
    shown = page.form.layers_message.object
    assert "unknown layer &#x27;&lt;img/src=x/onerror=f()&gt;&#x27;" in shown
    assert "<img" not in shown


def test_train_to_the_end_then_use_and_keep_the_model(page: TrainerPage) -> None:
    configure_small_run(page)
    page.train()
    assert page.train_button.disabled and not page.stop_button.disabled
    settle(page)
    result = page.results.text.object
    assert "Training finished" in result
    assert re.search(r"Test accuracy: \d{1,3}\.\d%", result)
    # Time as the training clock and the wall clock, both named.
    assert re.search(r"training clock \d+\.\d s · wall clock \d+\.\d s", page.live.text.object)
    assert page.results.confusion.values.sum() == 200
    assert page.live.progress.value == 100
    assert len(page.live.loss.data["loss"]) >= 1
    assert len(page.live.acc.data["acc"]) >= 1
    (filters,) = page.results.filters.sections
    assert len(filters["items"]) == 4
    assert page.results.features.sections  # feature maps of test digit 0 were requested, shown
    assert page.train_button.label == "Train again"
    page.train()  # while the next model trains, the results say whose they are
    assert "results below are the previous one's" in page.results.text.object
    settle(page)
    assert not page.train_button.disabled and not page.keep.export_button.disabled

    ink = np.zeros((56, 56))
    ink[10:26, 12:28] = 255  # the synthetic "0" is a square in the top-left area
    page.drawing.pad.ink = ink.astype(int).ravel().tolist()
    assert "The model reads your digit as" in page.drawing.text.object
    assert sum(page.drawing.probs.data["top"]) == pytest.approx(1, abs=1e-6)

    page.drawing.pad.ink = [0] * (56 * 56)
    assert "empty" in page.drawing.text.object
    dot = np.zeros((56, 56))
    dot[30:34, 20:24] = 255  # one tap of the pen
    page.drawing.pad.ink = dot.astype(int).ravel().tolist()
    assert "too small" in page.drawing.text.object
    assert page.drawing.seen.sections == []
    # The keyboard's way to the same answer: a test digit picked from the list is read.
    page.drawing.picker.value = 0
    assert "The model reads your digit as" in page.drawing.text.object
    assert page.drawing.seen.sections[0]["items"][0]["caption"] == "MNIST test digit"
    page.drawing.pad.ink = ink.astype(int).ravel().tolist()  # a new stroke: the drawing again
    assert page.drawing.picker.value == NO_TEST_DIGIT
    assert page.drawing.seen.sections[0]["items"][0]["caption"] == "preprocessed"

    page.keep.export_button.clicks += 1
    name, exported = page.link.downloads[-1]
    assert name.endswith(".npz") and exported[:2] == b"PK"
    page.keep.script_button.clicks += 1
    name, script = page.link.downloads[-1]
    assert name == "cnn-classroom-model.py"
    text = script.decode()
    compile(text, name, "exec")
    assert "nn.Conv2d(1, 4, kernel_size=3" in text
    assert "Trained with: Adam, lr 0.01 → 1% of it, batch 64, 2 epochs of 400 images" in text

    accuracy = page.results.text.object.split("Test accuracy")[1]
    page.import_model(b"garbage")
    assert "Could not load the model" in page.keep.text.object
    assert "unchanged" in page.keep.text.object
    page.import_model(exported)
    settle(page)
    assert page.results.text.object.split("Test accuracy")[1] == accuracy


def test_import_status_names_the_file_imported_and_ends(page: TrainerPage) -> None:
    configure_small_run(page)
    page.train()
    settle(page)
    page.keep.export_button.clicks += 1
    _, exported = page.link.downloads[-1]
    picker = page.keep.import_input
    for name in ("first.npz", "second.npz"):
        picker.value = b""
        # The browser delivers the bytes first and the file's name after them.
        picker.value = exported
        picker.filename = name
        assert f"Importing {name}…" in page.keep.text.object
        settle(page)
        text = page.keep.text.object
        assert re.search(rf"Imported {name}: test accuracy \d+\.\d%", text)
        assert "testing it" not in text and "Importing" not in text


def test_a_restored_model_says_so_and_the_restoring_status_ends(page: TrainerPage) -> None:
    configure_small_run(page)
    page.train()
    settle(page)
    page.keep.export_button.clicks += 1
    _, exported = page.link.downloads[-1]
    fresh = new_page()
    fresh.on_message(protocol.reply("ready", restoring=True))
    assert "Restoring the model you trained last time" in fresh.boot_status.object
    fresh.link.send(protocol.request("load", bytes=exported, source="kept"))
    settle(fresh)
    assert "Restoring" not in fresh.boot_status.object
    assert re.search(
        r"Restored the model you trained last time: test accuracy \d", (fresh.boot_status.object)
    )
    # The model file recorded its settings: the form shows them.
    assert fresh.form.settings == page.link.driver.settings


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_network_trains_and_draws_feature_maps_for_every_layer(
    page: TrainerPage, key: str
) -> None:
    page.form.preset.value = key
    type_into(page.form.texts["train_size"], "100")
    type_into(page.form.texts["epochs"], "1")
    page.train()
    settle(page)
    assert "Test accuracy" in page.results.text.object
    layers = PRESETS[key].layers
    _input, *outputs = page.results.features.sections
    assert [s["label"] for s in outputs] == [f"Output of layer {i + 1}" for i in range(len(layers))]
    assert all(1 <= s["scale"] <= 12 and s["items"] for s in outputs)


def test_a_run_near_chance_says_so_and_suggests_a_rate(page: TrainerPage) -> None:
    """On MNIST a learning rate of 10 ends near 10% (the issue's run); the synthetic squares
    here are too easy to fail, so the worker's report of such a run is delivered directly."""
    type_into(page.form.texts["lr"], "10")
    page.train()
    settings = page.form.settings.to_dict()
    page.link.driver.handle(protocol.request("stop"))
    page.on_message(
        protocol.reply(
            "finished",
            source="train",
            stopped=False,
            images=50_000,
            seconds=24.0,
            test_acc=0.103,
            val_acc=0.101,
            confusion=np.eye(10, dtype=int).tolist(),
            misclassified=[],
            filters=[],
            layers=settings["layers"],
            settings=settings,
            history=[],
        )
    )
    result = page.results.text.object
    assert 'class="msg warn"' in result and "Test accuracy: 10.3%" in result
    assert "about what guessing gets" in result
    assert "A learning rate of 10 is far too high" in result
    assert "Try a learning rate of 0.003" in result
    assert 'class="msg warn"' in page.live.text.object  # no green "finished" either


def test_the_accuracy_chart_runs_on_the_training_clock_and_marks_milestones(
    page: TrainerPage,
) -> None:
    points = [(2.0, 0.95), (4.5, 0.975), (7.0, 0.979), (9.5, 0.984), (12.0, 0.99)]
    page.train()
    for seconds, accuracy in points:
        page.on_message(
            protocol.reply("checkpoint", images=1000, seconds=seconds, val_acc=accuracy)
        )
    assert page.live.acc.data["seconds"] == [p[0] for p in points]
    assert crossings([{"seconds": s, "val_acc": a} for s, a in points]) == {
        0.97: 4.5,
        0.98: 9.5,
        0.99: 12.0,
    }
    marks = page.live.marks.data
    assert marks["label"] == ["97%", "98%", "99%"] and marks["seconds"] == [4.5, 9.5, 12.0]


def test_train_again_with_the_same_seed_repeats_the_curve_and_fades_the_last(
    page: TrainerPage,
) -> None:
    configure_small_run(page)
    type_into(page.form.texts["seed"], "3")
    curves = []
    for _ in range(2):
        page.train()
        settle(page)
        loss = dict(zip(page.live.loss.data["images"], page.live.loss.data["loss"], strict=True))
        curves.append((loss, list(page.live.acc.data["acc"])))
    # The loss is sampled on the wall clock, so compare it where both runs sampled it.
    common = curves[0][0].keys() & curves[1][0].keys()
    assert len(common) >= 3
    assert all(curves[0][0][n] == curves[1][0][n] for n in common)
    assert curves[0][1] == curves[1][1]
    assert page.live.past_acc.data["ys"] == [curves[0][1]]
    assert "seed 3 — test " in page.live.runs_list.object
    assert "Earlier runs" in page.live.runs_list.object
    type_into(page.form.texts["seed"], "4")
    page.train()
    settle(page)
    other = dict(zip(page.live.loss.data["images"], page.live.loss.data["loss"], strict=True))
    assert any(other[n] != curves[0][0][n] for n in other.keys() & curves[0][0].keys())
    assert len(page.live.past_acc.data["ys"]) == 2

    # A reload: all three finished runs come back faded, with their settings and scores.
    reloaded = new_page()
    assert len(reloaded.live.past_acc.data["ys"]) == 3
    assert reloaded.live.past_acc.data["ys"][0] == curves[0][1]
    assert reloaded.live.runs_list.object.count("<li>") == 3
    page.live.clear_button.clicks += 1
    assert page.live.past_acc.data["ys"] == [] and page.live.runs_list.object == ""
    # Cleared: after a reload only the run whose curves were current is left.
    assert len(new_page().live.past_acc.data["ys"]) == 1


@pytest.mark.parametrize(
    ("stored", "notice"),
    [
        ("{not json", "could not be read, so none are shown"),
        ('{"version": 1, "runs": [{"settings": {}}, 5]}', "2 of the earlier runs"),
    ],
    ids=["unreadable", "bad-entries"],
)
def test_damaged_kept_runs_are_left_out_with_a_notice(
    page: TrainerPage, stored: str, notice: str
) -> None:
    configure_small_run(page)
    page.train()
    settle(page)
    good = json.loads(progress.storage().get(runs_kept.RUNS_KEY))["runs"][0]
    progress.storage().set(runs_kept.RUNS_KEY, stored)
    fresh = new_page()
    assert notice in fresh.live.text.object and fresh.live.past_acc.data["ys"] == []
    data = json.loads(stored) if stored.startswith('{"') else None
    if data is not None:  # the good entry among bad ones still comes back
        data["runs"].append(good)
        progress.storage().set(runs_kept.RUNS_KEY, json.dumps(data))
        assert len(new_page().live.past_acc.data["ys"]) == 1


def test_pause_resume_and_stop_buttons(page: TrainerPage) -> None:
    configure_small_run(page)
    page.train()
    page.link.tick()
    page.pause_button.clicks += 1
    assert page.pause_button.label == "Resume"
    images = page.link.driver.images
    page.link.tick()
    assert page.link.driver.images == images
    page.pause_button.clicks += 1
    assert page.pause_button.label == "Pause"
    page.stop_button.clicks += 1
    settle(page)
    assert "Training stopped early" in page.results.text.object
    assert "Test accuracy:" in page.results.text.object


def test_every_message_type_goes_both_ways(page: TrainerPage) -> None:
    """Every request reaches the driver and is answered in protocol; every reply type is shown
    by the page; a malformed reply is reported on the page instead of raising."""
    replies: list[dict] = []
    page.link._on_message = lambda m: (replies.append(m), page.on_message(m))
    configure_small_run(page)
    page.train()
    page.link.tick()
    page.toggle_pause()
    page.toggle_pause()
    settle(page)  # to the end: a checkpoint halfway, then the report
    page.train()
    page.link.tick()
    page.stop()
    settle(page)
    page.request_features(0)
    page.drawing.pad.ink = np.full((56, 56), 255).astype(int).ravel().tolist()
    page.keep.export_button.clicks += 1
    exported = page.link.downloads[-1][1]
    page.import_model(exported)
    settle(page)
    page.link.send(protocol.request("forget"))  # answered by trainer-worker.js, not Python
    page.link.send(protocol.request("memory"))
    page.link.send(protocol.request("train", settings={"version": 1}))  # refused, in protocol
    sent = {m["type"] for m in page.link.sent}
    assert sent == set(protocol.REQUESTS)
    for reply in replies:
        protocol.check(reply, protocol.REPLIES)
    # What only trainer-worker.js sends, built as it builds them.
    script_replies = [
        {"type": "boot", "stage": "Downloading MNIST", "loaded": 5, "total": 10},
        {"type": "boot-failed", "message": "no WebAssembly"},
        page.link.driver.reply("memory", {"heap": 2**26}),
        page.link.driver.reply("forgotten"),
        protocol.reply("bench", images=10, seconds=1.0, val_acc=0.5, test_acc=0.5),
    ]
    for reply in script_replies:
        page.on_message(reply)
    seen = {m["type"] for m in replies + script_replies} | {"ready"}
    assert seen == set(protocol.REPLIES)
    assert "MB" in page.keep.memory.object

    for bad in ({"type": "finished", "v": protocol.VERSION}, {"type": "teleport"}, "text"):
        page.on_message(bad)
        assert "cannot read" in page.live.text.object


def test_a_flat_layer_is_shown_as_a_square_that_fits_a_phone() -> None:
    grid = as_grid(list(range(10)))
    assert grid == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 0]]
    assert len(as_grid([0.5] * 1352)[0]) == 37  # 37 × 2 px: not a 1,352-pixel strip
    assert feature_scale(37) * 37 <= 84


def test_a_report_with_unreadable_settings_still_shows_its_results(page: TrainerPage) -> None:
    report = protocol.reply(
        "finished",
        source="import",
        stopped=False,
        images=0,
        seconds=0.0,
        test_acc=0.97,
        val_acc=0.96,
        confusion=np.eye(10, dtype=int).tolist(),
        misclassified=[],
        filters=[],
        layers=PRESETS["tiny"].layers,
        settings={"version": 99},
        history=[],
    )
    page.on_message(report)
    assert "Test accuracy: 97.0%" in page.results.text.object
    assert "validation accuracy 96.0% (the 10,000 images held out" in page.results.text.object


def test_coalesced_progress_keeps_every_loss_sample() -> None:
    """A busy page draws only the newest progress message, but the loss curve loses no point."""
    first = protocol.reply(
        "progress", state="training", images=128, total=640, seconds=0.5, losses=[[64, 2.3]]
    )
    second = protocol.reply(
        "progress", state="training", images=256, total=640, seconds=1.0, losses=[[192, 2.0]]
    )
    drawn = coalesce(coalesce(None, first), second)
    assert drawn["images"] == 256 and drawn["losses"] == [[64, 2.3], [192, 2.0]]
    assert first["losses"] == [[64, 2.3]]  # the worker's message itself is left as it was
