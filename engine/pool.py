"""Pooling kernels on (N, C, H, W) batches: max, average and sum over k×k windows.

``forward(x, size, stride, mode) -> (y, cache)`` and ``backward(grad_y, cache) -> dx``. Each
loops over the size×size window offsets only (4 or 9 passes, each over the whole batch), never
over pixels or images. Taking ``np.maximum`` of strided slices is about twice as fast as a
reshape-and-max in Pyodide, and works for any stride. Natively max pooling first copies each
offset's strided slice into an array of its own, which the forward and backward passes then
read in long runs: numpy's loops over a strided slice run a few values at a time (a row of
the pooled map, or natively after a channels-last convolution one pixel's channels), and the
copies made the convnetjs net's training step ~0.2-0.5 ms (~3-6%) faster
(benchmarks/engine_native.py). In Pyodide max pooling keeps, per output, the index of the window
offset that won instead (``_max_with_winners``): there ``np.maximum`` takes ~5 ns per value and a
comparison with ``np.where`` ~1 ns, and the backward pass then writes each output's gradient to
its winner with one indexed assignment (``_to_winners``; one comparison per offset for
overlapping windows) instead of tracking which maxima were already claimed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from engine import fastpath
from engine.shapes import output_size

MODES = ("max", "avg", "sum")


def output_hw(h: int, w: int, size: int, stride: int) -> tuple[int, int]:
    """Output height and width; ValueError when the window does not fit."""
    if h < size or w < size:
        raise ValueError(f"input is {h}×{w}, smaller than the {size}×{size} window")
    return output_size(h, size, stride), output_size(w, size, stride)


def _window(a: np.ndarray, i: int, j: int, stride: int, oh: int, ow: int) -> np.ndarray:
    """View of the elements at offset (i, j) of every window."""
    return a[..., i : i + stride * oh : stride, j : j + stride * ow : stride]


def forward(x: np.ndarray, size: int, stride: int, mode: str) -> tuple[np.ndarray, Any]:
    """Pool the last two axes of ``x`` (N, C, H, W) -> (N, C, OH, OW)."""
    if mode not in MODES:
        raise ValueError(f"pooling mode must be one of {', '.join(MODES)}, got {mode!r}")
    oh, ow = output_hw(x.shape[-2], x.shape[-1], size, stride)
    windows = [_window(x, i, j, stride, oh, ow) for i in range(size) for j in range(size)]
    if mode == "max" and fastpath.IN_PYODIDE:
        y, winners = _max_with_winners(windows)
        return y, (x, None, winners, y, size, stride, mode)
    if mode == "max":
        # order="K": each keeps x's memory order (natively a conv output lies channel-major
        # or channels-last), so y and the backward pass's comparisons do too.
        windows = [window.copy(order="K") for window in windows]
    y = windows[0].copy(order="K")
    combine = np.maximum if mode == "max" else np.add
    for window in windows[1:]:
        combine(y, window, out=y)
    if mode == "avg":
        y *= 1.0 / (size * size)
    return y, (x, windows, None, y, size, stride, mode)


def _max_with_winners(windows: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The windows' elementwise maximum and, per output, the index in ``windows`` of the first
    window that holds it (a later window wins only when strictly larger, so ties go to the
    first, as in ``backward``'s other path). A NaN in the first window stays; later ones are
    passed over, where ``np.maximum`` would spread them."""
    if _in_short_runs(windows[0]):
        # Each numpy loop pays per run of values (~20 ns in Pyodide): with runs of a few
        # values (a 3×3 pool of a 14×14 map reads 4 per row) one strided copy per window, and
        # then only contiguous loops, is faster (the convnetjs net's second pool 0.74 -> 0.49
        # ms); with runs of a batch's 64 images it was slower.
        stacked = np.empty((len(windows), *windows[0].shape), windows[0].dtype)
        for offset, window in enumerate(windows):
            stacked[offset] = window
        windows = list(stacked)
    y = windows[0].copy(order="K")
    winners = np.zeros(y.shape, np.min_scalar_type(len(windows) - 1))
    for offset, window in enumerate(windows[1:], start=1):
        larger = window > y
        y = np.where(larger, window, y)
        winners = np.where(larger, winners.dtype.type(offset), winners)
    return y, winners


