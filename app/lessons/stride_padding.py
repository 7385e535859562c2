"""Stride and padding lesson: where the kernel lands, how big the output is, what it never sees.

The output size comes from ``engine.functional.output_size`` and every example map from
``engine.functional.correlate2d``; this module only works out window positions for drawing.
"""

from __future__ import annotations

import numpy as np

from engine import functional as F

#: The lecture's stride example: an 8×7 grid whose entry in row r, column c is 10·r + c + 1.
STRIDE_GRID = (10 * np.arange(8)[:, None] + np.arange(1, 8)[None, :]).astype(float)
#: The 2×2 corner of the stride-2 output that the slide shows.
STRIDE_SLIDE_CORNER = np.array([[108, 126], [288, 306]], dtype=float)

#: The lecture's padding example: a 6×6 image and a vertical-edge kernel.
PADDING_IMAGE = np.array(
    [
        [3, 3, 4, 4, 7, 0],
        [9, 7, 6, 5, 8, 2],
        [6, 5, 5, 6, 9, 2],
        [7, 1, 3, 2, 7, 8],
        [0, 3, 7, 1, 8, 3],
        [4, 0, 4, 3, 2, 2],
    ],
    dtype=float,
)
VERTICAL_EDGE = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=float)
#: The entries the slide fills in (row, column) -> value; the rest of its 6×6 output is blank.
PADDING_SLIDE_VALUES: dict[tuple[int, int], float] = {
    (0, 0): -10,
    (0, 1): -13,
    (0, 2): 1,
    (1, 0): -9,
    (1, 1): 3,
    (1, 2): 0,
}


def window_starts(n: int, k: int, s: int, p: int) -> np.ndarray:
    """Top (or left) edge of every window along one axis, in padded coordinates."""
    return np.arange(F.output_size(n, k, s, p)) * s


def line_coverage(n: int, k: int, s: int, p: int) -> np.ndarray:
    """How many windows cover each row of the padded grid (columns behave the same)."""
    counts = np.zeros(n + 2 * p, dtype=int)
    for start in window_starts(n, k, s, p):
        counts[start : start + k] += 1
    return counts


def coverage(n: int, k: int, s: int, p: int) -> np.ndarray:
    """How many windows cover each cell of the padded (n+2p)×(n+2p) grid.

    A cell of the image with count 0 is never seen by the kernel: the stride jumped over it.
    """
    counts = line_coverage(n, k, s, p)
    return np.outer(counts, counts)


def unvisited_lines(n: int, k: int, s: int, p: int) -> list[int]:
    """Image rows (1-based, as a student counts them) that no window touches; columns alike."""
    counts = line_coverage(n, k, s, p)
    return [i - p + 1 for i in range(p, p + n) if counts[i] == 0]


def same_padding(k: int) -> int:
    """Padding that keeps the size at stride 1: (k − 1)/2, defined for odd k."""
    if k % 2 == 0:
        raise ValueError(f"'same' padding needs an odd kernel size; {k} is even.")
    return (k - 1) // 2


def stride_example() -> np.ndarray:
    """The lecture's stride example computed by the engine: 3×3 ones, stride 2."""
    return F.correlate2d(STRIDE_GRID, np.ones((3, 3)), stride=2)


def padding_example() -> np.ndarray:
    """The lecture's padding example computed by the engine: zero padding 1 keeps 6×6."""
    return F.correlate2d(PADDING_IMAGE, VERTICAL_EDGE, padding=1)


def padding_slips() -> list[tuple[int, int, float, float]]:
    """Slide entries that disagree with the computed map: (row, col, slide, correct)."""
    correct = padding_example()
    return [
        (r, c, value, float(correct[r, c]))
        for (r, c), value in PADDING_SLIDE_VALUES.items()
        if correct[r, c] != value
    ]
