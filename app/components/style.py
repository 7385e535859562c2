"""CSS for the shared components.

Bokeh renders every pane inside its own shadow root, so the site's global style.css cannot reach
inside; components pass these rules through ``stylesheets=[...]`` instead.
"""

from __future__ import annotations

CALLOUT = """
.callout { border-left: 5px solid #b45309; background: #fffbeb; color: #1f2937;
  padding: 0.6em 1em; border-radius: 6px; line-height: 1.5; }
.callout strong.tag { color: #92400e; text-transform: uppercase; font-size: 0.8em;
  letter-spacing: 0.05em; display: block; margin-bottom: 0.2em; }
"""

#: The status styles, the one place they are defined: every status line, exercise feedback and
#: warning on the site is a ``<div class="feedback <kind>">`` with one of these kinds.
STATUS_KINDS = ("", "correct", "wrong", "invalid", "info")

FEEDBACK = """
.feedback { padding: 0.5em 0.8em; border-radius: 6px; line-height: 1.45; }
.feedback:empty { display: none; }
.feedback p { margin: 0.15em 0; }
.feedback.correct { background: #ecfdf5; border: 1px solid #059669; color: #065f46; }
.feedback.wrong { background: #fef2f2; border: 1px solid #dc2626; color: #7f1d1d; }
.feedback.invalid { background: #fff7ed; border: 1px solid #ea580c; color: #7c2d12; }
.feedback.info { background: #eff6ff; border: 1px solid #2563eb; color: #1e3a8a; }
"""

CODE = """
:host { width: 100%; }
pre { background: #f8fafc; border: 1px solid #e2e8f0; border-radius: 6px; padding: 0.8em;
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
:host { font-size: 15px; line-height: 1.55; color: #1f2937; max-width: 100%; overflow-x: auto; }
.katex-display { overflow-x: auto; overflow-y: hidden; padding: 2px 0; }
/* A phone gets display math a little smaller: most lines then fit instead of scrolling. */
@media (max-width: 480px) { .katex-display { font-size: 0.88em; } }
p { margin: 0.4em 0; }
table { border-collapse: collapse; margin: 0.4em 0; }
th, td { border: 1px solid #d1d5db; padding: 0.25em 0.6em; text-align: right; }
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
