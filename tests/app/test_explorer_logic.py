"""The whole-CNN explorer: the trace, each kind of unit explanation, the page state, exercises."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest

from app.explorer import recipe
from app.explorer.kept_model import read_kept
from app.explorer.network_view import outlines, overview
from app.explorer.trace import explain, trace
from app.explorer.ui import DRAWING, SITE_NETWORK, TEST_DIGIT, YOUR_NETWORK, Explorer
from app.lessons import explorer as lesson
from engine import functional, recipes
from engine.model import Sequential


@pytest.fixture(scope="module")
def model() -> Sequential:
    return recipe.load_model()


@pytest.fixture(scope="module")
def seven(model: Sequential):
    """Test digit #0 (a 7) traced through the shipped network."""
    digits = recipe.load_digits()
    assert digits["test_index"][0] == 0 and digits["labels"][0] == 7
    return trace(model, recipe.pixels(digits["images"][:1])[0])


def test_trace_keeps_every_layer_and_agrees_with_the_whole_network(model, seven) -> None:
    kinds = [out.kind for out in seven.outputs]
    assert kinds == [
        "input", "conv", "relu", "pool", "conv", "relu", "pool", "flatten", "dense", "softmax"
    ]  # fmt: skip
    image = seven.outputs[0].values[None]
    np.testing.assert_allclose(seven.outputs[-2].values, model.forward(image)[0], rtol=1e-6)
    np.testing.assert_allclose(seven.probabilities, model.predict_proba(image)[0], rtol=1e-6)
    assert seven.prediction == 7
    assert [out.shape for out in seven.outputs[1:-1]] == [
        tuple(r["output_shape"]) for r in model.summary()
    ]
    assert [out.params for out in seven.outputs[1:-1]] == [156, 0, 0, 440, 0, 0, 0, 2010]


def test_a_wrong_sized_image_is_refused_with_the_expected_shape(model) -> None:
    with pytest.raises(ValueError, match="1×28×28"):
        trace(model, np.zeros((28, 28)))


def test_every_convolution_unit_is_its_window_times_the_kernel_plus_the_bias(seven) -> None:
    rng = np.random.default_rng(0)
    for layer in (1, 4):
        shape = seven.outputs[layer].shape
        for _ in range(25):
            unit = tuple(int(rng.integers(0, n)) for n in shape)
            e = explain(seven, layer, unit)
            conv = seven.layer(layer)
            total = sum(float((t.inputs * t.weights).sum()) for t in e.terms)
            assert total + float(conv.params["b"][unit[0]]) == pytest.approx(e.value, abs=1e-5)
            assert e.value == pytest.approx(float(seven.outputs[layer].values[unit]))
            assert len(e.terms) == seven.outputs[layer - 1].shape[0]
            (window,) = e.sources
            assert (window.top, window.left) == (unit[1], unit[2])
            # The written-out sum ends with the engine's value.
            assert f"&= {e.value:.3f} ".replace("-", "{-}") in e.latex
            activation = max(0.0, round(e.value, 3))
            assert e.latex.endswith(rf"\max(0, z) = {activation:.3f} \end{{aligned}}")


def test_a_padded_convolution_shows_the_zeros_outside_the_image() -> None:
    net = Sequential.from_spec(
        [{"type": "conv", "filters": 2, "kernel": 3, "padding": 1}, {"type": "flatten"}],
        (1, 4, 4),
        rng=1,
    )
    tr = trace(net, np.arange(16.0).reshape(1, 4, 4) + 1)
    e = explain(tr, 1, (1, 0, 0))
    (term,) = e.terms
    assert term.inputs[0].tolist() == [0, 0, 0] and term.inputs[:, 0].tolist() == [0, 0, 0]
    assert term.inputs[1:, 1:].tolist() == [[1, 2], [5, 6]]
    assert (e.sources[0].top, e.sources[0].left) == (-1, -1)
    assert float((term.inputs * term.weights).sum()) == pytest.approx(e.value)


