"""Lesson logic of the backprop lesson, natively.

Each test states a number the page shows the student and checks it against the lecture or
against an independent computation, so a wrong engine call or window bookkeeping fails here.
"""

from __future__ import annotations

import re

import numpy as np
import panel as pn
import pytest

from app.components.formula import Text
from app.lessons import backprop
from tests.app.grid_text import is_text


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


def test_chain_matches_finite_differences_and_the_engine_loss():
    c = backprop.chain()
    np.testing.assert_allclose(c.grad_w, backprop.chain_finite_differences(), atol=1e-6)
    assert c.error == pytest.approx(backprop.loss(c.y, backprop.CHAIN_TARGET))
    assert c.grad_b == pytest.approx(c.delta_z.sum())
    assert np.count_nonzero(c.delta_a) == 4  # one winning cell per pooling window


def test_finite_differences_agree_with_the_formulas():
    t = backprop.target_map()
    g = backprop.forward_backward(backprop.TINY_INPUT, backprop.START_KERNEL, 0.1, t)
    fd_w, fd_b, fd_x = backprop.finite_differences(
        backprop.TINY_INPUT, backprop.START_KERNEL, 0.1, t
    )
    np.testing.assert_allclose(g.grad_w, fd_w, atol=1e-5)
    assert g.grad_b == pytest.approx(fd_b, abs=1e-5)
    np.testing.assert_allclose(g.grad_x, fd_x, atol=1e-5)


def test_gradient_steps_lower_the_loss_and_a_huge_rate_is_caught():
    layer = backprop.TinyLayer()
    layer.step(0.02, 30)
    assert layer.history[-1] < 0.2 * layer.history[0]
    assert np.all(np.diff(layer.history) < 0)
    page = backprop._descent(backprop.TinyLayer())
    rate = page.select(pn.widgets.Select)[0]
    ten = next(b for b in page.select(pn.widgets.Button) if b.label == "Take 10 steps")
    rate.value = 0.05
    ten.clicks += 1
    texts = "\n".join(str(p.object) for p in page.select(is_text) + page.select(Text))
    # The page invites η = 0.05 to see overshoot: the growing loss stays on the chart (it was
    # reset to step 0 before, so there was nothing to see).
    assert "The loss exploded" in texts and "After 10 steps" in texts
    assert "0.05" in texts  # the step rule shows the chosen rate
    chart = next(iter(page.select(pn.pane.Bokeh))).object
    loss = chart.renderers[0].data_source.data["loss"]
    assert len(loss) == 11 and loss[-1] > 1000 * loss[0]
    for _ in range(100):  # on until the loss no longer fits in a float (~600 steps)
        ten.clicks += 1
        texts = "\n".join(str(p.object) for p in page.select(is_text))
        assert not re.search(r"\d{20}", texts), texts  # 1e154 was printed with 155 digits
        if "The layer was reset" in texts:
            break
    assert "The layer was reset" in texts and "After 0 steps" in texts
