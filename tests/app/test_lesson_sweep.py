"""Every control of every lesson driven across its whole range, natively (the browser pass is in
tests/browser/test_lesson_sweep.py).

Sliders go to both ends and a few values between, every select and button-group option is
chosen, every button pressed, and every text box gets extreme input (``1e308``, ``-0``, words, a
very long line, an empty box). The sweep fails on any Python exception, on a readout that shows
``nan``, ``inf``, ``-0.0…`` or a number hundreds of digits long, and on a stale page: a change
that neither changes what the page shows nor puts up a message.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import numpy as np
import panel as pn
import pytest
from bokeh.models import ColumnDataSource, Title

from app import catalog, progress
from app.components.layout import Message
from app.shell import build_view
from tests.app.grid_text import rendered

LESSON_SLUGS = [info.slug for info in catalog.LESSONS if info.slug not in ("home", "trainer")]

#: What a student might type into any box; each must give a result or a message, never a crash.
EXTREME_TEXT = ("1e308", "-1e308", "-0", "1e-308", "abc", "", "9" * 400, "1, 2, " * 300, "<b>x</b>")

#: Readout text a student should never see.
NONSENSE = re.compile(r"(?<![\w.])-0\.0+(?![\d])|\bnan\b|\binf\b|\d{40,}", re.IGNORECASE)


@pytest.fixture(autouse=True)
def fresh_progress() -> None:
    progress.use_storage(progress.MemoryStorage())


def _controls(view: pn.viewable.Viewable) -> list[pn.widgets.Widget]:
    """The lesson's own controls, buttons last: every other control ends its sweep where it
    started, so each meets the page as a student first sees it. Exercise cards are swept in
    test_exercise.py."""
    cards = view.select(lambda o: "exercise" in getattr(o, "css_classes", []))
    in_cards = {id(w) for card in cards for w in card.select(pn.widgets.Widget)}
    controls = [w for w in view.select(pn.widgets.Widget) if id(w) not in in_cards]
    return sorted(controls, key=lambda w: isinstance(w, pn.widgets.Button))


def _chart_models(view: pn.viewable.Viewable) -> list[object]:
    # Looked up once per page: walking Bokeh's model graph is the slow part of a snapshot.
    models = []
    for pane in view.select(pn.pane.Bokeh):
        models += pane.object.select({"type": ColumnDataSource})
        models += pane.object.select({"type": Title})
    return models


def _sources(models: list[object]) -> Iterator[str]:
    for model in models:
        if isinstance(model, Title):
            yield str(model.text)
            continue
        for key, column in sorted(model.data.items()):
            yield f"{key}={np.asarray(column, dtype=object).tolist()!r}"


def shown_text(view: pn.viewable.Viewable) -> str:
    """The page's text with every tag read as a space (table cells stay separate numbers)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", rendered(view)))


def snapshot(view: pn.viewable.Viewable, charts: list[object]) -> str:
    """What the student sees: the text of every pane, which parts are shown, button labels and
    the data and titles of the charts (``charts``: the page's ``_chart_models``)."""
    shown = "".join("1" if item.visible else "0" for item in view.select(pn.viewable.Viewable))
    buttons = view.select(lambda o: isinstance(o, pn.widgets.Button | pn.widgets.Toggle))
    labels = "".join(w.label for w in buttons)
    return shown_text(view) + shown + labels + "\n".join(_sources(charts))


def _messages(view: pn.viewable.Viewable) -> str:
    """The status lines on the page (bad input, results); empty when none is shown."""
    return " ".join(str(pane.object) for pane in view.select(Message) if pane.object)


def _values(widget: pn.widgets.Widget) -> list[object]:
    """The values a sweep sets: both ends and a few between for ranges, every option."""
    if isinstance(widget, pn.widgets.IntSlider | pn.widgets.FloatSlider):
        start, end = widget.start, widget.end
        between = [start + (end - start) * f for f in (0.25, 0.5, 0.75)]
        if isinstance(widget, pn.widgets.IntSlider):
            between = [round(v) for v in between]
        return [end, start, *between, widget.value]
    if isinstance(widget, pn.widgets.Select | pn.widgets.RadioButtonGroup):
        options = widget.options
        values = list(options.values()) if isinstance(options, dict) else list(options)
        return [*values[::-1], widget.value]
    if isinstance(widget, pn.widgets.IntInput | pn.widgets.FloatInput):
        low = -1 if widget.start is None else widget.start
        high = 10**6 if widget.end is None else widget.end
        return [0, low, high, 1, widget.value]
    if isinstance(widget, pn.widgets.TextInput | pn.widgets.TextAreaInput):
        original = widget.value
        lines = original.splitlines()
        cell = re.sub(r"-?\d+(\.\d+)?", "1e308", original, count=2) if lines else "1e308"
        return [*EXTREME_TEXT, cell, original]
    if isinstance(widget, pn.widgets.Toggle | pn.widgets.Checkbox):
        return [not widget.value, widget.value]
    return []


def _set(widget: pn.widgets.Widget, value: object) -> None:
    widget.value = value


def _drive(
    view: pn.viewable.Viewable, charts: list[object], widget: pn.widgets.Widget
) -> Iterator[tuple[str, bool]]:
    """Operate ``widget``; after each change yield (what was done, did the page react)."""
    if isinstance(widget, pn.widgets.Button):
        widget.clicks += 1
        yield "click", True  # a button may legitimately repeat its result (e.g. "reset")
        return
    for value in _values(widget):
        if value == widget.value:
            continue
        before = snapshot(view, charts)
        _set(widget, value)
        # A message on screen (say, the same "too large" for 1e308 and for -1e308) is a reaction.
        reacted = snapshot(view, charts) != before or bool(_messages(view).strip())
        yield f"value={str(value)[:30]!r}", reacted


@pytest.mark.parametrize("slug", LESSON_SLUGS)
def test_every_control_of_the_lesson_across_its_range(slug: str) -> None:
    view = build_view(slug, catalog.module(slug))
    charts = _chart_models(view)
    problems = []
    for widget in _controls(view):
        if not widget.visible and not isinstance(widget, pn.widgets.IntSlider):
            continue
        name = f"{type(widget).__name__} {widget.name or getattr(widget, 'label', '')!r}"
        try:
            for action, reacted in _drive(view, charts, widget):
                shown = shown_text(view)
                bad = NONSENSE.search(shown)
                if bad:
                    context = shown[max(0, bad.start() - 60) : bad.end() + 20]
                    problems.append(f"{name} {action}: shows {context!r}")
                if not reacted and widget.visible:
                    problems.append(f"{name} {action}: nothing changed and no message")
        except Exception as error:  # the sweep's whole point: a control must never raise
            problems.append(f"{name}: {type(error).__name__}: {error}")
    assert not problems, "\n".join(problems)
