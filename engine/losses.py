"""Loss functions: ``forward(prediction, target) -> mean loss`` (a Python float) and
``backward() -> ∂loss/∂prediction`` (same shape and dtype as the prediction).

All three average over the N samples of a batch, so the loss (and the step size it implies)
does not change with the batch size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import functional
from engine.functional import PROB_FLOOR


def _need_forward(cache: Any, name: str) -> None:
    if cache is None:
        raise ValueError(f"{name}: call forward before backward")


def _batch(values: Any, name: str) -> np.ndarray:
    a = np.asarray(values)
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    if a.ndim == 0 or len(a) == 0:
        raise ValueError(f"{name} must be a non-empty batch, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinity (did training diverge?)")
    return a


class SoftmaxCrossEntropy:
    """Softmax of logits (N, K) followed by cross-entropy with labels (N,) or one-hot (N, K),
    in nats, averaged over N. Fusing the two gives the simple, stable gradient
    (softmax(z) − onehot) / N."""

    def __init__(self) -> None:
        self._cache: tuple[np.ndarray, np.ndarray] | None = None

    def forward(self, logits: Any, labels: Any) -> float:
        z = _batch(logits, "logits")
        if z.ndim != 2:
            raise ValueError(f"logits must be (N, K), got shape {z.shape}")
        n, k = z.shape
        y = functional.class_indices(np.asarray(labels), n, k)
        shifted = z - z.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self._cache = (np.exp(log_probs), y)
        return float(-log_probs[np.arange(n), y].mean())

    def backward(self) -> np.ndarray:
        _need_forward(self._cache, "SoftmaxCrossEntropy")
        probs, y = self._cache
        grad = probs.copy()
        grad[np.arange(len(y)), y] -= 1
        grad *= 1.0 / len(y)
        return grad


class MeanSquaredError:
    """The lecture's E = ½ Σ (t − y)², summed over the outputs of a sample and averaged over
    the N samples: loss = (1/N) Σₙ ½ Σₖ (tₙₖ − yₙₖ)². Gradient (y − t) / N."""

    def __init__(self) -> None:
        self._cache: tuple[np.ndarray, np.ndarray] | None = None

    def forward(self, y: Any, t: Any) -> float:
        y = _batch(y, "predictions")
        t = np.asarray(t, dtype=y.dtype)
        if t.shape != y.shape:
            raise ValueError(
                f"targets {t.shape} and predictions {y.shape} must have the same shape"
            )
        self._cache = (y, t)
        return float(0.5 * ((t - y) ** 2).sum() / len(y))

    def backward(self) -> np.ndarray:
        _need_forward(self._cache, "MeanSquaredError")
        y, t = self._cache
        return (y - t) * (1.0 / len(y))


class BinaryCrossEntropy:
    """−[t log p + (1 − t) log(1 − p)] for predicted probabilities p of class 1 and targets t
    in [0, 1], averaged over all entries (N, or N×outputs). p is clipped away from 0 and 1."""

    def __init__(self) -> None:
        self._cache: tuple[np.ndarray, np.ndarray] | None = None

    def forward(self, p: Any, t: Any) -> float:
        p = _batch(p, "probabilities")
        t = np.asarray(t, dtype=p.dtype)
        loss = functional.binary_cross_entropy(p, t)
        self._cache = (np.clip(p, PROB_FLOOR, 1 - PROB_FLOOR), t)
        return loss

    def backward(self) -> np.ndarray:
        _need_forward(self._cache, "BinaryCrossEntropy")
        p, t = self._cache
        return (p - t) / (p * (1 - p)) * (1.0 / p.size)
