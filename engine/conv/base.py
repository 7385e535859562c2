"""What every convolution algorithm shares: its contract, the output shape, and the registry.

An algorithm is a pair of functions::

    forward(x, w, b, stride, padding) -> (y, cache)
        x (N, C, H, W), w (F, C, KH, KW), b (F,)  ->  y (N, F, OH, OW)
    backward(grad_y, cache) -> (dx, dw, db)
        grad_y (N, F, OH, OW) -> dx like x, dw like w, db like b

An algorithm registered with ``skips_dx=True`` also accepts ``need_dx=False`` and then returns
``None`` for dx: the first layer of a network needs no input gradient.

"Convolution" here is cross-correlation (no kernel flip), as in every CNN library, with
``padding`` zeros on each side and the same ``stride`` along both axes. Results keep the dtype
of ``x`` and ``w`` (the layers make them agree), so float32 stays float32.

``ALGORITHMS`` starts empty; ``engine.conv`` registers its algorithms when it is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine.shapes import output_size

ForwardFn = Callable[[np.ndarray, np.ndarray, np.ndarray, int, int], tuple[np.ndarray, Any]]
BackwardFn = Callable[..., tuple[np.ndarray | None, np.ndarray, np.ndarray]]

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


def get_algorithm(name: str) -> tuple[ForwardFn, BackwardFn]:
    """The (forward, backward) pair registered under ``name``; ValueError lists the choices."""
    if name not in ALGORITHMS:
        choices = ", ".join(sorted(["auto", *ALGORITHMS]))
        raise ValueError(f"unknown convolution algorithm {name!r}; choose one of: {choices}")
    return ALGORITHMS[name]


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


def pad(x: np.ndarray, padding: int) -> np.ndarray:
    """x (N, C, H, W) with ``padding`` zero rows and columns on every side."""
    if padding == 0:
        return x
    p = padding
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
