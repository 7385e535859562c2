"""Comparing what the student's function returned with the reference, and showing both.

Values travel from the code worker to the page as JSON, so arrays are sent as grids of display
strings (``shown``): NaN and infinity survive, and the page only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from app.code_exercises.spec import Raises

RTOL = 1e-6
ATOL = 1e-8
NUMERIC_KINDS = "biuf"
#: Arrays with more entries are shown summarized as text (NumPy's "..."), not as a grid: a
#: function that returns a 3000×3000 array must not send 45 MB of cells to the page.
MAX_CELLS = 400


@dataclass(frozen=True)
class Mismatch:
    """Why an answer is wrong. ``problem``: type, dtype, shape, value or raises; ``cell`` is the
    first differing entry of an array (row, column) or (index,)."""

    problem: str
    message: str
    cell: tuple[int, ...] | None = None


def _cell_text(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, Real):
        number = float(value)
        return "nan" if np.isnan(number) else f"{number:.6g}"
    return repr(value)


def shown(value: Any) -> dict[str, Any]:
    """A JSON-able picture of ``value``: ``{"kind": "array", "shape", "cells"}`` for 1-D and 2-D
    numeric arrays of at most ``MAX_CELLS`` entries (a 1-D array is one row), else
    ``{"kind": "text", "text"}``."""
    if (
        isinstance(value, np.ndarray)
        and value.dtype.kind in NUMERIC_KINDS
        and value.ndim in (1, 2)
        and value.size <= MAX_CELLS
    ):
        grid = value.reshape(1, -1) if value.ndim == 1 else value
        cells = [[_cell_text(v) for v in row] for row in grid.tolist()]
        return {"kind": "array", "shape": list(value.shape), "cells": cells}
    if isinstance(value, Raises):
        return {"kind": "text", "text": f"raises {value.error.__name__}"}
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=6, threshold=MAX_CELLS)
        return {"kind": "text", "text": f"{text}\n(shape {value.shape}, dtype {value.dtype})"}
    if isinstance(value, (Real, np.generic)):
        return {"kind": "text", "text": _cell_text(value)}
    text = repr(value)
    return {"kind": "text", "text": text if len(text) <= 400 else text[:400] + "…"}


def _returned(value: Any) -> str:
    return "returned None" if value is None else f"returned a {type(value).__name__}"


def compare(expected: Any, actual: Any) -> Mismatch | None:
    """None when ``actual`` matches ``expected`` (a number, an array or ``Raises``)."""
    if isinstance(expected, Raises):
        return Mismatch(
            "raises",
            f"This case cannot be computed, so your function should raise "
            f"{expected.error.__name__} (the engine says: {expected.message}); "
            f"it {_returned(actual)} instead.",
        )
    if isinstance(expected, np.ndarray):
        return _compare_arrays(expected, actual)
    if isinstance(actual, np.ndarray) and actual.ndim == 0:
        actual = actual.item()
    if isinstance(actual, (bool, np.bool_)) or not isinstance(actual, Real):
        return Mismatch("type", f"Your function {_returned(actual)}; it should return a number.")
    if not np.isclose(float(actual), float(expected), rtol=RTOL, atol=ATOL):
        return Mismatch("value", "The number is not the expected one.")
    return None


def _compare_arrays(expected: np.ndarray, actual: Any) -> Mismatch | None:
    if isinstance(actual, (list, tuple)):
        return Mismatch(
            "type",
            f"Your function {_returned(actual)}; return a NumPy array (wrap it in np.array(...)).",
        )
    if not isinstance(actual, np.ndarray):
        return Mismatch("type", f"Your function {_returned(actual)}; it should return an array.")
    if actual.dtype.kind not in NUMERIC_KINDS:
        return Mismatch(
            "dtype",
            f"Your array has dtype {actual.dtype}; it should hold numbers "
            f"(the expected dtype is {expected.dtype}).",
        )
    if actual.shape != expected.shape:
        return Mismatch(
            "shape", f"Your array has shape {actual.shape}; the expected shape is {expected.shape}."
        )
    close = np.isclose(actual.astype(float), expected, rtol=RTOL, atol=ATOL)
    if close.all():
        return None
    cell = tuple(int(i) for i in np.argwhere(~close)[0])
    where = ", ".join(map(str, cell))
    return Mismatch(
        "value",
        f"{int((~close).sum())} of {close.size} entries differ; the first is at [{where}]: "
        f"expected {_cell_text(expected[cell])}, got {_cell_text(actual[cell])}.",
        cell,
    )
