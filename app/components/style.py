"""CSS for the shared components.

Bokeh renders every pane inside its own shadow root, so the site's global style.css cannot reach
inside; components pass these rules through ``stylesheets=[...]`` instead.
"""

from __future__ import annotations

CALLOUT = """
.callout { border-left: 5px solid var(--warn-line); background: var(--warn-bg); color: var(--text);
  padding: 0.6em 1em; border-radius: 6px; line-height: 1.5; }
.callout strong.tag { color: var(--warn-ink); text-transform: uppercase; font-size: 0.8em;
  letter-spacing: 0.05em; display: block; margin-bottom: 0.2em; }
"""

#: The status styles, the one place they are defined: every status line, exercise feedback and
#: warning on the site is a ``<div class="feedback <kind>">`` with one of these kinds.
STATUS_KINDS = ("", "correct", "wrong", "invalid", "info")

FEEDBACK = """
.feedback { padding: 0.5em 0.8em; border-radius: 6px; line-height: 1.45; }
.feedback:empty { display: none; }
.feedback p { margin: 0.15em 0; }
"""

#: Each status kind's colours in the page palette (static/style.css: ``--<name>-bg``, ``-line``,
#: ``-ink``, light and dark).
STATUS_PALETTE = {"correct": "ok", "wrong": "bad", "invalid": "invalid", "info": "info"}


def status_styles(selector: str, palette: dict[str, str], border: str) -> str:
    """One rule per status kind, ``<selector>.<kind>``, in the palette colours ``palette[kind]``
    names; ``border`` is which border carries the line colour (``"border: 1px solid"``)."""
    return "".join(
        f"{selector}.{kind} {{ background: var(--{name}-bg); {border} var(--{name}-line); "
        f"color: var(--{name}-ink); }}\n"
        for kind, name in palette.items()
    )


FEEDBACK += status_styles(".feedback", STATUS_PALETTE, "border: 1px solid")

CODE = """
:host { width: 100%; }
pre { background: var(--code-bg); border: 1px solid var(--line); border-radius: 6px; padding: 0.8em;
  overflow-x: auto; font-size: 0.85em; line-height: 1.45; margin: 0; }
"""

#: Bokeh keeps widget labels and button text on one line; a long one then runs past a phone's
#: edge (how long depends on the fonts the machine has). These let it wrap instead.
WRAPPING_LABEL = """
.bk-input-group { white-space: normal; }
"""
WRAPPING_BUTTON = """
.bk-btn { white-space: normal; overflow-wrap: anywhere; }
"""

SR_ONLY = """
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
"""

TEXT = """
:host { font-size: 15px; line-height: 1.55; color: var(--text); max-width: 100%; overflow-x: auto; }
.katex-display { overflow-x: auto; overflow-y: hidden; padding: 2px 0; }
/* A phone gets display math a little smaller: most lines then fit instead of scrolling. */
@media (max-width: 480px) { .katex-display { font-size: 0.88em; } }
p { margin: 0.4em 0; }
table { border-collapse: collapse; margin: 0.4em 0; }
th, td { border: 1px solid var(--line); padding: 0.25em 0.6em; text-align: right; }
"""

#: KaTeX's own stylesheet, shipped by build.py (which pins KaTeX to the version Panel bundles).
#: Panel's KaTeX pane puts only ``span.katex-html {display: none}`` in its shadow root, so the
#: browser drew KaTeX's MathML copy with its own fonts: brackets and the ``cases`` brace stayed
#: small and unstretched. With KaTeX's class rules inside the shadow root the HTML rendering shows
#: in KaTeX's fonts (their @font-face rules come from the same file in the document head, because
#: a shadow root ignores @font-face) and the MathML copy is kept for screen readers only.
KATEX_CSS = "vendor/katex-0.16.22/katex.min.css"

KATEX_HTML = """
span.katex-html { display: inline; }
"""

KATEX = [KATEX_CSS, KATEX_HTML]