def test_relu_pool_flatten_dense_and_softmax_units_add_up(seven) -> None:
    before = seven.outputs[1].values
    negative = tuple(int(i) for i in np.argwhere(before < 0)[0])
    relu = explain(seven, 2, negative)
    assert relu.value == 0 and relu.extra["before"] < 0 and "cut to 0" in relu.note

    pool = explain(seven, 3, (2, 6, 5))
    (term,) = pool.terms
    assert pool.value == term.inputs.max() == term.inputs[pool.winner]
    assert pool.sources[0].top == 12 and pool.sources[0].left == 10

    flat = explain(seven, 7, (123,))
    assert flat.value == seven.outputs[6].values[4, 4, 3]
    assert flat.sources[0].channels == (4,) and "= 123" in flat.latex

    dense = explain(seven, 8, (7,))
    (term,) = dense.terms
    total = float((term.inputs * term.weights).sum()) + dense.extra["rest"] + dense.extra["bias"]
    assert total == pytest.approx(dense.value, abs=1e-4)
    products = np.abs(seven.outputs[7].values * seven.layer(8).params["W"][:, 7])
    assert np.abs(term.inputs * term.weights).min() >= np.sort(products)[-8] - 1e-7

    soft = explain(seven, 9, (7,))
    assert soft.value == pytest.approx(float(functional.softmax(seven.outputs[8].values)[7]))
    assert soft.extra["exponentials"].max() == 1.0


def test_a_unit_outside_a_layer_gets_a_message(seven) -> None:
    with pytest.raises(ValueError, match="has no unit"):
        explain(seven, 1, (6, 0, 0))
    with pytest.raises(ValueError, match="has no unit"):
        explain(seven, 8, (0, 1))
    with pytest.raises(ValueError, match="no layer 10"):
        explain(seven, 10, (0,))


def test_overview_has_every_value_and_the_flatten_grouping(seven) -> None:
    layers = overview(seven)
    assert len(layers) == 10
    for out, entry in zip(seven.outputs, layers, strict=True):
        assert len(entry["values"]) == out.values.size and entry["shape"] == list(out.shape)
    assert layers[7]["group"] == 25 and layers[1]["signed"] and not layers[2]["signed"]
    assert outlines(explain(seven, 3, (0, 1, 1))) == [
        {"layer": 2, "channels": [0], "top": 2, "left": 2, "height": 2, "width": 2}
    ]


def test_the_page_switches_digits_explains_clicks_and_survives_bad_input() -> None:
    page = Explorer()
    assert page.unit[0] == 1 and "conv 5×5×6: filter" in page.explained.object
    assert page.network.selected == [1, *page.unit[1]]
    # A click in the browser arrives as a message; the detail follows it.
    page.network._handle_msg({"layer": 3, "unit": [0, 4, 4]})
    assert "max pool 2×2, channel 1, row 5, column 5" in page.explained.object
    assert "winner outlined" in page.explained.object and page.formula.object.startswith(r"\max")
    page.network._handle_msg({"layer": 4, "unit": [0, 0, 0]})
    assert page.explained.object.count("window (channel") == 6
    assert page.network.sources[0]["channels"] == [0, 1, 2, 3, 4, 5]
    page.network._handle_msg({"nonsense": True})  # ignored
    page.network._handle_msg({"layer": 3, "unit": [9, 9, 9]})
    assert "has no unit" in page.message.object
    # Another test digit: the same unit, recomputed.
    before = page.network.layers[0]["values"]
    options = list(page.picker.options.values())
    page.picker.value = options[5]
    assert page.network.layers[0]["values"] != before
    assert page.network.selected == [4, 0, 0, 0]
    # An empty drawing keeps the last digit and says so; ink is traced.
    page.source.value = DRAWING
    assert "draw a digit first" in page.message.object
    assert page.network.layers[0]["values"] != before
    ink = np.zeros((56, 56))
    ink[10:46, 26:30] = 255  # a "1"
    page.pad.ink = ink.astype(int).ravel().tolist()
    assert page.source.value == DRAWING and "your drawing" in page.verdict.object
    assert "draw a digit first" not in page.message.object
    page.source.value = TEST_DIGIT
    assert "reads test digit #" in page.verdict.object


def test_misread_test_digits_are_flagged_in_the_picker(model) -> None:
    page = Explorer(model)
    digits = recipe.load_digits()
    predicted = model.predict(recipe.pixels(digits["images"]))
    for label, position in page.picker.options.items():
        truth, guess = digits["labels"][position], predicted[position]
        assert label.startswith(f"test #{digits['test_index'][position]}: a {truth}")
        assert ("the network reads" in label) == (guess != truth)
    flagged = [label for label in page.picker.options if "the network reads" in label]
    assert len(flagged) >= recipe.WRONG_DIGITS


