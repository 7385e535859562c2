"""A grid of numbers drawn as a heatmap with the value written in every cell.

Used for images, kernels, feature maps and one-hot tables. An optional highlighted window (the
kernel's current position, a pooling window, ...) is outlined. Bokeh draws on a canvas that screen
readers cannot see, so the title and the values are also given as hidden text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, LinearColorMapper
from bokeh.palettes import Blues256
from bokeh.plotting import figure

from app.components.style import SR_ONLY

#: (row, column, height, width) of the outlined window, in cells.
Window = tuple[int, int, int, int]


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

    def __init__(self, values: Sequence | np.ndarray, **params) -> None:
        super().__init__(values=np.asarray(values, dtype=float), **params)
        self._cells = ColumnDataSource(self._cell_data())
        self._window = ColumnDataSource(self._window_data())
        self._mapper = LinearColorMapper(palette=Blues256[::-1][32:], **self._color_range())
        self._figure = self._make_figure()
        self._caption = pn.pane.HTML(self._caption_html(), stylesheets=[SR_ONLY], margin=0)
        # A fixed width (the figure's) lets several grids sit side by side in a row.
        self._layout = pn.Column(
            self._caption, pn.pane.Bokeh(self._figure), width=self._figure.width + 10
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout

    def _grid(self) -> np.ndarray:
        return np.atleast_2d(np.asarray(self.values, dtype=float))

    def _labels(self) -> tuple[list[str], list[str]]:
        rows, cols = self._grid().shape
        return (
            self.row_labels or [str(r) for r in range(rows)],
            self.col_labels or [str(c) for c in range(cols)],
        )

    def _cell_data(self) -> dict[str, list]:
        rows, cols = self._grid().shape
        row_names, col_names = self._labels()
        r, c = np.divmod(np.arange(rows * cols), cols)
        flat = self._grid().ravel()
        # Dark text on pale cells, white text on dark ones, so every label stays readable.
        lo, hi = np.nanmin(flat), np.nanmax(flat)
        shade = (flat - lo) / (hi - lo) if hi > lo else np.zeros_like(flat)
        return {
            "x": [col_names[i] for i in c],
            "y": [row_names[i] for i in r],
            "value": flat.tolist(),
            "label": [_cell_text(v, self.fmt) for v in flat],
            "text_color": ["white" if s > 0.6 else "#111827" for s in shade],
        }

    def _window_data(self) -> dict[str, list]:
        if self.highlight is None:
            return {"x": [], "y": [], "w": [], "h": []}
        row, col, height, width = self.highlight
        n_rows = self._grid().shape[0]
        # Categorical axes place cell i at i + 0.5; rows run top to bottom.
        return {
            "x": [col + width / 2],
            "y": [n_rows - row - height / 2],
            "w": [width],
            "h": [height],
        }

    def _color_range(self) -> dict[str, float]:
        grid = self._grid()
        finite = grid[np.isfinite(grid)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        return {"low": lo, "high": hi if hi > lo else lo + 1}

    def _size(self) -> dict[str, int]:
        rows, cols = self._grid().shape
        return {
            "width": max(160, cols * self.cell_size + 60),
            "height": max(120, rows * self.cell_size + 50),
        }

    def _make_figure(self):
        rows, cols = self._grid().shape
        row_names, col_names = self._labels()
        fig = figure(
            title=self.title or None,
            x_range=col_names,
            y_range=list(reversed(row_names)),
            **self._size(),
            toolbar_location=None,
            tools="",
            x_axis_location="above",
        )
        fig.rect(
            "x",
            "y",
            1,
            1,
            source=self._cells,
            line_color="white",
            fill_color={"field": "value", "transform": self._mapper},
        )
        fig.text(
            "x",
            "y",
            text="label",
            source=self._cells,
            text_align="center",
            text_baseline="middle",
            text_font_size="12px",
            text_color="text_color",
        )
        # The window lives in plain numeric coordinates layered on the categorical grid.
        fig.rect(
            "x",
            "y",
            "w",
            "h",
            source=self._window,
            fill_alpha=0,
            line_color="#dc2626",
            line_width=3,
        )
        fig.grid.visible = False
        fig.axis.major_tick_line_color = None
        fig.axis.axis_line_color = None
        fig.axis.major_label_standoff = 2
        return fig

    def _caption_html(self) -> str:
        rows = "; ".join(", ".join(_cell_text(v, self.fmt) for v in row) for row in self._grid())
        return f'<p class="sr-only">{self.title}: {rows}</p>'

    @param.depends("values", "highlight", "fmt", "row_labels", "col_labels", watch=True)
    def _refresh(self) -> None:
        row_names, col_names = self._labels()
        self._figure.x_range.factors = col_names
        self._figure.y_range.factors = list(reversed(row_names))
        self._figure.update(**self._size())
        self._layout.width = self._figure.width + 10
        self._cells.data = self._cell_data()
        self._window.data = self._window_data()
        self._mapper.update(**self._color_range())
        self._caption.object = self._caption_html()
