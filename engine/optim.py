"""Optimizers: ``step(parameters)`` updates every array in place from its gradient.

``parameters`` is what ``Sequential.parameters()`` yields: (name, value, grad) triples. State
(momentum, Adam's moments) is kept per parameter name. ``lr`` may be changed between steps,
which is how a learning-rate schedule is applied.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from engine.model import Parameter


def _check_rate(value: float, name: str, low: float, high: float, high_open: bool = True) -> float:
    value = float(value)
    ok = low <= value < high if high_open else low <= value <= high
    if not ok or not np.isfinite(value):
        closing = ")" if high_open else "]"
        raise ValueError(f"{name} must be in [{low}, {high}{closing}, got {value}")
    return value


class Optimizer:
    def __init__(self, lr: float) -> None:
        if not float(lr) > 0 or not np.isfinite(lr):
            raise ValueError(f"learning rate must be a positive number, got {lr}")
        self.lr = float(lr)
        self.steps = 0

    def step(self, parameters: Iterable[Parameter]) -> None:
        self.steps += 1
        for name, value, grad in parameters:
            if grad is None:
                raise ValueError(f"parameter {name} has no gradient: run backward before step")
            self._update(name, value, grad)

    def _update(self, name: str, value: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """v ← μ·v − lr·g;  θ ← θ + v  (plain gradient descent when momentum μ = 0)."""

    def __init__(self, lr: float, momentum: float = 0.0) -> None:
        super().__init__(lr)
        self.momentum = _check_rate(momentum, "momentum", 0.0, 1.0)
        self._velocity: dict[str, np.ndarray] = {}

    def _update(self, name: str, value: np.ndarray, grad: np.ndarray) -> None:
        if self.momentum == 0.0:
            value -= self.lr * grad
            return
        v = self._velocity.setdefault(name, np.zeros_like(value))
        v *= self.momentum
        v -= self.lr * grad
        value += v


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015): running means of g and g² with bias correction,
    θ ← θ − lr · m̂ / (√v̂ + eps)."""

    def __init__(
        self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8
    ) -> None:
        super().__init__(lr)
        self.beta1 = _check_rate(betas[0], "beta1", 0.0, 1.0)
        self.beta2 = _check_rate(betas[1], "beta2", 0.0, 1.0)
        if not float(eps) > 0:
            raise ValueError(f"eps must be positive, got {eps}")
        self.eps = float(eps)
        self._m: dict[str, np.ndarray] = {}
        self._v: dict[str, np.ndarray] = {}

    def _update(self, name: str, value: np.ndarray, grad: np.ndarray) -> None:
        m = self._m.setdefault(name, np.zeros_like(value))
        v = self._v.setdefault(name, np.zeros_like(value))
        m *= self.beta1
        m += (1 - self.beta1) * grad
        v *= self.beta2
        v += (1 - self.beta2) * grad * grad
        # Python-float factors keep float32 arrays float32 (NumPy 2 promotion rules).
        m_correction = 1.0 / (1 - self.beta1**self.steps)
        v_correction = 1.0 / float(np.sqrt(1 - self.beta2**self.steps))
        value -= (self.lr * m_correction) * m / (np.sqrt(v) * v_correction + self.eps)
