"""A callout for the places where the lecture slides slipped: what the slide says, the correct
value, and why — so a student comparing with the slides is not left confused."""

from __future__ import annotations

import panel as pn

from app.components.formula import markdown_with_math
from app.components.style import CALLOUT, KATEX


def LectureSlip(slide: str, correct: str, because: str, *, what: str = "value") -> pn.pane.LaTeX:
    """``slide`` and ``correct`` are short Markdown (math allowed); ``because`` explains;
    ``what`` names the thing corrected ("value", "formula", ...)."""
    body = markdown_with_math(
        f"The slide says {slide}; the correct {what} is {correct}, because {because}"
    )
    return pn.pane.LaTeX(
        '<div class="callout" role="note" aria-label="Correction to the lecture slides">'
        f'<strong class="tag">Lecture slip</strong>{body}</div>',
        renderer="katex",
        stylesheets=[*KATEX, CALLOUT],
        sizing_mode="stretch_width",
        css_classes=["lecture-slip"],
    )
