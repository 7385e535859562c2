"""Every trainer preset must build, fit MNIST's shapes and carry settings the trainer accepts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.model import Sequential
from engine.recipes import DEFAULT_PRESET, INPUT_SHAPE, PRESETS, learning_rate, lr_schedule


def test_the_issue_presets_exist_and_the_default_is_one_of_them() -> None:
    assert {"tiny", "recommended", "convnetjs", "long-run"} <= PRESETS.keys()
    assert DEFAULT_PRESET in PRESETS


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_builds_a_ten_class_network_and_is_plain_data(name: str) -> None:
    preset = PRESETS[name]
    json.dumps(preset)  # travels to the Web Worker as JSON
    model = Sequential.from_spec(preset["layers"], INPUT_SHAPE, rng=0, dtype=np.float32)
    assert model.summary()[-1]["output_shape"] == (10,)
    logits = model.forward(np.zeros((2, *INPUT_SHAPE), np.float32))
    assert logits.shape == (2, 10) and logits.dtype == np.float32
    assert preset["optimizer"] in {"sgd", "momentum", "adam"}
    assert 0 < preset["lr"] < 1
    assert preset["batch_size"] >= 1 and preset["epochs"] >= 1
    assert 1 <= preset["train_size"] <= 50_000
    assert preset["label"] and preset["description"]


def test_the_issue_networks_have_the_stated_architecture() -> None:
    def convs(name: str) -> list[tuple]:
        layers = PRESETS[name]["layers"]
        return [
            (s["filters"], s["kernel"], s.get("padding", 0)) for s in layers if s["type"] == "conv"
        ]

    def pools(name: str) -> list[int]:
        return [s["size"] for s in PRESETS[name]["layers"] if s["type"] == "pool"]

    assert convs("tiny") == [(8, 3, 0)] and pools("tiny") == [2]
    assert convs("convnetjs") == [(8, 5, 2), (16, 5, 2)] and pools("convnetjs") == [2, 3]
    assert PRESETS["convnetjs"]["batch_size"] == 64 and PRESETS["convnetjs"]["optimizer"] == "adam"


def test_presets_do_not_share_layer_lists() -> None:
    PRESETS["long-run"]["layers"][0]["filters"] += 1
    try:
        assert PRESETS["recommended"]["layers"][0] != PRESETS["long-run"]["layers"][0]
    finally:
        PRESETS["long-run"]["layers"][0]["filters"] -= 1


def test_learning_rate_schedules() -> None:
    constant = {"lr": 0.01, "lr_schedule": {"kind": "constant"}}
    assert learning_rate(constant, 0.0) == learning_rate(constant, 1.0) == 0.01
    linear = {"lr": 0.01, "lr_schedule": {"kind": "linear", "final": 0.1}}
    assert learning_rate(linear, 0.0) == pytest.approx(0.01)
    assert learning_rate(linear, 0.5) == pytest.approx(0.0055)
    assert learning_rate(linear, 1.0) == pytest.approx(0.001)
    assert learning_rate(linear, 2.0) == pytest.approx(0.001)  # never below the final rate
    with pytest.raises(ValueError, match="schedule"):
        learning_rate({"lr": 0.01, "lr_schedule": {"kind": "cosine?"}}, 0.5)


def test_step_schedule_spans_the_whole_run() -> None:
    settings = {"lr": 0.01, "lr_schedule": {"kind": "linear", "final": 0.0}}
    settings |= {"epochs": 2, "train_size": 100, "batch_size": 32}  # 4 batches per epoch
    schedule = lr_schedule(settings)
    assert schedule(0) == pytest.approx(0.01)
    assert schedule(7) == pytest.approx(0.0)  # the last of 2 × 4 steps
    assert schedule(3) > schedule(4) > 0
