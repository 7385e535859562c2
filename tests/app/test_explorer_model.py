"""The explorer's shipped network: its stated accuracy is re-measured on the real MNIST test set.

MNIST comes from the build's pinned source (``tools/train_explorer_model.pinned_mnist``, the same
``data/mnist.npz`` the site ships; cached after the first build).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from app.explorer import recipe
from engine.model import Sequential

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mnist():
    spec = importlib.util.spec_from_file_location(
        "train_explorer_model", ROOT / "tools" / "train_explorer_model.py"
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool.pinned_mnist()


def test_the_stated_test_accuracy_is_what_the_shipped_weights_score(mnist) -> None:
    facts = recipe.load_facts()
    measured = recipe.measure(recipe.load_model(), mnist)
    assert measured == {key: facts[key] for key in measured}
    assert measured["test_total"] == 10_000 and measured["test_accuracy"] > 0.97


def test_the_shipped_files_describe_the_recipe_and_stay_small() -> None:
    facts = recipe.load_facts()
    model = recipe.load_model()
    recipe_net = Sequential.from_spec(recipe.LAYERS, recipe.INPUT_SHAPE)
    assert facts["layers"] == model.to_spec() == recipe_net.to_spec()
    assert facts["training"] == recipe.SETTINGS and facts["parameters"] == model.num_params()
    assert model.dtype == np.float32
    for path in (recipe.MODEL_FILE, recipe.DIGITS_FILE):
        assert path.stat().st_size < 50_000


def test_the_offered_digits_are_test_digits_with_their_labels(mnist) -> None:
    digits = recipe.load_digits()
    index = digits["test_index"]
    np.testing.assert_array_equal(digits["images"], mnist.x_test[index])
    np.testing.assert_array_equal(digits["labels"], mnist.y_test[index])
    assert set(digits["labels"].tolist()) == set(range(10))
