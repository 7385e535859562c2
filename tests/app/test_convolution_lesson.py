"""Lesson logic of the convolution lesson, natively.

Each test states a number the page shows the student and checks it against the lecture or
against an independent computation, so a wrong engine call or window bookkeeping fails here.
"""

from __future__ import annotations

import re

import numpy as np
import panel as pn
import pytest

from app import catalog, progress
from app.components.image import ImageUpload
from app.lessons import convolution
from app.lessons._conv_common import load_mnist_digits, load_photo
from engine.layers import Conv2D
from tests.app.grid_text import captions


def test_lecture_feature_map_fills_in_window_by_window():
    image, kernel = convolution.LECTURE_IMAGE, convolution.LECTURE_KERNEL
    steps = [convolution.window_step(image, kernel, s).total for s in range(9)]
    assert np.reshape(steps, (3, 3)).tolist() == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    partial = convolution.partial_feature_map(image, kernel, 4)
    assert partial[0].tolist() == [4, 3, 4] and partial[1, :2].tolist() == [2, 4]
    assert np.isnan(partial[1, 2]) and np.isnan(partial[2]).all()


def test_window_step_lists_the_products_the_student_adds():
    step = convolution.window_step(convolution.LECTURE_IMAGE, convolution.LECTURE_KERNEL, 5)
    assert (step.row, step.col) == (1, 2)
    assert step.window.tolist() == [[1, 1, 0], [1, 1, 1], [1, 1, 0]]
    assert step.products.sum() == step.total == 3
    expression = convolution.product_expression(step)
    assert r"&1\cdot1 + 1\cdot0 + 0\cdot1 \\ &+ 1\cdot0" in expression
    assert expression.endswith(r"&= 3 \end{aligned}")


def test_kernel_table_matches_the_lecture():
    kernels = convolution.KERNELS
    assert len(kernels) == 7
    assert kernels["Box blur"].sum() == pytest.approx(1)
    assert kernels["Gaussian blur (approximation)"].sum() == pytest.approx(1)
    assert kernels["Sharpen"].sum() == 1
    assert all(kernels[name].sum() == 0 for name in kernels if name.startswith("Edge"))
    assert set(convolution.KERNEL_LATEX) == set(kernels)


def test_filters_on_real_images_keep_the_size_and_do_what_they_say():
    digit = load_mnist_digits()[3]
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    same = convolution.filtered(digit, convolution.KERNELS["Identity"])
    np.testing.assert_array_equal(same, digit)
    blurred = convolution.filtered(digit, convolution.KERNELS["Box blur"])
    assert blurred.shape == digit.shape and blurred.std() < digit.std()
    photo = load_photo()
    assert photo.shape == (128, 128)
    flat = np.full((10, 10), 77.0)
    edges = convolution.filtered(flat, convolution.KERNELS["Edge detection (diagonal)"])
    assert np.all(edges[1:-1, 1:-1] == 0)  # no edge inside a flat region


def test_weight_count_step_sends_the_student_to_the_lesson_that_counts_them():
    step = convolution._weight_count()
    text = " ".join(str(getattr(pane, "object", "")) for pane in step.objects)
    assert "[Why convolutions?](#why-convolutions)" in text
    assert catalog.lesson("why-convolutions").title == "Why convolutions?"


def test_conv_parameters_exercise_counts_what_the_engine_builds():
    rng = np.random.default_rng(3)
    for _ in range(20):
        problem = convolution.conv_parameters_problem(rng)
        channels, filters, k = (
            int(v)
            for v in re.search(
                r"image with (\d+) channel.*has (\d+) filters of size (\d+)", problem.prompt
            ).groups()
        )
        layer = Conv2D(channels, filters, k)
        assert problem.check(str(layer.num_params())).kind == "correct"


def test_multi_channel_output_is_channel_sum_plus_bias():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, size=(3, 5, 5)).astype(float)
    w = rng.integers(-1, 2, size=(3, 3, 3)).astype(float)
    per_channel, out = convolution.multi_channel(x, w, 0.5)
    assert per_channel.shape == (3, 3, 3)
    manual = sum(np.sum(x[c, 1:4, 2:5] * w[c]) for c in range(3)) + 0.5
    assert out[1, 2] == pytest.approx(manual)
    np.testing.assert_allclose(out, per_channel.sum(axis=0) + 0.5)


# --- the page, driven natively -----------------------------------------------------------------
@pytest.fixture
def fresh_progress():
    progress.use_storage(progress.MemoryStorage())


def test_page_steps_the_window_and_keeps_grids_on_bad_input(fresh_progress):
    page = convolution._sliding_window()
    nxt = next(b for b in page.select(pn.widgets.Button) if b.label == "Next ▶")
    jump = next(s for s in page.select(pn.widgets.Select) if s.label == "Jump to output cell")
    assert "Feature map: 4, –, –;" in captions(page)
    nxt.clicks += 1
    assert "Feature map: 4, 3, –;" in captions(page)
    jump.value = 8
    assert "Feature map: 4, 3, 4; 2, 4, 3; 2, 3, 4" in captions(page)
    image_box = page.select(pn.widgets.TextAreaInput)[0]
    image_box.value = "1 1\n0 1"
    assert "needs 5 rows" in captions(page)
    assert "Feature map: 4, 3, 4; 2, 4, 3; 2, 3, 4" in captions(page)


def test_upload_of_a_non_image_gets_a_message_and_keeps_the_picture(fresh_progress):
    page = convolution._kernel_gallery()
    assert "After “Sharpen”: a 28 by 28 grayscale picture" in captions(page)
    upload = page.select(ImageUpload)[0]
    upload.decoded = {"name": "tiny.png", "width": 4, "height": 3, "pixels": list(range(12))}
    assert "Showing “tiny.png” in gray, 4×3 pixels" in captions(page)
    upload.decoded = {"name": "notes.txt", "error": "not an image"}
    assert "“notes.txt” could not be read as an image" in captions(page)
    assert "a 3 by 4 grayscale picture" in captions(page)


def test_feature_cell_exercise_matches_a_hand_computation():
    problem = convolution.feature_cell_problem(np.random.default_rng(3))
    rows = re.findall(r"\\begin\{bmatrix\} (.*?) \\end\{bmatrix\}", problem.prompt)
    image, kernel = (
        np.array([[float(v) for v in r.split(" & ")] for r in m.split(r" \\ ")]) for m in rows
    )
    r, c = (int(v) - 1 for v in re.findall(r"row (\d), column (\d)", problem.prompt)[0])
    expected = sum(image[r + i, c + j] * kernel[i, j] for i in range(3) for j in range(3))
    assert problem.check(str(expected)).correct


def test_kernel_table_lists_every_kernel_with_its_matrix():
    table = convolution.kernel_table()
    assert len(table.splitlines()) == 2 + len(convolution.KERNELS)
    for name, latex in convolution.KERNEL_LATEX.items():
        assert f"| {name} | ${latex}$ |" in table
