"""Convolution through the FFT, for Pyodide where numpy has no BLAS.

Without BLAS a matrix product costs what its multiply-adds cost, so im2col pays C·KH·KW
multiply-adds per output pixel. In the frequency domain a KH×KW correlation becomes one complex
multiply per frequency, and the channels are mixed by a small matrix product per frequency:
(N, C) @ (C, F) for each of the Fh·(Fw/2+1) frequencies. For multi-channel 5×5 layers that is
~25× fewer multiply-adds, and the transforms run in numpy's compiled pocketfft.

Zero-padding the (already padded) input to an FFT grid of at least its own size makes the
circular correlation equal the linear one on every output pixel we keep, in the forward pass and
in both gradients. The grid is rounded up to a size whose prime factors are 2, 3 and 5: pocketfft
is slow on prime lengths such as 13.

Only stride 1 has an FFT form here; a strided layer runs im2col instead (the dispatch in
``engine.conv`` never picks "fft" for it, and a direct call falls back the same way).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from engine.conv import im2col_backward, im2col_forward, output_shape, register


@lru_cache(maxsize=64)
def fft_size(n: int) -> int:
    """Smallest m ≥ n whose only prime factors are 2, 3 and 5 (fast lengths for pocketfft).

    Measured in Pyodide on (64, 8, n, n) transforms: lengths with a factor 7 (14, 28) cost
    1.4-3× the next {2, 3, 5} length, and a prime such as 13 is worse.
    """
    m = n
    while True:
        r = m
        for p in (2, 3, 5):
            while r % p == 0:
                r //= p
        if r == 1:
            return m
        m += 1


def _spectrum(a: np.ndarray, fh: int, fw: int) -> np.ndarray:
    """rfft2 of ``a`` (A, B, H, W) zero-padded to (fh, fw), viewed as (fh·(fw//2+1), A, B).

    The row transform runs on the unpadded rows only (zero rows add nothing to it); the column
    transform then pads to fh. The result is a strided view, not a copy: numpy's matmul reads
    it in place, which is cheaper than transposing a complex array.
    """
    spec = np.fft.rfft(a, n=fw, axis=-1)
    spec = np.fft.fft(spec, n=fh, axis=-2)
    lead_a, lead_b = a.shape[:2]
    return spec.reshape(lead_a, lead_b, -1).transpose(2, 0, 1)


def _mix(a: np.ndarray, b: np.ndarray, fh: int, fw: int) -> np.ndarray:
    """Per-frequency product (K, A, C) @ (K, C, B), written straight into an (A, B, fh, fr) grid.

    Writing through a transposed ``out`` leaves the grid contiguous for the inverse transforms
    without a separate transpose copy.
    """
    k, lead_a, _ = a.shape
    lead_b = b.shape[2]
    grid = np.empty((lead_a, lead_b, fh, fw // 2 + 1), dtype=np.result_type(a, b))
    np.matmul(a, b, out=grid.reshape(lead_a, lead_b, k).transpose(2, 0, 1))
    return grid


def _image(grid: np.ndarray, fw: int, rows: slice, cols: slice) -> np.ndarray:
    """Inverse 2-D transform of an (A, B, fh, fr) grid, keeping ``rows`` × ``cols``.

    The rows are cropped between the two inverse transforms, so the last one runs on the kept
    rows only.
    """
    grid = np.fft.ifft(grid, axis=-2)[:, :, rows]
    return np.fft.irfft(grid, n=fw, axis=-1)[:, :, :, cols]


def fft_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, padding: int
) -> tuple[np.ndarray, Any]:
    """Cross-correlate through the FFT: y = irfft2(Σ_c X_c · conj(W_fc)) + b, cropped."""
    if stride != 1:
        y, cache = im2col_forward(x, w, b, stride, padding)
        return y, ("im2col", cache)
    n, f, oh, ow = output_shape(x.shape, w.shape, stride, padding)
    _, c, h, wd = x.shape
    kh, kw = w.shape[2:]
    p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x
    fh, fw = fft_size(h + 2 * p), fft_size(wd + 2 * p)
    xs = _spectrum(xp, fh, fw)  # (K, N, C)
    ws = np.conj(_spectrum(w, fh, fw)).transpose(0, 2, 1)  # (K, C, F)
    y = _image(_mix(xs, ws, fh, fw), fw, slice(0, oh), slice(0, ow))
    y = np.ascontiguousarray(y, dtype=x.dtype)
    y += b.reshape(1, f, 1, 1)
    return y, ("fft", (x.shape, w.shape, padding, fh, fw, xs, ws))


def fft_backward(grad_y: np.ndarray, cache: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of ``fft_forward``.

    dx is the full convolution of grad_y with w (product with W, not its conjugate); dw is the
    correlation of x with grad_y, summed over the batch inside the per-frequency product so only
    F·C inverse transforms are needed.
    """
    kind, inner = cache
    if kind == "im2col":
        return im2col_backward(grad_y, inner)
    x_shape, w_shape, p, fh, fw, xs, ws = inner
    _, _, h, wd = x_shape
    kh, kw = w_shape[2:]
    dtype = np.result_type(grad_y.dtype, ws.real.dtype)
    gs = _spectrum(grad_y, fh, fw)  # (K, N, F)
    db = grad_y.sum(axis=(0, 2, 3)).astype(dtype, copy=False)
    w_spec = np.conj(ws).transpose(0, 2, 1)  # (K, F, C): W itself, dx is a convolution
    dx = _image(_mix(gs, w_spec, fh, fw), fw, slice(p, p + h), slice(p, p + wd))
    dw_grid = _mix(np.conj(gs).transpose(0, 2, 1), xs, fh, fw)  # (F, C, fh, fr)
    dw = _image(dw_grid, fw, slice(0, kh), slice(0, kw))
    return (
        np.ascontiguousarray(dx, dtype=dtype),
        np.ascontiguousarray(dw, dtype=dtype),
        db,
    )


register("fft", fft_forward, fft_backward)
