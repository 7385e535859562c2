"""Backpropagation lesson: the gradients of a conv layer, step by step, checked numerically.

The formulas are computed with ``engine.functional`` (a correlation for ∂E/∂w, a full
convolution for ∂E/∂input), compared with the engine's ``Conv2D.backward`` and with
finite differences from ``engine.gradcheck``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import functional as F
from engine import layers

#: The tiny example: a 4×4 input, a 2×2 kernel and a bias.
TINY_INPUT = np.array([[1, 2, 0, 1], [0, 1, 3, 1], [2, 1, 0, 2], [1, 0, 1, 1]], dtype=float)
START_KERNEL = np.array([[0.5, -0.5], [0.25, 1.0]])
START_BIAS = 0.1
#: The target map is what a "hidden" kernel makes of the input, so gradient descent can reach
#: a loss of zero and the student sees the kernel walk towards it.
HIDDEN_KERNEL = np.array([[1.0, 0.0], [0.0, -1.0]])
HIDDEN_BIAS = 0.5


def target_map() -> np.ndarray:
    return F.correlate2d(TINY_INPUT, HIDDEN_KERNEL) + HIDDEN_BIAS


def loss(y: np.ndarray, t: np.ndarray) -> float:
    """E = ½ Σ (t − y)², the lecture's eq. (13)."""
    return 0.5 * float(np.sum((t - y) ** 2))


@dataclass(frozen=True)
class Gradients:
    """One forward and backward pass through the tiny conv layer."""

    y: np.ndarray
    error: float
    delta: np.ndarray
    grad_w: np.ndarray
    grad_b: float
    grad_x: np.ndarray


def forward_backward(x: np.ndarray, w: np.ndarray, b: float, t: np.ndarray) -> Gradients:
    """Every quantity of the derivation, each from one engine call."""
    y = F.correlate2d(x, w) + b
    delta = y - t  # ∂E/∂y for E = ½Σ(t − y)²
    k = w.shape[0]
    return Gradients(
        y=y,
        error=loss(y, t),
        delta=delta,
        grad_w=F.correlate2d(x, delta),
        grad_b=float(delta.sum()),
        grad_x=F.correlate2d(delta, np.rot90(w, 2), padding=k - 1),
    )


def layer_gradients(
    x: np.ndarray, w: np.ndarray, b: float, delta: np.ndarray
) -> tuple[np.ndarray, float, np.ndarray]:
    """The same gradients from the engine's Conv2D layer: (∂E/∂w, ∂E/∂b, ∂E/∂input)."""
    conv = layers.Conv2D(1, 1, w.shape[0])
    conv.params["W"][...] = w[None, None]
    conv.params["b"][...] = b
    conv.forward(x[None, None])
    grad_x = conv.backward(delta[None, None])
    return conv.grads["W"][0, 0], float(conv.grads["b"][0]), grad_x[0, 0]


def weight_window(x: np.ndarray, delta: np.ndarray, m: int, n: int) -> tuple[np.ndarray, float]:
    """The input block that δ lines up with for ∂E/∂w[m, n], and the resulting sum."""
    block = x[m : m + delta.shape[0], n : n + delta.shape[1]]
    return block, float(np.sum(block * delta))
