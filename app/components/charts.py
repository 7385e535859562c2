"""Small Bokeh chart builders shared by the lessons: bars and curves that fit a phone screen.

Each builder returns the figure and the ``ColumnDataSource`` it draws from; a lesson updates
``source.data`` from a ``param``-bound function, and Bokeh redraws without rebuilding the plot.
"""

from __future__ import annotations

from collections.abc import Sequence

from bokeh.models import ColumnDataSource, LabelSet
from bokeh.plotting import figure

PALETTE = ("#2563eb", "#f97316", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#ca8a04", "#db2777")


def _base(title: str, height: int, width: int | None = None, **kwargs):
    # Without a width the chart stretches to its container; with one it can share a row.
    size = {"width": width} if width else {"sizing_mode": "stretch_width", "min_width": 260}
    fig = figure(
        title=title,
        height=height,
        **size,
        toolbar_location=None,
        tools="",
        **kwargs,
    )
    fig.title.text_font_size = "13px"
    return fig


def bar_chart(
    categories: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    y_label: str = "",
    y_range: tuple[float, float] | None = None,
    fmt: str = "{:.3f}",
    height: int = 260,
    width: int | None = None,
) -> tuple[object, ColumnDataSource]:
    """Vertical bars with their value printed above each bar (``fmt`` formats it)."""
    cats = list(categories)
    source = ColumnDataSource(bar_data(cats, values, fmt))
    extra = {"y_range": y_range} if y_range is not None else {}
    fig = _base(title, height, width, x_range=cats, **extra)
    fig.vbar(x="x", top="top", width=0.7, source=source, fill_color="color", line_color=None)
    fig.add_layout(
        LabelSet(
            x="x",
            y="top",
            text="label",
            source=source,
            text_align="center",
            y_offset=3,
            text_font_size="11px",
        )
    )
    fig.yaxis.axis_label = y_label
    fig.xgrid.visible = False
    return fig, source


def bar_data(categories: Sequence[str], values: Sequence[float], fmt: str = "{:.3f}") -> dict:
    """The data dict for ``bar_chart``'s source (labels sit on top of the bar, or at 0)."""
    vals = [float(v) for v in values]
    return {
        "x": list(categories),
        "top": vals,
        "label": [fmt.format(v) for v in vals],
        "color": [PALETTE[i % len(PALETTE)] for i in range(len(vals))],
    }


def line_chart(*, title: str, x_label: str, y_label: str, height: int = 260, **ranges) -> object:
    """An empty figure for curves; add ``fig.line``/``fig.scatter`` glyphs to it."""
    fig = _base(title, height, **ranges)
    fig.xaxis.axis_label = x_label
    fig.yaxis.axis_label = y_label
    return fig
