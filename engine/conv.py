"""Batched 2-D convolution kernels and the dispatch that picks one per layer.

Every algorithm is a pair of functions with the same contract::

    forward(x, w, b, stride, padding) -> (y, cache)
        x (N, C, H, W), w (F, C, KH, KW), b (F,)  ->  y (N, F, OH, OW)
    backward(grad_y, cache) -> (dx, dw, db)
        grad_y (N, F, OH, OW) -> dx like x, dw like w, db like b

An algorithm registered with ``skips_dx=True`` also accepts ``need_dx=False`` and then returns
``None`` for dx: the first layer of a network needs no input gradient, and for im2col the
scatter back to the input is the most expensive part of its backward pass.

"Convolution" here is cross-correlation (no kernel flip), as in every CNN library, with
``padding`` zeros on each side and the same ``stride`` along both axes. Results keep the dtype
of ``x`` and ``w`` (the layers make them agree), so float32 stays float32.

``ALGORITHMS`` maps a name to its pair. ``im2col`` lives here; ``engine.conv_fft`` registers
``"fft"`` when it is imported (see ``register``). ``choose_algorithm`` is what
``Conv2D(algorithm="auto")`` asks.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from engine import fastpath
from engine.shapes import output_size

ForwardFn = Callable[[np.ndarray, np.ndarray, np.ndarray, int, int], tuple[np.ndarray, Any]]
BackwardFn = Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray, np.ndarray]]

ALGORITHMS: dict[str, tuple[ForwardFn, BackwardFn]] = {}
SKIPS_DX: set[str] = set()


def register(
    name: str, forward: ForwardFn, backward: BackwardFn, *, skips_dx: bool = False
) -> None:
    """Make an algorithm available to ``get_algorithm`` and ``Conv2D(algorithm=name)``;
    ``skips_dx`` says its backward takes ``need_dx=False``."""
    ALGORITHMS[name] = (forward, backward)
    if skips_dx:
        SKIPS_DX.add(name)


def output_shape(
    x_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: int, padding: int
) -> tuple[int, int, int, int]:
    """(N, F, OH, OW) of a convolution, or ValueError naming the sizes that do not fit."""
    n, c, h, w = x_shape
    f, wc, kh, kw = w_shape
    if c != wc:
        raise ValueError(f"input has {c} channels but the kernels expect {wc}")
    if h + 2 * padding < kh or w + 2 * padding < kw:
        raise ValueError(f"input is {h}×{w} (padding {padding}), smaller than the {kh}×{kw} kernel")
    return n, f, output_size(h, kh, stride, padding), output_size(w, kw, stride, padding)


def _pad(x: np.ndarray, padding: int) -> np.ndarray:
    if padding == 0:
        return x
    p = padding
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


def im2col_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, padding: int
) -> tuple[np.ndarray, Any]:
    """Convolution as one matrix product per image over the unrolled patches ("im2col").

    The patch matrix has shape (N, C·KH·KW, OH·OW): filling it takes one strided slice copy per
    kernel offset (KH·KW copies, each of a whole batch), never a loop over pixels or images.
    """
    n, f, oh, ow = output_shape(x.shape, w.shape, stride, padding)
    _, c, kh, kw = w.shape
    xp = _pad(x, padding)
    s = stride
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i : i + s * oh : s, j : j + s * ow : s]
    cols = cols.reshape(n, c * kh * kw, oh * ow)
    w2 = w.reshape(f, c * kh * kw)
    y = np.matmul(w2, cols)
    y += b.reshape(1, f, 1)
    return y.reshape(n, f, oh, ow), (x.shape, w, stride, padding, cols)


def im2col_backward(
    grad_y: np.ndarray, cache: Any, need_dx: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients of ``im2col_forward``: dW and dcols are matrix products, dx is scattered back
    with one strided add per kernel offset (skipped, dx None, when ``need_dx`` is False)."""
    x_shape, w, stride, padding, cols = cache
    n, c, h, wd = x_shape
    f, _, kh, kw = w.shape
    oh, ow = grad_y.shape[2:]
    g = np.ascontiguousarray(grad_y, dtype=w.dtype).reshape(n, f, oh * ow)
    db = g.sum(axis=(0, 2))
    if fastpath.IN_PYODIDE:
        # Pyodide: matmul with a long reduction over transposed patches falls off numpy's
        # fast path; einsum's own loops were 1.3-2× faster there (measured, batch 64).
        dw = np.einsum("nfp,nkp->fk", g, cols).reshape(w.shape)
    else:
        # N products (F, P) @ (P, K) summed: BLAS reads the transposed patches in place,
        # whereas tensordot/einsum first copy them into one (N·P, K) matrix (1.5-5× slower).
        dw = np.matmul(g, cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    if not need_dx:
        return None, dw, db
    dcols = np.matmul(w.reshape(f, c * kh * kw).T, g).reshape(n, c, kh, kw, oh, ow)
    s = stride
    dxp = np.zeros((n, c, h + 2 * padding, wd + 2 * padding), dtype=w.dtype)
    for i in range(kh):
        for j in range(kw):
            dxp[:, :, i : i + s * oh : s, j : j + s * ow : s] += dcols[:, :, i, j]
    dx = dxp[:, :, padding : padding + h, padding : padding + wd] if padding else dxp
    return dx, dw, db


register("im2col", im2col_forward, im2col_backward, skips_dx=True)


def _load_optional_algorithms() -> None:
    """Import ``engine.conv_fft`` if it exists; importing it registers ``"fft"``."""
    # find_spec first so that a real error inside conv_fft is not mistaken for "not there".
    if importlib.util.find_spec("engine.conv_fft") is not None:
        importlib.import_module("engine.conv_fft")


def get_algorithm(name: str) -> tuple[ForwardFn, BackwardFn]:
    """The (forward, backward) pair registered under ``name``; ValueError lists the choices."""
    if name not in ALGORITHMS:
        _load_optional_algorithms()
    if name not in ALGORITHMS:
        choices = ", ".join(sorted(["auto", *ALGORITHMS]))
        raise ValueError(f"unknown convolution algorithm {name!r}; choose one of: {choices}")
    return ALGORITHMS[name]


def choose_algorithm(
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: int,
    padding: int,
    platform: str | None = None,
) -> str:
    """Name of the fastest registered algorithm for this layer shape on this platform.

    ``platform`` defaults to ``sys.platform`` ("emscripten" inside Pyodide). Natively numpy's
    matmul runs on BLAS, so im2col wins. Pyodide's numpy has no BLAS, and there the FFT
    (stride 1 only) wins for multi-channel kernels with C·KH·KW ≥ 25 weights per filter:
    measured in Pyodide over C ∈ {4, 8, 16}, 3×3/5×5/7×7, 7–28 px, 8–32 filters, FFT was
    1.0–2× faster for 3×3 and 1.5–15× for 5×5 (``benchmarks/pyodide_kernels.py --sweep``).
    Single-channel layers stay on im2col: they are the network's first layer, whose input
    gradient training skips, and without that scatter im2col beats FFT there (28×28, 5×5,
    8 filters: 8 vs 12 ms per batch of 64).
    """
    platform = sys.platform if platform is None else platform
    _, channels, kh, kw = w_shape
    multi_channel = channels >= 2 and kh * kw >= 9 and channels * kh * kw >= 25
    if platform == "emscripten" and stride == 1 and multi_channel:
        _load_optional_algorithms()
        if "fft" in ALGORITHMS:
            return "fft"
    return "im2col"


def forward(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    stride: int = 1,
    padding: int = 0,
    algorithm: str = "auto",
) -> tuple[np.ndarray, tuple[str, Any]]:
    """Run the named (or chosen) algorithm; the cache remembers which one for ``backward``."""
    if algorithm == "auto":
        algorithm = choose_algorithm(x.shape, w.shape, stride, padding)
    fwd, _ = get_algorithm(algorithm)
    y, cache = fwd(x, w, b, stride, padding)
    return y, (algorithm, cache)


def backward(
    grad_y: np.ndarray, cache: tuple[str, Any], need_dx: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients (dx, dw, db) from the algorithm that ran the forward pass. With
    ``need_dx=False`` dx may be None (if the algorithm can skip it) and must not be used."""
    algorithm, inner = cache
    _, bwd = get_algorithm(algorithm)
    if not need_dx and algorithm in SKIPS_DX:
        return bwd(grad_y, inner, need_dx=False)
    return bwd(grad_y, inner)
