"""The ReLU lesson natively: stacked linear layers collapse (and stop collapsing with a ReLU), ReLU
on a real feature map, the toy dataset only a ReLU network fits, and every exercise."""

from __future__ import annotations

import re

import numpy as np
import panel as pn
import pytest

from app.lessons import relu as R
from app.lessons._conv_common import load_mnist_digits
from engine.layers import ReLU


def _latex(layout) -> str:
    return " ".join(str(pane.object) for pane in layout.select(pn.pane.LaTeX))


def test_two_linear_layers_are_the_product_matrix():
    rng = np.random.default_rng(0)
    first = R.dense_layer(rng.normal(size=(2, 3)), rng.normal(size=3))
    second = R.dense_layer(rng.normal(size=(3, 4)), rng.normal(size=4))
    network = R.stack([first, second])
    m, c = R.equivalent_affine(network, 2)
    np.testing.assert_allclose(m, first.params["W"] @ second.params["W"])
    np.testing.assert_allclose(c, first.params["b"] @ second.params["W"] + second.params["b"])
    x = rng.normal(size=(20, 2))
    assert R.collapse_gap(network, x) < 1e-12


def test_a_relu_between_them_breaks_the_collapse():
    rng = np.random.default_rng(1)
    first = R.dense_layer(rng.normal(size=(2, 3)), rng.normal(size=3))
    second = R.dense_layer(rng.normal(size=(3, 2)), rng.normal(size=2))
    network = R.stack([first, ReLU(), second])
    assert R.collapse_gap(network, rng.normal(size=(20, 2))) > 0.1


def test_collapse_section_follows_the_relu_checkbox():
    section = R._collapse()
    assert "differ by at most **0**" in _latex(section)
    section.select(pn.widgets.RadioButtonGroup)[0].value = True
    text = _latex(section)
    assert "no single matrix reproduces the network" in text
    assert "differ by at most **0**" not in text


def test_relu_cuts_the_negative_responses_of_a_real_feature_map():
    before, after = R.relu_feature_map(load_mnist_digits()[4])
    assert before.min() < 0 and after.min() == 0
    np.testing.assert_array_equal(after[before > 0], before[before > 0])
    section = R._feature_map()
    negative = int(np.count_nonzero(before < 0))
    assert f"**{negative} were negative**" in _latex(section)


def test_only_a_relu_network_fits_the_rings():
    linear = R.train_toy(0, False)
    no_relu = R.train_toy(8, False)
    with_relu = R.train_toy(8, True)
    assert linear.accuracy < 0.7 and no_relu.accuracy < 0.7
    assert with_relu.accuracy > 0.97
    picture = R.decision_picture(with_relu.model)
    centre = picture[R.GRID_SIDE // 2, R.GRID_SIDE // 2]
    assert picture.shape == (R.GRID_SIDE, R.GRID_SIDE) and centre < 0.5 < picture[0, 0]


def test_toy_section_reports_accuracy_and_retrains():
    section = R._toy()
    assert re.search(r"accuracy on the 200 points is \*\*(9[5-9]|100)%\*\*", _latex(section))
    section.select(pn.widgets.Select)[0].value = "Linear (no hidden layer)"
    assert "straight boundary" in _latex(section)


GENERATORS = [R.relu_vector_problem, R.collapse_problem, R.hidden_relu_problem]


@pytest.mark.parametrize("generate", GENERATORS, ids=lambda g: g.__name__)
def test_exercises_accept_the_worked_answer_and_reject_others(generate):
    for seed in range(200):
        problem = generate(np.random.default_rng(seed))
        tail = problem.solution.split("the answer is")[-1]
        answer = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", tail)]
        typed = ", ".join(f"{v:g}" for v in answer)
        assert problem.check(typed).correct, (seed, problem.prompt, problem.solution)
        wrong = ", ".join(f"{v + 1:g}" for v in answer)
        assert problem.check(wrong).kind == "wrong"
        assert problem.check("abc").kind == "invalid"


def test_exercises_name_the_typical_mistakes():
    problem = R.relu_vector_problem(np.random.default_rng(3))
    x = [float(v) for v in re.search(r"x = \[([^\]]+)\]", problem.prompt).group(1).split(",")]
    assert "sets them to 0" in problem.check(", ".join(f"{abs(v):g}" for v in x)).message
    problem = R.hidden_relu_problem(np.random.default_rng(3))
    # x = 2, w x + b = (1, -2), v = (2, 1): without ReLU, 2·1 + 1·(−2) = 0.
    assert "ReLU sets" in problem.check("0").message
