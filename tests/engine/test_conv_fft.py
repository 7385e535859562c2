"""The FFT convolution must be a drop-in for im2col: same outputs, same gradients, same errors."""

from __future__ import annotations

import re
from itertools import product

import numpy as np
import pytest

from engine import conv, gradcheck
from engine.conv_fft import fft_backward, fft_forward, fft_size
from engine.layers import Conv2D

# (N, C, H, W, F, KH, KW, padding): odd/even sizes, non-square inputs and kernels, a kernel as
# large as the padded input, a 1×1 kernel, and the trainer's real layer shapes.
SHAPES = [
    (2, 3, 7, 9, 4, 3, 3, 1),
    (3, 2, 6, 5, 3, 2, 4, 0),
    (2, 1, 5, 5, 2, 5, 5, 0),
    (1, 2, 4, 4, 3, 1, 1, 0),
    (2, 3, 5, 6, 2, 5, 5, 2),
    (4, 1, 28, 28, 8, 5, 5, 2),
    (4, 8, 14, 14, 16, 5, 5, 2),
    (4, 8, 12, 12, 16, 5, 5, 0),
]


def _case(shape: tuple[int, ...], dtype: type, seed: int = 0):
    n, c, h, w, f, kh, kw, p = shape
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    k = rng.standard_normal((f, c, kh, kw)).astype(dtype)
    b = rng.standard_normal(f).astype(dtype)
    return x, k, b, p, rng


def test_fft_size_is_the_smallest_length_with_factors_2_3_5() -> None:
    def smooth(m: int) -> bool:
        for q in (2, 3, 5):
            while m % q == 0:
                m //= q
        return m == 1

    for n in range(1, 100):
        m = fft_size(n)
        assert m >= n and smooth(m)
        assert not any(smooth(k) for k in range(n, m))
    assert fft_size(13) == 15 and fft_size(28) == 30


def _assert_same_gradients(grad_y: np.ndarray, cache, cache_ref, tol: float) -> None:
    got_all = fft_backward(grad_y, cache)
    ref_all = conv.im2col_backward(grad_y, cache_ref)
    for got, ref in zip(got_all, ref_all, strict=True):
        assert got.dtype == grad_y.dtype and got.shape == ref.shape
        np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * np.abs(ref).max())


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fft_agrees_with_im2col_forward_and_backward(shape, dtype) -> None:
    x, k, b, p, rng = _case(shape, dtype)
    y_ref, cache_ref = conv.im2col_forward(x, k, b, 1, p)
    y, cache = fft_forward(x, k, b, 1, p)
    tol = 1e-10 if dtype == np.float64 else 2e-4
    assert y.dtype == dtype and y.shape == y_ref.shape
    np.testing.assert_allclose(y, y_ref, rtol=tol, atol=tol * np.abs(y_ref).max())

    grad_y = rng.standard_normal(y.shape).astype(dtype)
    _assert_same_gradients(grad_y, cache, cache_ref, tol)


def test_fft_matches_im2col_on_every_small_shape_padding_and_kernel() -> None:
    """Padding larger than the kernel, kernels as large as the padded input, 1-pixel images:
    the corners where a too-small FFT grid would wrap the result around."""
    rng = np.random.default_rng(1)
    for h, w, kh, kw, p in product((1, 2, 3, 5, 8), (1, 4, 7), (1, 2, 3, 5), (1, 3, 4), range(6)):
        if h + 2 * p < kh or w + 2 * p < kw:
            continue
        x, k, b = rng.standard_normal((2, 2, h, w)), rng.standard_normal((3, 2, kh, kw)), np.ones(3)
        y_ref, cache_ref = conv.im2col_forward(x, k, b, 1, p)
        y, cache = fft_forward(x, k, b, 1, p)
        np.testing.assert_allclose(y, y_ref, atol=1e-10, err_msg=str((h, w, kh, kw, p)))
        _assert_same_gradients(rng.standard_normal(y.shape), cache, cache_ref, 1e-10)


