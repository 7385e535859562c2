"""The CNN pipeline as plain functions: the numbers every lesson computes and shows.

Inputs may be Python lists or arrays. Results are arrays, or Python floats when the result is a
single number. Bad input raises ``ValueError`` with a message a student can act on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from engine import conv, pool
from engine.shapes import output_size

# Probabilities are clipped to at least this before a log, so log never returns -inf.
PROB_FLOOR = 1e-12


def _as_float_array(values: Any, name: str, *, allow_empty: bool = True) -> np.ndarray:
    """``values`` as a floating array (float32 stays float32), rejecting NaN and infinity."""
    try:
        a = np.asarray(values)
    except ValueError:  # ragged nested lists
        raise ValueError(f"{name} must be a list of numbers with rows of equal length") from None
    if not allow_empty and a.size == 0:
        raise ValueError(f"{name} are empty")
    if a.dtype.kind not in "fiub":
        raise ValueError(f"{name} must contain numbers, got {a.dtype} values")
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinity")
    return a


def _scalar_or_array(a: np.ndarray) -> float | np.ndarray:
    return float(a) if a.ndim == 0 else a


def _log(x: np.ndarray, base: float) -> np.ndarray:
    if base <= 0 or base == 1:
        raise ValueError(f"logarithm base must be positive and not 1, got {base}")
    return np.log(x) / math.log(base)


def softmax(z: Any, axis: int = -1) -> np.ndarray:
    """exp(z) / Σ exp(z) along ``axis``.

    Subtracting the maximum first changes nothing mathematically (it cancels in the ratio) but
    keeps exp from overflowing, so logits like [1000, 1001] work.
    """
    z = _as_float_array(z, "logits", allow_empty=False)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def standard_normalize(z: Any, axis: int = -1) -> np.ndarray:
    """z / Σ z along ``axis``: the "plain normalization" the lecture compares with softmax.

    Negative entries are allowed and give negative "probabilities"; a sum of 0 cannot be divided
    by and raises ValueError.
    """
    z = _as_float_array(z, "scores", allow_empty=False)
    total = z.sum(axis=axis, keepdims=True)
    if np.any(total == 0):
        raise ValueError("the scores add up to 0, so they cannot be divided by their sum")
    return z / total


def _check_distribution(p: np.ndarray, name: str) -> None:
    if np.any(p < 0):
        raise ValueError(f"{name} cannot be negative")
    sums = p.sum(axis=-1)
    if np.any(np.abs(sums - 1) > 1e-6):
        worst = float(np.atleast_1d(sums)[np.argmax(np.abs(np.atleast_1d(sums) - 1))])
        raise ValueError(f"{name} must add up to 1, but they add up to {worst:.6g}")


def entropy(p: Any, base: float = math.e) -> float | np.ndarray:
    """Shannon entropy H(p) = −Σ p log p of a distribution along the last axis (0·log 0 = 0).

    ``base=2`` gives bits, the default ``e`` gives nats.
    """
    p = _as_float_array(p, "probabilities", allow_empty=False)
    _check_distribution(p, "probabilities")
    terms = np.zeros_like(p)
    positive = p > 0
    terms[positive] = p[positive] * _log(p[positive], base)
    # 0.0 - sum rather than -sum: a certain outcome gets entropy 0.0, never negative zero.
    return _scalar_or_array(0.0 - terms.sum(axis=-1))


def class_indices(targets: np.ndarray, n: int, k: int) -> np.ndarray:
    """Labels (N,) from integer labels or one-hot rows; ValueError if they do not fit K classes."""
    if targets.ndim == 2:
        if targets.shape != (n, k):
            raise ValueError(f"one-hot targets must have shape ({n}, {k}), got {targets.shape}")
        if not np.all((targets == 0) | (targets == 1)) or np.any(targets.sum(axis=1) != 1):
            raise ValueError("each one-hot target row must contain a single 1 and zeros elsewhere")
        return targets.argmax(axis=1)
    if targets.shape != (n,):
        raise ValueError(f"expected {n} labels, got an array of shape {targets.shape}")
    if targets.dtype.kind not in "iu" and not np.all(targets == np.round(targets)):
        raise ValueError("labels must be whole numbers (class indices)")
    labels = targets.astype(np.int64)
    if np.any(labels < 0) or np.any(labels >= k):
        raise ValueError(f"labels must be between 0 and {k - 1} for {k} classes")
    return labels


def cross_entropy(probs: Any, targets: Any, base: float = math.e) -> float:
    """Mean over N of −log(probability given to the true class).

    ``probs`` is (N, K) or one distribution (K,); ``targets`` are integer labels (N,) (or one
    label) or one-hot rows (N, K) (or (K,)). With a one-hot target only the true class's term
    survives, which is why the sum −Σ t·log p reduces to −log p_true.
    """
    p = _as_float_array(probs, "probabilities")
    t = np.asarray(targets)
    if p.ndim == 1:
        p = p[None, :]
        t = t[None] if t.ndim <= 1 else t
    if p.ndim != 2:
        raise ValueError(f"probabilities must be (N, K) or (K,), got shape {p.shape}")
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError("probabilities must lie between 0 and 1")
    n, k = p.shape
    labels = class_indices(t, n, k)
    chosen = np.clip(p[np.arange(n), labels], PROB_FLOOR, 1.0)
    return float(-_log(chosen, base).mean())


def binary_cross_entropy(p: Any, t: Any, base: float = math.e) -> float:
    """Mean over N of −[t log p + (1 − t) log(1 − p)], p the predicted probability of class 1."""
    p = _as_float_array(p, "probabilities")
    t = _as_float_array(t, "targets")
    if p.shape != t.shape:
        raise ValueError(f"probabilities {p.shape} and targets {t.shape} must have the same shape")
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError("probabilities must lie between 0 and 1")
    if np.any(t < 0) or np.any(t > 1):
        raise ValueError("binary targets must lie between 0 and 1")
    p = np.clip(p, PROB_FLOOR, 1 - PROB_FLOOR)
    return float(-(t * _log(p, base) + (1 - t) * _log(1 - p, base)).mean())


def one_hot(labels: Any, num_classes: int | None = None) -> np.ndarray:
    """(N, K) float matrix with a single 1 per row at the label's column."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be a 1-D list, got shape {labels.shape}")
    if labels.size and (labels.dtype.kind not in "iu" and not np.all(labels == np.round(labels))):
        raise ValueError("labels must be whole numbers (class indices)")
    labels = labels.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError("labels cannot be negative")
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and labels.max() >= num_classes:
        raise ValueError(f"label {int(labels.max())} does not fit in {num_classes} classes")
    out = np.zeros((labels.size, num_classes))
    out[np.arange(labels.size), labels] = 1.0
    return out


