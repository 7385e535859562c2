"""Small pieces the four layer lessons (convolution, stride & padding, pooling, backprop) share.

Not a lesson: it holds only the layout and input helpers those lessons would otherwise repeat.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import panel as pn
import param

from app.components.answers import AnswerError, parse_number, parse_vector
from app.components.choices import ChangingSelect
from app.components.matrix import MatrixView
from app.components.style import WRAPPING_LABEL

#: Small images shipped with the site (see app/assets/CREDITS.md).
ASSETS = Path(__file__).resolve().parent.parent / "assets"


def load_mnist_digits() -> np.ndarray:
    """Ten MNIST test digits, entry ``d`` showing the digit ``d`` (uint8, 10×28×28)."""
    return np.load(ASSETS / "mnist_digits.npy")


def load_photo() -> np.ndarray:
    """The public-domain NASA astronaut photo, grayscale 128×128 uint8."""
    return np.load(ASSETS / "astronaut_gray.npy")


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


def parse_count(text: str, name: str, low: int, high: int) -> int:
    """Read a whole number between ``low`` and ``high``; ``ValueError`` says what to fix."""
    try:
        value = parse_number(text)
    except AnswerError as error:
        raise ValueError(f"{name}: {error}") from None
    if value != int(value) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low:,} to {high:,}.")
    return int(value)


def matrix_text(values: np.ndarray) -> str:
    """A matrix as the student would type it: one row per line, integers without ``.0``."""
    return "\n".join(" ".join(f"{v:g}" for v in row) for row in np.asarray(values))


def matrix_box(name: str, values: np.ndarray) -> pn.widgets.TextAreaInput:
    """A text box holding ``values`` as a student types a matrix, labelled with its name and
    shape; ``parse_matrix(box.value, values.shape, name)`` reads it back."""
    rows, cols = np.shape(values)
    return pn.widgets.TextAreaInput(
        label=f"{name[0].upper()}{name[1:]} ({rows}×{cols}, one row per line)",
        value=matrix_text(values),
        rows=rows,
        width=230,
        stylesheets=[WRAPPING_LABEL],
    )


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
    """A number as a student would write it: integers without ``.0``, others (and huge or
    infinite ones, which would print hundreds of digits) to 4 significant digits."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}"


def bmatrix(values: np.ndarray) -> str:
    """A matrix in LaTeX (``bmatrix``) for prompts and solutions."""
    rows = r" \\ ".join(" & ".join(num(v) for v in row) for row in np.asarray(values))
    return rf"\begin{{bmatrix}} {rows} \end{{bmatrix}}"


class Stepper(pn.viewable.Viewer):
    """Step through positions 0…end: Back / Next buttons, Play / Pause, and a labelled jump list.

    Replaces ``pn.widgets.Player``, whose icon buttons and range input have no accessible names.
    """

    value = param.Integer(default=0, bounds=(0, None))
    end = param.Integer(default=0, bounds=(0, None))
    interval = param.Integer(default=900, doc="Milliseconds between steps while playing.")

    def __init__(self, label: str, describe: Callable[[int], str], **params: object) -> None:
        super().__init__(**params)
        self._describe = describe
        self._timer = None
        self._back = pn.widgets.Button(label="◀ Back", width=90)
        self._next = pn.widgets.Button(label="Next ▶", width=90)
        self._play = pn.widgets.Toggle(label="Play", width=90)
        self._jump = ChangingSelect(label=label, options=self._options(), width=230)
        self._back.on_click(lambda _: self._move(-1))
        self._next.on_click(lambda _: self._move(1))
        self._play.param.watch(self._toggle, "value")
        self._jump.param.watch(lambda e: setattr(self, "value", e.new), "value")
        self._layout = pn.Column(pn.Row(self._back, self._next, self._play), self._jump)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout

    def _options(self) -> dict[str, int]:
        return {self._describe(i): i for i in range(self.end + 1)}

    def _move(self, delta: int) -> None:
        self.value = min(max(self.value + delta, 0), self.end)

    def _tick(self) -> None:
        if self.value >= self.end:
            self._play.value = False
        else:
            self._move(1)

    def _toggle(self, event: param.parameterized.Event) -> None:
        if event.new:
            if self.value >= self.end:
                self.value = 0  # play from the start once the end was reached
            self._play.label = "Pause"
            self._timer = pn.state.add_periodic_callback(self._tick, period=self.interval)
        else:
            self._play.label = "Play"
            if self._timer is not None:
                self._timer.stop()
                self._timer = None

    @param.depends("end", watch=True)
    def _new_end(self) -> None:
        self.value = min(self.value, self.end)
        self._jump.param.update(options=self._options(), value=self.value)

    @param.depends("value", watch=True)
    def _sync(self) -> None:
        self._jump.value = self.value
