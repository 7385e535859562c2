"""The trainer page's logic natively: the real UI object wired to the real driver in-process."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from app.trainer.driver import Driver
from app.trainer.link import LocalLink
from app.trainer.ui import TrainerPage
from engine import recipes
from engine.data import Mnist
from engine.model import Sequential
from tests.app.test_trainer_driver import TINY, _split


def new_page() -> TrainerPage:
    """The trainer page on a small random data set, its worker driven in-process."""
    rng = np.random.default_rng(1)
    data = Mnist(*_split(rng, 400), *_split(rng, 200), *_split(rng, 200))
    return TrainerPage(
        lambda on_message: LocalLink(
            on_message, Driver(data, max_rate=1e6), auto=False, slice_seconds=0.002
        )
    )


@pytest.fixture
def page() -> TrainerPage:
    page = new_page()
    page.on_message({"type": "ready", "restoring": False})
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
    for _ in range(10_000):
        if not page.link.driver.busy:
            return
        page.link.tick()
    raise AssertionError("the run did not end")


def type_into(widget, text: str) -> None:
    widget.value_input = text
    widget.value = text


def configure_small_run(page: TrainerPage) -> None:
    type_into(page.spec_text, TINY)
    type_into(page.train_size, "400")
    type_into(page.epochs, "2")
    type_into(page.lr, "0.01")


def test_default_preset_is_valid_and_train_is_enabled(page: TrainerPage) -> None:
    assert page.train_button.label.startswith("Train")
    assert not page.train_button.disabled
    recipe = recipes.PRESETS[recipes.DEFAULT_PRESET]
    engine_count = Sequential.from_spec(recipe["layers"], recipes.INPUT_SHAPE).num_params()
    assert f"{engine_count:,}</th>" in page.spec_table.object  # the table's total agrees
    # Every header cell has text (axe: empty-table-header); the total row's blanks are data.
    assert not re.search(r"<th[^>]*></th>", page.spec_table.object)


@pytest.mark.parametrize(
    ("widget", "text", "message"),
    [
        ("lr", "nan", "finite"),
        ("lr", "0", "greater than 0"),
        ("batch_size", "-5", "between 1"),
        ("epochs", "1000", "between 1 and 50"),
        ("train_size", "abc", "must be a number"),
        ("spec_text", "conv 8 9\nmaxpool 4\nconv 4 9\ndense 10", "smaller than its 9×9"),
    ],
)
def test_bad_input_explains_and_disables_train(
    page: TrainerPage, widget: str, text: str, message: str
) -> None:
    type_into(getattr(page, widget), text)
    shown = page.settings_message.object + page.spec_message.object
    assert message in shown
    assert page.train_button.disabled
    page.preset.value = "tiny"  # choosing a preset again repairs everything
    assert not page.train_button.disabled


def test_train_to_the_end_then_use_and_keep_the_model(page: TrainerPage) -> None:
    configure_small_run(page)
    page.train()
    assert page.train_button.disabled and not page.stop_button.disabled
    settle(page)
    assert "Training finished" in page.result_text.object
    assert re.search(r"Test accuracy: \d{1,3}\.\d%", page.result_text.object)
    assert page.confusion.values.sum() == 200
    assert page.progress.value == 100
    assert len(page.loss_source.data["loss"]) >= 1
    assert len(page.acc_source.data["acc"]) >= 1
    assert len(page.filters.items) == 4
    assert page.features.objects  # the feature maps of test digit 0 were requested and shown
    assert not page.train_button.disabled and not page.export_button.disabled

    ink = np.zeros((56, 56))
    ink[10:20, 12:24] = 255  # the synthetic "0" is a square in the top-left area
    page.pad.ink = ink.astype(int).ravel().tolist()
    assert "The model reads your digit as" in page.draw_text.object
    assert sum(page.prob_source.data["top"]) == pytest.approx(1, abs=1e-6)

    page.pad.ink = [0] * (56 * 56)
    assert "empty" in page.draw_text.object

    page.export_button.clicks += 1
    name, exported = page.link.downloads[-1]
    assert name.endswith(".npz") and exported[:2] == b"PK"

    accuracy = page.result_text.object
    page.import_model(b"garbage")
    assert "Could not load the model" in page.keep_text.object
    assert "unchanged" in page.keep_text.object
    page.import_model(exported)
    settle(page)
    assert page.result_text.object.split("Test accuracy")[1] == accuracy.split("Test accuracy")[1]


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
    assert "Training stopped early" in page.result_text.object
    assert "Test accuracy:" in page.result_text.object
