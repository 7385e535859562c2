"""Finished runs kept across reloads: their settings, scores and curves, until the student clears
them.

Stored through the progress module's store (``localStorage`` in the browser, memory natively)
under ``RUNS_KEY`` as ``{"version": 1, "runs": [Run.to_dict(), …]}``, oldest first. The store is
bounded: at most ``MAX_RUNS`` runs of at most ``MAX_POINTS`` points per curve (a five-epoch run
has ~1,500 loss points; every ``len // MAX_POINTS``-th is kept), about 10 kB per run.

Storage can be damaged (a hand edit, an extension, another version): unreadable JSON is copied
to ``BACKUP_KEY`` and each entry that does not read back as a run is skipped; either way
``load`` returns a notice for the page and never raises.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from app import progress
from app.trainer.settings import TrainSettings

RUNS_KEY = "cnn-classroom/trainer-runs/v1"
BACKUP_KEY = "cnn-classroom/trainer-runs/v1/unreadable-backup"
VERSION = 1
MAX_RUNS = 8
MAX_POINTS = 200

Curve = list[tuple[float, float]]


def thin(points: Curve, limit: int = MAX_POINTS) -> Curve:
    """At most ``limit`` of ``points``, evenly spaced, always with the last one."""
    if len(points) <= limit:
        return list(points)
    step = math.ceil(len(points) / limit)
    kept = points[::step]
    return kept if kept[-1] == points[-1] else [*kept[: limit - 1], points[-1]]


def _curve(value: Any, name: str) -> Curve:
    if not isinstance(value, list):
        raise ValueError(f"{name} is not a list of points")
    points = []
    for point in value:
        ok = isinstance(point, list) and len(point) == 2
        if not ok or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in point
        ):
            raise ValueError(f"{name} has a point that is not two finite numbers")
        points.append((float(point[0]), float(point[1])))
    return points


def _score(value: Any, name: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
        raise ValueError(f"{name} is not an accuracy between 0 and 1")
    return float(value)


@dataclass(frozen=True)
class Run:
    """One finished run: ``loss`` as (training images, loss), ``accuracy`` as (training
    seconds, validation accuracy in %), the points the live charts drew."""

    settings: TrainSettings
    test_acc: float
    val_acc: float
    loss: Curve
    accuracy: Curve

    def describe(self) -> str:
        """The line in the list of earlier runs: settings and how the run ended."""
        return f"{self.settings.describe()} — test {100 * self.test_acc:.1f}%"

    def to_dict(self) -> dict[str, Any]:
        return {
            "settings": self.settings.to_dict(),
            "test_acc": self.test_acc,
            "val_acc": self.val_acc,
            "loss": [list(p) for p in thin(self.loss)],
            "accuracy": [list(p) for p in thin(self.accuracy)],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Run:
        """A run read back from storage; ValueError says what is wrong with it."""
        if not isinstance(data, dict):
            raise ValueError("an entry is not an object")
        return cls(
            settings=TrainSettings.from_dict(data.get("settings")),
            test_acc=_score(data.get("test_acc"), "test_acc"),
            val_acc=_score(data.get("val_acc"), "val_acc"),
            loss=_curve(data.get("loss"), "loss"),
            accuracy=_curve(data.get("accuracy"), "accuracy"),
        )


def load() -> tuple[list[Run], str]:
    """The kept runs, oldest first, and a notice for the student ('' when all read back)."""
    data = progress.read_object(RUNS_KEY, BACKUP_KEY)
    if data is None or (data and data.get("version") != VERSION):
        return [], (
            "The earlier runs kept in this browser could not be read, so none are shown. "
            f"The old data was kept in localStorage under “{BACKUP_KEY}”."
        )
    runs, skipped = [], 0
    for entry in data.get("runs", []) if isinstance(data.get("runs"), list) else []:
        try:
            runs.append(Run.from_dict(entry))
        except (ValueError, TypeError):
            skipped += 1
    notice = ""
    if skipped:
        notice = (
            f"{skipped} of the earlier runs kept in this browser could not be read and "
            f"{'was' if skipped == 1 else 'were'} left out."
        )
    return runs[-MAX_RUNS:], notice


def save(runs: list[Run]) -> None:
    """Keep the newest ``MAX_RUNS`` of ``runs`` (an empty list forgets them all)."""
    kept = [run.to_dict() for run in runs[-MAX_RUNS:]]
    text = json.dumps({"version": VERSION, "runs": kept}, separators=(",", ":"))
    progress.storage().set(RUNS_KEY, text)
