"""What the page's Python loads before its state is saved (see ``static/boot.js``).

On a first visit the page calls :func:`load`, then saves Pyodide's memory in the browser's
cache; later visits restore that memory instead of starting Python and importing all this
again: NumPy, Panel, Bokeh's plotting API, the engine and the components every lesson uses.
Lesson modules themselves stay out (each is cheap to import and only one is needed; the lesson
the visit opens is then built into the saved state by :func:`app.shell.prepare_saved`), and so
does anything that touches the page: a snapshot can only hold references to JavaScript objects
that the next visit's page has too (see ``serialize`` in ``static/python-state.js``).
"""

from __future__ import annotations

import gc
import sys


def load(panel_cdn_root: str) -> None:
    """Import everything a lesson needs before its own module (``panel_cdn_root``: see
    :func:`app.shell.import_panel`)."""
    from app import shell

    shell.import_panel(panel_cdn_root)
    # What rendering a lesson imports on top of Panel (~0.5 s of a first lesson view in Pyodide):
    # Bokeh's plotting API, the Markdown parser behind Panel's Markdown panes, NumPy's masked
    # arrays (Bokeh's serializer), the engine and the shared components.
    import bokeh.plotting  # noqa: F401
    import linkify_it  # noqa: F401
    import markdown_it  # noqa: F401
    import mdit_py_plugins.deflist
    import mdit_py_plugins.footnote
    import mdit_py_plugins.tasklists  # noqa: F401
    import numpy.ma
    import numpy.random  # noqa: F401

    import app.components.charts
    import app.components.code
    import app.components.exercise
    import app.components.image
    import app.components.layout
    import app.components.matrix
    import app.components.progress_panel  # the course map's, where most visits start
    import app.components.slip  # noqa: F401
    import engine.functional
    import engine.layers
    import engine.losses  # noqa: F401

    # The ~130,000 objects imported above live as long as the page. Frozen, they are no longer
    # traversed by the cyclic garbage collector, whose full passes took ~120 ms each in Pyodide
    # and could fall in the middle of rendering a lesson. The frozen state is saved with the
    # snapshot, so restored visits benefit too.
    gc.collect()
    gc.freeze()


def reseed() -> None:
    """Fresh randomness after a restore: the snapshot holds the first visit's generator states."""
    import random

    random.seed()
    if "numpy.random" in sys.modules:
        import numpy.random

        numpy.random.seed()
