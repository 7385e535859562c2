"""The one renderer for text a student reads: lesson explanations, exercise prompts, feedback,
hints, solutions and status messages.

Markdown with raw HTML switched off (an answer echoed in a message can never become live markup)
and math through ``mdit_py_plugins.dollarmath``: ``$…$`` and ``$$…$$`` come out as
``<span class="math …">`` holding the LaTeX, which KaTeX's auto-render typesets in the browser.
Anything a student typed goes into a message through :func:`literal`. Pure Python (no Panel).
"""

from __future__ import annotations

import html
import re
from functools import cache


def _math(delimiter: str, css: str):
    def render(self, tokens, index, options, env) -> str:
        latex = html.escape(tokens[index].content.strip())
        return f'<span class="math {css}">{delimiter}{latex}{delimiter}</span>'

    return render


def _literal_text(self, tokens, index, options, env) -> str:
    # KaTeX's auto-render scans the page's text for $…$ and \(…\); a dollar sign or backslash
    # that is not math (an escaped ``\$``, something a student typed) goes into an element of
    # its own, where no delimiter can pair with it.
    text = html.escape(tokens[index].content)
    return re.sub(r"([$\\])", r"<span>\1</span>", text)


@cache
def _markdown():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    # Raw HTML off: text that echoes an answer can never become live markup.
    md = MarkdownIt("commonmark", {"typographer": True, "html": False})
    md.enable(["table", "replacements"])
    dollarmath_plugin(md, double_inline=True)
    md.add_render_rule("math_inline", _math("$", "inline"))
    md.add_render_rule("math_inline_double", _math("$$", "display"))
    md.add_render_rule("math_block", _math("$$", "display"))
    md.add_render_rule("math_block_label", _math("$$", "display"))
    md.add_render_rule("text", _literal_text)
    return md


def markdown_with_math(text: str) -> str:
    """Markdown to safe HTML (raw HTML is shown as text), with ``$…$`` / ``$$…$$`` math left
    for KaTeX to typeset in the browser: the one renderer for every message a student sees."""
    return _markdown().render(text)


def plain_text(text: str) -> str:
    """What a Markdown message reads as, without markup (math keeps its ``$`` delimiters): for
    places that show plain text, such as the trainer's form messages."""
    return html.unescape(re.sub(r"<[^>]*>", "", _markdown().renderInline(text)))


def literal(text: str, limit: int = 30) -> str:
    """What a student typed, as Markdown that renders exactly those characters (no markup, no
    math), shortened to ``limit`` characters so a pasted essay does not fill the page."""
    flat = " ".join(str(text).split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", flat)
