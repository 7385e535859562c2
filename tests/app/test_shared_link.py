"""Shareable links natively: every lesson's declared controls survive a round trip through the
URL, and a link's bad parts are left out one by one with a note naming each (issue #19)."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, quote

import panel as pn
import pytest

from app import catalog, progress
from app.components import shared_link
from app.components.shared_link import LinkState, collect
from app.lessons import trainer as trainer_lesson
from app.shell import build_view
from app.trainer.settings import DEFAULT_PRESET, PRESETS
from tests.app.test_trainer_page import new_page

LESSON_SLUGS = [info.slug for info in catalog.LESSONS if info.slug not in ("home", "trainer")]


@pytest.fixture(autouse=True)
def fresh_progress() -> None:
    progress.use_storage(progress.MemoryStorage())


def built(slug: str) -> tuple[LinkState, list[str]]:
    """A freshly built lesson's link state and the list of hashes it writes."""
    written: list[str] = []
    with collect() as controls:
        build_view(slug, catalog.module(slug))
    return LinkState(slug, controls, written.append), written


def another_value(control: shared_link.Control) -> str | None:
    """Link text for a value other than the control's current one that it accepts, if any."""
    widget = control.target
    if hasattr(widget, "options"):
        labels = list(shared_link._labels(widget))
        others = [label for label in labels if label != control.encode()]
        return others[-1] if others else None
    if isinstance(getattr(widget, "value", None), str):
        return None  # typed text: each lesson's own test below types a valid one
    high = widget.end if widget.end is not None else widget.value + 3
    return shared_link._value_text(high) if high != widget.value else None


@pytest.mark.parametrize("slug", LESSON_SLUGS)
def test_a_changed_lesson_reopens_the_same_from_its_link(slug: str) -> None:
    state, _ = built(slug)
    assert state.controls, f"{slug} declares no control for links"
    assert state.query() == ""  # a lesson as it opens has a plain link
    changed = []
    for control in state.controls:
        text = another_value(control)
        if text is not None:
            control.assign(control.decode(text))
            changed.append(control.key)
    link = state.hash()
    assert link.startswith(f"{slug}?") and changed
    fresh, _ = built(slug)
    assert fresh.apply(link.partition("?")[2]) == []
    assert {c.key: c.encode() for c in fresh.controls} == {
        c.key: c.encode() for c in state.controls
    }


#: Controls a link leaves out on purpose, and why.
NOT_IN_LINKS = {
    # They follow the probabilities box, which the link carries (and which they rewrite).
    "entropy": {"Number of classes K", *(f"Weight of class {i}" for i in range(1, 9))},
    # The student's own trained network and their drawing live in their browser only.
    "explorer": {"Network", "Show"},
}
VALUE_WIDGETS = (
    pn.widgets.Select,
    pn.widgets.RadioButtonGroup,
    pn.widgets.IntSlider,
    pn.widgets.FloatSlider,
    pn.widgets.IntInput,
    pn.widgets.TextInput,
    pn.widgets.TextAreaInput,
)


@pytest.mark.parametrize("slug", LESSON_SLUGS)
def test_every_control_of_a_lesson_is_in_its_link(slug: str) -> None:
    with collect() as controls:
        view = build_view(slug, catalog.module(slug))
    declared = {id(control.target) for control in controls}
    # A Stepper is declared as a whole; its jump list is part of it.
    declared |= {id(getattr(control.target, "_jump", None)) for control in controls}
    cards = view.select(lambda o: "exercise" in getattr(o, "css_classes", []))
    in_cards = {id(w) for card in cards for w in card.select(pn.widgets.Widget)}
    left_out = {
        widget.name
        for widget in view.select(pn.widgets.Widget)
        if isinstance(widget, VALUE_WIDGETS) and id(widget) not in in_cards | declared
    }
    assert left_out == NOT_IN_LINKS.get(slug, set())


def test_typed_matrices_travel_in_the_link_and_wrong_shapes_are_left_out() -> None:
    state, written = built("convolution")
    image = state.controls[0].target
    image.value = "1 0 1 0 1\n0 1 0 1 0\n1 0 1 0 1\n0 1 0 1 0\n1 0 1 0 1"
    state.start()
    assert written[-1].startswith("convolution?image=1%200%201")
    fresh, _ = built("convolution")
    notes = fresh.apply(f"{state.query()}&kernel={quote('1 2 3')}")
    assert fresh.controls[0].target.value == image.value
    assert notes == ["Ignored kernel = “1 2 3”: The kernel needs 3 rows, one per line; I found 1."]
    assert fresh.controls[1].target.value == fresh.controls[1].default  # the lecture's kernel


