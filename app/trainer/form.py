"""The settings part of the trainer page: a preset, the layer list and how to train it.

The form edits one :class:`~app.trainer.settings.TrainSettings`: choosing a preset fills it in,
every keystroke validates it again (``settings`` is ``None`` while anything is wrong, with the
messages shown next to the form), and ``show`` puts a run's settings back (an imported model's).
"""

from __future__ import annotations

import html
from collections.abc import Callable

import panel as pn

from app.components.layout import row
from app.trainer import spec
from app.trainer.settings import (
    DEFAULT_PRESET,
    LABELS,
    OPTIMIZERS,
    PRESETS,
    SCHEDULES,
    TrainSettings,
)
from app.trainer.status import html_pane, message_html, table_html
from engine import recipes


def schedule_text(settings: TrainSettings) -> str:
    if settings.lr_schedule["kind"] == "linear":
        final = settings.lr_schedule["final"]
        return f"The learning rate falls linearly to {final:.0%} of its start over the run."
    return "The learning rate stays constant."


class SettingsForm:
    """Widgets for every field of ``TrainSettings``; ``on_change()`` runs after each check."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self._on_change: Callable[[], None] = lambda: None  # quiet while the form is built
        self.settings: TrainSettings | None = None
        self.preset = pn.widgets.Select(
            label="Preset network",
            options={recipes.PRESETS[key]["label"]: key for key in PRESETS},
            value=DEFAULT_PRESET,
            width=280,
        )
        self.preset_text = pn.pane.Markdown(sizing_mode="stretch_width")
        self.layers = pn.widgets.TextAreaInput(
            label="Layers (one per line; edit freely)",
            height=190,
            width=340,
            stylesheets=[":host textarea { font-family: monospace; }"],
        )
        help_text = pn.pane.Markdown(
            "Layers: `conv filters=8 kernel=3 stride=1 padding=0`, `relu`, "
            "`maxpool size=2` (or `avgpool`, `sumpool`; add `stride=` to overlap), "
            "`dense units=10`. The last layer must be `dense units=10`.",
            sizing_mode="stretch_width",
        )
        self.table = html_pane()
        self.layers_message = html_pane()
        self.optimizer = pn.widgets.Select(label=LABELS["optimizer"], options=OPTIMIZERS, width=160)
        self.schedule = pn.widgets.Select(
            label=LABELS["schedule"], options={v: k for k, v in SCHEDULES.items()}, width=150
        )
        self.texts = {
            key: pn.widgets.TextInput(label=LABELS[key], width=width)
            for key, width in (
                ("lr", 120),
                ("final", 140),
                ("batch_size", 100),
                ("epochs", 80),
                ("train_size", 130),
                ("seed", 110),
            )
        }
        self.message = html_pane()
        for widget in (self.layers, *self.texts.values()):
            widget.param.watch(lambda _e: self.check(), "value_input")
        for widget in (self.optimizer, self.schedule):
            widget.param.watch(lambda _e: self.check(), "value")
        self.preset.param.watch(lambda _e: self.show(PRESETS[self.preset.value]), "value")
        t = self.texts
        self.view = row(
            pn.Column(self.preset, self.preset_text, self.layers, help_text, width=360),
            pn.Column(self.table, self.layers_message, min_width=300),
            pn.Column(
                row(self.optimizer, t["lr"], self.schedule, t["final"]),
                row(t["batch_size"], t["epochs"], t["train_size"], t["seed"]),
                self.message,
                sizing_mode="stretch_width",
            ),
        )
        self.show(PRESETS[self.preset.value])
        self._on_change = on_change

    def form(self) -> dict[str, str]:
        """What the student has typed, field by field (the input of ``TrainSettings.from_form``)."""
        texts = {key: widget.value_input or "" for key, widget in self.texts.items()}
        return texts | {
            "layers": self.layers.value_input or "",
            "optimizer": self.optimizer.value,
            "schedule": self.schedule.value,
        }

    def show(self, settings: TrainSettings) -> None:
        """Fill every field from ``settings`` (a preset, or the settings of an imported model)."""
        description = next(
            (
                recipes.PRESETS[key]["description"]
                for key, preset in PRESETS.items()
                if preset.layers == settings.layers
            ),
            "Your own network.",
        )
        self.preset_text.object = f"{description} {schedule_text(settings)}"
        texts = settings.form()
        self.layers.value = self.layers.value_input = texts["layers"]
        self.optimizer.value = texts["optimizer"]
        self.schedule.value = texts["schedule"]
        for key, widget in self.texts.items():
            widget.value = widget.value_input = texts[key]
        self.check()

    def check(self) -> None:
        """Validate the whole form; ``settings`` is the result or ``None``."""
        self.texts["final"].disabled = self.schedule.value != "linear"
        _, analysis = spec.check_text(self.layers.value_input or "")
        self.table.object = table_html(analysis)
        self.settings, problems = TrainSettings.from_form(self.form())
        layers_problem = html.escape(problems.pop("layers", ""))  # it quotes the typed layer
        self.layers_message.object = message_html(layers_problem, "error", "alert")
        text = "<br>".join(
            f"<b>{LABELS[key]}:</b> {html.escape(msg)}" for key, msg in problems.items()
        )
        self.message.object = message_html(text, "error", "alert")
        self._on_change()
