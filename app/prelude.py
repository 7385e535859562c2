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
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import AbstractContextManager, contextmanager
from inspect import Parameter
from typing import Any

from jinja2 import Environment, Template


def load(panel_cdn_root: str) -> None:
    """Import everything a lesson needs before its own module (``panel_cdn_root``: see
    :func:`app.shell.import_panel`)."""
    # The imports below create ~130,000 objects that live as long as the page, and almost no
    # garbage (~200 objects in cycles). The collector's passes over them while they accumulate
    # were ~80 ms of this function (Pyodide under Node), for nothing: it stays off until they
    # are frozen at the end.
    gc.disable()
    try:
        _import_all(panel_cdn_root)
    finally:
        gc.enable()


def _import_all(panel_cdn_root: str) -> None:
    from app import shell

    # Bokeh's documentation work skipped and page templates deferred while everything imports.
    with (
        bokeh_models_without_signatures(),
        glyph_methods_documented_briefly(),
        templates_compiled_on_first_use(),
    ):
        shell.import_panel(panel_cdn_root)
        # What rendering a lesson imports on top of Panel: Bokeh's plotting API, the Markdown
        # parser behind Panel's Markdown panes, NumPy's masked arrays (Bokeh's serializer), the
        # engine and the shared components.
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

    # Frozen, the objects imported above are no longer traversed by the cyclic garbage
    # collector, whose full passes took ~120 ms each in Pyodide and could fall in the middle of
    # rendering a lesson. No collection first: it found ~20 objects in ~115 ms. The frozen
    # state is saved with the snapshot, so restored visits benefit too.
    gc.freeze()


def bokeh_models_without_signatures() -> AbstractContextManager[None]:
    """Bokeh's own model classes, defined inside this block, skip what Bokeh computes for its
    documentation as each one is defined: an ``__init__`` signature listing its properties with
    their types, and a link to its gallery example (``Model.__init_subclass__``). Only
    ``help()`` and Sphinx read those, and for the ~500 classes of ``bokeh.models`` computing them
    was a tenth of :func:`load`. Everything else about the classes is Bokeh's own."""
    from bokeh.model import Model

    def plain(cls: type[Model]) -> None:
        super(Model, cls).__init_subclass__()

    return _replaced(Model, "__init_subclass__", classmethod(plain))


def glyph_methods_documented_briefly() -> AbstractContextManager[None]:
    """Glyph methods of ``bokeh.plotting`` (``figure.line``, ``figure.scatter``, ...) defined
    inside this block document only their positional arguments. Bokeh builds each one's
    signature and docstring from ``Model.parameters()``, which lists every property of the glyph
    with its default and type; for the ~60 glyph methods that was most of what importing
    ``bokeh.plotting`` cost. A call maps its positional arguments from that list's head, which is
    the glyph's ``_args`` either way, so the methods behave as Bokeh's own."""
    from bokeh.model import Model

    def positional(cls: type[Model]) -> list[tuple[Parameter, str, str]]:
        return [(Parameter(name, Parameter.POSITIONAL_OR_KEYWORD), "", "") for name in cls._args]

    return _replaced(Model, "parameters", classmethod(positional))


def templates_compiled_on_first_use() -> AbstractContextManager[None]:
    """Jinja templates loaded inside this block are compiled when first used instead of when
    loaded. Bokeh and Panel load ~20 page templates (standalone HTML files, notebook output,
    login pages) as they are imported; a lesson page renders none of them, since Panel hands
    BokehJS JSON."""
    load = Environment.get_template

    def deferred(
        env: Environment,
        name: str | Template,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> Template:
        if isinstance(name, Template):
            return name
        return TemplateOnFirstUse.of(lambda: load(env, name, parent, globals))

    return _replaced(Environment, "get_template", deferred)


@contextmanager
def _replaced(owner: type, name: str, value: object) -> Iterator[None]:
    """``owner.name`` is ``value`` inside the block, and what it was before after it."""
    original = owner.__dict__[name]
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)


class TemplateOnFirstUse(Template):
    """A jinja ``Template`` whose compiled contents arrive the first time any of them is read:
    ``Template`` keeps them all in its instance dictionary, so the first attribute missing
    loads the real template and takes its dictionary over."""

    @classmethod
    def of(cls, load: Callable[[], Template]) -> TemplateOnFirstUse:
        template = object.__new__(cls)
        template.__dict__["_load"] = load
        return template

    def __getattr__(self, name: str) -> Any:
        load = self.__dict__.pop("_load", None)
        if load is None:
            raise AttributeError(name)
        self.__dict__.update(load().__dict__)
        return getattr(self, name)


def reseed() -> None:
    """Fresh randomness after a restore: the snapshot holds the first visit's generator states."""
    import random

    random.seed()
    if "numpy.random" in sys.modules:
        import numpy.random

        numpy.random.seed()
