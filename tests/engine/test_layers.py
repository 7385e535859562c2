"""engine.layers and engine.gradcheck: finite-difference checks over random shapes, dtypes,
parameter shapes, and the errors of misuse."""

import numpy as np
import pytest

from engine import conv, fastpath, gradcheck
from engine.layers import (
    AvgPool2D,
    Conv2D,
    Dense,
    Flatten,
    MaxPool2D,
    Pool2D,
    ReLU,
    SumPool2D,
)

TOLERANCE = 1e-6


def random_conv_case(seed: int):
    rng = np.random.default_rng(seed)
    c, f = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    k = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
    stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 3))
    h = int(rng.integers(max(k[0] - 2 * padding, 1), 9))
    w = int(rng.integers(max(k[1] - 2 * padding, 1), 9))
    layer = Conv2D(c, f, k, stride=stride, padding=padding, rng=seed)
    layer.params["b"][...] = rng.standard_normal(f)
    return layer, rng.standard_normal((int(rng.integers(1, 4)), c, h, w))


@pytest.mark.parametrize("seed", range(12))
def test_conv_gradients_over_random_shapes_strides_and_paddings(seed):
    layer, x = random_conv_case(seed)
    result = gradcheck.check_layer(layer, x)
    assert set(result.errors) == {"x", "W", "b"}
    assert result.max_relative_error < TOLERANCE, (layer, x.shape, result.errors)


@pytest.mark.parametrize("mode", ["max", "avg", "sum"])
@pytest.mark.parametrize(
    ("size", "stride", "hw"), [(2, None, (4, 6)), (3, 2, (7, 5)), (2, 1, (3, 4)), (3, 3, (8, 8))]
)
def test_pool_gradients(mode, size, stride, hw):
    # A permutation makes every value distinct, so no max is tied within eps.
    rng = np.random.default_rng(size * 10 + hw[0])
    x = rng.permutation(2 * 3 * hw[0] * hw[1]).reshape(2, 3, *hw) / 7.0
    result = gradcheck.check_layer(Pool2D(size, stride, mode), x)
    assert result.max_relative_error < TOLERANCE


@pytest.mark.parametrize("in_pyodide", [False, True])
def test_max_pool_tie_sends_the_gradient_once(monkeypatch, in_pyodide):
    monkeypatch.setattr(fastpath, "IN_PYODIDE", in_pyodide)
    layer = MaxPool2D(2)
    layer.forward(np.ones((1, 1, 2, 2)))
    assert layer.backward(np.ones((1, 1, 1, 1))).sum() == 1.0


@pytest.mark.parametrize("images_innermost", [False, True])
@pytest.mark.parametrize(("size", "stride"), [(2, 2), (3, 3), (3, 2)])
def test_max_pool_platform_paths_agree_on_ties(monkeypatch, size, stride, images_innermost):
    """Many equal values, as after a ReLU: both paths give the same maxima and send each
    window's gradient to the same (first, in row-major order) largest input, whether the
    windows' values lie in short rows or in long runs of images (Pyodide's im2col output)."""
    rng = np.random.default_rng(size + stride)
    x = np.maximum(np.round(rng.standard_normal((20, 4, 13, 11)), 1), 0).astype(np.float32)
    if images_innermost:
        x = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    results = []
    for in_pyodide in (False, True):
        monkeypatch.setattr(fastpath, "IN_PYODIDE", in_pyodide)
        layer = MaxPool2D(size, stride)
        y = layer.forward(x)
        g = rng.standard_normal(y.shape).astype(np.float32) if not results else results[0][2]
        results.append((y, layer.backward(g), g))
    (y_native, dx_native, g), (y_pyodide, dx_pyodide, _) = results
    assert np.array_equal(y_native, y_pyodide)
    assert np.array_equal(dx_native, dx_pyodide)
    assert np.isclose(dx_native.sum(), g.sum(), atol=1e-4)  # each window's gradient sent once


