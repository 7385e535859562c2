"""Python side of the page shell: mounts one Panel root and swaps lesson views inside it.

``static/boot.js`` owns the route (the URL hash), the static lesson header and the status
attributes on ``<body>``; once Python is up (and :mod:`app.prelude` has loaded Panel, and on a
first visit :func:`prepare_saved` has built the lesson it opens into the state saved then) it
calls :func:`attach_to_page` and :func:`mount` once, then :func:`show` on every route change.
Python is never reloaded between lessons; each lesson's view is rendered into
``<div id="lesson-app">`` as its own Bokeh document.

Lessons are imported lazily, on first visit (through :mod:`app.catalog`), so a lesson that fails
to import or to build its view breaks only its own route: :func:`show` reports the failure
instead of raising.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Literal, NotRequired, TypedDict

from app import catalog
from app.components import shared_link

if TYPE_CHECKING:
    from bokeh.document import Document
    from panel.viewable import Viewable

    from app.doclink import DocumentLink

Status = Literal["ok", "static", "unavailable", "error"]
#: Builds the rest of a lesson after its first steps (None: there is no rest).
RestBuilder = Callable[[], "Viewable | None"]


class ShowResult(TypedDict):
    status: Status
    message: str
    #: What a shared link asked for and the lesson left out, one plain-text note each.
    notes: list[str]
    #: Whether the lesson shown had been built before it was asked for (:func:`prepare`,
    #: :func:`prepare_saved`), so that showing it only put it on the page.
    built_ahead: NotRequired[bool]


_target = "lesson-app"


@dataclass
class _Part:
    """A view and its Bokeh document (held), with the item BokehJS embeds: built, not shown."""

    view: Viewable
    document: Document
    item: dict

    def discard(self) -> None:
        """Release the models of a part that will not be shown."""
        _release(self.view, self.document)


def _release(view: Viewable, document: Document) -> None:
    """Release the Bokeh models of ``view`` in ``document``; if the document is linked to the
    page's, BokehJS removes their views."""
    for root in list(document.roots):
        view._cleanup(root)
    document.clear()


#: The parts of the lesson on the page, in page order (its first step, then the rest): each view,
#: the Bokeh document it is rendered in and that document's link to the page's.
_mounted: list[tuple[Viewable, Document, DocumentLink]] = []
#: The link of the lesson on the page: restores a shared link's values, keeps the URL current.
_link: shared_link.LinkState | None = None
#: The rest of the lesson on the page, which :func:`show_rest` shows: what builds its view, or
#: its part if it was built ahead.
_rest: RestBuilder | _Part | None = None


@dataclass
class _Prepared:
    """A lesson built ahead of its click (see :func:`prepare`): everything :func:`show` and
    :func:`show_rest` do before the page is touched. Kept in ``_prepared`` under its slug."""

    first: _Part
    #: Its steps after the first (see :func:`build_parts`), built or what builds them, if it
    #: has any.
    rest: _Part | RestBuilder | None
    controls: list[shared_link.Control]
    #: The lesson's stored progress when it was built (its exercises show solved marks and
    #: problem draws from it); stale once that changes.
    progress: object

    def discard(self) -> None:
        """Release the models of a lesson built ahead that will not be shown."""
        self.first.discard()
        if isinstance(self.rest, _Part):
            self.rest.discard()


#: Lessons built ahead, oldest first: the next one, built while the student reads the current
#: one, and one the pointer rested on in the lesson list. At most ``KEEP_PREPARED``.
_prepared: dict[str, _Prepared] = {}
KEEP_PREPARED = 2
#: Set while a lesson is being built ahead; :func:`show` waits for it.
_preparing: asyncio.Future | None = None
#: The lesson :func:`show` put on the page last: its next one is kept before any other.
_shown: str | None = None


