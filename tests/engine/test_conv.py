"""The convolution algorithms: the plain-loop reference kernel is the definition, checked against
finite differences; im2col and FFT must agree with it (outputs, gradients, errors), and the
registry is the same whichever engine module is imported first."""

from __future__ import annotations

import re
import subprocess
import sys
from itertools import product

import numpy as np
import pytest

from engine import blas, conv, fastpath, gradcheck
from engine.conv import fft_backward, fft_forward, fft_size, im2col
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

FAST = conv.FAST_ALGORITHMS


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


def _assert_close(got_all, ref_all, tol: float, dtype) -> None:
    for got, ref in zip(got_all, ref_all, strict=True):
        assert got.dtype == dtype and got.shape == ref.shape
        np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * np.abs(ref).max())


def _assert_agrees_with_reference(algorithms, x, k, b, stride: int, p: int, tol: float):
    """Forward output and all three gradients of each algorithm equal the reference kernel's."""
    y_ref, cache_ref = conv.reference_forward(x, k, b, stride, p)
    grad_y = np.random.default_rng(y_ref.size).standard_normal(y_ref.shape).astype(x.dtype)
    grads_ref = conv.reference_backward(grad_y, cache_ref)
    for algorithm in algorithms:
        forward, backward = conv.get_algorithm(algorithm)
        y, cache = forward(x, k, b, stride, p)
        _assert_close([y], [y_ref], tol, x.dtype)
        _assert_close(backward(grad_y, cache), grads_ref, tol, x.dtype)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fast_algorithms_agree_with_the_reference_forward_and_backward(shape, dtype) -> None:
    x, k, b, p, _ = _case(shape, dtype)
    tol = 1e-10 if dtype == np.float64 else 2e-4
    for stride in (1, 2):
        _assert_agrees_with_reference(FAST, x, k, b, stride, p, tol)


def column_major_gemm(alpha, a, b, trans_a=0, trans_b=0):
    """BLAS gemm's contract in numpy, as scipy.linalg.blas's gemms keep it: alpha·op(a)·op(b)
    returned Fortran-ordered."""
    return np.asfortranarray(alpha * ((a.T if trans_a else a) @ (b.T if trans_b else b)))


@pytest.mark.parametrize(
    ("in_pyodide", "gemm", "block_bytes"),
    [
        (False, None, im2col.BLOCK_BYTES),
        (False, None, 1),
        (True, None, None),
        (True, column_major_gemm, None),
    ],
    ids=["one product", "one image per block", "per image", "Pyodide with a registered gemm"],
)
def test_im2col_patch_layouts_agree_with_the_reference_and_finite_differences(
    monkeypatch, in_pyodide, gemm, block_bytes
) -> None:
    """im2col lays its patches out per platform (natively one product for the batch, or per
    block of images when a batch's patches outgrow BLOCK_BYTES; in Pyodide one per image
    unless a BLAS gemm is registered, then one product through it, images innermost): every
    layout, shape and
    stride, float32 kept, and dW, db, dx checked against finite differences."""
    monkeypatch.setattr(fastpath, "IN_PYODIDE", in_pyodide)
    if block_bytes is not None:
        monkeypatch.setattr(im2col, "BLOCK_BYTES", block_bytes)
    if gemm is not None:
        monkeypatch.setattr(blas, "_GEMMS", {})
        for dtype in (np.float32, np.float64):
            blas.register_gemm(dtype, gemm)
    for shape, stride in product(SHAPES, (1, 2)):
        x, k, b, p, _ = _case(shape, np.float32)
        _assert_agrees_with_reference(["im2col"], x, k, b, stride, p, 2e-4)
        y, cache = conv.im2col_forward(x, k, b, stride, p)
        layout = cache[-2]
        assert (layout == "per_image") == (in_pyodide and gemm is None)
        assert (layout == "pixel_major") == (in_pyodide and gemm is not None)
        # Natively, stride-1 layers with C·KW ≥ 16 (the trainer's second conv) run
        # channels-last.
        wide = shape[1] * shape[6] >= 16
        assert (layout == "channels_last") == (not in_pyodide and stride == 1 and wide)
        dx, dw, db = conv.im2col_backward(np.ones_like(y), cache)
        assert y.dtype == dx.dtype == dw.dtype == np.float32
        # A first layer skips dx; dW and db stay the same.
        skipped, dw_alone, db_alone = conv.im2col_backward(np.ones_like(y), cache, need_dx=False)
        assert skipped is None
        np.testing.assert_array_equal(dw_alone, dw)
        np.testing.assert_array_equal(db_alone, db)
    for seed in range(6):
        rng = np.random.default_rng(seed)
        c, f, kh, kw = (int(v) for v in rng.integers(1, 4, size=4))
        if seed % 2:
            c = 8  # C·KW ≥ 16 whenever KW ≥ 2: natively the channels-last patches
        stride, padding = int(rng.integers(1, 3)), int(rng.integers(0, 3))
        layer = Conv2D(c, f, (kh, kw), stride=stride, padding=padding, rng=seed, algorithm="im2col")
        layer.params["b"][...] = rng.standard_normal(f)
        x = rng.standard_normal((int(rng.integers(1, 4)), c, kh + 3, kw + 2))
        assert gradcheck.check_layer(layer, x).max_relative_error < 1e-6


