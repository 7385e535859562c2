"""Pooling lesson: max, average and sum pooling forward, and where the gradient goes backward.

Forward values come from ``engine.functional.pool2d`` and backward maps from the engine's
``Pool2D`` layer, so the lesson shows exactly what the trainer's network does.
"""

from __future__ import annotations

import numpy as np

from engine import functional as F
from engine import layers

#: The lecture's 4×4 rectified feature map (slide "Introduction XLI").
LECTURE_MAP = np.array(
    [[12, 20, 30, 0], [8, 12, 2, 0], [34, 70, 37, 4], [112, 100, 25, 12]],
    dtype=float,
)
#: What the slide prints for 2×2 average pooling; its 20 is a rounded 19.5.
SLIDE_AVERAGE = np.array([[13, 8], [79, 20]], dtype=float)

MODES = {"Max": "max", "Average": "avg", "Sum": "sum"}


def pool(x: np.ndarray, size: int, stride: int, mode: str) -> np.ndarray:
    """Pool a 2-D map with the engine."""
    return F.pool2d(np.asarray(x, dtype=float), size=size, stride=stride, mode=mode)


def pool_backward(
    x: np.ndarray, size: int, stride: int, mode: str, grad_out: np.ndarray
) -> np.ndarray:
    """Gradient reaching each input cell when ``grad_out`` arrives at the pooled output.

    Max sends each upstream value only to its window's largest cell, average spreads it
    equally (divided by size²) and sum copies it to every cell of the window.
    """
    layer = layers.Pool2D(size, stride, mode=mode)
    layer.forward(np.asarray(x, dtype=float)[None, None])
    return layer.backward(np.asarray(grad_out, dtype=float)[None, None])[0, 0]


def window_of(out_row: int, out_col: int, size: int, stride: int) -> tuple[slice, slice]:
    """Input rows and columns that output cell (out_row, out_col) summarizes."""
    return (
        slice(out_row * stride, out_row * stride + size),
        slice(out_col * stride, out_col * stride + size),
    )


def relu_feature_map(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """ReLU of an image's feature map: what a real CNN hands to its pooling layer."""
    return F.relu(F.correlate2d(np.asarray(image, dtype=float) / 255.0, kernel, padding=1))
