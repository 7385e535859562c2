"""How the trainer page writes text: status messages, the layer table, durations."""

from __future__ import annotations

import html
from typing import Any

import panel as pn

from app.components.style import status_styles
from app.trainer import spec

STATUS_CSS = """
:host { display: block; }
.msg { padding: 0.4em 0.8em; border-radius: 6px; line-height: 1.45; margin: 0; }
.big { font-size: 1.35em; font-weight: 600; }
.scroll { overflow-x: auto; max-width: 100%; }
table.layers { border-collapse: collapse; font-size: 14px; }
table.layers th, table.layers td { border-bottom: 1px solid var(--line); padding: 3px 10px;
  text-align: left; }
table.layers td.num { text-align: right; font-variant-numeric: tabular-nums; }
/* "8 × 24 × 24" broken over two lines on a phone read like two shapes. */
table.layers td.shape { white-space: nowrap; }
ul.runs { margin: 0.2em 0; padding-left: 1.2em; font-size: 14px; color: var(--text-soft); }
""" + status_styles(
    ".msg", {"error": "bad", "warn": "warn", "info": "info", "ok": "ok"}, "border-left: 4px solid"
)


def html_pane(text: str = "", **kwargs: Any) -> pn.pane.HTML:
    """An HTML pane with the trainer's message styles."""
    return pn.pane.HTML(text, stylesheets=[STATUS_CSS], sizing_mode="stretch_width", **kwargs)


def message_html(text: str, kind: str = "info", role: str = "status") -> str:
    """A styled, screen-reader-announced message block ('' hides it)."""
    if not text:
        return ""
    return f'<p class="msg {kind}" role="{role}">{text}</p>'


def table_html(analysis: spec.Analysis) -> str:
    rows = "".join(
        f"<tr><td>{row.index or ''}</td><td>{html.escape(row.layer)}</td>"
        f'<td class="shape">{row.output}</td>'
        f'<td class="num">{row.params:,}</td></tr>'
        for row in analysis.rows
    )
    total = (
        f'<tr><td></td><th scope="row">total</th><td></td>'
        f'<th class="num">{analysis.total_params:,}</th></tr>'
    )
    return (
        '<div class="scroll"><table class="layers" '
        'aria-label="Output shape and parameters of each layer">'
        "<thead><tr><th>#</th><th>layer</th><th>output shape</th><th>parameters</th></tr></thead>"
        f"<tbody>{rows}{total if analysis.ok else ''}</tbody></table></div>"
    )


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = max(0.0, float(seconds))
    return (
        f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {seconds % 60:02.0f} s"
    )
