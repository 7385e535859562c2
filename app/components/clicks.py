"""Button clicks that see what the student has just typed or picked.

In Pyodide, Panel forwards widget value changes from the browser to Python in debounced batches
(up to ~50 ms late, ``panel.io.pyodide.DEBOUNCE``), but a button click straight away. A click right
after typing can therefore reach Python before the typed text does, and a Check would judge an
empty or stale answer. ``on_click_after_input`` runs the handler once those batched changes have
arrived. Natively (tests, ``panel serve``) changes arrive in order, so the handler runs at once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import panel as pn

#: Longer than Panel's 50 ms debounce, short enough that nobody notices the wait.
SETTLE_MS = 120


def on_click_after_input(button: pn.widgets.Button, handler: Callable[[], None]) -> None:
    """Call ``handler()`` on every click of ``button``, after pending widget changes arrive."""
    if sys.platform != "emscripten":
        button.on_click(lambda _event: handler())
        return

    import js  # exists only inside Pyodide
    from pyodide.ffi import create_once_callable

    button.on_click(lambda _event: js.setTimeout(create_once_callable(handler), SETTLE_MS))
