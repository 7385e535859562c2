"""The engine's preset networks (``engine.recipes``) in the form the trainer page edits."""

from __future__ import annotations

from dataclasses import dataclass

from app.trainer import spec
from engine import recipes


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    description: str
    layers: list[dict]
    optimizer: str
    lr: float
    batch_size: int
    epochs: int
    train_size: int
    lr_schedule: dict

    def schedule_text(self) -> str:
        if self.lr_schedule.get("kind") == "linear":
            final = self.lr_schedule["final"]
            return f"The learning rate falls linearly to {final:.0%} of its start over the run."
        return "The learning rate stays constant."


def _preset(key: str, recipe: dict) -> Preset:
    return Preset(
        key=key,
        title=recipe["label"],
        description=recipe["description"],
        layers=spec.from_engine(recipe["layers"]),
        optimizer=recipe["optimizer"],
        lr=recipe["lr"],
        batch_size=recipe["batch_size"],
        epochs=recipe["epochs"],
        train_size=recipe["train_size"],
        lr_schedule=dict(recipe.get("lr_schedule", {"kind": "constant"})),
    )


PRESETS: dict[str, Preset] = {key: _preset(key, r) for key, r in recipes.PRESETS.items()}
DEFAULT_PRESET: str = recipes.DEFAULT_PRESET
