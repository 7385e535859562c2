"""engine.blas: products through a registered gemm equal numpy's, whatever the operands' memory
order, and layers use it once one is registered (as the trainer's worker does with scipy's)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from engine import blas
from engine.layers import Dense
from tests.engine.test_conv import column_major_gemm

GEMMS = {"numpy emulating BLAS": column_major_gemm}
if importlib.util.find_spec("scipy") is not None:  # Pyodide's trainer registers these
    from scipy.linalg.blas import dgemm, sgemm

    GEMMS["scipy"] = {np.dtype(np.float32): sgemm, np.dtype(np.float64): dgemm}


@pytest.fixture(params=sorted(GEMMS))
def calls(request, monkeypatch) -> list[tuple]:
    """Register the gemm under test for float32 and float64; the list records each call."""
    monkeypatch.setattr(blas, "_GEMMS", {})
    found: list[tuple] = []
    for dtype in (np.float32, np.float64):
        gemm = GEMMS[request.param]
        gemm = gemm[np.dtype(dtype)] if isinstance(gemm, dict) else gemm

        def recording(*args, gemm=gemm, **kwargs):
            found.append((args, kwargs))
            return gemm(*args, **kwargs)

        blas.register_gemm(dtype, recording)
    return found


def _operands(rng: np.random.Generator, dtype) -> list[tuple[str, np.ndarray, np.ndarray]]:
    a = rng.standard_normal((5, 7)).astype(dtype)
    b = rng.standard_normal((7, 3)).astype(dtype)
    wide = rng.standard_normal((9, 14)).astype(dtype)
    return [
        ("C-ordered", a, b),
        ("Fortran-ordered", np.asfortranarray(a), np.asfortranarray(b)),
        ("transposed views", np.ascontiguousarray(a.T).T, np.ascontiguousarray(b.T).T),
        ("strided slices", wide[:5, ::2], wide[1:8, :6:2]),
    ]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_products_equal_numpys_for_every_memory_order(calls, dtype) -> None:
    for name, a, b in _operands(np.random.default_rng(0), dtype):
        got = blas.matmul(a, b)
        tol = 1e-5 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(got, a @ b, rtol=tol, atol=tol, err_msg=name)
        assert got.dtype == dtype and got.flags.c_contiguous, name
    assert len(calls) == 4


def test_without_a_registered_gemm_numpy_computes_the_product(monkeypatch) -> None:
    monkeypatch.setattr(blas, "_GEMMS", {})
    a = np.arange(6.0).reshape(2, 3)
    assert not blas.has_gemm(np.float64)
    np.testing.assert_array_equal(blas.matmul(a, a.T), a @ a.T)


def test_stacks_mixed_dtypes_and_mismatched_shapes_are_left_to_numpy(calls) -> None:
    stack = np.ones((2, 3, 4), np.float32)
    assert blas.matmul(stack, np.ones((4, 5), np.float32)).shape == (2, 3, 5)
    mixed = blas.matmul(np.ones((2, 3), np.float32), np.ones((3, 2)))
    assert mixed.dtype == np.float64
    with pytest.raises(ValueError, match="mismatch"):
        blas.matmul(np.ones((2, 3), np.float32), np.ones((4, 2), np.float32))
    assert calls == []


def test_dense_layer_runs_its_three_products_through_the_gemm(calls) -> None:
    layer = Dense(6, 4, rng=0, dtype=np.float32)
    x = np.random.default_rng(1).standard_normal((3, 6)).astype(np.float32)
    y = layer.forward(x)
    grad_y = np.ones_like(y)
    dx = layer.backward(grad_y)
    w = layer.params["W"]
    np.testing.assert_allclose(y, x @ w + layer.params["b"], rtol=1e-5)
    np.testing.assert_allclose(layer.grads["W"], x.T @ grad_y, rtol=1e-5)
    np.testing.assert_allclose(dx, grad_y @ w.T, rtol=1e-5)
    assert len(calls) == 3
