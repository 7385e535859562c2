"""Links that reopen a lesson as the student set it up: its controls live in the URL's hash.

``index.html#convolution?kernel=Sharpen&digit=7`` is the convolution lesson with those two
controls changed; every other control keeps its starting value, so a link names only what
differs. A lesson declares which controls a link carries by wrapping each where it is made::

    kernel = shared("kernel", pn.widgets.Select(label="Kernel", options=[...]))
    image_text = shared("image", matrix_box(...), check=lambda text: parse_matrix(text, ...))

The shell collects the declared controls while it builds a lesson (:func:`collect`), restores
the link's values with :meth:`LinkState.apply` and then keeps the URL current as the student
changes them (``history.replaceState`` through ``write``: no history entry per change, so Copy
link is just the current URL).

A link is someone else's text. Every value is read back through the same rules the control
itself enforces (its options, its range, the shared answer parser, a lesson's own ``check``),
one key at a time: an unknown key, a value out of range or a stale format is left out with a
plain-text note naming it, and the rest of the link still applies. The notes are shown by the
page as text (``textContent``), never as HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import param

from app.components.answers import parse_number
from app.components.messages import plain_text

#: Flags in the query that are not controls: ``embed`` shows the lesson without the course's
#: navigation (read by ``static/share-link.js``); the shell keeps it in the URLs it writes.
EMBED = "embed"
#: A longer query is not read at all (nothing a lesson shares comes near it).
MAX_QUERY = 8000
#: The longest text one control takes from a link (a typed matrix, the trainer's settings).
MAX_TEXT = 3000
#: How much of a key or value a note repeats.
QUOTE_LIMIT = 40


@dataclass
class Control:
    """One value a link carries: how it reads as text, how text is checked and put back.

    ``decode`` raises ``ValueError`` (with a student-facing message) for text the control does
    not take; ``watch(callback)`` calls ``callback()`` after every change and returns a function
    that stops watching. ``default`` is the text of the starting value, which a link omits.
    """

    key: str
    encode: Callable[[], str]
    decode: Callable[[str], Any]
    assign: Callable[[Any], None]
    watch: Callable[[Callable[[], None]], Callable[[], None]]
    default: str = field(default="")
    #: The widget (or other object) the control belongs to, for tests that look it up.
    target: Any = None

    def __post_init__(self) -> None:
        if not self.default:
            self.default = self.encode()


_collecting: list[Control] | None = None


@contextmanager
def collect() -> Iterator[list[Control]]:
    """The controls that :func:`shared` / :func:`register` declare inside this block, in order."""
    global _collecting
    outer, _collecting = _collecting, []
    try:
        yield _collecting
    finally:
        _collecting = outer


def register(control: Control) -> Control:
    """Declare ``control`` for the lesson being built (no effect outside :func:`collect`)."""
    if _collecting is not None:
        if any(known.key == control.key for known in _collecting):
            raise ValueError(f"two controls share the link key {control.key!r}")
        _collecting.append(control)
    return control


def shared(key: str, widget: Any, *, check: Callable[[str], object] | None = None) -> Any:
    """Declare ``widget`` (a Panel select, button group, slider, number or text input, or any
    object with integer ``value`` and ``end`` parameters, such as a ``Stepper``) as carried by
    links under ``key``, and return it. ``check(text)`` raises ``ValueError`` for typed text the
    lesson cannot use (a matrix of the wrong shape): such a link value is left out with that
    message instead of being typed into the box."""
    register(widget_control(key, widget, check))
    return widget


def share(**widgets: Any) -> None:
    """Declare several widgets at once, each under its keyword (``share(stride=s, padding=p)``),
    in the order given (restored in that order)."""
    for key, widget in widgets.items():
        shared(key, widget)


def widget_control(key: str, widget: Any, check: Callable[[str], object] | None = None) -> Control:
    """The :class:`Control` for one widget, its checks chosen by the kind of widget."""
    if hasattr(widget, "options"):
        encode, decode = _choice(widget)
    elif isinstance(getattr(widget, "value", None), str):
        encode, decode = (lambda: widget.value), _text(check)
    else:
        encode, decode = _number(widget)
    return Control(
        key,
        encode,
        decode,
        lambda value: setattr(widget, "value", value),
        watching(widget),
        target=widget,
    )


def watching(*targets: Any, names: tuple[str, ...] = ("value",)) -> Callable:
    """A ``Control.watch`` over the ``names`` parameters of several Panel/param objects."""

    def watch(callback: Callable[[], None]) -> Callable[[], None]:
        watchers = [
            (target, target.param.watch(lambda _event: callback(), list(names)))
            for target in targets
        ]

        def stop() -> None:
            for target, watcher in watchers:
                target.param.unwatch(watcher)

        return stop

    return watch


def _labels(widget: Any) -> dict[str, Any]:
    """A choice widget's options by the text a link uses for them (the label a student sees)."""
    options = widget.options
    if isinstance(options, dict):
        return {str(label): value for label, value in options.items()}
    return {_value_text(value): value for value in options}


