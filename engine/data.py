"""MNIST in the site's packed format, mini-batches and normalization.

The site ships ``data/mnist.npz``: ``np.savez_compressed`` with uint8 arrays ``x_train``
(50000, 28, 28), ``y_train`` (50000,), ``x_valid``/``y_valid`` and ``x_test``/``y_test``
(10000 each). Images stay uint8 in memory (a quarter of float32) and are converted one batch at
a time by ``normalize``.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

SPLITS = ("train", "valid", "test")
NUM_CLASSES = 10
# Mean and standard deviation of MNIST training pixels scaled to [0, 1].
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081


@dataclass(frozen=True)
class Mnist:
    """uint8 images (N, 28, 28) and labels (N,) of the three splits."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load_mnist(source: str | os.PathLike | BinaryIO | bytes) -> Mnist:
    """Read the packed MNIST archive from a path, an open binary file or its bytes.

    A missing path raises FileNotFoundError; anything else wrong (not an archive, a missing or
    damaged array, wrong dtype or shape, labels outside 0–9) raises ValueError saying what.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        source = io.BytesIO(bytes(source))
    if isinstance(source, str | os.PathLike) and not os.path.isfile(source):
        raise FileNotFoundError(f"MNIST data file not found: {os.fspath(source)!r}")
    unreadable = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, KeyError)
    try:
        archive = np.load(source, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single array, not an .npz archive")
        with archive:
            wanted = [f"{kind}_{split}" for split in SPLITS for kind in ("x", "y")]
            missing = [key for key in wanted if key not in archive.files]
            if missing:
                raise ValueError(f"arrays missing: {', '.join(missing)}")
            arrays = {key: archive[key] for key in wanted}
    except unreadable as err:
        reason = "it is not a NumPy .npz archive" if "pickle" in str(err) else str(err)
        raise ValueError(f"the MNIST data file is unusable: {reason}") from None
    for split in SPLITS:
        _check_split(split, arrays[f"x_{split}"], arrays[f"y_{split}"])
    return Mnist(**arrays)


def _check_split(split: str, x: np.ndarray, y: np.ndarray) -> None:
    if x.dtype != np.uint8 or y.dtype != np.uint8:
        raise ValueError(f"MNIST {split} arrays must be uint8, got {x.dtype} and {y.dtype}")
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ValueError(f"MNIST {split} images must be (N, 28, 28), got {x.shape}")
    if y.shape != (len(x),):
        raise ValueError(f"MNIST {split} has {len(x)} images but labels of shape {y.shape}")
    if len(y) and y.max() >= NUM_CLASSES:
        raise ValueError(f"MNIST {split} has a label {int(y.max())}; digits are 0–9")


def normalize(
    x: np.ndarray, dtype: Any = np.float32, mean: float = MNIST_MEAN, std: float = MNIST_STD
) -> np.ndarray:
    """uint8 images (N, H, W) or (N, 1, H, W) -> float (N, 1, H, W), (x/255 − mean) / std.

    Centering the inputs near 0 with unit spread lets the first layer learn at the same pace
    as the others. ``mean=0, std=1`` gives plain [0, 1] pixels.
    """
    x = np.asarray(x)
    if x.dtype != np.uint8:
        raise ValueError(f"normalize expects uint8 pixels (0–255), got {x.dtype} values")
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4:
        raise ValueError(f"images must be (N, H, W) or (N, C, H, W), got shape {x.shape}")
    if std <= 0:
        raise ValueError(f"std must be positive, got {std}")
    scale = 1.0 / (255.0 * std)
    out = x.astype(dtype)
    out *= scale
    out -= mean / std
    return out


def batches(
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    *,
    shuffle: bool = True,
    rng: np.random.Generator | int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(x, y) mini-batches covering the data once, in a fresh random order when ``shuffle``.

    The last batch holds the remainder and may be smaller.
    """
    if len(x) != len(y):
        raise ValueError(f"{len(x)} images but {len(y)} labels")
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int | np.integer)
        or batch_size < 1
    ):
        raise ValueError(f"batch size must be a whole number ≥ 1, got {batch_size!r}")
    if shuffle:
        order = (
            rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        ).permutation(len(x))
    else:
        order = np.arange(len(x))
    for start in range(0, len(x), batch_size):
        idx = order[start : start + batch_size]
        yield x[idx], y[idx]
