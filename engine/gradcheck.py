"""Finite-difference gradients: the slow, obviously-correct check for backpropagation.

∂f/∂xᵢ ≈ (f(x + eps·eᵢ) − f(x − eps·eᵢ)) / (2·eps), one pair of evaluations per element. Use
float64 inputs: in float32 the rounding error of f swamps the difference quotient.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """Central-difference gradient of the scalar ``f`` at ``x``.

    Each element of ``x`` is nudged in place and restored, so ``f`` may also ignore its
    argument and read ``x`` through a layer that holds it (how parameter gradients are checked).
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f" or not x.flags.c_contiguous:
        raise ValueError("numerical_gradient needs a contiguous floating-point array to nudge")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)  # views, since x is contiguous
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        f_plus = float(f(x))
        flat[i] = original - eps
        f_minus = float(f(x))
        flat[i] = original
        gflat[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """max |a − n| / max(max |a|, max |n|): the worst error relative to the gradient's scale.

    Scaling by the largest entry (not entry by entry) keeps near-zero entries, where any tiny
    rounding looks huge in relative terms, from raising false alarms.
    """
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"gradient shapes differ: {a.shape} vs {n.shape}")
    scale = max(float(np.abs(a).max(initial=0)), float(np.abs(n).max(initial=0)), 1e-12)
    return float(np.abs(a - n).max(initial=0) / scale)


@dataclass
class GradCheck:
    """Analytic and numeric gradients by name ("x" for the input, else the parameter name)."""

    analytic: dict[str, np.ndarray]
    numeric: dict[str, np.ndarray]
    errors: dict[str, float] = field(init=False)

    def __post_init__(self) -> None:
        self.errors = {k: relative_error(self.analytic[k], self.numeric[k]) for k in self.analytic}

    @property
    def max_relative_error(self) -> float:
        return max(self.errors.values())


def check_layer(layer: Any, x: np.ndarray, eps: float = 1e-6, seed: int = 0) -> GradCheck:
    """Compare ``layer.backward`` with finite differences for the input and every parameter.

    The scalar checked is L = Σ forward(x) ⊙ G for a fixed random G, so backward receives
    ∂L/∂y = G: every output element is tested with its own weight.
    """
    x = np.array(x, dtype=np.float64)
    y = layer.forward(x)
    g = np.random.default_rng(seed).standard_normal(y.shape)

    def loss(_: np.ndarray) -> float:
        return float((layer.forward(x) * g).sum())

    layer.forward(x)
    analytic = {"x": layer.backward(g)}
    analytic.update({k: np.array(v) for k, v in layer.grads.items()})
    numeric = {"x": numerical_gradient(loss, x, eps)}
    numeric.update({k: numerical_gradient(loss, p, eps) for k, p in layer.params.items()})
    return GradCheck(analytic, numeric)


def check_loss(loss_fn: Any, prediction: np.ndarray, target: Any, eps: float = 1e-6) -> GradCheck:
    """Compare ``loss_fn.backward()`` with finite differences of ``loss_fn.forward``."""
    prediction = np.array(prediction, dtype=np.float64)
    loss_fn.forward(prediction, target)
    analytic = {"x": loss_fn.backward()}
    numeric = {"x": numerical_gradient(lambda p: loss_fn.forward(p, target), prediction, eps)}
    return GradCheck(analytic, numeric)


def check_model(
    model: Any, loss_fn: Any, x: np.ndarray, target: Any, eps: float = 1e-6
) -> GradCheck:
    """Backpropagation through a whole network and loss against finite differences, for the
    input and every parameter (named as in ``model.parameters()``)."""
    x = np.array(x, dtype=np.float64)

    def loss(_: np.ndarray) -> float:
        return loss_fn.forward(model.forward(x), target)

    loss(x)
    analytic = {"x": model.backward(loss_fn.backward())}
    analytic.update({p.name: np.array(p.grad) for p in model.parameters()})
    numeric = {"x": numerical_gradient(loss, x, eps)}
    numeric.update({p.name: numerical_gradient(loss, p.value, eps) for p in model.parameters()})
    return GradCheck(analytic, numeric)
