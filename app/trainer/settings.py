"""``TrainSettings``: the one shape a training run's settings take.

The form on the page edits one (``from_form``), the presets are ones (``PRESETS``, made from
``engine.recipes``), the worker receives one (``to_dict`` → ``from_dict``, which validates again),
and an exported model records one. Every number the student types is read by the shared answer
parser (``app.components.answers.parse_number``), and every bad field gets a message that names
the field and the value typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from app.components.answers import AnswerError, parse_number
from app.components.messages import plain_text
from app.trainer import spec
from engine import recipes

#: Version of the dict ``to_dict`` writes; ``from_dict`` refuses any other.
VERSION = 1
OPTIMIZERS = {"Adam": "adam", "SGD": "sgd", "SGD + momentum": "momentum"}
SCHEDULES = {"constant": "Constant", "linear": "Falls linearly"}
MAX_TRAIN_SIZE = 50_000
MIN_TRAIN_SIZE = 100
MAX_EPOCHS = 50
MAX_BATCH = 1024
MAX_LR = 10.0
MAX_SEED = 2**32 - 1

#: The form's fields (the keys of ``from_form`` and ``form``) and their labels on the page.
LABELS = {
    "layers": "Layers",
    "optimizer": "Optimizer",
    "lr": "Learning rate",
    "schedule": "Schedule",
    "final": "Final rate (× start)",
    "batch_size": "Batch size",
    "epochs": "Epochs",
    "train_size": "Training images",
    "seed": "Seed",
}


class SettingsError(ValueError):
    """Settings that cannot be trained; ``problems`` maps each bad field to its message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(f"{LABELS[k]}: {v}" for k, v in problems.items()))
        self.problems = problems


@dataclass(frozen=True)
class TrainSettings:
    """Everything that decides a run: the network and how it is trained.

    ``layers`` are engine layer specs (``Sequential.from_spec``); ``lr_schedule`` is
    ``{"kind": "constant"}`` or ``{"kind": "linear", "final": f}`` as in ``engine.recipes``.
    """

    layers: list[dict[str, Any]]
    optimizer: str
    lr: float
    batch_size: int
    epochs: int
    train_size: int
    lr_schedule: dict[str, Any] = field(default_factory=lambda: {"kind": "constant"})
    seed: int = 0

    # ---------------------------------------------------------------- serialized form
    def to_dict(self) -> dict[str, Any]:
        """The versioned plain dict the worker receives and an exported model records."""
        return {
            "version": VERSION,
            "layers": [dict(layer) for layer in self.layers],
            "optimizer": self.optimizer,
            "lr": self.lr,
            "lr_schedule": dict(self.lr_schedule),
            "batch_size": self.batch_size,
            "epochs": self.epochs,
            "train_size": self.train_size,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, data: Any) -> TrainSettings:
        """Settings from ``to_dict``'s form, checked again (SettingsError says what is wrong)."""
        if not isinstance(data, dict):
            raise SettingsError({"layers": "the settings are not a dictionary of values."})
        if data.get("version") != VERSION:
            raise SettingsError(
                {"layers": f"settings version {data.get('version')!r} is not {VERSION}."}
            )
        keys = {"layers", "optimizer", "lr", "lr_schedule", "batch_size", "epochs"}
        keys |= {"train_size", "seed"}
        missing = sorted(keys - data.keys())
        if missing:
            raise SettingsError({"layers": f"the settings lack {', '.join(missing)}."})
        try:
            editor_layers = spec.from_engine(list(data["layers"]))
        except (TypeError, KeyError, ValueError) as exc:
            raise SettingsError({"layers": f"the layer list cannot be read ({exc})."}) from None
        schedule = data["lr_schedule"] if isinstance(data["lr_schedule"], dict) else {}
        form = {
            "layers": spec.format_spec(editor_layers),
            "optimizer": str(data["optimizer"]),
            "schedule": str(schedule.get("kind", "")),
            "final": str(schedule.get("final", 1)),
        }
        form |= {k: str(data[k]) for k in ("lr", "batch_size", "epochs", "train_size", "seed")}
        settings, problems = cls.from_form(form)
        if settings is None:
            raise SettingsError(problems)
        return settings

    # ---------------------------------------------------------------- the form
    def form(self) -> dict[str, str]:
        """The text of each form field (inverse of ``from_form``)."""
        return {
            "layers": spec.format_spec(spec.from_engine(self.layers)),
            "optimizer": self.optimizer,
            "lr": f"{self.lr:g}",
            "schedule": self.lr_schedule["kind"],
            "final": f"{self.lr_schedule.get('final', 1.0):g}",
            "batch_size": str(self.batch_size),
            "epochs": str(self.epochs),
            "train_size": str(self.train_size),
            "seed": str(self.seed),
        }

    @classmethod
    def from_form(cls, form: dict[str, str]) -> tuple[TrainSettings | None, dict[str, str]]:
        """Settings from the form's texts, or ``None`` and a message per bad field."""
        problems: dict[str, str] = {}
        values: dict[str, Any] = {}
        layers, analysis = spec.check_text(form.get("layers", ""))
        if analysis.ok:
            values["layers"] = spec.to_engine(layers)
        else:
            problems["layers"] = analysis.error
        if form.get("optimizer") in OPTIMIZERS.values():
            values["optimizer"] = form["optimizer"]
        else:
            problems["optimizer"] = f"unknown optimizer “{form.get('optimizer')}”."
        readers: dict[str, Callable[[str], Any]] = {
            "lr": _learning_rate,
            "batch_size": _whole(1, MAX_BATCH),
            "epochs": _whole(1, MAX_EPOCHS),
            "train_size": _whole(MIN_TRAIN_SIZE, MAX_TRAIN_SIZE),
            "seed": _whole(0, MAX_SEED),
        }
        kind = form.get("schedule", "constant")
        if kind == "linear":
            readers["final"] = _final_fraction
        elif kind != "constant":
            problems["schedule"] = f"unknown schedule “{kind}”: choose constant or linear."
        for key, read in readers.items():
            text = form.get(key, "")
            try:
                values[key] = read(text)
            except AnswerError as exc:
                problems[key] = f"“{text}”: {plain_text(str(exc))}"
        if values.get("batch_size", 0) > values.get("train_size", MAX_TRAIN_SIZE):
            problems["batch_size"] = (
                f"“{form['batch_size']}” is larger than the training set "
                f"({values['train_size']:,} images)."
            )
        if problems:
            return None, problems
        schedule = {"kind": "linear", "final": values.pop("final")} if kind == "linear" else None
        return cls(**values, lr_schedule=schedule or {"kind": "constant"}), {}

    # ---------------------------------------------------------------- what the run uses
    def lr_at_step(self) -> Callable[[int], float]:
        """``engine.train``'s ``lr_schedule(step)``: the engine's schedule for these settings."""
        return recipes.lr_schedule(self.to_dict())

    def with_seed(self, seed: int) -> TrainSettings:
        return replace(self, seed=seed)

    def describe(self) -> str:
        """One line for the list of earlier runs, e.g. ``Adam, lr 0.004 → 1%, batch 64, …``."""
        name = {v: k for k, v in OPTIMIZERS.items()}[self.optimizer]
        rate = f"lr {self.lr:g}"
        if self.lr_schedule["kind"] == "linear":
            rate += f" → {self.lr_schedule['final']:.0%} of it"
        epochs = f"{self.epochs} epoch{'s' if self.epochs != 1 else ''}"
        return (
            f"{name}, {rate}, batch {self.batch_size}, {epochs} of {self.train_size:,} images, "
            f"seed {self.seed}"
        )


