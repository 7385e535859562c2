"""Which algorithm a layer runs: ``choose_algorithm`` for ``Conv2D(algorithm="auto")``, and
``forward``/``backward``, which run the chosen one and remember it in the cache."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from engine import blas
from engine.conv.base import SKIPS_DX, get_algorithm

#: What ``choose_algorithm`` picks from; "reference" is for reading and for tests.
FAST_ALGORITHMS = ("im2col", "fft")


def choose_algorithm(
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: int,
    padding: int,
    platform: str | None = None,
    gemm: bool | None = None,
) -> str:
    """Name of the faster algorithm for this layer shape on this platform.

    ``platform`` defaults to ``sys.platform`` ("emscripten" inside Pyodide); ``gemm`` (whether
    im2col's products run on a BLAS gemm registered with ``engine.blas``) defaults to whether
    one is registered for float32.
    - Natively numpy's matmul runs on BLAS: always "im2col".
    - In Pyodide numpy has no BLAS, and "fft" wins for a stride-1 layer whose filters mix
      several channels with at least 25 weights (C ≥ 2, KH·KW ≥ 9, C·KH·KW ≥ 25); with a
      registered gemm im2col keeps up to 72 weights per filter (C·KH·KW ≥ 72 for "fft").
    - Single-channel layers stay on "im2col": they are a network's first layer, whose input
      gradient training skips, and without that scatter im2col is the faster one.
    ``padding`` does not change the choice. The thresholds come from
    ``benchmarks/pyodide_kernels.py --sweep`` (and ``--sweep --scipy``).
    """
    platform = sys.platform if platform is None else platform
    gemm = blas.has_gemm(np.float32) if gemm is None else gemm
    _, channels, kh, kw = w_shape
    fft_weights = 72 if gemm else 25
    mixes_channels = channels >= 2 and kh * kw >= 9 and channels * kh * kw >= fft_weights
    if platform == "emscripten" and stride == 1 and mixes_channels:
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
        gemm = blas.has_gemm(x.dtype)
        algorithm = choose_algorithm(x.shape, w.shape, stride, padding, gemm=gemm)
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
