"""Convolution as matrix products over unrolled patches ("im2col"): the native default.

Each window of the padded input becomes one column of a patch matrix (N, C·KH·KW, OH·OW), and
the whole layer is one matrix product per image with the (F, C·KH·KW) filter matrix. Filling the
patches takes one strided slice copy per kernel offset (KH·KW copies, each of a whole batch),
never a loop over pixels or images. Natively numpy's matmul runs on BLAS, which makes this the
fastest algorithm there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import fastpath
from engine.conv.base import output_shape, pad


def im2col_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, padding: int
) -> tuple[np.ndarray, Any]:
    """x (N, C, H, W), w (F, C, KH, KW), b (F,) -> y (N, F, OH, OW) as (F, K) @ (K, OH·OW)
    per image, K = C·KH·KW; the cache keeps the patch matrix for the backward pass."""
    n, f, oh, ow = output_shape(x.shape, w.shape, stride, padding)
    _, c, kh, kw = w.shape
    xp = pad(x, padding)
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
        # fast path there, and einsum's own loops are faster (benchmarks/pyodide_kernels.py).
        dw = np.einsum("nfp,nkp->fk", g, cols).reshape(w.shape)
    else:
        # N products (F, P) @ (P, K) summed: BLAS reads the transposed patches in place,
        # whereas tensordot/einsum would first copy them into one (N·P, K) matrix.
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
