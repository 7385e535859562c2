"""Turn a drawing from the canvas into a digit that looks like MNIST.

MNIST digits were size-normalised to fit a 20×20 box (keeping the aspect ratio) and then placed in
a 28×28 image so that their centre of mass sits at the centre.  A drawing must go through the same
steps, or a model trained on MNIST sees something it never learned from.
"""

from __future__ import annotations

import numpy as np

SIZE = 28
BOX = 20
#: Pixels fainter than this (on 0…1) are anti-aliasing haze, not ink, when finding the bounding box.
INK_THRESHOLD = 0.1
#: A drawing whose darkest ink is lighter than this is too faint to tell from the paper.
MIN_PEAK = 0.3
#: The ink must span at least this fraction of the pad (height or width): a dot or a tiny scrawl
#: blown up to MNIST's 20-pixel box is a blob the model would still "read" with confidence.
MIN_EXTENT = 0.2


class UnreadableDrawing(ValueError):
    """Nothing was drawn, or too little, or too faintly, to be read as a digit."""


def _resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Area-average (box filter) resize, which keeps thin strokes visible when shrinking."""
    src_h, src_w = image.shape
    # Upsample by an integer factor first so that every output pixel averages whole source pixels.
    fy = max(1, -(-height * 4 // src_h))
    fx = max(1, -(-width * 4 // src_w))
    big = np.repeat(np.repeat(image, fy, axis=0), fx, axis=1)
    rows = np.linspace(0, big.shape[0], height + 1).astype(int)
    cols = np.linspace(0, big.shape[1], width + 1).astype(int)
    summed = np.add.reduceat(np.add.reduceat(big, rows[:-1], axis=0), cols[:-1], axis=1)
    counts = np.outer(np.diff(rows), np.diff(cols))
    return summed / counts


def preprocess(pixels: np.ndarray | list) -> np.ndarray:
    """A (H, W) drawing, ink = 1 and paper = 0, as a 28×28 float32 MNIST-style image in [0, 1].

    Raises :class:`UnreadableDrawing` when there is no ink, or the ink is too faint or too small
    to be a digit, and ``ValueError`` for a malformed array.
    """
    image = np.asarray(pixels, dtype=np.float64)
    if image.ndim != 2 or min(image.shape) < 1:
        raise ValueError(f"Expected a 2-D drawing, got an array of shape {image.shape}.")
    if not np.all(np.isfinite(image)):
        raise ValueError("The drawing contains invalid pixel values.")
    peak = image.max()
    if peak <= 0:
        raise UnreadableDrawing("The canvas is empty: draw a digit first.")
    if peak < MIN_PEAK:
        raise UnreadableDrawing("The drawing is too faint to read: draw with full ink.")
    image = np.clip(image / max(peak, 1.0), 0.0, 1.0)
    ys, xs = np.nonzero(image > INK_THRESHOLD)
    extent = max(ys.max() - ys.min() + 1, xs.max() - xs.min() + 1) / max(image.shape)
    if extent < MIN_EXTENT:
        raise UnreadableDrawing(
            "The drawing is too small to read as a digit: draw it larger, filling most of the box."
        )
    crop = image[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    scale = BOX / max(crop.shape)
    height = max(1, round(crop.shape[0] * scale))
    width = max(1, round(crop.shape[1] * scale))
    digit = _resize(crop, height, width)

    out = np.zeros((SIZE, SIZE))
    total = digit.sum()
    cy = (digit.sum(axis=1) @ np.arange(height)) / total
    cx = (digit.sum(axis=0) @ np.arange(width)) / total
    # Top-left corner that puts the centre of mass at the image centre, kept inside the frame.
    top = int(np.clip(round(SIZE / 2 - 0.5 - cy), 0, SIZE - height))
    left = int(np.clip(round(SIZE / 2 - 0.5 - cx), 0, SIZE - width))
    out[top : top + height, left : left + width] = digit
    return np.clip(out, 0.0, 1.0).astype(np.float32)