@pytest.mark.parametrize("channels", [2, 8])
def test_fast_algorithms_match_the_reference_on_every_small_shape_padding_and_kernel(
    channels,
) -> None:
    """Padding larger than the kernel, kernels as large as the padded input, 1-pixel images:
    the corners where a too-small FFT grid would wrap the result around (and, with 8 channels,
    where im2col's channels-last rows and shifts could run past an image)."""
    rng = np.random.default_rng(1)
    for h, w, kh, kw, p in product((1, 2, 5, 8), (1, 4, 7), (1, 2, 3, 5), (1, 3, 4), range(6)):
        if h + 2 * p < kh or w + 2 * p < kw:
            continue
        x = rng.standard_normal((2, channels, h, w))
        k, b = rng.standard_normal((2, channels, kh, kw)), np.ones(2)
        _assert_agrees_with_reference(FAST, x, k, b, 1, p, 1e-10)


def test_reference_kernel_reproduces_a_hand_computed_convolution() -> None:
    """One 3×3 image, one 2×2 kernel, bias 1: each output is the window's weighted sum + 1."""
    x = np.arange(9.0).reshape(1, 1, 3, 3)  # [[0 1 2] [3 4 5] [6 7 8]]
    w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])  # top-left minus bottom-right
    y, _ = conv.reference_forward(x, w, np.ones(1), 1, 0)
    np.testing.assert_array_equal(y[0, 0], [[0 - 4 + 1, 1 - 5 + 1], [3 - 7 + 1, 4 - 8 + 1]])


@pytest.mark.parametrize(
    "module", ["engine.layers", "engine.functional", "engine.train", "engine.conv.fft"]
)
def test_every_algorithm_is_registered_whatever_was_imported_first(module) -> None:
    code = f"import {module}, sys; print(sorted(sys.modules['engine.conv'].ALGORITHMS))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["['fft',", "'im2col',", "'reference']"]


@pytest.mark.parametrize(
    ("algorithm", "seed"),
    [("reference", seed) for seed in range(6)] + [("fft", s) for s in range(12)],
)
def test_layer_gradients_match_finite_differences(algorithm, seed) -> None:
    """The reference kernel (the oracle itself) and the FFT over random shapes, paddings and
    strides (stride 2 is the FFT's im2col fallback), float64, with ``engine.gradcheck`` and the
    tolerance the layer tests use for im2col. The reference's loops are slow: smaller cases."""
    rng = np.random.default_rng(seed)
    largest = 3 if algorithm == "reference" else 5
    c, f = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    k = (int(rng.integers(1, largest + 1)), int(rng.integers(1, largest + 1)))
    stride, padding = int(rng.integers(1, 3)), int(rng.integers(0, 3))
    h = int(rng.integers(max(k[0] - 2 * padding, 1), 2 * largest))
    w = int(rng.integers(max(k[1] - 2 * padding, 1), 2 * largest))
    layer = Conv2D(c, f, k, stride=stride, padding=padding, rng=seed, algorithm=algorithm)
    layer.params["b"][...] = rng.standard_normal(f)
    x = rng.standard_normal((int(rng.integers(1, 4)), c, h, w))
    result = gradcheck.check_layer(layer, x)
    assert set(result.errors) == {"x", "W", "b"}
    assert result.max_relative_error < 1e-6, (k, stride, padding, x.shape, result.errors)


@pytest.mark.parametrize(
    ("w_shape", "padding"),
    [((2, 2, 3, 3), 0), ((2, 3, 7, 7), 0), ((2, 3, 3, 3), -1)],
    ids=["channel mismatch", "kernel larger than input", "negative padding"],
)
def test_bad_shapes_get_the_same_clear_errors_from_every_algorithm(w_shape, padding) -> None:
    x, w, b = np.zeros((1, 3, 5, 5)), np.zeros(w_shape), np.zeros(w_shape[0])
    with pytest.raises(ValueError) as expected:
        conv.reference_forward(x, w, b, 1, padding)
    for name in ("im2col", "fft"):
        with pytest.raises(ValueError, match=re.escape(str(expected.value))):
            conv.get_algorithm(name)[0](x, w, b, 1, padding)


@pytest.mark.parametrize("algorithm", ["reference", "im2col", "fft"])
def test_the_dispatch_runs_the_named_algorithm_and_remembers_it(algorithm) -> None:
    x, k, b, p, rng = _case(SHAPES[0], np.float64)
    y, cache = conv.forward(x, k, b, 1, p, algorithm=algorithm)
    np.testing.assert_allclose(y, conv.reference_forward(x, k, b, 1, p)[0], atol=1e-10)
    assert cache[0] == algorithm
    dx, _, _ = conv.backward(rng.standard_normal(y.shape), cache)
    assert dx.shape == x.shape


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
    choice = conv.choose_algorithm(x_shape, w_shape, stride, 2, platform="emscripten", gemm=False)
    assert choice == expected
    # Natively numpy's matmul runs on BLAS and im2col wins every layer.
    assert conv.choose_algorithm(x_shape, w_shape, stride, 2, platform="linux") == "im2col"


@pytest.mark.parametrize(
    ("w_shape", "expected"),
    [
        ((8, 1, 5, 5), "im2col"),  # first layers
        ((16, 4, 3, 3), "im2col"),  # 36 weights per filter: BLAS im2col won every map size
        ((16, 8, 3, 3), "fft"),  # 72: the FFT won on 14×14 and 28×28 maps
        ((16, 8, 5, 5), "fft"),  # convnetjs layer 2: the FFT stays ~3× faster
    ],
)
def test_pyodide_with_a_registered_gemm_keeps_small_multichannel_layers_on_im2col(
    monkeypatch, w_shape, expected
) -> None:
    x_shape = (64, w_shape[1], 14, 14)
    assert conv.choose_algorithm(x_shape, w_shape, 1, 1, "emscripten", gemm=True) == expected
    # Without an explicit answer, "is a gemm registered for float32" decides.
    monkeypatch.setattr(blas, "_GEMMS", {})
    blas.register_gemm(np.float32, column_major_gemm)
    assert conv.choose_algorithm(x_shape, w_shape, 1, 1, "emscripten") == expected


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
