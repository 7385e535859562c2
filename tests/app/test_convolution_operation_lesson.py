"""The "Convolution as an operation" lesson natively: the four steps' curves, the continuous result
against closed forms, the discrete sum, the properties table on typed signals (and bad input),
the lens blur, and every exercise over many random problems."""

from __future__ import annotations

import re

import numpy as np
import panel as pn
import pytest

from app.lessons import convolution_operation as C
from tests.app.grid_text import captions
from tests.app.worked_answers import assert_worked_answer_accepted

BOX = C.SIGNALS["Box on [0, 1)"][0]
EXP = C.SIGNALS["Decaying exponential"][0]


def _latex(layout) -> str:
    return " ".join(str(pane.object) for pane in layout.select(pn.pane.LaTeX))


def test_the_four_steps_reflect_then_shift_g():
    one = C.step_curves(BOX, EXP, 1, 0.7)
    two = C.step_curves(BOX, EXP, 2, 0.7)
    three = C.step_curves(BOX, EXP, 3, 0.7)
    four = C.step_curves(BOX, EXP, 4, 0.7)
    np.testing.assert_array_equal(one["g"], EXP(C.TAU))
    np.testing.assert_array_equal(two["g"], EXP(-C.TAU))
    np.testing.assert_array_equal(three["g"], EXP(0.7 - C.TAU))
    assert not three["product"].any()  # the product appears only in step 4
    np.testing.assert_allclose(four["product"], BOX(C.TAU) * EXP(0.7 - C.TAU))


def test_box_with_box_is_a_triangle_and_box_with_exponential_its_closed_form():
    t, y = C.continuous_curve(BOX, BOX)
    assert t[0] == pytest.approx(-4) and t[-1] == pytest.approx(4)
    np.testing.assert_allclose(y, np.clip(1 - np.abs(t - 1), 0, None), atol=1e-9)
    t, y = C.continuous_curve(BOX, EXP)
    # ∫_0^min(t,1) e^{-2(t-τ)} dτ = (e^{-2 max(t-1,0)} - e^{-2t}) / 2 for t > 0
    exact = np.where(t > 0, (np.exp(-2 * np.clip(t - 1, 0, None)) - np.exp(-2 * t)) / 2, 0)
    np.testing.assert_allclose(y, exact, atol=0.01)
    # The animation's area at one shift is the curve's value there.
    i = int(np.argmin(np.abs(t - 0.5)))
    assert C.signals.slide(BOX, EXP, 0.5, C.TAU).value == pytest.approx(y[i])


def test_discrete_sum_is_written_out_with_the_engines_value():
    f, g = np.array(C.DEFAULT_F), np.array(C.DEFAULT_G)
    assert C.discrete_terms(f, g, 2) == [(0, 1.0, 0.5), (1, 2.0, 1.0), (2, 3.0, 0.0)]
    assert r"&= 1\cdot0.5 + 2\cdot1 + 3\cdot0 \\ &= 2.5" in C.discrete_sum_latex(f, g, 2)
    assert r"(-1)\cdot" in C.discrete_sum_latex(np.array([-1.0, 2.0]), np.array([3.0]), 0)


def test_properties_hold_on_typed_signals_and_bad_input_gets_a_message():
    section = C._properties()
    assert _latex(section).count("✓ holds") == 5
    f_box, g_box, h_box = section.select(pn.widgets.TextInput)
    g_box.value = "1"
    h_box.value = "3"
    assert _latex(section).count("✓ holds") == 5
    assert "f \\* g = [1, 2, 3] and f \\* (g \\* h) = [3, 6, 9]" in _latex(section)
    f_box.value = "1, two"
    assert "Signal f" in captions(section)
    assert _latex(section).count("✓ holds") == 5
    f_box.value = ""
    assert "Signal f" in captions(section)


def test_properties_detect_a_broken_operation():
    """The table's check can fail: cross-correlation is not commutative."""
    f, g = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])
    gap = np.max(np.abs(C.signals.convolve1d(f, g[::-1]) - C.signals.convolve1d(g, f[::-1])))
    assert gap > 0.1
    assert C.properties(f, g, np.array([1.0]))[0][2] == 0


def test_discrete_section_follows_typed_signals():
    section = C._discrete()
    f_box, g_box = section.select(pn.widgets.TextInput)
    g_box.value = "1"
    assert "f*g = [1, 2, 3]" in _latex(section)
    n_pick = next(w for w in section.select(pn.widgets.Select) if w.label == "Output index n")
    assert n_pick.options == [0, 1, 2]
    f_box.value = "1e400"
    assert "Signal f" in captions(section)


def test_lens_kernel_keeps_brightness_and_radius_zero_is_identity():
    for radius in range(7):
        assert C.lens_kernel(radius).sum() == pytest.approx(1)
    photo = C.load_photo().astype(float)
    np.testing.assert_allclose(C.defocus(photo, 0), photo)
    blurred = C.defocus(photo, 4)
    assert blurred.shape == photo.shape
    assert (
        np.abs(np.diff(blurred[20:100, 20:100])).mean()
        < np.abs(np.diff(photo[20:100, 20:100])).mean()
    )


def test_four_steps_section_reports_the_area_at_the_shift():
    section = C._four_steps()
    text = _latex(section)
    value = float(re.search(r"\*\*(-?\d+\.\d+)\*\*: that is", text).group(1))
    assert value == pytest.approx(C.signals.slide(BOX, EXP, 0.5, C.TAU).value, abs=1e-3)
    step = section.select(pn.widgets.RadioButtonGroup)[0]
    step.value = 2
    assert "Reflect g" in _latex(section)


@pytest.mark.parametrize(
    ("a", "b", "t", "expected"), [(1, 2, 1, 1), (2, 3, 4, 1), (1.5, 2, 0.5, 0.5), (1, 1, 2, 0)]
)
def test_box_overlap_agrees_with_the_engine(a, b, t, expected):
    assert C.box_overlap(a, b, t) == expected
    f = lambda x: ((x >= 0) & (x < a)).astype(float)  # noqa: E731
    g = lambda x: ((x >= 0) & (x < b)).astype(float)  # noqa: E731
    assert C.signals.slide(f, g, t, C.TAU).value == pytest.approx(expected, abs=1e-9)


GENERATORS = [C.discrete_value_problem, C.length_problem, C.box_problem]


@pytest.mark.parametrize("generate", GENERATORS, ids=lambda g: g.__name__)
def test_exercises_accept_the_worked_answer_and_reject_others(generate):
    assert_worked_answer_accepted(generate)


def test_exercise_names_the_forgotten_reflection():
    for seed in range(50):
        problem = C.discrete_value_problem(np.random.default_rng(seed))
        f, g = (
            np.array([float(v) for v in part.split(",")])
            for part in re.findall(r"\[([-\d, ]+)\]", problem.prompt)[:2]
        )
        n = int(re.search(r"\(f\*g\)\[(\d)\]", problem.prompt).group(1))
        cross = C.signals.convolve1d(f, g[::-1])[n]
        if cross != C.signals.convolve1d(f, g)[n]:
            assert "reflection" in problem.check(f"{cross:g}").message
            return
    pytest.fail("no problem where the reflection matters in 50 draws")