def import_panel(panel_cdn_root: str) -> None:
    """Configure Panel for this site, then import it (the slowest step of a first boot).

    ``panel_cdn_root`` is the absolute URL of the site's ``static/panel/`` folder: Panel builds its
    CSS links from ``PANEL_CDN_ROOT`` at import time and would otherwise point at its CDN.
    Touches nothing on the page, so the result can be saved in a memory snapshot.
    """
    import pyodide.ffi

    os.environ["PANEL_CDN_ROOT"] = panel_cdn_root
    # Panel 1.9 expects Pyodide >= 0.28, where JS null converts to ``jsnull``; in 0.27 it
    # converts to None, so a sentinel that nothing equals keeps Panel's null checks correct.
    if not hasattr(pyodide.ffi, "jsnull"):
        pyodide.ffi.jsnull = object()
    import panel

    use_pure_sanitizer()
    # Registers the KaTeX model up front, as pn.extension("katex") would, so LaTeX panes render.
    import panel.models.katex  # noqa: F401


def attach_to_page() -> None:
    """What this page needs on every visit, restored or not: the accessibility helpers and
    plots that follow the page's colour scheme."""
    from app.components import a11y, theme

    # Names BokehJS's unnamed slider handles / spinner buttons on every route, trainer included.
    a11y.install()
    theme.install(restyle_mounted)


def restyle_mounted() -> None:
    """Redraw the shown lesson's plots in the page's current colour scheme."""
    from app.components import theme

    for _view, pydoc, _document_link in _mounted:
        theme.apply(pydoc)
    if isinstance(_rest, _Part):
        theme.apply(_rest.document)


def use_pure_sanitizer() -> None:
    """Let Panel sanitize HTML with :mod:`app.html_sanitizer` where ``nh3`` is not installed."""
    try:
        import nh3  # noqa: F401
    except ImportError:
        from panel.util import HTML_SANITIZER

        from app import html_sanitizer

        # LazyHTMLSanitizer imports nh3 on first use unless its function is already set.
        HTML_SANITIZER._sanitize = html_sanitizer.clean


async def mount(target: str) -> None:
    """Prepare Panel's browser document state; lessons are then rendered into ``target``."""
    from panel.io.pyodide import init_doc

    global _target
    init_doc()
    _target = target


def build_document(target: str, view: Viewable) -> tuple[Document, dict]:
    """The Bokeh document of ``view`` (held) and the item that BokehJS embeds into ``target``.

    Everything Python does to render a lesson, and nothing that needs the page.
    """
    pydoc = _models(view)
    return pydoc, _embed_item(target, pydoc)


async def _build_part(view: Viewable, still_wanted: Callable[[], bool]) -> _Part | None:
    """:func:`build_document` of ``view`` in two steps with the page's event loop between them,
    so that a click or a key press waits at most one step; None as soon as ``still_wanted()``
    is false."""
    await asyncio.sleep(0)  # the page's events go first
    if not still_wanted():
        return None
    with no_collection_pauses():
        pydoc = _models(view)
    await asyncio.sleep(0)
    if not still_wanted():
        _release(view, pydoc)
        return None
    with no_collection_pauses():
        item = _embed_item(_target, pydoc)
    return _Part(view, pydoc, item)


def _models(view: Viewable) -> Document:
    """A new held Bokeh document with the Bokeh models of ``view`` as its root, in the page's
    colour scheme."""
    from bokeh.document import Document

    from app.components import theme

    pydoc = Document()
    theme.apply(pydoc)
    pydoc.hold()
    view.server_doc(doc=pydoc, location=False)
    return pydoc


def _embed_item(target: str, pydoc: Document) -> dict:
    """What ``Bokeh.embed.embed_item`` needs to show ``pydoc`` in the element ``target``."""
    import bokeh
    from bokeh.embed.util import standalone_docs_json_and_render_items

    model = pydoc.roots[0]
    docs_json, _ = standalone_docs_json_and_render_items([model], suppress_callback_warning=True)
    return {
        "target_id": target,
        "root_id": model.ref["id"],
        "doc": next(iter(docs_json.values())),
        "version": bokeh.__version__,
    }