def _learning_rate(text: str) -> float:
    value = parse_number(text)
    if value < 0:
        raise AnswerError(
            "a learning rate must be greater than 0; a negative one climbs the loss instead "
            "of descending it."
        )
    if value == 0:
        raise AnswerError("a learning rate must be greater than 0: with 0 nothing is learned.")
    if value > MAX_LR:
        raise AnswerError(f"above {MAX_LR:g} the loss explodes; try 0.001–0.01.")
    return value


def _final_fraction(text: str) -> float:
    value = parse_number(text, percent=True)
    if not 0 < value <= 1:
        raise AnswerError("the final rate is a fraction of the start rate, above 0 and at most 1.")
    return value


def _whole(low: int, high: int) -> Callable[[str], int]:
    def read(text: str) -> int:
        value = parse_number(text, thousands=True)
        if value != int(value):
            raise AnswerError(f"this must be a whole number, not {value:g}.")
        if not low <= value <= high:
            raise AnswerError(f"this must be between {low:,} and {high:,}.")
        return int(value)

    return read


def _from_recipe(recipe: dict[str, Any]) -> TrainSettings:
    return TrainSettings(
        # The form's normal form of the layers (explicit strides), so a preset sent through the
        # form arrives equal to itself.
        layers=spec.to_engine(spec.from_engine(recipe["layers"])),
        optimizer=recipe["optimizer"],
        lr=recipe["lr"],
        lr_schedule=dict(recipe.get("lr_schedule", {"kind": "constant"})),
        batch_size=recipe["batch_size"],
        epochs=recipe["epochs"],
        train_size=recipe["train_size"],
    )


#: The engine's recipes as settings (seed 0); titles and descriptions stay in ``engine.recipes``.
PRESETS: dict[str, TrainSettings] = {key: _from_recipe(r) for key, r in recipes.PRESETS.items()}
DEFAULT_PRESET: str = recipes.DEFAULT_PRESET
