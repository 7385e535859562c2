"""The definition of a convolution layer, written as plain loops: read this one first.

Every output pixel is one filter laid on one window of the (zero-padded) input::

    y[n, f, i, j] = b[f] + Σ_c Σ_m Σ_k  w[f, c, m, k] · x_padded[n, c, i·s + m, j·s + k]

and the backward pass sends each output gradient back along the same products. The loops make
it slow (one Python step per output pixel), so the layers use ``im2col`` or ``fft``; the tests
check both against this kernel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.conv.base import output_shape, pad


def reference_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, padding: int
) -> tuple[np.ndarray, Any]:
    """Slide every filter over every image: x (N, C, H, W), w (F, C, KH, KW), b (F,) ->
    y (N, F, OH, OW)."""
    n_images, n_filters, out_h, out_w = output_shape(x.shape, w.shape, stride, padding)
    kh, kw = w.shape[2:]
    xp = pad(x, padding)
    y = np.empty((n_images, n_filters, out_h, out_w), dtype=np.result_type(x, w))
    for n in range(n_images):
        for f in range(n_filters):
            for i in range(out_h):
                for j in range(out_w):
                    top, left = i * stride, j * stride
                    window = xp[n, :, top : top + kh, left : left + kw]  # (C, KH, KW)
                    y[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return y, (x, w, stride, padding)


def reference_backward(grad_y: np.ndarray, cache: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of ``reference_forward``: each output pixel's gradient g flows back to the
    weights as g·window, to the window as g·w[f], and to the bias as g."""
    x, w, stride, padding = cache
    kh, kw = w.shape[2:]
    xp = pad(x, padding)
    dxp = np.zeros_like(xp, dtype=np.result_type(xp, w))
    dw = np.zeros_like(w)
    db = np.zeros(w.shape[0], dtype=w.dtype)
    n_images, n_filters, out_h, out_w = grad_y.shape
    for n in range(n_images):
        for f in range(n_filters):
            for i in range(out_h):
                for j in range(out_w):
                    top, left = i * stride, j * stride
                    g = grad_y[n, f, i, j]
                    dw[f] += g * xp[n, :, top : top + kh, left : left + kw]
                    dxp[n, :, top : top + kh, left : left + kw] += g * w[f]
                    db[f] += g
    h, wd = x.shape[2:]
    dx = dxp[:, :, padding : padding + h, padding : padding + wd]
    return dx, dw, db
