"""Convolution through the FFT, for Pyodide where numpy has no BLAS.

Without BLAS a matrix product costs what its multiply-adds cost, so im2col pays C·KH·KW
multiply-adds per output pixel. In the frequency domain a KH×KW correlation becomes one complex
multiply per frequency, and the channels are mixed by a small matrix product per frequency:
(N, C) @ (C, F) for each of the Fh·(Fw/2+1) frequencies. For multi-channel 5×5 layers that is
~25× fewer multiply-adds, and the transforms run in numpy's compiled pocketfft.

Zero-padding the input to an FFT grid larger than the image by at least ``padding`` makes the
circular correlation equal the linear one on every output pixel we keep, in the forward pass and
in both gradients (the convolution's own zero padding comes from shifting the kernel, see
``_kernel_spectrum``). The grid is rounded up to a size whose prime factors are 2, 3 and 5:
pocketfft is slow on prime lengths such as 13.

Only stride 1 has an FFT form here; a strided layer runs im2col instead (the dispatch in
``engine.conv.choose_algorithm`` never picks "fft" for it, and a direct call falls back the
same way).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from engine.conv.base import output_shape
from engine.conv.im2col import im2col_backward, im2col_forward


@lru_cache(maxsize=64)
def fft_size(n: int) -> int:
    """Smallest m ≥ n whose only prime factors are 2, 3 and 5: pocketfft is slower on lengths
    with a factor 7 (14, 28) than on the next such length, and slower still on primes (13)."""
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
    """rfft2 of ``a`` (A, B, H, W) zero-padded to (fh, fw), as (K, A, B) with K = fr·fh,
    fr = fw//2+1: frequency u along the width and v along the height at index u·fh + v.

    Both 1-D transforms run along the last, contiguous axis: the row transform on the unpadded
    rows (of a copy, when ``a`` lies otherwise, such as the images-innermost output of im2col in
    Pyodide), then, after one transposing copy, the column transform, padded to fh. In Pyodide
    numpy's transforms along a strided axis took ~1.4-1.6× as long as a copy and a contiguous
    transform. The result is a strided view of (A, B, K) memory; numpy's matmul reads it in
    place.
    """
    spec = np.fft.rfft(np.ascontiguousarray(a), n=fw, axis=-1)
    spec = np.fft.fft(np.ascontiguousarray(spec.swapaxes(-1, -2)), n=fh, axis=-1)
    lead_a, lead_b = a.shape[:2]
    return spec.reshape(lead_a, lead_b, -1).transpose(2, 0, 1)


def _mix(a: np.ndarray, b: np.ndarray, fh: int, fw: int) -> np.ndarray:
    """Per-frequency product (K, A, C) @ (K, C, B), written straight into an (A, B, fr, fh) grid
    (``_spectrum``'s frequency order).

    Writing through a transposed ``out`` leaves the grid contiguous for the inverse transforms
    without a separate transpose copy.
    """
    k, lead_a, _ = a.shape
    lead_b = b.shape[2]
    grid = np.empty((lead_a, lead_b, fw // 2 + 1, fh), dtype=np.result_type(a, b))
    np.matmul(a, b, out=grid.reshape(lead_a, lead_b, k).transpose(2, 0, 1))
    return grid


def _image(grid: np.ndarray, fw: int, rows: slice | np.ndarray, cols: slice | np.ndarray):
    """Inverse 2-D transform of an (A, B, fr, fh) grid, keeping ``rows`` × ``cols``.

    The column transform runs first, along the contiguous last axis, and the rows are cropped
    before the transposing copy that puts the row transform's axis last, so that one runs on
    the kept rows only. The result is a view of the transform's output.
    """
    grid = np.fft.ifft(grid, axis=-1)[..., rows]
    grid = np.ascontiguousarray(grid.swapaxes(-1, -2))
    return np.fft.irfft(grid, n=fw, axis=-1)[..., cols]


@lru_cache(maxsize=64)
def _shifted_dft(size: int, length: int, frequencies: int, shift: int, dtype: str) -> np.ndarray:
    """(frequencies, length) matrix of e^(−2πi·k·(t − shift)/size): the DFT over a grid of
    ``size`` points of ``length`` values placed from −shift on (wrapping around)."""
    k = np.arange(frequencies)[:, None]
    t = np.arange(length)[None, :] - shift
    return np.exp(-2j * np.pi * k * t / size).astype(dtype)


def _kernel_spectrum(w: np.ndarray, padding: int, fh: int, fw: int) -> np.ndarray:
    """Spectrum of the kernels placed on the grid shifted by −padding (wrapping around), in
    ``_spectrum``'s layout (K, F, C).

    Shifting the kernel instead of zero-padding the input gives the same correlation: row
    i + a − p of the unpadded input is row i + a of the padded one, and the rows that wrap
    around are zeros as long as the grid has ``padding`` spare rows after the image. So the
    input is never copied into a padded array and the grid can be smaller (14×14 with padding
    2 fits a 16×16 grid instead of 18×18).

    The kernels are small, so their DFT is two small products with DFT matrices (columns,
    then rows) rather than FFTs of a mostly-zero grid (in Pyodide ~0.4 ms per step for the
    convnetjs net's second conv, now a few hundredths).
    """
    f, c, kh, kw = w.shape
    dtype = np.result_type(w.dtype, np.complex64).name
    fr = fw // 2 + 1
    # Two 2-D products: numpy's batched matmul of 5×5 matrices paid per matrix.
    by_column = w.reshape(-1, kw) @ _shifted_dft(fw, kw, fr, padding, dtype).T
    by_column = by_column.reshape(f * c, kh, fr).swapaxes(1, 2).reshape(-1, kh)
    spec = by_column @ _shifted_dft(fh, kh, fh, padding, dtype).T  # (F·C·fr, fh)
    return spec.reshape(f, c, -1).transpose(2, 0, 1)  # (F, C, fr·fh) -> (K, F, C)


def fft_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, padding: int
) -> tuple[np.ndarray, Any]:
    """Cross-correlate through the FFT: y = irfft2(Σ_c X_c · conj(W_fc)) + b, cropped."""
    if stride != 1:
        y, cache = im2col_forward(x, w, b, stride, padding)
        return y, ("im2col", cache)
    _, _, oh, ow = output_shape(x.shape, w.shape, stride, padding)
    h, wd = x.shape[2:]
    kh, kw = w.shape[2:]
    # Room for the image plus `padding` zero rows/columns, for the output and for the kernel.
    fh, fw = fft_size(max(h + padding, oh, kh)), fft_size(max(wd + padding, ow, kw))
    # (K, N, C) contiguous: the backward pass's dW product reads it ~1.5× faster so.
    xs = np.ascontiguousarray(_spectrum(x, fh, fw))
    ws = np.conj(_kernel_spectrum(w, padding, fh, fw)).transpose(0, 2, 1)  # (K, C, F)
    grid = _mix(xs, ws, fh, fw)
    # The bias, a constant over the whole grid, is fh·fw times itself at frequency 0: one add
    # per (image, filter) instead of one per output pixel.
    grid[:, :, 0, 0] += b * (fh * fw)
    y = _image(grid, fw, slice(0, oh), slice(0, ow)).astype(x.dtype, copy=False)
    return y, ("fft", (x.shape, w.shape, padding, fh, fw, xs, ws))


def fft_backward(
    grad_y: np.ndarray, cache: Any, need_dx: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients of ``fft_forward`` (dx is None when ``need_dx`` is False: a first layer).

    dx is the convolution of grad_y with the shifted kernels (product with W, not its
    conjugate), which lands directly on the unpadded input's rows. dw is the correlation of
    x with grad_y at offsets −p … k−1−p, summed over the batch inside the per-frequency product
    so only F·C inverse transforms are needed.
    """
    kind, inner = cache
    if kind == "im2col":
        return im2col_backward(grad_y, inner, need_dx=need_dx)
    x_shape, w_shape, p, fh, fw, xs, ws = inner
    h, wd = x_shape[2:]
    kh, kw = w_shape[2:]
    dtype = np.result_type(grad_y.dtype, ws.real.dtype)
    gs = _spectrum(grad_y, fh, fw)  # (K, N, F)
    db = grad_y.sum(axis=(0, 2, 3)).astype(dtype, copy=False)
    dx = None
    if need_dx:
        w_spec = np.conj(ws).transpose(0, 2, 1)  # (K, F, C): W itself, dx is a convolution
        dx = _image(_mix(gs, w_spec, fh, fw), fw, slice(0, h), slice(0, wd))
        dx = dx.astype(dtype, copy=False)
    # Σ_n conj(G)·X = conj(Σ_n G·conj(X)): conjugating the input side copies C channels
    # rather than F, and the conjugate of the small (F, C) result is cheap. Both operands
    # contiguous, (K, F, N) and (K, N, C): numpy's matmul ran this long reduction over the
    # images ~1.7× faster than on strided views (Pyodide).
    g_by_filter = np.ascontiguousarray(gs.transpose(0, 2, 1))
    dw_grid = np.conj(_mix(g_by_filter, np.conj(xs), fh, fw))  # (F, C, fr, fh)
    rows, cols = (np.arange(kh) - p) % fh, (np.arange(kw) - p) % fw
    dw = _image(dw_grid, fw, rows, cols)
    return dx, np.ascontiguousarray(dw, dtype=dtype), db
