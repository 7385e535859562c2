"""The drawing part of the trainer page: a pad, the 28×28 digit the model sees, its answer."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import panel as pn

from app.components.charts import bar_chart, bar_data
from app.components.layout import row
from app.trainer import digit
from app.trainer.status import html_pane, message_html
from app.trainer.widgets import DrawingPad, Gallery, gallery_item, gallery_section

DIGITS = [str(d) for d in range(10)]
SEEN = "What the model sees (28×28)"


class DrawingView:
    """``classify(image)`` is called with the preprocessed digit when the model should read it."""

    def __init__(self, classify: Callable[[np.ndarray], None]) -> None:
        self._classify = classify
        self.has_model = False
        self.pad = DrawingPad(width=290, height=330)
        self.pad.param.watch(lambda _e: self.read(), "ink")
        self.seen = Gallery()
        fig, self.probs = bar_chart(
            DIGITS,
            [0.0] * 10,
            title="Softmax probabilities",
            y_range=(0, 1.05),
            fmt="{:.2f}",
            height=240,
        )
        self.text = html_pane(
            message_html("Draw a digit in the box; the model answers when you lift the pen.")
        )
        self.view = row(
            self.pad,
            pn.Column(
                self.text,
                self.seen,
                pn.pane.Bokeh(fig, sizing_mode="stretch_width", min_width=280),
                sizing_mode="stretch_width",
                min_width=300,
            ),
        )

    def say(self, text: str, kind: str = "info", role: str = "status") -> None:
        self.text.object = message_html(text, kind, role)

    def read(self) -> None:
        """Preprocess the drawing; refuse one that cannot be read, else hand it to the model."""
        try:
            image = digit.preprocess(self.pad.pixels())
        except digit.UnreadableDrawing as exc:
            self.say(str(exc))
            self.seen.sections = []
            self.probs.data = bar_data(DIGITS, [0.0] * 10, "{:.2f}")
            return
        self.seen.sections = [
            gallery_section(SEEN, [gallery_item(image, "preprocessed")], 4),
        ]
        if not self.has_model:
            self.say("Train a model (or import one) first; then it can read your digit.")
            return
        self._classify(image)

    def show_prediction(self, probs: list[float]) -> None:
        best = int(np.argmax(probs))
        self.probs.data = bar_data(DIGITS, probs, "{:.2f}")
        self.say(
            f'The model reads your digit as <span class="big">{best}</span> '
            f"({100 * probs[best]:.1f}%).",
            "ok",
        )