async def _render(pydoc: Document, item: dict) -> DocumentLink:
    """Show ``pydoc`` (from :func:`build_document`, with its ``item``) on the page, after what
    its target shows already, and link the two documents.

    Like Panel's ``panel.io.pyodide.write``, with three differences. It returns the link, which
    :func:`unmount` needs. It links with :class:`app.doclink.DocumentLink`, which keeps the
    order of the student's changes. And it adds no ``Location`` model: that model pushes a
    history entry for the hash the shell routes on, so Back would need two presses. A fresh
    document per lesson (rather than patching one long-lived root) matters too: BokehJS learns
    the types of custom components (``JSComponent`` data models) only from a document's
    definitions, and a lesson imported later defines new ones.
    """
    import js

    from app.doclink import DocumentLink

    views = await js.window.Bokeh.embed.embed_item(js.JSON.parse(json.dumps(item)))
    return DocumentLink(pydoc, next(iter(views.roots)).model.document)


def unmount() -> None:
    """Remove the current lesson's views from the page and release its models."""
    global _mounted, _link, _rest
    if _link is not None:
        _link.close()
        _link = None
    if isinstance(_rest, _Part):
        _rest.discard()
    _rest = None
    mounted, _mounted = _mounted, []
    for view, pydoc, document_link in mounted:
        _release(view, pydoc)  # while still linked, so that BokehJS removes the views
        document_link.close()


def build_view(slug: str, module: ModuleType) -> Viewable:
    """The whole interactive part of a lesson in one view: its declared ``SECTIONS`` and
    ``EXERCISES``, or what its ``view()`` builds for a page that is not made of steps (the
    trainer). The page shows the same steps in the two parts of :func:`build_parts`; this one
    piece is what the lessons' tests look through."""
    if hasattr(module, "view"):
        return module.view()
    from app.components.page import lesson_page

    return lesson_page(slug, module.SECTIONS, getattr(module, "EXERCISES", ()))


def build_parts(slug: str, module: ModuleType) -> tuple[Viewable, RestBuilder]:
    """:func:`build_view` in two parts: the view of a lesson's first steps, and what builds the
    rest of it when called (see ``app.components.page.lesson_parts``). A page that is not made
    of steps is all first part."""
    if hasattr(module, "view"):
        return module.view(), _no_rest
    from app.components.page import lesson_parts

    return lesson_parts(slug, module.SECTIONS, getattr(module, "EXERCISES", ()))


def _no_rest() -> None:
    return None


def load_view(slug: str, whole: bool = False) -> tuple[ShowResult, Viewable | None, RestBuilder]:
    """Import the lesson for ``slug`` and build its first part (:func:`build_parts`), and with
    ``whole`` its rest too (the builder returned then only hands it over); never raises. The
    view is None where there is nothing to show."""
    info = catalog.lesson(slug)
    name = f"app.lessons.{info.module}"
    try:
        module = catalog.module(info.slug)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            return _failure(exc), None, _no_rest
        status: Status = "static" if info.slug == catalog.DEFAULT_SLUG else "unavailable"
        return {"status": status, "message": "", "notes": []}, None, _no_rest
    except Exception as exc:
        return _failure(exc), None, _no_rest
    try:
        view, rest = build_parts(info.slug, module)
        if whole:
            rest = _built(rest())
    except Exception as exc:
        return _failure(exc), None, _no_rest
    return {"status": "ok", "message": "", "notes": []}, view, rest


def _failure(exc: BaseException) -> ShowResult:
    # The full traceback goes to the console for developers; the student sees one line.
    traceback.print_exception(exc, file=sys.stdout)
    sys.stdout.flush()
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    message = f"{type(exc).__name__}: {first_line}".rstrip(": ")
    return {"status": "error", "message": message, "notes": []}