def test_bad_parts_of_a_link_are_named_one_by_one_and_the_rest_applies() -> None:
    state, written = built("stride-padding")
    payload = '<img src=x onerror="window.__xss=1">'
    query = "&".join(
        [
            "stride=3",  # good: applied
            "stride=4",  # twice: the first wins
            f"{quote(payload)}=1",  # no such key
            "padding=99",  # not one of the choices
            f"size={quote(payload)}",  # markup as a value
            "embed",
        ]
    )
    notes = state.apply(query)
    keys = {control.key: control for control in state.controls}
    assert keys["stride"].encode() == "3"
    assert notes[0] == "Ignored the second “stride”: the first one is used."
    assert notes[1] == f"Ignored “{payload}”: this page has no such setting."
    # Values in the order the lesson declares its controls.
    assert notes[2].startswith(f"Ignored size = “{payload}”: not one of its choices (1, 2,")
    assert notes[3] == "Ignored padding = “99”: not one of its choices (0, 1, 2, 3)."
    assert len(notes) == 4
    state.start()  # the URL keeps what was applied and the embed flag, nothing else
    assert written == ["stride-padding?stride=3&embed"]


def test_numbers_from_a_link_go_through_the_answer_parser_and_the_range() -> None:
    state, _ = built("softmax")
    notes = state.apply("temperature=abc&factor=1e308&")
    assert [note.split(":")[0] for note in notes] == [
        "Ignored factor = “1e308”",
        "Ignored temperature = “abc”",
    ]
    assert "outside its range (0.5 to 4)" in notes[0] and "not a number" in notes[1]
    assert state.query() == ""


def test_a_too_long_link_is_not_read() -> None:
    state, _ = built("pooling")
    notes = state.apply("stride=1&x=" + "a" * shared_link.MAX_QUERY)
    assert notes == ["The link's settings were ignored: longer than 8,000 characters."]
    assert state.query() == ""


def test_the_url_follows_the_controls_until_the_lesson_is_closed() -> None:
    state, written = built("pooling")
    stride = next(c for c in state.controls if c.key == "stride").target
    state.start()
    stride.value = 1
    assert written[-1] == "pooling?stride=1"
    state.close()
    stride.value = 3
    assert written[-1] == "pooling?stride=1"


def test_two_controls_cannot_share_a_key() -> None:
    with collect(), pytest.raises(ValueError, match="share the link key"):
        shared_link.share(k=pn.widgets.Select(options=[1, 2]))
        shared_link.share(k=pn.widgets.Select(options=[1, 2]))


def test_trainer_settings_travel_as_the_versioned_settings_dict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(trainer_lesson, "TrainerPage", lambda _link_factory: new_page())
    monkeypatch.setattr(trainer_lesson, "_page", None)
    written: list[str] = []
    with collect() as controls:
        trainer_lesson.view()
    state = LinkState("trainer", controls, written.append)
    form = trainer_lesson._page.form
    state.start()
    assert written == ["trainer"]  # the default preset needs no settings in the link
    form.texts["epochs"].value_input = "3"
    form.texts["lr"].value_input = "0.002"
    link = written[-1]
    data = json.loads(dict(parse_qsl(link.partition("?")[2]))["settings"])
    assert data == {**PRESETS[DEFAULT_PRESET].to_dict(), "epochs": 3, "lr": 0.002}
    form.texts["epochs"].value_input = "many"  # invalid: the link keeps the last valid settings
    assert written[-1] == link

    old = {**data, "version": 0}
    notes = state.apply("settings=" + quote(json.dumps(old)))
    assert notes == [
        "Ignored settings = “" + shared_link.quote_text(json.dumps(old)) + "”: "
        "Layers: settings version 0 is not 1."
    ]
    notes = state.apply("settings=" + quote(json.dumps({**data, "epochs": 500})))
    assert notes[0].endswith("Epochs: “500”: this must be between 1 and 50.")
    assert state.apply(link.partition("?")[2]) == []
    assert form.texts["epochs"].value == "3" and form.settings.lr == 0.002


def test_numbers_read_as_a_student_writes_them() -> None:
    assert shared_link._value_text(2.0) == "2" and shared_link._value_text(0.5) == "0.5"