@pytest.mark.parametrize("in_pyodide", [False, True])
def test_overlapping_max_pool_adds_gradients_of_shared_maximum(monkeypatch, in_pyodide):
    monkeypatch.setattr(fastpath, "IN_PYODIDE", in_pyodide)
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0
    layer = MaxPool2D(2, stride=1)
    assert layer.forward(x).tolist() == [[[[5, 5], [5, 5]]]]
    assert layer.backward(np.ones((1, 1, 2, 2)))[0, 0, 1, 1] == 4.0


def test_pool_subclasses_pick_their_mode():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    assert MaxPool2D(2).forward(x)[0, 0, 0, 0] == 5
    assert AvgPool2D(2).forward(x)[0, 0, 0, 0] == 2.5
    assert SumPool2D(2).forward(x)[0, 0, 0, 0] == 10


@pytest.mark.parametrize("seed", range(3))
def test_dense_relu_flatten_gradients(seed):
    rng = np.random.default_rng(seed)
    dense = Dense(5, 3, rng=seed)
    dense.params["b"][...] = rng.standard_normal(3)
    assert gradcheck.check_layer(dense, rng.standard_normal((4, 5))).max_relative_error < TOLERANCE
    x = rng.standard_normal((2, 3, 4, 4))
    x[np.abs(x) < 1e-3] = 0.5  # keep ReLU's inputs away from its kink
    assert gradcheck.check_layer(ReLU(), x).max_relative_error < TOLERANCE
    assert gradcheck.check_layer(Flatten(), x).max_relative_error < TOLERANCE


def test_gradcheck_catches_a_wrong_backward():
    class WrongDense(Dense):
        def backward(self, grad_y):
            dx = super().backward(grad_y)
            self.grads["W"] = self.grads["W"] * 1.01  # a 1% mistake
            return dx

    result = gradcheck.check_layer(WrongDense(4, 2, rng=0), np.ones((3, 4)))
    assert result.errors["W"] > 1e-3
    assert result.errors["x"] < TOLERANCE


def test_numerical_gradient_of_a_known_function():
    x = np.array([1.0, -2.0, 3.0])
    assert np.allclose(gradcheck.numerical_gradient(lambda v: (v**3).sum(), x), 3 * x**2, atol=1e-5)
    assert x.tolist() == [1.0, -2.0, 3.0]  # restored after nudging
    with pytest.raises(ValueError, match="floating-point"):
        gradcheck.numerical_gradient(lambda v: 0.0, np.array([1, 2]))


def test_float32_layers_compute_in_float32():
    x = np.random.default_rng(0).standard_normal((2, 1, 6, 6))
    conv_layer = Conv2D(1, 2, 3, rng=0, dtype=np.float32)
    y = conv_layer.forward(x)
    assert y.dtype == np.float32
    dx = conv_layer.backward(np.ones_like(y))
    assert dx.dtype == conv_layer.grads["W"].dtype == conv_layer.grads["b"].dtype == np.float32
    dense = Dense(4, 2, rng=0, dtype=np.float32)
    assert dense.forward(np.ones((3, 4))).dtype == np.float32
    assert MaxPool2D(2).forward(y).dtype == np.float32


def test_conv_parameter_shapes_and_he_initialisation():
    layer = Conv2D(16, 32, 5, rng=0)
    assert layer.params["W"].shape == (32, 16, 5, 5) and layer.params["b"].shape == (32,)
    assert layer.params["W"].std() == pytest.approx(np.sqrt(2 / (16 * 25)), rel=0.05)
    assert np.array_equal(Conv2D(1, 2, 3, rng=5).params["W"], Conv2D(1, 2, 3, rng=5).params["W"])
    assert Dense(3, 4).params["W"].shape == (3, 4)


