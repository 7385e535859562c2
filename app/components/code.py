"""“Show the code”: the real source of the engine function behind a result, one click away."""

from __future__ import annotations

import html
import inspect
from collections.abc import Callable

import panel as pn

from app.components.style import CODE, WRAPPING_BUTTON


def source_of(func: Callable) -> str:
    """The function's source, or an honest note when the runtime has no source file for it."""
    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        return f"# The source of {func.__qualname__} is not available in this build."


def ShowCode(func: Callable, *, title: str | None = None) -> pn.Column:
    """A “Show the code: module.name” toggle that reveals the function's source below it."""
    name = f"{func.__module__}.{func.__qualname__}"
    # A toggle rather than a collapsed pn.Card: a collapsed Card still reserved the height of
    # its hidden source in Panel 1.9, leaving a large gap in the lesson.
    toggle = pn.widgets.Toggle(
        label=title or f"Show the code: {name}",
        color="primary",
        variant="outline",
        sizing_mode="stretch_width",
        stylesheets=[WRAPPING_BUTTON],  # module paths are long: app.lessons.backprop.forward_…
    )
    code = pn.pane.HTML(
        f'<pre aria-label="Source code of {name}">'
        f"<code>{html.escape(source_of(func))}</code></pre>",
        stylesheets=[CODE],
        sizing_mode="stretch_width",
        visible=toggle,
    )
    return pn.Column(toggle, code, sizing_mode="stretch_width", css_classes=["show-code"])