def _to_winners(
    grad_y: np.ndarray, x: np.ndarray, winners: np.ndarray, size: int, stride: int
) -> np.ndarray:
    """dx of a max pool with disjoint windows in Pyodide: each output's gradient written to its
    winning input by one indexed assignment into dx's memory (laid out as x's). It replaced a
    comparison, an ``np.where`` and a strided copy per window offset (the convnetjs net's
    pools in its training step, backward: 0.69 -> 0.42 and 0.48 -> 0.15 ms)."""
    memory_order = sorted(range(x.ndim), key=lambda axis: -abs(x.strides[axis]))
    memory = np.zeros([x.shape[axis] for axis in memory_order], x.dtype)
    dx = memory.transpose(np.argsort(memory_order))
    steps = tuple(step // dx.itemsize for step in dx.strides)
    origins, shifts = _window_origins(dx.shape, steps, grad_y.shape[-2:], size, stride)
    memory.reshape(-1)[origins + shifts[winners]] = grad_y
    return dx


@lru_cache(maxsize=16)
def _window_origins(
    shape: tuple[int, ...], steps: tuple[int, ...], out_hw: tuple[int, int], size: int, stride: int
) -> tuple[np.ndarray, np.ndarray]:
    """For an (N, C, H, W) array whose axes are ``steps`` elements apart in memory: the
    memory index of every pooling window's first element, (N, C, OH, OW), and how far from it
    each window offset lies (size², row-major). Cached: a training run asks for the same
    shapes every batch, and the caller does not write to them."""
    n, c = shape[:2]
    oh, ow = out_hw
    origins = (
        (np.arange(n) * steps[0])[:, None, None, None]
        + (np.arange(c) * steps[1])[None, :, None, None]
        + (np.arange(oh) * (stride * steps[2]))[:, None]
        + np.arange(ow) * (stride * steps[3])
    ).astype(np.intp)
    shifts = np.array([i * steps[2] + j * steps[3] for i in range(size) for j in range(size)])
    return origins, shifts.astype(np.intp)


#: Fewer values than this along a window's fastest axis make ``_max_with_winners`` copy the
#: windows first (measured: 4 faster with copies, 64 slower).
SHORT_RUN = 16


def _in_short_runs(window: np.ndarray) -> bool:
    """Whether numpy's loops over ``window`` would run over fewer than SHORT_RUN values at a
    time: the length of its axis with the smallest stride."""
    fastest = int(np.argmin(np.abs(window.strides)))
    return window.shape[fastest] < SHORT_RUN


def backward(grad_y: np.ndarray, cache: Any) -> np.ndarray:
    """Max sends each window's gradient to its (first) largest input; avg spreads it evenly;
    sum copies it to every input of the window."""
    x, windows, winners, y, size, stride, mode = cache
    oh, ow = y.shape[-2:]
    # Windows that do not overlap own their inputs: plain assignment is several times faster
    # than += on a strided view (measured in Pyodide).
    disjoint = stride >= size
    if winners is not None and disjoint:
        return _to_winners(grad_y, x, winners, size, stride)
    dx = np.zeros_like(x)
    if mode != "max":
        g = grad_y * (1.0 / (size * size)) if mode == "avg" else grad_y
    unclaimed = None  # ties go to the first maximum only, so no gradient is counted twice
    last = size * size - 1
    for offset in range(size * size):
        i, j = divmod(offset, size)
        if winners is not None:  # in Pyodide (``_max_with_winners``)
            g = np.where(winners == offset, grad_y, 0)
        elif mode == "max":
            hit = windows[offset] == y
            if unclaimed is not None:
                hit &= unclaimed
            if offset != last:
                unclaimed = (
                    ~hit if unclaimed is None else np.logical_xor(unclaimed, hit, out=unclaimed)
                )
            g = fastpath.keep_where(grad_y, hit)
        window = _window(dx, i, j, stride, oh, ow)
        if disjoint:
            window[...] = g
        else:
            window += g
    return dx