@pytest.mark.parametrize("seed", range(12))
def test_fft_layer_passes_the_same_finite_difference_check_as_im2col(seed) -> None:
    """Random shapes, paddings and strides (stride > 1 exercises the fallback), float64, with
    ``engine.gradcheck`` and the tolerance the layer tests use for im2col."""
    rng = np.random.default_rng(seed)
    c, f = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    k = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    stride = 1 if seed < 9 else 2
    padding = int(rng.integers(0, 3))
    h = int(rng.integers(max(k[0] - 2 * padding, 1), 10))
    w = int(rng.integers(max(k[1] - 2 * padding, 1), 10))
    layer = Conv2D(c, f, k, stride=stride, padding=padding, rng=seed, algorithm="fft")
    layer.params["b"][...] = rng.standard_normal(f)
    x = rng.standard_normal((int(rng.integers(1, 4)), c, h, w))
    result = gradcheck.check_layer(layer, x)
    assert set(result.errors) == {"x", "W", "b"}
    assert result.max_relative_error < 1e-6, (k, stride, padding, x.shape, result.errors)


def test_strided_layers_fall_back_to_im2col() -> None:
    x, k, b, _, rng = _case((2, 3, 9, 8, 4, 3, 3, 1), np.float64)
    y, cache = fft_forward(x, k, b, 2, 1)
    y_ref, cache_ref = conv.im2col_forward(x, k, b, 2, 1)
    np.testing.assert_allclose(y, y_ref, atol=1e-12)
    _assert_same_gradients(rng.standard_normal(y.shape), cache, cache_ref, 1e-12)


@pytest.mark.parametrize(
    ("w_shape", "padding"),
    [((2, 2, 3, 3), 0), ((2, 3, 7, 7), 0), ((2, 3, 3, 3), -1)],
    ids=["channel mismatch", "kernel larger than input", "negative padding"],
)
def test_bad_shapes_get_the_same_clear_errors_as_im2col(w_shape, padding) -> None:
    x, w, b = np.zeros((1, 3, 5, 5)), np.zeros(w_shape), np.zeros(w_shape[0])
    with pytest.raises(ValueError) as expected:
        conv.im2col_forward(x, w, b, 1, padding)
    with pytest.raises(ValueError, match=re.escape(str(expected.value))):
        fft_forward(x, w, b, 1, padding)


def test_fft_is_registered_with_the_dispatch() -> None:
    x, k, b, p, _ = _case(SHAPES[0], np.float64)
    y, cache = conv.forward(x, k, b, 1, p, algorithm="fft")
    np.testing.assert_allclose(y, conv.im2col_forward(x, k, b, 1, p)[0], atol=1e-10)
    assert cache[0] == "fft"


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "stride", "expected"),
    [
        ((64, 1, 28, 28), (8, 1, 3, 3), 1, "im2col"),  # "tiny": single-channel 3×3
        ((64, 1, 28, 28), (8, 1, 5, 5), 1, "im2col"),  # first layers: no dx, im2col wins
        ((64, 8, 14, 14), (16, 8, 5, 5), 1, "fft"),  # convnetjs layer 2
        ((64, 4, 12, 12), (16, 4, 3, 3), 1, "fft"),
        ((64, 32, 12, 12), (16, 32, 1, 1), 1, "im2col"),  # 1×1: a plain matrix product
        ((64, 8, 14, 14), (16, 8, 5, 5), 2, "im2col"),  # no strided FFT
    ],
)
def test_pyodide_picks_the_kernel_measured_fastest_for_the_layer(
    x_shape, w_shape, stride, expected
) -> None:
    assert conv.choose_algorithm(x_shape, w_shape, stride, 2, platform="emscripten") == expected
    # Natively numpy's matmul runs on BLAS and im2col wins every layer.
    assert conv.choose_algorithm(x_shape, w_shape, stride, 2, platform="linux") == "im2col"


@pytest.mark.parametrize("stride", [1, 2])
def test_first_layer_skips_the_input_gradient_but_keeps_the_weight_gradients(stride) -> None:
    x, k, b, p, rng = _case(SHAPES[5], np.float32)
    y, cache = fft_forward(x, k, b, stride, p)
    grad_y = rng.standard_normal(y.shape).astype(np.float32)
    dx, dw, db = fft_backward(grad_y, cache, need_dx=False)
    _, dw_full, db_full = fft_backward(grad_y, cache)
    assert dx is None
    np.testing.assert_array_equal(dw, dw_full)
    np.testing.assert_array_equal(db, db_full)
    assert "fft" in conv.SKIPS_DX
