import math

import numpy as np
import panel as pn
import pytest

from app import progress
from app.components.answers import AnswerError
from app.lessons import softmax as sm
from app.shell import build_view
from tests.app.grid_text import is_text


@pytest.fixture(autouse=True)
def fresh_progress():
    progress.use_storage(progress.MemoryStorage())


def test_exp_table_reproduces_the_lecture():
    table = sm.exp_table_html([3.2, 1.3, 0.2, 0.8])
    for number in ("24.5325", "3.6693", "1.2214", "2.2255", "0.775", "0.116", "0.039", "0.070"):
        assert number in table


def test_huge_logits_are_shown_shifted_instead_of_overflowing():
    table = sm.exp_table_html([1000, 1001])
    assert "exp(z − max z)" in table and "0.269" in table and "0.731" in table


def test_plain_normalization_problems_are_named():
    values, problem = sm.plain_normalization([2, -1, 0.5])
    assert values is not None and values.min() < 0 and "below 0 or above 1" in problem
    values, problem = sm.plain_normalization([1, -1])
    assert values is None and "divided by 0" in problem
    assert sm.plain_normalization([2, 4])[1] == ""


def test_read_logits_limits_the_number_of_classes():
    assert sm.read_logits("3.2, 1.3") == [3.2, 1.3]
    with pytest.raises(AnswerError, match="between 2 and 8"):
        sm.read_logits("1")


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split("[")[1].split("]")[0].split(",")]


def test_softmax_exercise_rejects_plain_normalization():
    for seed in range(4):
        problem = sm.softmax_problem(np.random.default_rng(seed))
        z = _floats(problem.prompt)
        k = int(problem.prompt.split("class ")[1].split()[0]) - 1
        expected = math.exp(z[k]) / sum(math.exp(v) for v in z)
        assert problem.check(f"{expected:.3f}").correct
        assert problem.check(f"{100 * expected:.1f}%").correct
        if sum(z) != 0 and abs(z[k] / sum(z) - expected) > 0.002:
            assert "plain normalization" in problem.check(f"{z[k] / sum(z):.3f}").message


def test_plain_and_temperature_exercises():
    problem = sm.plain_problem(np.random.default_rng(3))
    z = _floats(problem.prompt)
    k = int(problem.prompt.split("give score ")[1].split()[0]) - 1
    assert problem.check(f"{z[k] / sum(z):.4f}").correct
    problem = sm.temperature_problem(np.random.default_rng(3))
    t = float(problem.prompt.split("T = ")[1].split("$")[0])
    z = _floats(problem.prompt)
    expected = 1 / (1 + math.exp((z[1] - z[0]) / t))
    assert problem.check(f"{expected:.3f}").correct
    assert "T = 1" in problem.check(f"{1 / (1 + math.exp(z[1] - z[0])):.3f}").message


def _html(view) -> str:
    return " ".join(p.object for p in view.select(is_text))


def test_view_presets_show_what_breaks_plain_normalization():
    view = build_view("softmax", sm)
    preset = next(w for w in view.select(pn.widgets.Select) if w.label == "Try an example")
    preset.value = "Scores summing to 0"
    assert "divided by 0" in _html(view)
    preset.value = "A negative score"
    assert "below 0 or above 1" in _html(view)
    logits = next(w for w in view.select(pn.widgets.TextInput) if w.label.startswith("Logits"))
    logits.value = "1, abc"
    assert "Entry 2" in _html(view)


def test_view_scale_and_temperature_sliders():
    view = build_view("softmax", sm)
    scale = next(w for w in view.select(pn.widgets.FloatSlider) if w.label.startswith("Multiply"))
    scale.value = 2
    text = _html(view)
    assert "[0.018, 0.982]" in text and "[0.333, 0.667]" in text
    temperature = next(w for w in view.select(pn.widgets.FloatSlider) if w.label == "Temperature T")
    temperature.value = 0.1
    assert "largest probability 1.000" in _html(view)


def test_absurdly_large_logits_are_refused_but_the_lecture_preset_works():
    assert sm.read_logits("1000, 1001") == [1000, 1001]
    with pytest.raises(AnswerError, match="between"):
        sm.read_logits("1e300, 1")
