"""Lesson logic of the pooling lesson, natively.

Each test states a number the page shows the student and checks it against the lecture or
against an independent computation, so a wrong engine call or window bookkeeping fails here.
"""

from __future__ import annotations

import numpy as np
import panel as pn
import pytest

from app.lessons import pooling
from app.lessons._conv_common import load_mnist_digits
from tests.app.grid_text import captions


def test_lecture_pooling_values_and_the_rounded_slide():
    x = pooling.LECTURE_MAP
    assert pooling.pool(x, 2, 2, "max").tolist() == [[20, 30], [112, 37]]
    avg = pooling.pool(x, 2, 2, "avg")
    assert avg.tolist() == [[13, 8], [79, 19.5]]
    assert np.argwhere(avg != pooling.SLIDE_AVERAGE).tolist() == [[1, 1]]
    assert pooling.pool(x, 2, 2, "sum")[1, 1] == 78


@pytest.mark.parametrize("mode", ["max", "avg", "sum"])
def test_pool_backward_routes_gradient_as_each_mode_promises(mode):
    grad_out = np.array([[1.0, 2.0], [3.0, 4.0]])
    grad_in = pooling.pool_backward(pooling.LECTURE_MAP, 2, 2, mode, grad_out)
    if mode == "max":
        assert grad_in[0, 1] == 1 and grad_in[0, 2] == 2 and grad_in[3, 0] == 3
        assert grad_in[2, 2] == 4 and np.count_nonzero(grad_in) == 4
    elif mode == "avg":
        assert np.all(grad_in[:2, :2] == 0.25) and np.all(grad_in[2:, 2:] == 1.0)
    else:
        assert np.all(grad_in[2:, :2] == 3)
    assert grad_in.sum() == pytest.approx(grad_out.sum() * (1 if mode != "sum" else 4))


def test_pooling_a_real_feature_map_halves_it():
    digit = load_mnist_digits()[7]
    fmap = pooling.relu_feature_map(digit, np.array([[1, 0, -1]] * 3, dtype=float))
    assert fmap.shape == (28, 28) and fmap.min() >= 0
    assert pooling.pool(fmap, 2, 2, "max").shape == (14, 14)


def test_lecture_example_switches_mode_and_stride():
    page = pooling._lecture_example()
    assert "Pooled: 20, 30; 112, 37" in captions(page)
    page.select(pn.widgets.RadioButtonGroup)[0].value = "avg"
    assert "Pooled: 13, 8; 79, 19.5" in captions(page)
    stride = next(w for w in page.select(pn.widgets.Select) if w.label == "Stride")
    stride.value = 1
    assert "Pooled: 13, 16, 8;" in captions(page)  # 3×3: the windows overlap
    assert "windows overlap" in captions(page)


def test_backward_section_follows_the_mode_and_a_new_gradient():
    page = pooling._backward()
    assert "Gradient reaching the input: 0, 1, 2, 0;" in captions(page)
    page.select(pn.widgets.RadioButtonGroup)[0].value = "sum"
    assert "Gradient reaching the input: 1, 1, 2, 2;" in captions(page)
    new = next(b for b in page.select(pn.widgets.Button) if b.label == "New upstream gradient")
    new.clicks += 1
    text = captions(page)
    assert "Upstream (2×2):" in text and "Upstream (2×2): 1, 2; 3, 4" not in text


def test_a_cell_chosen_from_the_list_a_window_change_replaced_is_ignored():
    """The browser can send a cell from the option list a size change has just rebuilt (Panel's
    Pyodide sync holds browser changes up to 0.5 s): it must not raise, and the shown cell stays
    one of the new grid's."""
    page = pooling._lecture_example()
    select = {w.label: w for w in page.select(pn.widgets.Select)}
    select["Stride"].value = 1
    select["Window size"].value = 1  # a 4×4 grid: cells up to row 4, column 4
    cell = select["Output cell"]
    cell.value = (3, 3)
    select["Window size"].value = 4  # a 1×1 grid
    cell._process_events({"value": "(3, 3)"})  # the stale choice, as the browser sends it
    assert cell.value == (0, 0) and list(cell.options) == ["row 1, column 1"]
    assert "Pooled: 112" in captions(page)
    cell._process_events({"value": "(0, 0)"})  # a current choice still goes through
    assert cell.value == (0, 0)
