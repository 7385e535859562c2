"""Lesson logic of the backprop lesson (Lessons II), natively.

Each test states a number the page shows the student and checks it against the lecture or
against an independent computation, so a wrong engine call or window bookkeeping fails here.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.lessons import backprop


def test_formula_gradients_match_the_engine_layer():
    t = backprop.target_map()
    g = backprop.forward_backward(
        backprop.TINY_INPUT, backprop.START_KERNEL, backprop.START_BIAS, t
    )
    grad_w, grad_b, grad_x = backprop.layer_gradients(
        backprop.TINY_INPUT, backprop.START_KERNEL, backprop.START_BIAS, g.delta
    )
    np.testing.assert_allclose(g.grad_w, grad_w)
    assert g.grad_b == pytest.approx(grad_b)
    np.testing.assert_allclose(g.grad_x, grad_x)
    assert g.grad_x.shape == (4, 4)


def test_weight_gradient_cell_is_input_block_times_delta():
    t = backprop.target_map()
    g = backprop.forward_backward(backprop.TINY_INPUT, backprop.START_KERNEL, 0.1, t)
    block, total = backprop.weight_window(backprop.TINY_INPUT, g.delta, 1, 0)
    np.testing.assert_array_equal(block, backprop.TINY_INPUT[1:4, 0:3])
    assert total == pytest.approx(g.grad_w[1, 0])