def _value_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


def _choice(widget: Any) -> tuple[Callable[[], str], Callable[[str], Any]]:
    def encode() -> str:
        for label, value in _labels(widget).items():
            if value == widget.value:
                return label
        return _value_text(widget.value)

    def decode(text: str) -> Any:
        labels = _labels(widget)  # read now: another control may have changed the options
        if text in labels:
            return labels[text]
        listed = ", ".join(labels)
        raise ValueError(f"not one of its choices ({quote_text(listed, 120)}).")

    return encode, decode


def _number(widget: Any) -> tuple[Callable[[], str], Callable[[str], Any]]:
    whole = isinstance(widget.param["value"], param.Integer)

    def bounds() -> tuple[float | None, float | None]:
        if hasattr(widget, "start"):
            return widget.start, widget.end
        low, _ = widget.param["value"].bounds or (None, None)
        return low, widget.end  # a Stepper: positions 0…end

    def decode(text: str) -> float | int:
        value = parse_number(text)
        low, high = bounds()
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"outside its range ({_value_text(low)} to {_value_text(high)}).")
        if whole:
            if value != int(value):
                raise ValueError("it takes whole numbers only.")
            return int(value)
        return value

    return (lambda: _value_text(widget.value)), decode


def _text(check: Callable[[str], object] | None) -> Callable[[str], str]:
    def decode(text: str) -> str:
        if len(text) > MAX_TEXT:
            raise ValueError(f"longer than {MAX_TEXT:,} characters.")
        if check is not None:
            check(text)
        return text

    return decode


def quote_text(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Text from a link as a note repeats it: one line, at most ``limit`` characters (the page
    shows notes as plain text, so nothing needs escaping)."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class LinkState:
    """The link of one shown lesson: restores a query into its controls and writes the URL back.

    ``write(hash)`` puts ``hash`` (without ``#``) into the address bar; the shell passes one that
    calls ``history.replaceState`` (through ``cnnShareLink.write``); tests pass a list's
    ``append``.
    """

    def __init__(
        self, slug: str, controls: list[Control], write: Callable[[str], None] | None = None
    ) -> None:
        self.slug = slug
        self.controls = list(controls)
        self.embed = False
        self._write = write
        self._stops: list[Callable[[], None]] = []

    def apply(self, query: str) -> list[str]:
        """Put the link's values into the controls, in the order the lesson declared them (a
        control whose options depend on another comes after it); returns one note per value
        left out."""
        if len(query) > MAX_QUERY:
            return [f"The link's settings were ignored: longer than {MAX_QUERY:,} characters."]
        notes: list[str] = []
        given: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            if key == EMBED:
                self.embed = True
            elif key in given:
                notes.append(f"Ignored the second “{quote_text(key)}”: the first one is used.")
            else:
                given[key] = value
        known = {control.key for control in self.controls}
        notes += [
            f"Ignored “{quote_text(key)}”: this page has no such setting."
            for key in given
            if key not in known
        ]
        for control in self.controls:
            if control.key not in given:
                continue
            text = given[control.key]
            try:
                control.assign(control.decode(text))
            except ValueError as error:
                why = plain_text(str(error))
                notes.append(f"Ignored {control.key} = “{quote_text(text)}”: {why}")
        return notes

    def query(self) -> str:
        """The controls that differ from their starting values, as a URL query."""
        pairs = [(c.key, text) for c in self.controls if (text := c.encode()) != c.default]
        query = urlencode(pairs, quote_via=quote, safe="")
        if self.embed:
            query = f"{query}&{EMBED}" if query else EMBED
        return query

    def hash(self) -> str:
        """The route and query of the current view: ``convolution?kernel=Sharpen``."""
        query = self.query()
        return f"{self.slug}?{query}" if query else self.slug

    def start(self) -> None:
        """Write the URL now (a link's left-out values disappear from it) and after each change."""
        self._stops = [control.watch(self._update) for control in self.controls]
        self._update()

    def add(self, controls: list[Control]) -> None:
        """Controls of the lesson's later steps, built after the link started (they start from
        their defaults, so the URL stays as it is): written to the URL after each change too."""
        self.controls += controls
        self._stops += [control.watch(self._update) for control in controls]

    def close(self) -> None:
        """Stop writing the URL (the lesson is being replaced)."""
        for stop in self._stops:
            stop()
        self._stops = []

    def _update(self) -> None:
        if self._write is not None:
            self._write(self.hash())
