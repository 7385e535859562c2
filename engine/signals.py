"""Convolution of 1-D signals, discrete and continuous: the operation before it became a layer.

``convolve1d`` is the discrete definition, (f * g)[n] = Σ_k f[k] g[n − k], computed with one
vectorized product over sliding windows. Continuous signals are handled by sampling them on a
grid of step ``dt``: the integral ∫ f(τ) g(t − τ) dτ becomes the Riemann sum
``convolve1d(f, g) · dt`` (``convolve_sampled``), and ``slide`` gives what the lecture's four steps
draw at one shift t — the reflected, shifted g(t − τ), the product and its running area.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np


def _as_signal(values: Any, name: str) -> np.ndarray:
    """``values`` as a finite 1-D float array with at least one sample."""
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a list of numbers") from None
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty list of numbers, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinity")
    return a


def convolve1d(f: Any, g: Any) -> np.ndarray:
    """Full discrete convolution: f (M,), g (K,) -> (M + K − 1,), entry n = Σ_k f[k] g[n − k].

    Every output entry is one window of the zero-padded f times the reversed g (the "reflect"
    step), which NumPy does for all n at once.
    """
    f = _as_signal(f, "f")
    g = _as_signal(g, "g")
    padded = np.pad(f, g.size - 1)
    windows = np.lib.stride_tricks.sliding_window_view(padded, g.size)
    return windows @ g[::-1]


def convolve_sampled(f: Any, g: Any, dt: float) -> np.ndarray:
    """(f * g)(t) ≈ Σ_k f(τ_k) g(t − τ_k) dt for signals sampled with step ``dt``.

    If f starts at time a and g at time b, entry n of the result is the value at t = a + b + n·dt.
    """
    if not (np.isfinite(dt) and dt > 0):
        raise ValueError(f"the sampling step must be a positive number, got {dt}")
    return convolve1d(f, g) * dt


class Slide(NamedTuple):
    """What the lecture's steps show at one shift ``t`` on the grid ``tau``."""

    tau: np.ndarray  # (N,) the dummy variable τ
    f: np.ndarray  # (N,) f(τ)
    g_shifted: np.ndarray  # (N,) g(t − τ): g reflected, then shifted by t
    product: np.ndarray  # (N,) f(τ) g(t − τ)
    running_area: np.ndarray  # (N,) ∫ from τ_0 to τ of the product (left Riemann sum)
    value: float  # (f * g)(t), the whole area


def slide(
    f: Callable[[np.ndarray], np.ndarray],
    g: Callable[[np.ndarray], np.ndarray],
    t: float,
    tau: np.ndarray,
) -> Slide:
    """The integrand of (f * g)(t) = ∫ f(τ) g(t − τ) dτ on the evenly spaced grid ``tau``."""
    tau = _as_signal(tau, "tau")
    if tau.size < 2:
        raise ValueError("the grid needs at least two points")
    dt = float(tau[1] - tau[0])
    f_tau = np.asarray(f(tau), dtype=float)
    g_shifted = np.asarray(g(t - tau), dtype=float)
    product = f_tau * g_shifted
    running = np.cumsum(product) * dt
    return Slide(tau, f_tau, g_shifted, product, running, float(running[-1]))
