"""Training settings typed by the student: parsed, range-checked, explained when wrong.

Every field is validated on its own so the page can put the message next to the box that is wrong;
``Train`` stays disabled while any message exists.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

OPTIMIZERS = {"Adam": "adam", "SGD": "sgd", "SGD + momentum": "momentum"}
MAX_TRAIN_SIZE = 50_000
MIN_TRAIN_SIZE = 100
MAX_EPOCHS = 50
MAX_BATCH = 1024
MAX_LR = 10.0


@dataclass(frozen=True)
class HyperParams:
    optimizer: str  # "adam" | "sgd" | "momentum"
    lr: float
    batch_size: int
    epochs: int
    train_size: int

    def to_dict(self) -> dict:
        return asdict(self)


def _number(text: str, name: str) -> float:
    """A float from what the student typed; a decimal comma is accepted."""
    cleaned = str(text).strip().replace(",", ".").replace("_", "")
    if not cleaned:
        raise ValueError(f"Enter a {name}.")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"The {name} must be a number, not '{text}'.") from None
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"The {name} must be a finite number, not '{text}'.")
    return value


def _whole(text: str, name: str, low: int, high: int) -> int:
    value = _number(text, name)
    if value != int(value):
        raise ValueError(f"The {name} must be a whole number, not {value:g}.")
    if not low <= value <= high:
        raise ValueError(
            f"The {name} must be between {low:,} and {high:,} (you gave {value:,.0f})."
        )
    return int(value)


def parse_lr(text: str) -> float:
    value = _number(text, "learning rate")
    if value <= 0:
        raise ValueError("The learning rate must be greater than 0: with 0 nothing is learned.")
    if value > MAX_LR:
        raise ValueError(
            f"A learning rate of {value:g} would make the loss explode; try 0.001–0.1."
        )
    return value


def validate(
    optimizer: str, lr: str, batch_size: str, epochs: str, train_size: str
) -> tuple[HyperParams | None, dict[str, str]]:
    """Settings, or ``None`` and a message per wrong field (keys: the argument names)."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    if optimizer not in OPTIMIZERS.values():
        errors["optimizer"] = f"Unknown optimizer '{optimizer}'."
    checks = {
        "lr": lambda: parse_lr(lr),
        "train_size": lambda: _whole(
            train_size, "training-set size", MIN_TRAIN_SIZE, MAX_TRAIN_SIZE
        ),
        "batch_size": lambda: _whole(batch_size, "batch size", 1, MAX_BATCH),
        "epochs": lambda: _whole(epochs, "number of epochs", 1, MAX_EPOCHS),
    }
    for key, check in checks.items():
        try:
            values[key] = check()
        except ValueError as exc:
            errors[key] = str(exc)
    if (
        "batch_size" in values
        and "train_size" in values
        and values["batch_size"] > values["train_size"]
    ):
        errors["batch_size"] = (
            f"The batch size ({values['batch_size']}) is larger than the training set "
            f"({values['train_size']})."
        )
    if errors:
        return None, errors
    return HyperParams(optimizer=optimizer, **values), {}  # type: ignore[arg-type]