def test_layer_descriptions_and_output_shapes():
    assert Conv2D(1, 8, 5, padding=2).describe() == "conv 5×5×8, pad 2"
    assert Conv2D(1, 8, 3, stride=2).output_shape((1, 28, 28)) == (8, 13, 13)
    assert Pool2D(3, mode="avg").describe() == "avg pool 3×3"
    assert MaxPool2D(2).output_shape((8, 13, 13)) == (8, 6, 6)
    assert Flatten().output_shape((8, 6, 6)) == (288,)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Conv2D(0, 1, 3), "in_channels"),
        (lambda: Conv2D(1, 1, 3, stride=0), "stride"),
        (lambda: Conv2D(1, 1, 3, padding=-1), "padding"),
        (lambda: Conv2D(1, 1, (3, 3, 3)), "pair"),
        (lambda: Conv2D(1, 1, (3, 0)), "kernel size"),
        (lambda: Conv2D(1, 1, 3, algorithm="magic"), "unknown convolution algorithm"),
        (lambda: Conv2D(1, 1, 3, dtype=np.int32), "floating"),
        (lambda: Dense(3, 0), "out_features"),
        (lambda: Pool2D(2, mode="median"), "mode"),
        (lambda: MaxPool2D(0), "size"),
    ],
)
def test_bad_layer_settings(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_layer_inputs():
    with pytest.raises(ValueError, match="channels"):
        Conv2D(3, 1, 3).forward(np.ones((1, 1, 5, 5)))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        Conv2D(1, 1, 3).forward(np.ones((5, 5)))
    with pytest.raises(ValueError, match=r"3×3 .*smaller than the 5×5 kernel"):
        Conv2D(1, 1, 5).forward(np.ones((1, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        Dense(4, 2).forward(np.ones((2, 5)))
    with pytest.raises(ValueError, match="smaller than"):
        MaxPool2D(3).forward(np.ones((1, 1, 2, 2)))


@pytest.mark.parametrize("layer", [Conv2D(1, 1, 3), Dense(2, 2), ReLU(), MaxPool2D(2), Flatten()])
def test_backward_before_forward_says_so(layer):
    with pytest.raises(ValueError, match="forward before backward"):
        layer.backward(np.ones((1, 1, 1, 1)))


def test_conv_dispatch_rejects_unknown_algorithm_and_chooses_im2col_natively():
    with pytest.raises(ValueError, match="im2col"):
        conv.get_algorithm("nope")
    assert conv.choose_algorithm((64, 8, 14, 14), (16, 8, 5, 5), 1, 2, platform="linux") == "im2col"


@pytest.mark.parametrize("in_pyodide", [False, True])
def test_gradients_on_both_platform_paths(monkeypatch, in_pyodide):
    """Inside Pyodide conv dW, ReLU and max-pool take other formulas; check those natively too."""
    monkeypatch.setattr(fastpath, "IN_PYODIDE", in_pyodide)
    layer, x = random_conv_case(99)
    assert gradcheck.check_layer(layer, x).max_relative_error < TOLERANCE
    x = (
        np.random.default_rng(5).permutation(2 * 2 * 6 * 6).reshape(2, 2, 6, 6) / 5.0 - 7.1
    )  # no 0: ReLU kink
    for other in (ReLU(), MaxPool2D(2), MaxPool2D(3, stride=2)):
        assert gradcheck.check_layer(other, x).max_relative_error < TOLERANCE


def test_first_layer_can_skip_the_input_gradient():
    layer, x = random_conv_case(7)
    y = layer.forward(x)
    g = np.random.default_rng(0).standard_normal(y.shape)
    layer.backward(g)
    full = {k: v.copy() for k, v in layer.grads.items()}
    assert layer.backward(g, input_grad=False) is None
    assert all(np.array_equal(full[k], layer.grads[k]) for k in full)
    dense = Dense(3, 2, rng=0)
    dense.forward(np.ones((4, 3)))
    assert dense.backward(np.ones((4, 2)), input_grad=False) is None
    assert dense.grads["W"].shape == (3, 2)
