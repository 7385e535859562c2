"""The network the student trained in the trainer, if this browser keeps one.

``KeptModel`` (``kept_model.js``) reads it from the trainer's IndexedDB once, when it is drawn;
``read_kept`` turns what arrives into an engine model or a message saying why it cannot be shown.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from pathlib import Path
from typing import Any

import panel as pn

from app.explorer.recipe import INPUT_SHAPE
from engine.model import Sequential


def read_kept(message: Any) -> Sequential | None:
    """The model in a ``{found, bytes}`` message, None when there is none.

    Raises ``ValueError`` with a student-facing reason for a damaged file or a network that does
    not take 28×28 digits.
    """
    if not isinstance(message, dict) or not message.get("found"):
        return None
    try:
        data = base64.b64decode(str(message.get("bytes", "")), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the stored model is damaged") from None
    model = Sequential.from_file(data)
    if model.input_shape != INPUT_SHAPE:
        shape = "×".join(map(str, model.input_shape or ()))
        raise ValueError(f"it takes {shape} inputs, not 1×28×28 digits")
    return model


class KeptModel(pn.custom.JSComponent):
    """Invisible; calls ``on_found(message)`` once with what the browser keeps (see read_kept)."""

    _esm = Path(__file__).with_name("kept_model.js")

    def __init__(self, on_found: Callable[[Any], None], **params: Any) -> None:
        super().__init__(**params)
        self._on_found = on_found

    def _handle_msg(self, message: Any) -> None:
        self._on_found(message)
