"""Bokeh plots in the page's colour scheme.

The page's colours are CSS custom properties that switch with ``<html data-theme>``
(``static/theme.js``, ``static/style.css``), and every HTML component follows them. Bokeh plots
are drawn on a canvas from model properties, which CSS cannot reach, so the dark scheme is a Bokeh
``Theme`` applied to the lesson's document: when it is built (:func:`apply`) and again whenever
the page switches scheme (:func:`install`). A theme changes only properties a lesson left at
their defaults, and Bokeh sends the changes to the page, so a switch needs no re-render.

Colours a lesson sets itself (curve colours, the heatmaps' palettes) are mid-tones that read on
both backgrounds.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.js_calls import call_method

if TYPE_CHECKING:
    from bokeh.document import Document
    from bokeh.themes import Theme

#: The dark palette of static/style.css, for canvas drawings.
SURFACE = "#182023"
TEXT = "#e4e9eb"
TEXT_SOFT = "#b3bec3"
LINE = "#2e3a3e"
LINE_STRONG = "#5b6b72"

_TEXT = {"text_color": TEXT}
DARK_ATTRS = {
    "Plot": {
        "background_fill_color": SURFACE,
        "border_fill_color": SURFACE,
        "outline_line_color": LINE_STRONG,
    },
    "Axis": {
        "axis_line_color": LINE_STRONG,
        "major_tick_line_color": LINE_STRONG,
        "minor_tick_line_color": LINE_STRONG,
        "major_label_text_color": TEXT_SOFT,
        "axis_label_text_color": TEXT,
    },
    "Grid": {"grid_line_color": LINE},
    "Title": _TEXT,
    "Label": _TEXT,
    "LabelSet": _TEXT,
    "Text": _TEXT,  # the text glyph (fig.text), e.g. the trainer's accuracy marks
    "Legend": {
        "background_fill_color": SURFACE,
        "border_line_color": LINE_STRONG,
        "label_text_color": TEXT,
        "title_text_color": TEXT,
        "inactive_fill_color": SURFACE,
    },
    "ColorBar": {
        "background_fill_color": SURFACE,
        "major_label_text_color": TEXT_SOFT,
        "title_text_color": TEXT,
    },
}

_dark: Theme | None = None


def dark_theme() -> Theme:
    """The dark scheme's Bokeh theme (made once)."""
    global _dark
    if _dark is None:
        from bokeh.themes import Theme

        _dark = Theme(json={"attrs": DARK_ATTRS})
    return _dark


def page_is_dark() -> bool:
    """Whether the page shows the dark scheme (never, outside the browser)."""
    if sys.platform != "emscripten":
        return False
    import js

    return call_method(js.document.documentElement, "getAttribute", "data-theme") == "dark"


def apply(doc: Document, *, dark: bool | None = None) -> None:
    """Give ``doc``'s plots the page's scheme (``dark`` overrides what the page says)."""
    doc.theme = dark_theme() if (page_is_dark() if dark is None else dark) else None


def install(restyle: Callable[[], None]) -> None:
    """Call ``restyle`` whenever the page switches scheme (browser only)."""
    if sys.platform != "emscripten":
        return
    import js
    from pyodide.ffi import create_proxy

    js.window.addEventListener("cnn-theme", create_proxy(lambda _event: restyle()))
