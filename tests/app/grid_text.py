"""Read a layout's HTML panes as text, so grids read as a screen reader hears their captions:
"<title>: 1, 2; 3, 4"."""

from __future__ import annotations

import html
import re

import panel as pn


def captions(layout: pn.viewable.Viewable) -> str:
    """The text of every HTML pane under ``layout`` (messages and grid captions), tags removed."""
    markup = "\n".join(str(pane.object) for pane in layout.select(pn.pane.HTML))
    return html.unescape(re.sub(r"<[^>]+>", "", markup))
