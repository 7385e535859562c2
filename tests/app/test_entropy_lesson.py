import math

import numpy as np
import panel as pn
import pytest

from app import progress
from app.lessons import entropy
from app.shell import build_view
from tests.app.grid_text import is_text


@pytest.fixture(autouse=True)
def fresh_progress():
    progress.use_storage(progress.MemoryStorage())


def test_the_lectures_three_containers():
    bits = [entropy.container_entropy(t, c) for _, t, c in entropy.CONTAINERS]
    assert [round(b, 4) for b in bits] == [0.5665, 0.9968, 0.2108]
    assert "0.5665" in entropy.entropy_sum_latex(26, 4)


@pytest.mark.parametrize(
    ("t", "c", "words"), [(-1, 4, "negative"), (0, 0, "empty"), (None, 3, "both boxes")]
)
def test_impossible_containers_get_a_message(t, c, words):
    with pytest.raises(ValueError, match=words):
        entropy.container_entropy(t, c)


def test_binary_entropy_curve_peaks_at_one_bit_in_the_middle():
    p, h = entropy.binary_entropy_curve(101)
    assert h[0] == 0 and h[-1] == 0
    assert p[np.argmax(h)] == pytest.approx(0.5) and h.max() == pytest.approx(1.0)


def _numbers(text: str) -> list[int]:
    return [int(w) for w in text.replace("*", " ").split() if w.isdigit()]


def test_container_exercise_is_checked_against_an_independent_computation():
    for seed in range(5):
        problem = entropy.container_problem(np.random.default_rng(seed))
        t, c = _numbers(problem.prompt)[:2]
        p = t / (t + c)
        h = -(p * math.log2(p) + (1 - p) * math.log2(1 - p))
        assert problem.check(f"{h:.2f}").correct
        assert problem.check(f"{h * 100:.0f}%").kind == "invalid"  # bits are not percentages
        ln_answer = problem.check(f"{h * math.log(2):.3f}")
        assert not ln_answer.correct and "nats" in ln_answer.message
        assert "minus sign" in problem.check(f"{-h:.3f}").message


def test_uniform_and_nats_exercises():
    problem = entropy.uniform_problem(np.random.default_rng(1))
    k = _numbers(problem.prompt)[0]
    assert problem.check(f"{math.log2(k):.3f}").correct
    assert "nats" in problem.check(f"{math.log(k):.3f}").message
    problem = entropy.nats_problem(np.random.default_rng(2))
    probs = [float(x) for x in problem.prompt.split("[")[1].split("]")[0].split(",")]
    assert sum(probs) == pytest.approx(1)
    assert problem.check(f"{-sum(p * math.log(p) for p in probs):.3f}").correct


def _widget(view, cls, label_start: str):
    return next(w for w in view.select(cls) if w.label.startswith(label_start))


def _html_text(view, css_class: str) -> str:
    return " ".join(p.object for p in view.select(is_text) if css_class in p.css_classes)


def test_view_updates_live_and_explains_bad_counts():
    view = build_view("entropy", entropy)
    assert "0.5665" in _html_text(view, "container-bits")
    triangles = _widget(view, pn.widgets.IntInput, "Triangles in Container 1")
    triangles.value = 4
    assert _html_text(view, "container-bits").count("1.0000</span> bits") == 1  # 4 vs 4: a coin
    triangles.value = -2
    messages = " ".join(p.object for p in view.select(is_text))
    assert "cannot hold a negative number" in messages


def test_distribution_editor_rejects_vectors_not_summing_to_one():
    view = build_view("entropy", entropy)
    box = _widget(view, pn.widgets.TextInput, "Probabilities")
    box.value = "0.5, 0.5"
    assert "1.0000</span> bits" in _html_text(view, "distribution-entropy")
    box.value = "0.5, 0.4"
    messages = " ".join(p.object for p in view.select(is_text))
    assert "add up to 0.9" in messages
    rescale = _widget(view, pn.widgets.Button, "Rescale")
    assert rescale.visible
    rescale.clicks += 1
    assert box.value == "0.5556, 0.4444"
    unit = _widget(view, pn.widgets.RadioButtonGroup, "Unit")
    unit.value = "nats"
    assert "nats" in _html_text(view, "distribution-entropy")


def test_rescale_explains_text_it_cannot_rescale():
    view = build_view("entropy", entropy)
    box = _widget(view, pn.widgets.TextInput, "Probabilities")
    box.value = "50%, 25%"
    rescale = _widget(view, pn.widgets.Button, "Rescale")
    rescale.clicks += 1
    assert box.value == "0.6667, 0.3333"
    box.value = "0.5, abc"
    rescale.clicks += 1
    assert box.value == "0.5, abc"
    assert "Entry 2" in " ".join(p.object for p in view.select(is_text))


def test_weight_sliders_reshape_the_distribution_and_follow_typed_ones():
    view = build_view("entropy", entropy)
    box = _widget(view, pn.widgets.TextInput, "Probabilities")
    first = _widget(view, pn.widgets.IntSlider, "Weight of class 1")
    first.value = 5  # weights 5, 1, 1, 1
    assert box.value == "0.625, 0.125, 0.125, 0.125"
    assert "1.5488</span> bits" in _html_text(view, "distribution-entropy")
    box.value = "0.5, 0.5"
    classes = _widget(view, pn.widgets.IntSlider, "Number of classes")
    assert classes.value == 2 and first.value == 10
    assert not _widget(view, pn.widgets.IntSlider, "Weight of class 3").visible
    _widget(view, pn.widgets.IntSlider, "Weight of class 2").value = 0
    assert box.value == "1, 0"
    assert "0.0000</span> bits" in _html_text(view, "distribution-entropy")
    first.value = 0
    assert "All weights are 0" in " ".join(p.object for p in view.select(is_text))
    box.value = ", ".join(["0.1"] * 10)
    assert "between 2 and 8 classes" in " ".join(p.object for p in view.select(is_text))


def test_k_slider_and_uniform_button_work_for_every_k_and_a_certain_outcome_shows_zero():
    # K >= 6 (and "Make it uniform" at K = 7) froze the chart with a ValueError: the rounded
    # probabilities added up to 1.0002; a certain outcome read "-0.0000 bits".
    view = build_view("entropy", entropy)
    k = next(w for w in view.select(pn.widgets.IntSlider) if w.label.startswith("Number"))
    uniform = next(b for b in view.select(pn.widgets.Button) if b.label == "Make it uniform")
    certain = next(b for b in view.select(pn.widgets.Button) if b.label == "Make it certain")
    for classes in range(2, entropy.MAX_CLASSES + 1):
        k.value = classes
        uniform.clicks += 1
        readout = _html_text(view, "distribution-entropy")
        assert f"{math.log2(classes):.4f}</span> bits" in readout, (classes, readout)
    certain.clicks += 1
    assert '<span class="h-value">0.0000</span>' in _html_text(view, "distribution-entropy")
