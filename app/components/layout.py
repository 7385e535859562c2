"""Page structure every lesson repeats: a step (heading, explanation, its live widget), a row
that wraps on a phone, an inline status line for bad input, and the wiring that redraws a step
when one of its controls changes."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TypeVar

import panel as pn
import param

from app.components import a11y
from app.components.formula import Text, markdown_with_math
from app.components.style import FEEDBACK, KATEX, STATUS_KINDS, TEXT

T = TypeVar("T")


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


class Message(Text):
    """A status line (role=status) in the site's status styles; empty means hidden.

    The text is Markdown with math, rendered by the one renderer every student-facing message
    goes through (raw HTML is shown as text; see ``formula.literal`` for echoing input).
    """

    kind = param.Selector(default="invalid", objects=list(STATUS_KINDS))

    _rename = {**Text._rename, "kind": None}  # noqa: RUF012 - Panel reads it from the class

    def __init__(self, object: str = "", **params: object) -> None:
        params.setdefault("stylesheets", [*KATEX, TEXT, FEEDBACK])
        super().__init__(object, **params)

    @param.depends("kind", watch=True)
    def _restyle(self) -> None:
        self.param.trigger("object")

    def _transform_object(self, obj) -> dict:
        body = markdown_with_math(obj) if obj else ""
        return {
            "object": f'<div class="feedback {self.kind}" role="status" aria-live="polite">'
            f"{body}</div>"
        }


def notice(message: str = "", kind: str = "invalid", **params: object) -> Message:
    """A status line for bad input or a result; update it with ``show``."""
    return Message(message, kind=kind, **params)


def show(pane: Message, message: str, kind: str = "invalid") -> None:
    """Put ``message`` (Markdown) in a ``notice`` (kind: invalid, info, correct, wrong)."""
    pane.param.update(object=message, kind=kind)


def read_input(message: Message, read: Callable[[], T], keeps: str) -> T | None:
    """What ``read()`` returns, with ``message`` cleared; or None when it raises ValueError
    (``AnswerError`` included), with the error shown and then ``keeps``, which says what stays on
    screen ("The chart keeps your last valid signals.")."""
    try:
        value = read()
    except ValueError as error:
        show(message, f"{error} {keeps}")
        return None
    show(message, "")
    return value


def redraw_on(
    redraw: Callable[..., None], *widgets: object, names: str | list[str] = "value"
) -> None:
    """Call ``redraw`` now and again whenever one of ``widgets`` changes (its ``value``, or the
    parameters ``names``)."""
    for widget in widgets:
        widget.param.watch(redraw, names)
    redraw()


def redraw_button(
    label: str, change: Callable[[], None], redraw: Callable[[], None], **params: object
) -> pn.widgets.Button:
    """A button that changes the step's example (``change()``, e.g. new random numbers) and then
    redraws the step."""
    button = pn.widgets.Button(label=label, **params)

    def clicked(_: object) -> None:
        change()
        redraw()

    button.on_click(clicked)
    return button
