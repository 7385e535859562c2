"""Batched 2-D convolution: one module per algorithm, and the dispatch that picks one per layer.

- ``reference``: the definition as plain loops, slow; the oracle the tests compare the others to.
- ``im2col``: matrix products over unrolled patches; the native default (BLAS).
- ``fft``: products in the frequency domain; faster in Pyodide for multi-channel layers.

The contract every algorithm follows is in ``engine.conv.base``. Importing this package
registers all three, so ``ALGORITHMS`` is the same whichever engine module was imported first.
``choose_algorithm`` is what ``Conv2D(algorithm="auto")`` asks.
"""

from __future__ import annotations

from engine.conv.base import (
    ALGORITHMS,
    SKIPS_DX,
    BackwardFn,
    ForwardFn,
    get_algorithm,
    output_shape,
    register,
)
from engine.conv.dispatch import FAST_ALGORITHMS, backward, choose_algorithm, forward
from engine.conv.fft import fft_backward, fft_forward, fft_size
from engine.conv.im2col import im2col_backward, im2col_forward
from engine.conv.reference import reference_backward, reference_forward

register("reference", reference_forward, reference_backward)
register("im2col", im2col_forward, im2col_backward, skips_dx=True)
register("fft", fft_forward, fft_backward, skips_dx=True)

__all__ = [
    "ALGORITHMS",
    "FAST_ALGORITHMS",
    "SKIPS_DX",
    "BackwardFn",
    "ForwardFn",
    "backward",
    "choose_algorithm",
    "fft_backward",
    "fft_forward",
    "fft_size",
    "forward",
    "get_algorithm",
    "im2col_backward",
    "im2col_forward",
    "output_shape",
    "reference_backward",
    "reference_forward",
    "register",
]