def integer_encode(
    values: Sequence[Any], order: Sequence[Any] | None = None
) -> tuple[np.ndarray, list]:
    """Codes 0..K−1 for categorical ``values`` and the list of classes they index.

    ``order`` fixes the class order, for ordinal data (poor < neutral < good); without it the
    classes are sorted, an order that means nothing for nominal data such as animal names.
    """
    values = list(values)
    if order is None:
        classes = sorted(set(values))
    else:
        classes = list(order)
        if len(set(classes)) != len(classes):
            raise ValueError("the class order lists a class more than once")
        missing = [v for v in dict.fromkeys(values) if v not in classes]
        if missing:
            raise ValueError(f"values not in the class order: {', '.join(map(repr, missing))}")
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index[v] for v in values], dtype=np.int64), classes


def _as_image(a: Any, name: str) -> np.ndarray:
    a = _as_float_array(a, name)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D grid, got shape {a.shape}")
    return a


def correlate2d(image: Any, kernel: Any, stride: int = 1, padding: int = 0) -> np.ndarray:
    """2-D cross-correlation, what CNNs call convolution: slide the kernel over the image and
    add up the elementwise products at each position. ``padding`` zeros go on every side."""
    image = _as_image(image, "image")
    kernel = _as_image(kernel, "kernel")
    oh = output_size(image.shape[0], kernel.shape[0], stride, padding)
    ow = output_size(image.shape[1], kernel.shape[1], stride, padding)
    padded = np.pad(image, padding)
    windows = np.lib.stride_tricks.sliding_window_view(padded, kernel.shape)
    windows = windows[: stride * oh : stride, : stride * ow : stride]
    return np.einsum("ijkl,kl->ij", windows, kernel)


def convolve2d(image: Any, kernel: Any, stride: int = 1, padding: int = 0) -> np.ndarray:
    """True convolution: cross-correlation with the kernel rotated by 180°."""
    kernel = _as_image(kernel, "kernel")
    return correlate2d(image, kernel[::-1, ::-1], stride, padding)


def conv2d(x: Any, w: Any, b: Any = None, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Batched convolution: x (N, C, H, W), w (F, C, KH, KW), b (F,) -> (N, F, OH, OW)."""
    x = _as_float_array(x, "input")
    w = _as_float_array(w, "kernels").astype(x.dtype, copy=False)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(
            f"conv2d needs x (N, C, H, W) and w (F, C, KH, KW), got {x.shape} and {w.shape}"
        )
    b = np.zeros(w.shape[0], x.dtype) if b is None else _as_float_array(b, "bias").astype(x.dtype)
    if b.shape != (w.shape[0],):
        raise ValueError(f"bias must have one value per kernel ({w.shape[0]}), got {b.shape}")
    y, _ = conv.forward(x, w, b, stride, padding, algorithm="im2col")
    return y


def pool2d(x: Any, size: int = 2, stride: int | None = None, mode: str = "max") -> np.ndarray:
    """Max, average ("avg") or sum pooling of x (H, W) or (N, C, H, W); stride defaults to size."""
    x = _as_float_array(x, "input")
    if x.ndim not in (2, 4):
        raise ValueError(f"pool2d needs an (H, W) or (N, C, H, W) input, got shape {x.shape}")
    y, _ = pool.forward(x, size, size if stride is None else stride, mode)
    return y


def relu(x: Any) -> np.ndarray:
    """max(x, 0) elementwise."""
    return np.maximum(_as_float_array(x, "input"), 0)
