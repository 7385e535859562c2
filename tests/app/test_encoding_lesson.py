import math

import numpy as np
import panel as pn
import pytest

from app import progress
from app.lessons import encoding as enc
from app.shell import build_view
from tests.app.grid_text import captions, is_text, rendered


@pytest.fixture(autouse=True)
def fresh_progress():
    progress.use_storage(progress.MemoryStorage())


def test_integer_codes_invent_distances_that_one_hot_does_not():
    assert enc.code_distances(enc.ANIMALS, "dog", "horse") == (2.0, pytest.approx(math.sqrt(2)))
    assert enc.code_distances(enc.ANIMALS, "dog", "cat")[1] == pytest.approx(math.sqrt(2))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "at least one"),
        ("dog, zebra", "Unknown class “zebra”"),
        (", ".join(["dog"] * 13), "at most 12"),
    ],
)
def test_read_labels_explains_bad_tables(text, words):
    with pytest.raises(ValueError, match=words):
        enc.read_labels(text)


def test_attribute_exercise_accepts_the_right_kind_and_explains_the_wrong_one():
    for seed in range(6):
        problem = enc.attribute_problem(np.random.default_rng(seed))
        name = problem.prompt.split("**")[1]
        kind = next(k for n, _, k in enc.ATTRIBUTES if n == name)
        other = enc.NOMINAL if kind == enc.ORDINAL else enc.ORDINAL
        assert problem.check(kind).correct
        assert not problem.check(other).correct
        assert problem.check("").kind == "invalid"


def test_one_hot_vector_exercise():
    problem = enc.one_hot_problem(np.random.default_rng(2))
    classes = problem.prompt.split("**")[1].split(", ")
    label = problem.prompt.split("**")[3]
    vector = ["1" if c == label else "0" for c in classes]
    assert problem.check(", ".join(vector)).correct
    assert problem.check(" ".join(vector)).correct
    assert not problem.check(", ".join(["0"] * len(classes))).correct


def test_one_hot_loss_exercise():
    problem = enc.one_hot_loss_problem(np.random.default_rng(3))
    target = [float(x) for x in problem.prompt.split("t = [")[1].split("]")[0].split(",")]
    probs = [float(x) for x in problem.prompt.split("p = [")[1].split("]")[0].split(",")]
    assert problem.check(f"{-math.log(probs[target.index(1.0)]):.3f}").correct


def _html(view) -> str:
    return " ".join(p.object for p in view.select(is_text))


def test_view_one_hot_table_and_loss_follow_the_labels():
    view = build_view("encoding", enc)
    assert "3.1078" in _html(view)  # first sample is a cat: −log₂ 0.116
    box = next(w for w in view.select(pn.widgets.TextInput) if w.label.startswith("Labels"))
    box.value = "dog, horse"
    assert "0.3677" in _html(view)  # first sample now a dog: −log₂ 0.775
    # The matrix's screen-reader caption lists its rows.
    assert "One-hot matrix T: 1, 0, 0, 0; 0, 0, 1, 0" in captions(view)
    box.value = "dog, unicorn"
    assert "Unknown class “unicorn”" in _html(view)
    # the last valid table is kept
    assert "One-hot matrix T: 1, 0, 0, 0; 0, 0, 1, 0" in captions(view)


def test_view_distance_picker_and_class_order():
    view = build_view("encoding", enc)
    assert "code of <b>cat</b>" in _html(view)  # dog and horse average to cat
    order = next(w for w in view.select(pn.widgets.RadioButtonGroup) if "iris" in w.label)
    order.value = "alphabetical, reversed"
    iris = " ".join(p.object for p in view.select(is_text) if "iris-codes" in p.css_classes)
    assert "<td>Iris virginica</td><td>0</td>" in iris


def test_choice_exercise_starts_with_nothing_chosen():
    view = build_view("encoding", enc)
    choice = next(w for w in view.select(pn.widgets.Select) if w.label.startswith("Your choice"))
    assert choice.value == ""
    check = next(b for b in view.select(pn.widgets.Button) if b.label == "Check")
    check.clicks += 1
    assert "Pick one of the options first" in _html(view)


def test_unknown_labels_are_quoted_once_not_double_escaped():
    view = build_view("encoding", enc)
    box = next(w for w in view.select(pn.widgets.TextInput) if w.label.startswith("Labels"))
    box.value = "dog, <b>"
    assert "Unknown class “&lt;b&gt;”" in rendered(view)
