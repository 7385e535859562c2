"""Elementwise idioms whose fastest form differs between native NumPy and Pyodide's.

Pyodide's numpy 2.0.2 is compiled to WebAssembly without BLAS or the SIMD loops native wheels
have, so the same formula can be several times faster one way in the browser and the other
way natively (measured on batch-64 feature maps, see the benchmark scripts).
"""

from __future__ import annotations

import sys

import numpy as np

IN_PYODIDE = sys.platform == "emscripten"


def keep_where(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``values`` where ``mask`` is True and 0 elsewhere, in the dtype of ``values``."""
    if IN_PYODIDE:
        return np.where(mask, values, 0)  # 0.34 ms vs 1.8 ms for values * mask
    return values * mask  # 0.09 ms vs 1.4 ms for np.where
