"""The drawing part of the trainer page: a pad, the 28×28 digit the model sees, its answer.

Drawing is a pointer gesture, so a select offers MNIST test digits to read instead: the same
answer is reachable with the keyboard alone (WCAG 2.1.1, 2.5.7).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import panel as pn

from app.components.charts import bar_chart, bar_data
from app.components.layout import row
from app.explorer import recipe
from app.trainer import digit
from app.trainer.status import html_pane, message_html
from app.trainer.widgets import DrawingPad, Gallery, gallery_item, gallery_section

DIGITS = [str(d) for d in range(10)]
SEEN = "What the model sees (28×28)"
#: The test digit picker's empty choice: the model reads the drawing.
NO_TEST_DIGIT = -1


def test_digit_options(digits: dict[str, np.ndarray]) -> dict[str, int]:
    """The picker's options: a label per shipped test digit -> its position."""
    options = {"None (read my drawing)": NO_TEST_DIGIT}
    for position, (index, label) in enumerate(
        zip(digits["test_index"], digits["labels"], strict=True)
    ):
        options[f"MNIST test digit #{index} (a {label})"] = position
    return options


class DrawingView:
    """``classify(image)`` is called with the preprocessed digit when the model should read it."""

    def __init__(self, classify: Callable[[np.ndarray], None]) -> None:
        self._classify = classify
        self.has_model = False
        self.pad = DrawingPad(width=290, height=330)
        self.pad.param.watch(lambda _e: self._drawn(), "ink")
        self.digits = recipe.load_digits()
        self.picker = pn.widgets.Select(
            label="Or read an MNIST test digit",
            options=test_digit_options(self.digits),
            value=NO_TEST_DIGIT,
            width=260,
        )
        self.picker.param.watch(lambda _e: self.read(), "value")
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
            pn.Column(self.pad, self.picker),
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

    def has_input(self) -> bool:
        """Whether there is a drawing or a picked test digit to read."""
        return bool(self.pad.ink) or self.picker.value != NO_TEST_DIGIT

    def _drawn(self) -> None:
        # A new stroke means the student wants the drawing read, not the picked test digit.
        if self.picker.value != NO_TEST_DIGIT:
            self.picker.value = NO_TEST_DIGIT  # its watcher reads the drawing
        else:
            self.read()

    def read(self) -> None:
        """Give the model the picked test digit, or else the preprocessed drawing (one that
        cannot be read is refused with the reason)."""
        if self.picker.value != NO_TEST_DIGIT:
            image = self.digits["images"][self.picker.value].astype(np.float32) / 255
            self._look_at(image, "MNIST test digit")
            return
        try:
            image = digit.preprocess(self.pad.pixels())
        except digit.UnreadableDrawing as exc:
            self.say(str(exc))
            self.seen.sections = []
            self.probs.data = bar_data(DIGITS, [0.0] * 10, "{:.2f}")
            return
        self._look_at(image, "preprocessed")

    def _look_at(self, image: np.ndarray, caption: str) -> None:
        self.seen.sections = [
            gallery_section(SEEN, [gallery_item(image, caption)], 4),
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
