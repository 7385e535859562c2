import math

import numpy as np
import panel as pn
import pytest

from app import progress
from app.lessons import cross_entropy as ce
from app.shell import build_view
from tests.app.grid_text import captions, is_text


@pytest.fixture(autouse=True)
def fresh_progress():
    progress.use_storage(progress.MemoryStorage())


def test_lecture_dog_example_before_and_after_training():
    assert ce.BEFORE.sum() == pytest.approx(1) and ce.AFTER.sum() == pytest.approx(1)
    start, end = ce.training_prediction(0), ce.training_prediction(1)
    assert start[0] == pytest.approx(0.775) and end[0] == pytest.approx(0.938)
    assert round(float(-math.log2(start[0])), 4) == 0.3677
    assert round(float(-math.log2(end[0])), 4) == 0.0923
    # Raising only the dog's logit keeps the other classes' ratios.
    assert end[1] / end[2] == pytest.approx(ce.BEFORE[1] / ce.BEFORE[2])


def test_only_the_true_class_contributes():
    terms = ce.contributions(ce.BEFORE, 2)
    assert terms[[0, 1, 3]].tolist() == [0, 0, 0]
    assert terms[2] == pytest.approx(-math.log2(0.039))


@pytest.mark.parametrize(
    ("targets", "probs", "words"),
    [
        ("1, 0", "0.5", "2 targets but 1"),
        ("1, 2", "0.5, 0.5", "0 or 1"),
        ("1", "1.5", "between 0 and 1"),
        ("", "0.5", "Targets"),
        ("1", "abc", "Probabilities"),
    ],
)
def test_binary_table_rejects_bad_rows(targets, probs, words):
    with pytest.raises(ValueError, match=words):
        ce.read_binary_table(targets, probs)


def test_true_class_exercise_checks_and_explains_the_sum_over_all_classes():
    problem = ce.true_class_problem(np.random.default_rng(4))
    pairs = problem.prompt.split("predicts ")[1].split(". The")[0].split(", ")
    probs = {name: float(p) for name, p in (pair.split() for pair in pairs)}
    true = problem.prompt.split("**")[1]
    assert problem.check(f"{-math.log2(probs[true]):.3f}").correct
    wrong = problem.check(f"{-sum(math.log2(p) for p in probs.values()):.3f}")
    assert "only the true class counts" in wrong.message


def test_binary_mean_exercise_wants_the_mean_not_the_sum():
    problem = ce.binary_mean_problem(np.random.default_rng(5))
    rows = [
        line.split("|")[2:4]
        for line in problem.prompt.splitlines()
        if line[:3] in {f"| {i}" for i in range(1, 6)}
    ]
    losses = [-math.log(float(p)) if int(t) == 1 else -math.log(1 - float(p)) for t, p in rows]
    assert problem.check(f"{sum(losses) / len(losses):.3f}").correct
    assert "divide by N" in problem.check(f"{sum(losses):.3f}").message


def test_probability_from_loss_accepts_a_percentage():
    problem = ce.probability_from_loss_problem(np.random.default_rng(6))
    bits = float(problem.prompt.split("**")[1].split()[0])
    assert problem.check(f"{100 * 2**-bits:.0f}%").correct


def _html(view, css_class: str) -> str:
    return " ".join(p.object for p in view.select(is_text) if css_class in p.css_classes)


def test_view_training_slider_and_true_class_selector():
    view = build_view("cross-entropy", ce)
    assert "0.3677" in _html(view, "ce-total")
    slider = next(w for w in view.select(pn.widgets.FloatSlider) if w.label == "Training progress")
    slider.value = 1.0
    assert "0.938" in _html(view, "training-readout") and "0.0923" in _html(
        view, "training-readout"
    )
    picker = next(w for w in view.select(pn.widgets.RadioButtonGroup) if "True class" in w.label)
    picker.value = "cat"
    assert "3.1078" in _html(view, "ce-total")  # −log₂ 0.116


def test_view_binary_table_shows_a_message_for_mismatched_lengths():
    view = build_view("cross-entropy", ce)
    assert "0.2990" in _html(view, "bce-table")
    box = next(w for w in view.select(pn.widgets.TextInput) if w.label.startswith("Targets"))
    box.value = "1, 0"
    messages = " ".join(p.object for p in view.select(is_text))
    assert "2 targets but 4 probabilities" in messages
    assert "0.2990" in _html(view, "bce-table")  # the last valid table stays


def test_a_certain_mistake_says_its_loss_is_infinite_and_the_shown_number_is_clipped():
    # p = 0 with t = 1 showed 27.6310 nats without a word: the true value is infinite.
    view = build_view("cross-entropy", ce)
    probs = next(w for w in view.select(pn.widgets.TextInput) if w.label.startswith("Predicted"))
    probs.value = "0, 0.2, 0.6, 0.7"
    text = captions(view)
    assert "27.6310*" in text and "infinite" in text and "clips" in text
    probs.value = "0.9, 0.2, 0.6, 0.7"
    assert "infinite" not in captions(view)
