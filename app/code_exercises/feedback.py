"""What the page shows for a runner result (``runner.run``/``runner.check``) or a worker failure.

``render(result) -> (kind, html)``; kind is "correct", "wrong", "invalid" (the code did not run
through) or "info". Everything that came from the student's code (printed text, values, error
messages, their source line) is escaped.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

#: The page's own results, made by static/code-runner.js, not by the worker's Python.
TIMEOUT = "timeout"
CRASHED = "crashed"
UNAVAILABLE = "unavailable"
#: How NumPy says an array cannot be made: natively a MemoryError; in the browser's 32-bit
#: WebAssembly, sizes such as 10**10 do not even fit an index and raise ValueError.
TOO_BIG = ("MemoryError", "Maximum allowed dimension exceeded", "array is too big")


def _inline(text: str) -> str:
    """Escape, then show `backticks` as code (the only markup the messages use)."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text))


def value_html(shown: dict[str, Any] | None, cell: list[int] | None = None) -> str:
    """A value from ``compare.shown``: a grid for arrays (the ``cell`` marked), else text."""
    if shown is None:
        return "<em>nothing</em>"
    if shown["kind"] != "array":
        return f"<code>{escape(shown['text'])}</code>"
    marked = tuple(cell) if cell else None
    if marked is not None and len(marked) == 1:
        marked = (0, marked[0])  # a 1-D array is drawn as one row
    rows = []
    for r, row in enumerate(shown["cells"]):
        cells = []
        for c, text in enumerate(row):
            if (r, c) == marked:
                cells.append(f'<td class="diff"><mark>{escape(text)}</mark></td>')
            else:
                cells.append(f"<td>{escape(text)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    shape = " × ".join(str(n) for n in shown["shape"])
    return (
        f'<table class="grid"><caption>shape {escape(shape)}</caption>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _error_html(error: dict[str, Any]) -> str:
    parts = [f"<p><strong>{escape(error['message'])}</strong></p>"]
    if error.get("line"):
        where = f"Line {error['line']} of your code"
        if error.get("source"):
            where += f": <code>{escape(error['source'])}</code>"
        parts.append(f"<p>{where}</p>")
    if any(sign in error["message"] for sign in TOO_BIG):
        parts.append(
            "<p>That array would need more memory than Python in your browser can have "
            "(a few GB at most). Is a size in your code far larger than you meant?</p>"
        )
    return "".join(parts)


def _stdout_html(text: str) -> str:
    if not text:
        return ""
    return (
        f'<p>Output (your prints and NumPy warnings):</p><pre class="stdout">{escape(text)}</pre>'
    )


def _inputs_html(inputs: list[dict[str, Any]]) -> str:
    items = "".join(
        f'<div class="value"><span class="name">{escape(item["name"])}</span>'
        f"{value_html(item['value'])}</div>"
        for item in inputs
    )
    return f'<div class="values">{items}</div>'


def _run_html(result: dict[str, Any]) -> tuple[str, str]:
    call = f"<p>Called on {escape(result['label'])}:</p>{_inputs_html(result['inputs'])}"
    if result.get("error"):
        return "invalid", _error_html(result["error"]) + _stdout_html(result["stdout"])
    returned = (
        f'<div class="values"><div class="value"><span class="name">returned</span>'
        f"{value_html(result['value'])}</div></div>"
    )
    return "info", call + _stdout_html(result["stdout"]) + returned


def _case_html(result: dict[str, Any]) -> str:
    case = result["case"]
    number = case["index"] + 1
    head = (
        f"<p><strong>Case {number} of {result['total']} failed</strong> "
        f"({escape(case['label'])}). {case['index']} passed before it.</p>"
    )
    parts = [head, "<p>Inputs:</p>", _inputs_html(case["inputs"])]
    if case.get("error"):
        parts.append(_error_html(case["error"]))
    else:
        parts.append(f"<p>{_inline(case['message'])}</p>")
        parts.append(
            '<div class="values">'
            f'<div class="value"><span class="name">expected</span>'
            f"{value_html(case['expected'], case.get('cell'))}</div>"
            f'<div class="value"><span class="name">yours</span>'
            f"{value_html(case['actual'], case.get('cell'))}</div></div>"
        )
    if case.get("diagnosis"):
        parts.append(f'<p class="diagnosis">{_inline(case["diagnosis"])}</p>')
    return "".join(parts) + _stdout_html(result.get("stdout", ""))


def render(result: dict[str, Any]) -> tuple[str, str]:
    """The feedback for one result: (kind, html)."""
    kind = result.get("kind")
    if kind == TIMEOUT:
        return "invalid", (
            f"<p><strong>Stopped after {result['seconds']:g} s.</strong> Your code was still "
            "running: an endless loop, or far too much work? Python for your code has been "
            "restarted, so you can fix it and run again.</p>"
        )
    if kind == CRASHED:
        return "invalid", (
            f"<p><strong>Python stopped while running your code</strong> "
            f"({escape(result.get('message', ''))}). Too much memory? It has been restarted.</p>"
        )
    if kind == UNAVAILABLE:
        return "invalid", (
            "<p><strong>Python for your code could not start</strong> "
            f"({escape(result.get('message', ''))}). Reload the page to try again.</p>"
        )
    if kind == "run":
        return _run_html(result)
    if result.get("error"):
        return "invalid", _error_html(result["error"]) + _stdout_html(result.get("stdout", ""))
    if result.get("passed"):
        return "correct", (
            f"<p><strong>Correct!</strong> Your function agrees with the engine on all "
            f"{result['total']} cases, the lecture's example first.</p>"
        )
    return "wrong", _case_html(result)
