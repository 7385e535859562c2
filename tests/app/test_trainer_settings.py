"""TrainSettings: the one shape of a run's settings — presets, the form, validation, the dict."""

from __future__ import annotations

import pytest

from app.components.answers import parse_number
from app.trainer import settings as st
from app.trainer.settings import PRESETS, TrainSettings
from engine import recipes


def form(**fields: str) -> dict[str, str]:
    """The recommended preset's form with some fields retyped."""
    return PRESETS["recommended"].form() | fields


def test_every_preset_is_the_engine_recipe_and_survives_the_form_and_the_dict() -> None:
    assert set(PRESETS) == set(recipes.PRESETS)
    for key, preset in PRESETS.items():
        recipe = recipes.PRESETS[key]
        assert preset.lr == recipe["lr"] and preset.lr_schedule == recipe["lr_schedule"]
        assert (preset.batch_size, preset.epochs) == (recipe["batch_size"], recipe["epochs"])
        assert [layer["type"] for layer in preset.layers] == [
            layer["type"] for layer in recipe["layers"]
        ]
        again, problems = TrainSettings.from_form(preset.form())
        assert problems == {} and again == preset
        assert TrainSettings.from_dict(preset.to_dict()) == preset


def test_the_dict_is_versioned_and_holds_the_schedule_and_seed() -> None:
    data = PRESETS["recommended"].with_seed(7).to_dict()
    assert data["version"] == st.VERSION
    assert data["lr_schedule"] == {"kind": "linear", "final": 0.01}
    assert data["seed"] == 7
    with pytest.raises(st.SettingsError, match="version"):
        TrainSettings.from_dict(data | {"version": 99})
    with pytest.raises(st.SettingsError, match="lack"):
        TrainSettings.from_dict({k: v for k, v in data.items() if k != "seed"})
    with pytest.raises(st.SettingsError, match="Learning rate"):
        TrainSettings.from_dict(data | {"lr": "nan"})


def test_the_schedule_is_the_engines_and_ends_at_its_final_fraction() -> None:
    settings = PRESETS["recommended"]
    rate = settings.lr_at_step()
    steps = -(-settings.train_size // settings.batch_size) * settings.epochs
    assert rate(0) == pytest.approx(settings.lr)
    assert rate(steps - 1) == pytest.approx(settings.lr * 0.01)  # the last step, not one after
    engine = recipes.lr_schedule(recipes.PRESETS["recommended"])
    assert [rate(s) for s in (0, 100, steps - 1)] == [engine(s) for s in (0, 100, steps - 1)]


def test_the_form_edits_schedule_and_seed() -> None:
    settings, problems = TrainSettings.from_form(form(schedule="constant", seed="42"))
    assert problems == {} and settings.lr_schedule == {"kind": "constant"}
    assert settings.seed == 42
    settings, _ = TrainSettings.from_form(form(final="10%"))
    assert settings.lr_schedule == {"kind": "linear", "final": pytest.approx(0.1)}


@pytest.mark.parametrize(
    ("typed", "value"), [("10,000", 10_000), ("10_000", 10_000), ("50000", 50_000), ("1e3", 1000)]
)
def test_whole_numbers_read_thousands_separators(typed: str, value: int) -> None:
    settings, problems = TrainSettings.from_form(form(train_size=typed))
    assert problems == {} and settings.train_size == value


def test_decimal_commas_still_read_as_decimals() -> None:
    settings, _ = TrainSettings.from_form(form(lr="0,005"))
    assert settings.lr == pytest.approx(0.005)
    assert parse_number("0,57") == pytest.approx(0.57)  # the lessons' answers are unchanged
    assert parse_number("10,000") == pytest.approx(10.0)
    assert parse_number("10,000", thousands=True) == 10_000
    assert parse_number("1,5", thousands=True) == pytest.approx(1.5)


@pytest.mark.parametrize(
    ("field", "typed", "expected"),
    [
        ("lr", "nan", "NaN"),
        ("lr", "0", "with 0 nothing is learned"),
        ("lr", "-1", "negative one climbs the loss"),
        ("lr", "1e6", "explodes"),
        ("lr", "fast", "not a number"),
        ("lr", "", "empty"),
        ("final", "0", "above 0 and at most 1"),
        ("batch_size", "0", "between 1 and 1,024"),
        ("batch_size", "12.5", "whole number"),
        ("epochs", "-1", "between 1 and 50"),
        ("epochs", "inf", "Infinity"),
        ("train_size", "1e9", "between 100 and 50,000"),
        ("seed", "-3", "between 0 and"),
        ("optimizer", "rmsprop", "unknown optimizer"),
        ("schedule", "cosine", "unknown schedule"),
        ("layers", "conv 8 3\nrelu", "last layer"),
    ],
)
def test_each_bad_field_gets_a_message_naming_what_was_typed(
    field: str, typed: str, expected: str
) -> None:
    settings, problems = TrainSettings.from_form(form(**{field: typed}))
    assert settings is None
    assert expected in problems[field]
    if field not in ("layers", "optimizer", "schedule"):
        assert f"“{typed}”" in problems[field]


def test_a_batch_larger_than_the_training_set_is_refused() -> None:
    _, problems = TrainSettings.from_form(form(batch_size="512", train_size="200"))
    assert "larger than the training set" in problems["batch_size"]


def test_describe_names_the_settings_of_a_run() -> None:
    text = PRESETS["recommended"].describe()
    assert text == "Adam, lr 0.004 → 1% of it, batch 64, 1 epoch of 50,000 images, seed 0"


def test_a_message_shows_what_was_typed_as_plain_text() -> None:
    """The number parser's messages are Markdown (for the answer boxes); the trainer's form
    shows plain text, so they reach it as what they read, not as Markdown escapes."""
    typed = '<img src=x onerror="f()"> $x$'
    _, problems = TrainSettings.from_form(form(lr=typed))
    assert problems["lr"].startswith(f"“{typed}”: “{typed}” is not a number I can read.")
