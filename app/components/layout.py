"""Page structure every lesson repeats: a step (heading, explanation, its live widget), a row
that wraps on a phone, and an inline status line for bad input."""

from __future__ import annotations

import html

import panel as pn

from app.components import a11y
from app.components.formula import Text
from app.components.style import FEEDBACK


def lesson_step(title: str, explanation: str, *widgets: object) -> pn.Column:
    """One step of a lesson: a heading, a short explanation (Markdown + math), its live widget."""
    a11y.install()
    return pn.Column(
        pn.pane.HTML(f"<h2>{html.escape(title)}</h2>", margin=(10, 10, 0, 10)),
        Text(explanation),
        *widgets,
        sizing_mode="stretch_width",
        css_classes=["lesson-step"],
    )


def row(*objects: object) -> pn.FlexBox:
    """Side by side on a wide screen, stacked on a phone."""
    return pn.FlexBox(*objects, gap="12px", sizing_mode="stretch_width")


def notice(message: str = "", kind: str = "invalid") -> pn.pane.HTML:
    """A status line (role=status) for bad input; empty means hidden. Update with ``show``."""
    return pn.pane.HTML(
        _notice_html(message, kind), stylesheets=[FEEDBACK], sizing_mode="stretch_width"
    )


def show(pane: pn.pane.HTML, message: str, kind: str = "invalid") -> None:
    """Put ``message`` in a ``notice`` pane (kind: invalid, info, correct, wrong)."""
    pane.object = _notice_html(message, kind)


def _notice_html(message: str, kind: str) -> str:
    return (
        f'<div class="feedback {kind}" role="status" aria-live="polite">'
        f"{html.escape(message)}</div>"
    )
