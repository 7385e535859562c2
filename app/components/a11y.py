"""Accessible names for the parts of Bokeh widgets that BokehJS leaves unnamed.

BokehJS 3.9 renders a slider's handle (``role="slider"``) without an accessible name and a
spinner's up/down buttons without text, so screen readers announce "slider" or "button" and
axe-core reports them. A small script, installed once per page, names every such part from the
widget's own title and keeps doing so as lessons render new widgets: each shadow root gets a
MutationObserver, and a full pass runs at most once per animation frame. The script is
``static/a11y.js``, loaded by the page.

The same pass makes every box that actually scrolls sideways (a long formula or a wide table on
a phone) reachable by keyboard: axe-core fails a scrollable region that cannot take focus. Such a
box gets ``tabindex=0``, ``role=group`` and a name (its table's caption, or "Formula"), and loses
them again once it fits, e.g. after the window is widened.
"""

from __future__ import annotations

import sys

from app.js_calls import call_method


def install() -> None:
    """Start naming Bokeh's slider handles and spinner buttons and making sideways-scrolling
    boxes focusable (browser only; idempotent)."""
    if sys.platform != "emscripten":
        return
    import js

    call_method(js.cnnA11y, "install")  # static/a11y.js
