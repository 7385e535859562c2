"""Matrix products through a registered BLAS ``gemm``: for Pyodide, whose numpy has no BLAS.

Natively numpy's matmul already runs on BLAS and nothing needs registering. In Pyodide numpy's
own loops run large products several times slower than OpenBLAS's ``sgemm``, which Pyodide's
scipy package ships. The engine itself imports only numpy: whoever has a BLAS registers its
gemm explicitly (the trainer's worker, ``static/trainer-worker.js``, and
``benchmarks/pyodide_kernels.py --scipy`` do, with Pyodide's scipy), and with none registered
every product is numpy's. With one, im2col lays its patches out for one product per batch, as
natively, and ``engine.conv.choose_algorithm`` keeps more layers on it.

A gemm is called the way ``scipy.linalg.blas``'s are: ``gemm(alpha, a, b, trans_a=0,
trans_b=0)`` returns alpha·op(a)·op(b) as a Fortran-ordered array, op transposing its operand
when the flag is 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Gemm = Callable[..., np.ndarray]

_GEMMS: dict[np.dtype, Gemm] = {}


def register_gemm(dtype: Any, gemm: Gemm) -> None:
    """Run 2-D products of ``dtype`` arrays through ``gemm`` from now on."""
    _GEMMS[np.dtype(dtype)] = gemm


def unregister_gemms() -> None:
    """Back to numpy's matmul for every dtype."""
    _GEMMS.clear()


def has_gemm(dtype: Any) -> bool:
    """Whether products of ``dtype`` arrays run through a registered gemm."""
    return np.dtype(dtype) in _GEMMS


def _fortran_operand(m: np.ndarray) -> tuple[np.ndarray, int]:
    """(f, trans) with f Fortran-ordered and op(f) == m: no copy when m is C- or F-ordered."""
    if m.flags.f_contiguous:
        return m, 0
    if m.flags.c_contiguous:
        return m.T, 1
    return np.asfortranarray(m), 0


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b. Two 2-D arrays of one dtype with a registered gemm go through it and come back
    C-ordered; anything else is numpy's matmul."""
    gemm = _GEMMS.get(a.dtype)
    if (
        gemm is None
        or a.ndim != 2
        or b.ndim != 2
        or b.dtype != a.dtype
        or a.shape[1] != b.shape[0]
        or 0 in a.shape + b.shape
    ):
        return np.matmul(a, b)
    # BLAS is column-major: computing (a @ b)ᵀ = bᵀ @ aᵀ in Fortran order leaves a @ b in C
    # order, and C-ordered operands are passed as Fortran-ordered transposes, uncopied.
    bt, trans_bt = _fortran_operand(b.T)
    at, trans_at = _fortran_operand(a.T)
    return gemm(1.0, bt, at, trans_a=trans_bt, trans_b=trans_at).T
