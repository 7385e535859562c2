"""A grid of numbers drawn as a heatmap with the value written in every cell.

Used for images, kernels, feature maps and one-hot tables. An optional highlighted window (the
kernel's current position, a pooling window, ...) is outlined. The grid is one HTML table in one
pane, because a Bokeh figure per grid (several Bokeh models each) made lessons with twenty grids
slow to open in Pyodide. The caption shows the title and also reads the
values out row by row for screen readers.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import panel as pn
import param
from bokeh.palettes import Blues256

from app.components.style import SR_ONLY

#: (row, column, height, width) of the outlined window, in cells.
Window = tuple[int, int, int, int]

#: Pale to dark blue; the palest eighth is dropped so the smallest value still reads as a cell.
PALETTE = Blues256[::-1][32:]

#: The outline of the highlighted window (style.css palette: red on both backgrounds).
WINDOW_COLOR = "var(--mark)"

#: Pixels a title may widen a grid to; a longer title wraps onto a second line.
TITLE_MAX_WIDTH = 330


def _luminance(hex_colors: list[str]) -> np.ndarray:
    """WCAG relative luminance of each ``#rrggbb``."""
    # The whole palette in one array operation: NumPy calls per colour (224 of them) were a
    # noticeable part of every first visit's imports in Pyodide.
    channels = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in hex_colors]) / 255
    linear = np.where(channels <= 0.03928, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)
    return linear @ [0.2126, 0.7152, 0.0722]


#: Black or white text on each palette colour, whichever contrasts more: pure black and white
#: keep every cell above WCAG's 4.5:1 (a softer gray fell short on the middle blues).
TEXT_ON = ["#000" if (lum + 0.05) ** 2 > 1.05 * 0.05 else "#fff" for lum in _luminance(PALETTE)]

STYLE = f"""
:host {{ max-width: 100%; overflow-x: auto; }}
table {{ border-collapse: collapse; font: 12px/1 system-ui, sans-serif; margin: 2px; }}
caption {{ font-weight: 600; font-size: 13px; text-align: left; padding: 0 0 4px 2px;
  color: var(--text); white-space: nowrap; }}
caption.wraps {{ white-space: normal; line-height: 1.25; }}
th {{ color: var(--text-soft); font-weight: normal; padding: 0 3px; white-space: nowrap; }}
td {{ border: 1px solid var(--cell-line); text-align: center; padding: 0; }}
td.t {{ border-top: 3px solid {WINDOW_COLOR}; }}
td.b {{ border-bottom: 3px solid {WINDOW_COLOR}; }}
td.l {{ border-left: 3px solid {WINDOW_COLOR}; }}
td.r {{ border-right: 3px solid {WINDOW_COLOR}; }}
"""


def _cell_text(value: float, fmt: str) -> str:
    return format(value, fmt) if np.isfinite(value) else "–"


