"""Elementwise idioms whose fastest form differs between native NumPy and Pyodide's.

Pyodide's numpy 2.0.2 is compiled to WebAssembly without BLAS or the SIMD loops native wheels
have, so the same formula can be faster one way in the browser and the other way natively
(``benchmarks/pyodide_kernels.py`` measures both).
"""

from __future__ import annotations

import sys

import numpy as np

IN_PYODIDE = sys.platform == "emscripten"


def keep_where(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``values`` where ``mask`` is True and 0 elsewhere, in the dtype of ``values``."""
    if IN_PYODIDE:
        return np.where(mask, values, 0)  # faster than values * mask in Pyodide
    return values * mask  # faster than np.where natively
