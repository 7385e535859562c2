"""Read a layout's text panes as text, so grids read as a screen reader hears their captions:
"<title>: 1, 2; 3, 4"."""

from __future__ import annotations

import html
import re

import panel as pn


def is_text(pane: object) -> bool:
    """HTML panes and the KaTeX panes that show Markdown (lesson text, status messages)."""
    return isinstance(pane, pn.pane.HTML | pn.pane.LaTeX)


def rendered(layout: pn.viewable.Viewable) -> str:
    """The HTML the browser gets from every text pane under ``layout`` (Markdown rendered)."""
    parts = []
    for pane in layout.select(is_text):
        if isinstance(pane, pn.pane.LaTeX):
            parts.append(pane._transform_object(pane.object)["object"])
        else:
            parts.append(str(pane.object))
    return "\n".join(parts)


def captions(layout: pn.viewable.Viewable) -> str:
    """The text of every text pane under ``layout`` (messages and grid captions), tags removed."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered(layout)))