class MatrixView(pn.viewable.Viewer):
    """``MatrixView(values, title=..., highlight=(r, c, h, w))``; set ``.values`` to update."""

    values = param.Array(doc="2-D array of numbers to show.")
    title = param.String(default="", doc="Shown above the grid and read out by screen readers.")
    highlight = param.Tuple(default=None, length=4, allow_None=True, doc="(row, col, h, w).")
    row_labels = param.List(default=None, allow_None=True, item_type=str)
    col_labels = param.List(default=None, allow_None=True, item_type=str)
    fmt = param.String(default=".3g", doc="Python format spec for the cell labels.")
    cell_size = param.Integer(default=44, bounds=(16, 120), doc="Preferred cell size in pixels.")
    corner = param.String(
        default="row \\ column",
        doc="What rows and columns stand for: the corner header cell's (visually hidden) name.",
    )

    def __init__(self, values: Sequence | np.ndarray, **params) -> None:
        super().__init__(values=np.asarray(values, dtype=float), **params)
        # A fixed width lets several grids sit side by side in a row; a phone scrolls a wide one.
        self._pane = pn.pane.HTML(
            self.html(), stylesheets=[SR_ONLY, STYLE], width=self.width(), margin=(5, 5)
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._pane

    def _grid(self) -> np.ndarray:
        return np.atleast_2d(np.asarray(self.values, dtype=float))

    def _labels(self) -> tuple[list[str], list[str]]:
        rows, cols = self._grid().shape
        return (
            self.row_labels or [str(r) for r in range(rows)],
            self.col_labels or [str(c) for c in range(cols)],
        )

    def _title_width(self) -> int:
        return _title_width(self.title)

    def width(self) -> int:
        """Pixels the grid asks for: its cells, the row labels, and room for the title.

        A title longer than ``TITLE_MAX_WIDTH`` wraps instead of widening the grid, so the
        10×10 confusion matrix still fits a 390 px phone.
        """
        cols = self._grid().shape[1]
        label = 7 * max(len(name) for name in self._labels()[0]) + 16
        return max(
            160, cols * self.cell_size + label + 10, min(self._title_width(), TITLE_MAX_WIDTH)
        )

    def html(self) -> str:
        """The grid as an HTML table (also what tests read)."""
        row_labels, col_labels = self._labels()
        return grid_html(
            self._grid(),
            title=self.title,
            highlight=self.highlight,
            row_labels=row_labels,
            col_labels=col_labels,
            fmt=self.fmt,
            cell_size=self.cell_size,
            corner=self.corner,
        )

    @param.depends("values", "highlight", "fmt", "row_labels", "col_labels", "corner", watch=True)
    def _refresh(self) -> None:
        self._pane.param.update(object=self.html(), width=self.width())


def _title_width(title: str) -> int:
    """Pixels a caption needs on one line (about 8 per character)."""
    return 8 * len(title) + 10


def _colors(grid: np.ndarray) -> np.ndarray:
    """Palette index of every cell, from the smallest value (palest) to the largest."""
    finite = grid[np.isfinite(grid)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    shade = np.nan_to_num((grid - lo) / (hi - lo) if hi > lo else np.zeros_like(grid))
    return np.clip((shade * (len(PALETTE) - 1)).round().astype(int), 0, len(PALETTE) - 1)


def _edges(highlight: Window | None, r: int, c: int) -> str:
    """CSS classes outlining the highlighted window on the cells of its border."""
    if highlight is None:
        return ""
    top, left, height, width = highlight
    if not (top <= r < top + height and left <= c < left + width):
        return ""
    sides = {
        "t": r == top,
        "b": r == top + height - 1,
        "l": c == left,
        "r": c == left + width - 1,
    }
    return " ".join(side for side, on in sides.items() if on)


def grid_html(
    values: np.ndarray,
    *,
    title: str,
    highlight: Window | None,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    fmt: str,
    cell_size: int,
    corner: str,
) -> str:
    """A 2-D grid as ``MatrixView``'s HTML table, for a pane that shows several grids at once
    (the table needs ``MatrixView``'s stylesheets: ``SR_ONLY`` and ``STYLE``)."""
    grid = np.atleast_2d(np.asarray(values, dtype=float))
    index = _colors(grid)
    # A minimum, not a width: a narrow pane scrolls instead of squeezing the cells.
    box = f"min-width:{cell_size - 2}px;height:{cell_size - 2}px"
    head = "".join(f'<th scope="col">{html.escape(name)}</th>' for name in col_labels)
    body = []
    for r, row in enumerate(grid):
        cells = []
        for c, value in enumerate(row):
            edges = _edges(highlight, r, c)
            cls = f' class="{edges}"' if edges else ""
            shade = index[r, c]
            cells.append(
                f'<td{cls} style="background:{PALETTE[shade]};color:{TEXT_ON[shade]};'
                f'{box}">{_cell_text(value, fmt)}</td>'
            )
        body.append(f'<tr><th scope="row">{html.escape(row_labels[r])}</th>{"".join(cells)}</tr>')
    wraps = ' class="wraps"' if _title_width(title) > TITLE_MAX_WIDTH else ""
    spoken = "; ".join(", ".join(_cell_text(v, fmt) for v in row) for row in grid)
    return (
        # A short title stays on one line even where it is wider than the cells below it.
        f'<table class="matrix"><caption{wraps}>{html.escape(title)}<span class="sr-only">: '
        f'{spoken}</span></caption><thead><tr><th><span class="sr-only">{html.escape(corner)}'
        f"</span></th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
