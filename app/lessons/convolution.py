"""Convolution lesson: a kernel slides over an image and sums products into a feature map.

Every number the lesson shows comes from ``engine.functional``; the helpers below only pick
which window to show and format it, so they stay cheap enough for Pyodide on every slider move.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine import functional as F

#: The lecture's 5×5 binary image and 3×3 kernel (slides "Introduction XXVIII").
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

#: The lecture's kernel table (slide "Introduction XXXII"), in its order.
KERNELS: dict[str, np.ndarray] = {
    "Identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float),
    "Edge detection (diagonal)": np.array([[1, 0, -1], [0, 0, 0], [-1, 0, 1]], dtype=float),
    "Edge detection (4-neighbour Laplacian)": np.array(
        [[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float
    ),
    "Edge detection (8-neighbour Laplacian)": np.array(
        [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float
    ),
    "Sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "Box blur": np.ones((3, 3)) / 9,
    "Gaussian blur (approximation)": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=float) / 16,
}

#: The kernels as the slide writes them (LaTeX), so the table reads like the lecture.
KERNEL_LATEX: dict[str, str] = {
    "Identity": r"\begin{bmatrix}0&0&0\\0&1&0\\0&0&0\end{bmatrix}",
    "Edge detection (diagonal)": r"\begin{bmatrix}1&0&-1\\0&0&0\\-1&0&1\end{bmatrix}",
    "Edge detection (4-neighbour Laplacian)": r"\begin{bmatrix}0&1&0\\1&-4&1\\0&1&0\end{bmatrix}",
    "Edge detection (8-neighbour Laplacian)": (
        r"\begin{bmatrix}-1&-1&-1\\-1&8&-1\\-1&-1&-1\end{bmatrix}"
    ),
    "Sharpen": r"\begin{bmatrix}0&-1&0\\-1&5&-1\\0&-1&0\end{bmatrix}",
    "Box blur": r"\tfrac19\begin{bmatrix}1&1&1\\1&1&1\\1&1&1\end{bmatrix}",
    "Gaussian blur (approximation)": r"\tfrac1{16}\begin{bmatrix}1&2&1\\2&4&2\\1&2&1\end{bmatrix}",
}

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def load_mnist_digits() -> np.ndarray:
    """Ten MNIST test digits, entry ``d`` showing the digit ``d`` (uint8, 10×28×28)."""
    return np.load(ASSETS / "mnist_digits.npy")


def load_photo() -> np.ndarray:
    """The public-domain NASA astronaut photo, grayscale 128×128 uint8."""
    return np.load(ASSETS / "astronaut_gray.npy")


@dataclass(frozen=True)
class WindowStep:
    """One position of the sliding window: what the student sees multiplied and summed."""

    row: int
    col: int
    window: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    total: float


def window_step(image: np.ndarray, kernel: np.ndarray, step: int) -> WindowStep:
    """The window at animation step ``step`` (row-major over the valid output positions)."""
    kh, kw = kernel.shape
    out_w = image.shape[1] - kw + 1
    row, col = divmod(step, out_w)
    window = image[row : row + kh, col : col + kw]
    products = window * kernel
    return WindowStep(row, col, window, kernel, products, float(products.sum()))


def partial_feature_map(image: np.ndarray, kernel: np.ndarray, step: int) -> np.ndarray:
    """The feature map as filled in after ``step`` (inclusive); later cells are NaN."""
    full = F.correlate2d(image, kernel)
    shown = np.full(full.shape, np.nan)
    flat = shown.reshape(-1)
    flat[: step + 1] = full.reshape(-1)[: step + 1]
    return shown


def filtered(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """A whole image filtered with a kernel; padding keeps its size so both can sit side by side."""
    return F.correlate2d(np.asarray(image, dtype=float), kernel, padding=kernel.shape[0] // 2)


def product_expression(step: WindowStep) -> str:
    """The sum of products as one line of LaTeX, e.g. ``1\\cdot1 + 1\\cdot0 + … = 4``."""
    terms = [
        rf"{_num(a)}\cdot{_num(b)}"
        for a, b in zip(step.window.ravel(), step.kernel.ravel(), strict=True)
    ]
    return " + ".join(terms) + rf" = {_num(step.total)}"


def _num(value: float) -> str:
    """A number as a student would write it: integers without ``.0``, others to 3 digits."""
    value = float(value)
    if value == int(value):
        return str(int(value))
    return f"{value:.3g}"


def dense_weights(pixels: int, hidden: int) -> int:
    """Weights of a fully connected layer: every pixel connects to every hidden neuron."""
    return pixels * hidden


def conv_weights(kernel: int, channels: int, filters: int) -> int:
    """Weights of a conv layer: one k×k×C kernel per filter, whatever the image size."""
    return kernel * kernel * channels * filters


def multi_channel(x: np.ndarray, w: np.ndarray, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel correlations (C, OH, OW) and the engine's conv2d output (OH, OW).

    Showing both lets the student check that the layer's output is the per-channel maps
    summed plus the bias.
    """
    per_channel = np.stack([F.correlate2d(x[c], w[c]) for c in range(x.shape[0])])
    out = F.conv2d(x[None], w[None], np.array([b], dtype=float))[0, 0]
    return per_channel, out
