"""Keeps a lesson's Python Bokeh document and the page's BokehJS document in step (Pyodide only).

Panel's ``panel.io.pyodide._link_docs`` does this job, but Panel 1.9's debounce of the page's
changes can apply a change after a newer one: its delayed retry passes ``append=False`` as a
keyword argument through a JavaScript proxy, where it arrives as a (truthy) options object, so
every retry appends its event to the batch again, and a retry that fires last sends its old value
last. A student who typed two values within half a second of the lesson's first change could see
the second in the box while Python kept the first. Here every change the page makes reaches
Python at once and in the order it was made, as with a Bokeh server; Python's changes go to the
page as in Panel. :meth:`DocumentLink.close` also lets go of both documents, which Panel's link
keeps for the life of the page.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import js
import pyodide
from bokeh.document import Document
from bokeh.document.events import DocumentChangedEvent
from bokeh.events import DocumentReady
from panel.io.pyodide import _convert_json_patch, _dict_converter, _process_document_events
from panel.io.state import state


class DocumentLink:
    """Two-way link between ``pydoc`` (held, as :func:`app.shell.build_document` leaves it) and
    ``jsdoc``, the BokehJS document that ``Bokeh.embed.embed_item`` made of it. Linking releases
    the hold, so Python's changes made since the build reach the page."""

    def __init__(self, pydoc: Document, jsdoc: Any) -> None:
        self._pydoc = pydoc
        self._jsdoc = jsdoc
        # True while one of Python's changes is being applied to the page: the page's change
        # events it causes are that change coming back, not the student's.
        self._sending = False
        self._from_page = pyodide.ffi.create_proxy(self._receive)
        jsdoc.on_change(self._from_page, False)
        pydoc.on_change(self._send)
        pydoc.unhold()
        pydoc.on_event("document_ready", partial(state._schedule_on_load, pydoc))
        state._loaded[pydoc] = state._connected[pydoc] = True
        pydoc.callbacks.trigger_event(DocumentReady())

    def _receive(self, event: Any) -> None:
        """Apply one change the page made (a widget the student moved, a click) to Python."""
        if self._sending or getattr(event, "setter_id", None) == "python":
            return
        patch = self._jsdoc.create_json_patch(pyodide.ffi.to_js([event]))
        self._pydoc.apply_json_patch(_convert_json_patch(patch), setter="js")

    def _send(self, event: DocumentChangedEvent) -> None:
        """Apply one change Python made to the page, unless it came from the page."""
        if getattr(event, "setter", None) == "js":
            return
        patch, buffers = _process_document_events(self._pydoc, [event])
        patch = pyodide.ffi.to_js(patch, dict_converter=_dict_converter)
        buffer_map = js.Map.new(js.Object.entries(pyodide.ffi.to_js(buffers)))
        self._sending = True
        try:
            self._jsdoc.apply_json_patch(patch, buffer_map)
        finally:
            self._sending = False

    def close(self) -> None:
        """Stop both directions and release the proxy the page held, so neither document is
        kept alive by the other."""
        self._jsdoc.remove_on_change(self._from_page)
        self._pydoc.remove_on_change(self._send)
        self._from_page.destroy()
