"""Lesson route ``#trainer``: build, train and use a CNN on MNIST in the browser.

The page is made once and kept: coming back to the route shows the same run (training goes on
in the worker meanwhile) instead of starting a second worker and downloading MNIST again.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import panel as pn

from app.components.shared_link import Control, register, watching
from app.trainer.form import SettingsForm
from app.trainer.link import default_link
from app.trainer.page import TrainerPage
from app.trainer.settings import DEFAULT_PRESET, PRESETS, TrainSettings

_page: TrainerPage | None = None
_settings_link: Control | None = None


def settings_text(settings: TrainSettings) -> str:
    """Settings as a link carries them: ``TrainSettings.to_dict()`` (versioned) as compact JSON."""
    return json.dumps(settings.to_dict(), separators=(",", ":"))


def read_settings(text: str) -> TrainSettings:
    """Settings from a link, checked field by field by ``TrainSettings.from_dict`` (a
    ``SettingsError``, a ``ValueError``, names what is wrong, an old version included)."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError("these are not settings this page can read.") from None
    return TrainSettings.from_dict(data)


def settings_control(form: SettingsForm) -> Control:
    """The trainer's settings as one link value; while the form has an error the link keeps the
    last settings that could be trained."""
    last = [settings_text(form.settings or PRESETS[DEFAULT_PRESET])]

    def encode() -> str:
        if form.settings is not None:
            last[0] = settings_text(form.settings)
        return last[0]

    typed = watching(form.layers, *form.texts.values(), names=("value_input",))
    chosen = watching(form.preset, form.optimizer, form.schedule)

    def watch(callback: Callable[[], None]) -> Callable[[], None]:
        stops = (typed(callback), chosen(callback))

        def stop_both() -> None:
            for stop in stops:
                stop()

        return stop_both

    return Control(
        "settings",
        encode,
        read_settings,
        form.show,
        watch,
        default=settings_text(PRESETS[DEFAULT_PRESET]),
        target=form,
    )


def view() -> pn.viewable.Viewable:
    global _page, _settings_link
    if _page is None:
        _page = TrainerPage(default_link)
        _settings_link = settings_control(_page.form)
    register(_settings_link)
    return _page.__panel__()