def test_the_lesson_states_the_measured_accuracy_and_the_architecture(model) -> None:
    facts = recipe.load_facts()
    text = lesson.facts_text(facts)
    assert f"{facts['test_accuracy']:.2%}" in text and f"{facts['test_correct']:,}" in text
    table = lesson.architecture_html(model)
    assert "6×24×24" in table and "2,010" in table and "2,606" in table


@pytest.mark.parametrize("generate", [e.generate for e in lesson.EXERCISES])
def test_every_exercise_accepts_its_worked_answer_and_explains_mistakes(generate) -> None:
    for seed in range(200):
        problem = generate(np.random.default_rng(seed))
        answer = re.search(r"\*\*(.+?)\*\*$", problem.solution).group(1)
        assert problem.check(answer).correct, (seed, problem.solution)
        assert problem.check("abc").kind == "invalid"
        assert not problem.check("12345").correct


def test_exercise_mistakes_get_their_explanation() -> None:
    problem = lesson.output_shape_problem(np.random.default_rng(3))  # 1×12×12, 4 filters 3×3
    assert "before pooling" in problem.check("4, 10, 10").message
    assert "per filter" in problem.check("1, 5, 5").message
    window = lesson.unit_value_problem(np.random.default_rng(3))  # z = -10 after bias -3
    assert "ReLU" in window.check("-10").message and "bias" in window.check("-7").message
    flat = lesson.flatten_index_problem(np.random.default_rng(3))  # channel 1, row 0, column 0
    assert "channel's cells together" in flat.check("1").message


def _kept_message(model: Sequential) -> dict:
    """What kept_model.js sends for a model the trainer saved in the browser."""
    buffer = io.BytesIO()
    model.save(buffer)
    return {"found": True, "bytes": base64.b64encode(buffer.getvalue()).decode()}


def test_a_model_kept_by_the_trainer_is_read_or_refused_with_a_reason() -> None:
    tiny = Sequential.from_spec(recipes.PRESETS["tiny"]["layers"], (1, 28, 28), rng=0)
    assert read_kept({"found": False}) is None
    assert read_kept(_kept_message(tiny)).to_spec() == tiny.to_spec()
    with pytest.raises(ValueError, match="damaged"):
        read_kept({"found": True, "bytes": "not base64!"})
    with pytest.raises(ValueError, match=r"not a NumPy \.npz"):
        read_kept({"found": True, "bytes": base64.b64encode(b"hello").decode()})
    small = Sequential.from_spec([{"type": "flatten"}, {"type": "dense", "units": 3}], (1, 4, 4))
    with pytest.raises(ValueError, match="1×4×4 inputs"):
        read_kept(_kept_message(small))


def test_the_page_offers_the_trained_network_and_switches_between_both(model) -> None:
    page = Explorer(model)
    assert not page.which.visible
    page.kept._handle_msg({"found": True, "bytes": "%%%"})
    assert "cannot be shown: the stored model is damaged" in page.message.object
    assert not page.which.visible
    tiny = Sequential.from_spec(recipes.PRESETS["tiny"]["layers"], (1, 28, 28), rng=0)
    page.kept._handle_msg(_kept_message(tiny))
    assert page.which.visible and page.which.options == [SITE_NETWORK, YOUR_NETWORK]
    page.picker.value = list(page.picker.options.values())[3]
    digit = page.network.layers[0]["values"]
    page.which.value = YOUR_NETWORK
    assert [layer["title"] for layer in page.network.layers][1] == "1 · conv 3×3×8"
    assert "Your network reads" in page.verdict.object
    # The same digit, as the trainer feeds it to its networks: normalized, so paper is negative.
    inputs = np.asarray(page.network.layers[0]["values"])
    assert inputs.min() < 0 and np.corrcoef(inputs, digit)[0, 1] > 0.999
    assert page.network.selected[0] == 1 and "conv 3×3×8" in page.explained.object
    page.which.value = SITE_NETWORK
    assert page.network.layers[0]["values"] == digit and "The network reads" in page.verdict.object
