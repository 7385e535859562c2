"""The "Why convolutions" lesson natively: the lecture's numbers, the connections read off the
engine, the page's reaction to typed sizes, and every exercise over many random problems."""

from __future__ import annotations

import re

import numpy as np
import panel as pn
import pytest

from app.lessons import why_convolutions as W
from engine import functional as F
from tests.app.grid_text import captions


def test_lecture_arrays_have_the_lectures_shapes_and_sizes():
    assert W.RGB_EXAMPLE.shape == (6, 6, 3) and W.array_size(W.RGB_EXAMPLE.shape) == 108
    assert W.GRAY_EXAMPLE.shape == (4, 4, 1) and W.array_size(W.GRAY_EXAMPLE.shape) == 16
    first = W.channels_first(W.RGB_EXAMPLE)
    assert first.shape == (3, 6, 6) and first[0, 1, 1] == W.RED[0]


def test_weight_counts_reproduce_the_lecture_with_its_slips_corrected():
    assert W.dense_weights(28, 28, 1, 30) == 23_520  # the slide says 23,550
    assert W.dense_weights(28, 28, 1, 100) == 78_400  # the slide's "~78k"
    assert W.dense_weights(256, 256, 1, 1) == 65_536  # the slide says 56,000 pixels
    assert W.conv_weights(3, 1, 30) == 270
    assert W.conv_weights(3, 3, 8) == 3 * 3 * 3 * 8


def test_conv_as_matrix_is_the_engines_convolution_as_a_matrix():
    rng = np.random.default_rng(0)
    kernel = rng.normal(size=(3, 3))
    image = rng.normal(size=(6, 6))
    matrix = W.conv_as_matrix(kernel, (6, 6))
    assert matrix.shape == (16, 36)
    np.testing.assert_allclose(matrix @ image.ravel(), F.correlate2d(image, kernel).ravel())
    # Sparse: 9 connections per unit. Shared: every row holds the same nine numbers.
    assert all(np.count_nonzero(line) == 9 for line in matrix)
    assert all(np.allclose(np.sort(line[line != 0]), np.sort(kernel.ravel())) for line in matrix)


def test_unit_weights_place_the_kernel_on_the_receptive_field():
    weights = W.unit_weights(W.LECTURE_KERNEL, (6, 6), 1, 2)
    assert np.array_equal(weights[1:4, 2:5], W.LECTURE_KERNEL)
    assert weights.sum() == W.LECTURE_KERNEL.sum()


@pytest.mark.parametrize(("r", "c", "expected"), [(0, 0, 1), (2, 3, 9), (0, 2, 3), (5, 5, 1)])
def test_units_reading_a_pixel_count_the_windows_covering_it(r, c, expected):
    assert W.units_reading((6, 6), 3, r, c) == expected


def test_detection_boxes_enclose_each_digits_ink():
    canvas, found = W.detection_scene()
    assert [digit for digit, _ in found] == [3, 7, 1]
    for (_, top, left), (_, (t, lft, b, r)) in zip(W.SCENE, found, strict=True):
        assert top <= t <= b < top + 28 and left <= lft <= r < left + 28
        assert canvas[t : b + 1, lft : r + 1].max() > 60
    boxed = W.draw_boxes(canvas, [box for _, box in found])
    t, lft, b, r = found[0][1]
    assert boxed[t, lft] == 128 and boxed[b, r] == 128


def test_weight_count_section_follows_typed_sizes_and_explains_bad_input():
    section = W._weight_count()
    text = captions(section) + str([t.object for t in section.select(pn.pane.LaTeX)])
    assert "23,520 weights" in text
    boxes = {box.label: box for box in section.select(pn.widgets.TextInput)}
    boxes["Image height h"].value = "256"
    boxes["Image width w"].value = "256"
    latex = " ".join(str(t.object) for t in section.select(pn.pane.LaTeX))
    assert "65,536 pixels" in latex and "1,966,080 weights" in latex
    boxes["Hidden units"].value = "lots"
    assert "The number of hidden units" in captions(section)
    latex_after = " ".join(str(t.object) for t in section.select(pn.pane.LaTeX))
    assert "1,966,080 weights" in latex_after  # the last valid counts stay
    boxes["Hidden units"].value = "30"
    boxes["Kernel size k"].value = "300"
    assert "cannot exceed" in captions(section)


def test_clicking_an_output_unit_lights_up_its_receptive_field():
    section = W._connections()
    buttons = section.select(pn.widgets.Button)
    assert len(buttons) == 16
    assert [b.label for b in buttons[:4]] == ["4", "3", "4", "1"]
    buttons[6].clicks += 1  # row 2, column 3
    assert buttons[6].color == "primary" and buttons[0].color == "default"
    text = captions(section)
    weights = re.search(r"This unit.s weight on each pixel: ([-\d., ;]+\d)", text).group(1)
    rows = [[float(v) for v in line.split(",")] for line in weights.split(";")]
    assert np.array_equal(np.array(rows)[1:4, 2:5], W.LECTURE_KERNEL)
    latex = " ".join(str(t.object) for t in section.select(pn.pane.LaTeX))
    assert "(row 2, column 3)" in latex and "rows 2–4 and columns 3–5" in latex


def test_task_switch_shows_one_label_or_boxes():
    section = W._tasks()
    latex = lambda: " ".join(str(t.object) for t in section.select(pn.pane.LaTeX))  # noqa: E731
    assert "**7**" in latex()
    section.select(pn.widgets.RadioButtonGroup)[0].value = "Detection"
    assert latex().count("rows ") == 3


GENERATORS = [W.dense_count_problem, W.conv_count_problem, W.reach_problem]


@pytest.mark.parametrize("generate", GENERATORS, ids=lambda g: g.__name__)
def test_exercises_accept_the_worked_answer_and_reject_others(generate):
    for seed in range(200):
        problem = generate(np.random.default_rng(seed))
        answer = int(re.findall(r"\d+", problem.solution)[-1])
        assert problem.check(str(answer)).correct, (seed, problem.prompt)
        assert problem.check(str(answer + 1)).kind == "wrong"
        assert problem.check("abc").kind == "invalid"


def test_exercises_name_the_typical_mistakes():
    for seed in range(50):
        problem = W.dense_count_problem(np.random.default_rng(seed))
        side, _, channels, hidden = (int(v) for v in re.findall(r"\d+", problem.prompt)[:4])
        if channels == 3:
            assert "channel" in problem.check(str(side * side * hidden)).message
            break
    else:
        pytest.fail("no colour image in 50 draws")
    problem = W.conv_count_problem(np.random.default_rng(1))
    assert "biases" in problem.check(str(5 * 5 * 3 * 32 + 32)).message
