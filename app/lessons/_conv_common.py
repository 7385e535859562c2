"""Small pieces the four layer lessons (convolution, stride & padding, pooling, backprop) share.

Not a lesson: it holds only the layout and input helpers those lessons would otherwise repeat.
"""

from __future__ import annotations

import html

import numpy as np
import panel as pn

from app.components.answers import AnswerError, parse_vector
from app.components.formula import Text
from app.components.matrix import MatrixView
from app.components.style import FEEDBACK


def parse_matrix(text: str, shape: tuple[int, int], name: str) -> np.ndarray:
    """Read a matrix typed one row per line (numbers split by spaces or commas).

    Raises ``ValueError`` with a message naming the row and what to fix.
    """
    lines = [line for line in (text or "").replace(";", "\n").splitlines() if line.strip()]
    rows, cols = shape
    if len(lines) != rows:
        raise ValueError(f"The {name} needs {rows} rows, one per line; I found {len(lines)}.")
    values = []
    for number, line in enumerate(lines, start=1):
        try:
            row = parse_vector(line)
        except AnswerError as error:
            raise ValueError(f"Row {number} of the {name}: {error}") from None
        if len(row) != cols:
            raise ValueError(f"Row {number} of the {name} has {len(row)} numbers; it needs {cols}.")
        values.append(row)
    return np.array(values, dtype=float)


def matrix_text(values: np.ndarray) -> str:
    """A matrix as the student would type it: one row per line, integers without ``.0``."""
    return "\n".join(" ".join(f"{v:g}" for v in row) for row in np.asarray(values))


def notice(message: str = "", kind: str = "invalid") -> pn.pane.HTML:
    """A status line for bad input (empty = hidden); update it with ``show(pane, msg)``."""
    return pn.pane.HTML(
        _notice_html(message, kind), stylesheets=[FEEDBACK], sizing_mode="stretch_width"
    )


def show(pane: pn.pane.HTML, message: str, kind: str = "invalid") -> None:
    pane.object = _notice_html(message, kind)


def _notice_html(message: str, kind: str) -> str:
    return (
        f'<div class="feedback {kind}" role="status" aria-live="polite">'
        f"{html.escape(message)}</div>"
    )


def lesson_step(title: str, explanation: str, *widgets: object) -> pn.Column:
    """One step of a lesson: a heading, a short explanation (Markdown + math), its live widget."""
    return pn.Column(
        pn.pane.HTML(f"<h2>{html.escape(title)}</h2>", margin=(10, 10, 0, 10)),
        Text(explanation),
        *widgets,
        sizing_mode="stretch_width",
        css_classes=["lesson-step"],
    )


def row(*objects: object) -> pn.FlexBox:
    """Side by side on a wide screen, stacked on a phone."""
    return pn.FlexBox(*(_fixed(obj) for obj in objects), gap="12px", sizing_mode="stretch_width")


def grid_width(values: np.ndarray, cell_size: int) -> int:
    """Width a ``MatrixView`` of these values asks for (it stretches otherwise)."""
    return max(160, np.atleast_2d(values).shape[1] * cell_size + 60) + 10


def _fixed(obj: object) -> object:
    # MatrixView stretches to its container's width, which would put every grid on its own
    # line; a fixed-width wrapper lets the grids sit side by side.
    if isinstance(obj, MatrixView):
        return pn.Column(obj, width=grid_width(obj.values, obj.cell_size))
    return obj


def grid(values: np.ndarray, title: str, **params: object) -> MatrixView:
    """A ``MatrixView`` whose rows and columns are numbered from 1, as the text counts them."""
    params.setdefault("fmt", ".4g")
    return MatrixView(values, title=title, **_labels(values), **params)


def update_grid(view: MatrixView, values: np.ndarray, **params: object) -> None:
    """New values (any shape) for a grid made by ``grid``, relabelled in the same update."""
    view.param.update(values=np.asarray(values, dtype=float), **_labels(values), **params)


def _labels(values: np.ndarray) -> dict[str, list[str]]:
    rows, cols = np.atleast_2d(values).shape
    return {
        "row_labels": [str(r) for r in range(1, rows + 1)],
        "col_labels": [str(c) for c in range(1, cols + 1)],
    }


def num(value: float) -> str:
    """A number as a student would write it: integers without ``.0``, others to 4 digits."""
    value = float(value)
    return str(int(value)) if value == int(value) else f"{value:.4g}"


def bmatrix(values: np.ndarray) -> str:
    """A matrix in LaTeX (``bmatrix``) for prompts and solutions."""
    rows = r" \\ ".join(" & ".join(num(v) for v in row) for row in np.asarray(values))
    return rf"\begin{{bmatrix}} {rows} \end{{bmatrix}}"