@contextmanager
def no_collection_pauses() -> Iterator[None]:
    """Hold off the cyclic garbage collector while a lesson is built.

    Building a lesson allocates enough short-lived objects to set off collection after
    collection (see ``benchmarks/boot_cpu.py``). The garbage of one build is collected later, at
    the next automatic collection.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def write_hash(hash_text: str) -> None:
    """Put ``#<hash_text>`` into the address bar (``cnnShareLink.write``: no history entry, and
    nothing if the student has meanwhile gone to another route)."""
    import js

    js.cnnShareLink.write(hash_text)


async def show(slug: str, query: str = "") -> ShowResult:
    """Show the lesson ``slug`` in place of the current one (unknown slugs show the course map),
    with the values of a shared link's ``query`` (``kernel=Sharpen&digit=7``) in its controls.

    A lesson of steps shows its first step only, and :func:`show_rest` the others. Only the
    sections of the first step are built, unless a ``query`` is given: then all of them, so that
    every value it names is applied (or noted as left out) before anything is shown.
    """
    global _mounted, _link, _shown, _rest
    info = catalog.lesson(slug)
    _shown = info.slug
    ready = await _take_prepared(info.slug, query)
    with no_collection_pauses():
        if ready is None:
            with shared_link.collect() as controls:
                result, view, rest = load_view(slug, whole=bool(query))
        else:
            result = {"status": "ok", "message": "", "notes": []}
            view, controls, rest = ready.first.view, ready.controls, ready.rest
        unmount()
        if view is None:
            return result
        link = shared_link.LinkState(info.slug, controls, write_hash)
        result["notes"] = link.apply(query)
        try:
            first = ready.first if ready else _Part(view, *build_document(_target, view))
            _mounted = [(view, first.document, await _render(first.document, first.item))]
        except Exception as exc:  # building the Bokeh models of the view can fail too
            if isinstance(rest, _Part):
                rest.discard()
            return _failure(exc)
        link.start()
        _link = link
        _rest = rest
    result["built_ahead"] = ready is not None
    return result


async def show_rest(still_wanted: Callable[[], bool]) -> ShowResult | None:
    """Show the rest of the lesson :func:`show` showed the first step of, below it, while the
    student can already use that step: its Bokeh models are built (unless they were built
    ahead) in steps with the page's event loop between them.

    Returns None, leaving the rest unshown, as soon as ``still_wanted()`` is false (the student
    went to another route); otherwise the lesson's status once all of it is on the page.
    """
    global _rest
    rest, _rest = _rest, None
    try:
        part = await _build_rest(rest, still_wanted) if callable(rest) else rest
        if not still_wanted() or not _mounted:
            if part is not None:
                part.discard()
            return None
        if part is not None:
            _mounted.append((part.view, part.document, await _render(part.document, part.item)))
    except Exception as exc:  # building a later step or its Bokeh models can fail too
        return _failure(exc)
    return {"status": "ok", "message": "", "notes": []}


async def _build_rest(build: RestBuilder, still_wanted: Callable[[], bool]) -> _Part | None:
    """The rest of the shown lesson, built, its controls added to the lesson's link; None if
    there is no rest or it is no longer wanted."""
    await asyncio.sleep(0)  # the page's events (the student's first change) go first
    if not still_wanted():
        return None
    with no_collection_pauses(), shared_link.collect() as controls:
        view = build()
    if _link is not None:
        _link.add(controls)
    return None if view is None else await _build_part(view, still_wanted)


async def prepare_next(slug: str) -> None:
    """Build the lesson after ``slug`` in course order (the lesson list's next, the ``n`` key)
    while the student reads ``slug``, so that :func:`show` only has to put it on the page."""
    following = catalog.following(slug)
    if following is not None:
        await prepare(following)


async def prepare(slug: str) -> None:
    """Build the lesson ``slug`` ahead of its click (the next one, see :func:`prepare_next`, or
    one the pointer rests on in the lesson list), so that :func:`show` only has to put it on
    the page.

    Python's part of showing a lesson (~0.4 s in the browser) runs here in five steps with the
    page's event loop between them (the view, then the models and the embedding JSON of its first
    step and of its rest), so a click or a key press waits at most one step. Nothing
    is built while another build is under way, or for a lesson already built or on the page.
    Pages that build their own ``view()`` (the course map, the trainer, which starts a worker)
    and lessons that fail to build are left to :func:`show`. Keeps ``KEEP_PREPARED`` lessons,
    the shown lesson's next one first; the oldest other goes.
    """
    global _preparing
    slug = catalog.lesson(slug).slug
    if _preparing is not None or slug in _prepared or slug == _shown:
        return
    _preparing = asyncio.get_running_loop().create_future()
    try:
        ready = await _build_ahead(slug)
        if ready is not None:
            _prepared[slug] = ready
            _keep_prepared()
    except Exception as exc:  # show() builds it again and reports the failure to the student
        traceback.print_exception(exc, file=sys.stdout)
    finally:
        _preparing.set_result(None)
        _preparing = None


def prepare_saved(slug: str) -> None:
    """Build the first step of the lesson ``slug`` before the page shows it: what a first visit
    does before Python's state is saved (see ``static/boot.js``), so that the saved state holds
    it built and a later visit to the same lesson, restoring that state, only has to put it on
    the page (while its progress and colour scheme are still as saved; otherwise :func:`show`
    builds it again). The visit that saves the state shows the same build, so this costs it
    nothing. Keeps no reference to anything on the page (a snapshot could not hold it); pages
    that build their own ``view()`` and lessons that fail to build are left to :func:`show`.
    """
    slug = catalog.lesson(slug).slug
    try:
        views = _views_ahead(slug, with_rest=False)
        if views is None:
            return
        view, build_rest, controls, progress = views
        with no_collection_pauses():
            first = _Part(view, *build_document(_target, view))
    except Exception as exc:  # show() builds it again and reports the failure to the student
        traceback.print_exception(exc, file=sys.stdout)
        return
    _prepared[slug] = _Prepared(first, build_rest, controls, progress)


def forget_prepared() -> None:
    """Release every lesson built ahead (a snapshot that cannot hold them is taken without)."""
    while _prepared:
        _prepared.popitem()[1].discard()
    gc.collect()


def _keep_prepared() -> None:
    """Release the oldest lessons built ahead beyond ``KEEP_PREPARED``, never the next one of
    the lesson on the page."""
    following = catalog.following(_shown) if _shown else None
    while len(_prepared) > KEEP_PREPARED:
        oldest = next(slug for slug in _prepared if slug != following)
        _prepared.pop(oldest).discard()


async def _build_ahead(slug: str) -> _Prepared | None:
    views = _views_ahead(slug, with_rest=True)
    if views is None:
        return None
    view, rest_view, controls, progress = views
    first = await _build_part(view, _always)
    rest = None if rest_view is None else await _build_part(rest_view, _always)
    return _Prepared(first, rest, controls, progress)


def _views_ahead(
    slug: str, *, with_rest: bool
) -> tuple[Viewable, Viewable | RestBuilder | None, list[shared_link.Control], object] | None:
    """The views of lesson ``slug`` built ahead: its first step's, its rest's (``with_rest``) or
    what builds that, the controls they declared and the lesson's :func:`_freshness`; None for
    a page that builds its own ``view()``."""
    module = catalog.module(slug)
    if not hasattr(module, "SECTIONS"):
        return None
    progress = _freshness(slug)
    with no_collection_pauses(), shared_link.collect() as controls:
        view, rest = build_parts(slug, module)
        if with_rest:
            rest = rest()
    return view, rest, controls, progress


def _always() -> bool:
    return True


def _built(view: Viewable | None) -> RestBuilder:
    """A :data:`RestBuilder` for a view built already."""
    return lambda: view


async def _take_prepared(slug: str, query: str) -> _Prepared | None:
    """The lesson built ahead for ``slug`` (a catalog slug), taken out of those kept, if it is
    still as :func:`show` would build it now (no shared link's values to apply, same progress
    and colour scheme), else None (a stale one is released). Waits for a build under way."""
    if _preparing is not None:
        await _preparing
    ready = _prepared.pop(slug, None)
    if ready is None:
        return None
    if not query and ready.progress == _freshness(slug):
        return ready
    ready.discard()
    return None


def _freshness(slug: str) -> object:
    """What a built lesson shows from outside its own code: its stored progress (solved marks,
    problem draws) and the page's colour scheme."""
    from app import progress
    from app.components import theme

    return progress.load().get(slug), theme.page_is_dark()
