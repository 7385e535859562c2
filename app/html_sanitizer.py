"""An allow-list HTML sanitizer in pure Python, standing in for ``nh3`` inside Pyodide.

Panel cleans the text of ``ReactiveHTML`` parameters (and of panes with ``sanitize_html``) with
``nh3``, a Rust extension that has no pure-Python wheel and whose Pyodide build is not available
from the package registries. :func:`clean` follows nh3/ammonia's defaults: known-safe tags and
attributes survive, other tags are dropped but keep their text, ``script``/``style`` lose their
content too, and links may only use safe URL schemes.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "acronym",
        "area",
        "article",
        "aside",
        "b",
        "bdi",
        "bdo",
        "blockquote",
        "br",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "data",
        "dd",
        "del",
        "details",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "map",
        "mark",
        "nav",
        "ol",
        "p",
        "pre",
        "q",
        "rp",
        "rt",
        "rtc",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "tt",
        "u",
        "ul",
        "var",
        "wbr",
    }
)
VOID_TAGS = frozenset({"area", "br", "col", "hr", "img", "wbr"})
DROP_CONTENT_TAGS = frozenset({"script", "style"})
GENERIC_ATTRIBUTES = frozenset({"lang", "title"})
TAG_ATTRIBUTES = {
    "a": frozenset({"href", "hreflang"}),
    "bdo": frozenset({"dir"}),
    "blockquote": frozenset({"cite"}),
    "col": frozenset({"align", "char", "charoff", "span"}),
    "colgroup": frozenset({"align", "char", "charoff", "span"}),
    "del": frozenset({"cite", "datetime"}),
    "hr": frozenset({"align", "size", "width"}),
    "img": frozenset({"align", "alt", "height", "src", "width"}),
    "ins": frozenset({"cite", "datetime"}),
    "ol": frozenset({"start"}),
    "q": frozenset({"cite"}),
    "table": frozenset({"align", "char", "charoff", "summary"}),
    "td": frozenset({"align", "char", "charoff", "colspan", "headers", "rowspan"}),
    "th": frozenset({"align", "char", "charoff", "colspan", "headers", "rowspan", "scope"}),
    "ul": frozenset({"type"}),
}
URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
URL_SCHEMES = ("http:", "https:", "mailto:", "tel:", "data:image/")


def _safe_url(value: str) -> bool:
    compact = "".join(value.split()).lower()
    scheme_end = compact.find(":")
    relative = scheme_end == -1 or "/" in compact[:scheme_end] or "?" in compact[:scheme_end]
    return relative or compact.startswith(URL_SCHEMES)


class _Cleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropping = 0  # depth inside script/style, whose content is removed

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROP_CONTENT_TAGS:
            self.dropping += 1
            return
        if self.dropping or tag not in ALLOWED_TAGS:
            return
        allowed = GENERIC_ATTRIBUTES | TAG_ATTRIBUTES.get(tag, frozenset())
        kept = {
            name: value or ""
            for name, value in attrs
            if name in allowed and not (name in URL_ATTRIBUTES and not _safe_url(value or ""))
        }
        if tag == "a" and "href" in kept:
            kept["rel"] = "noopener noreferrer"
        rendered = "".join(f' {name}="{html.escape(value)}"' for name, value in kept.items())
        self.out.append(f"<{tag}{rendered}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in DROP_CONTENT_TAGS:
            self.dropping -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in DROP_CONTENT_TAGS:
            self.dropping = max(0, self.dropping - 1)
        elif not self.dropping and tag in ALLOWED_TAGS and tag not in VOID_TAGS:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))


def clean(text: str, **_options: object) -> str:
    """Sanitized HTML for ``text`` (nh3.clean's keyword options are accepted and ignored)."""
    cleaner = _Cleaner()
    cleaner.feed(text)
    cleaner.close()
    return "".join(cleaner.out)
