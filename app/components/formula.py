"""Mathematics on the page, typeset by KaTeX (shipped with the site, never fetched from a CDN).

``Formula`` shows one LaTeX expression. ``Text`` shows a short Markdown explanation that may contain
``$...$`` (inline) and ``$$...$$`` (display) math: Panel's own Markdown pane would hand those to
MathJax, which the site does not ship, so the Markdown is rendered to HTML here and the math is
left for KaTeX's auto-render to typeset in the browser (:mod:`app.components.messages`).
"""

from __future__ import annotations

import panel as pn
import param

from app.components.messages import markdown_with_math
from app.components.style import KATEX, TEXT


class _KaTeXPane(pn.pane.LaTeX):
    """A LaTeX pane that always uses the site's KaTeX, stretches, and has the lesson text style."""

    def __init__(self, object: str = "", **params) -> None:
        params.setdefault("renderer", "katex")
        params.setdefault("sizing_mode", "stretch_width")
        params.setdefault("stylesheets", [*KATEX, TEXT])
        super().__init__(object, **params)


class Formula(_KaTeXPane):
    """One LaTeX expression, e.g. ``Formula(r"H(X) = -\\sum_x p(x)\\log_2 p(x)")``."""

    display = param.Boolean(default=True, doc="Centered on its own line (True) or inline.")

    _rename = {**pn.pane.LaTeX._rename, "display": None}  # noqa: RUF012

    def _transform_object(self, obj) -> dict:
        latex = (obj or "").strip().strip("$")
        return {"object": f"$${latex}$$" if self.display else f"${latex}$"}


class Text(_KaTeXPane):
    """A Markdown paragraph (or a few) with inline ``$...$`` and display ``$$...$$`` math."""

    def _transform_object(self, obj) -> dict:
        return {"object": markdown_with_math(obj or "")}
