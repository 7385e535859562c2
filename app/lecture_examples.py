"""The lecture's example matrices that several lessons and the code exercises share (pure NumPy:
the code exercises' worker imports it too)."""

from __future__ import annotations

import numpy as np

#: The lecture's 5×5 binary image and 3×3 "X" kernel (slide "Introduction XXVIII"); their
#: cross-correlation is the feature map [[4, 3, 4], [2, 4, 3], [2, 3, 4]].
LECTURE_IMAGE = np.array(
    [
        [1, 1, 1, 0, 0],
        [0, 1, 1, 1, 0],
        [0, 0, 1, 1, 1],
        [0, 0, 1, 1, 0],
        [0, 1, 1, 0, 0],
    ],
    dtype=float,
)
LECTURE_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)

#: The lecture's stride example: an 8×7 grid whose entry in row r, column c is 10·r + c + 1.
STRIDE_GRID = (10 * np.arange(8)[:, None] + np.arange(1, 8)[None, :]).astype(float)

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
