"""How the explorer's network is built and trained, and the files that hold the result.

``tools/train_explorer_model.py`` runs ``train`` on MNIST (the build's pinned source) and writes
``app/assets/explorer_model.npz`` (``Sequential.save``) and ``explorer_model.json`` (what was
measured: test accuracy and the training settings). Training is seeded, so running the script
again writes the same weights; ``tests/app/test_explorer_model.py`` re-measures the accuracy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from engine import data, losses, optim, recipes
from engine import train as training
from engine.model import Sequential

ASSETS = Path(__file__).resolve().parent.parent / "assets"
MODEL_FILE = ASSETS / "explorer_model.npz"
FACTS_FILE = ASSETS / "explorer_model.json"
DIGITS_FILE = ASSETS / "explorer_digits.npz"

INPUT_SHAPE = (1, 28, 28)

#: Two small convolution blocks and one dense layer: every channel fits on a phone screen.
LAYERS: list[dict[str, Any]] = [
    {"type": "conv", "filters": 6, "kernel": 5},
    {"type": "relu"},
    {"type": "pool", "mode": "max", "size": 2},
    {"type": "conv", "filters": 8, "kernel": 3},
    {"type": "relu"},
    {"type": "pool", "mode": "max", "size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 10},
]

SETTINGS: dict[str, Any] = {
    "seed": 2026,
    "optimizer": "adam",
    "lr": 4e-3,
    # Falls linearly to 1% of itself, as the trainer's recommended preset does.
    "lr_schedule": {"kind": "linear", "final": 0.01},
    "batch_size": 64,
    "epochs": 2,
    "train_size": 50_000,
}

#: How many test digits of each class the page offers, besides the ones the network gets wrong.
DIGITS_PER_CLASS = 3
WRONG_DIGITS = 4


def pixels(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28) -> float32 (N, 1, 28, 28) in [0, 1], the network's input.

    Plain brightness (no mean/std shift) so a window of the input reads as ink from 0 to 1.
    """
    return data.normalize(np.asarray(images), dtype=np.float32, mean=0.0, std=1.0)


def train(mnist: data.Mnist) -> Sequential:
    """Train the explorer's network on the first ``train_size`` training digits (seeded)."""
    rng = np.random.default_rng(SETTINGS["seed"])
    model = Sequential.from_spec(LAYERS, INPUT_SHAPE, rng=rng, dtype=np.float32)
    count = SETTINGS["train_size"]
    steps = SETTINGS["epochs"] * -(-count // SETTINGS["batch_size"])
    run = training.train(
        model,
        losses.SoftmaxCrossEntropy(),
        optim.Adam(SETTINGS["lr"]),
        mnist.x_train[:count],
        mnist.y_train[:count],
        epochs=SETTINGS["epochs"],
        batch_size=SETTINGS["batch_size"],
        lr_schedule=lambda step: recipes.learning_rate(SETTINGS, step / steps),
        transform=pixels,
        rng=rng,
    )
    for _event in run:
        pass
    return model


def measure(model: Sequential, mnist: data.Mnist) -> dict[str, Any]:
    """Test-set accuracy and confusion matrix of ``model`` on all 10,000 MNIST test digits."""
    result = training.evaluate(
        model, mnist.x_test, mnist.y_test, transform=pixels, num_classes=data.NUM_CLASSES
    )
    return {
        "test_correct": int(np.trace(result.confusion)),
        "test_total": len(mnist.y_test),
        "test_accuracy": result.accuracy,
    }


def pick_digits(model: Sequential, mnist: data.Mnist) -> dict[str, np.ndarray]:
    """The test digits the page offers: the first few of each class, then the first few the
    network misclassifies. Returns ``images`` (uint8), ``labels`` and ``test_index``."""
    chosen = [
        int(i) for d in range(10) for i in np.flatnonzero(mnist.y_test == d)[:DIGITS_PER_CLASS]
    ]
    predicted = model.predict(pixels(mnist.x_test))
    wrong = [int(i) for i in np.flatnonzero(predicted != mnist.y_test) if int(i) not in chosen]
    index = np.array(sorted(chosen) + wrong[:WRONG_DIGITS], dtype=np.int64)
    return {
        "images": mnist.x_test[index],
        "labels": mnist.y_test[index],
        "test_index": index,
    }


def facts(model: Sequential, mnist: data.Mnist) -> dict[str, Any]:
    """Everything the page states about the network, as measured."""
    return {
        "layers": model.to_spec(),
        "parameters": model.num_params(),
        "training": dict(SETTINGS),
        **measure(model, mnist),
    }


def load_model() -> Sequential:
    """The shipped network (float32, architecture and weights from ``MODEL_FILE``)."""
    return Sequential.from_file(MODEL_FILE)


def load_facts() -> dict[str, Any]:
    """What ``facts`` measured when the shipped network was trained."""
    return json.loads(FACTS_FILE.read_text(encoding="utf-8"))


def load_digits() -> dict[str, np.ndarray]:
    """The test digits the page offers (see ``pick_digits``)."""
    with np.load(DIGITS_FILE, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}
