"""The results part of the trainer page: test accuracy, confusion matrix, misclassified digits,
first-layer filters and the feature maps of one test digit through every layer."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import panel as pn

from app.components.layout import row
from app.components.matrix import MatrixView
from app.trainer.status import html_pane, message_html
from app.trainer.widgets import SCALES, Gallery, gallery_item, gallery_section

DIGITS = [str(d) for d in range(10)]
#: About how many screen pixels wide the widest feature map is drawn.
FEATURE_PIXELS = 84


def as_grid(values: list[float]) -> list[list[float]]:
    """A flat layer's values as a near-square grid read row by row, so a layer of 1,352 values
    fits a phone; the last row is padded with the smallest value, which is drawn as paper."""
    width = math.ceil(math.sqrt(len(values)))
    padded = values + [min(values)] * (-len(values) % width)
    return [padded[i : i + width] for i in range(0, len(padded), width)]


def feature_scale(width: int) -> int:
    """Screen pixels per value for a feature map ``width`` values wide, within Gallery's 1…12."""
    low, high = SCALES
    return int(np.clip(FEATURE_PIXELS // max(1, width), low, high))


class ResultsView:
    """Shows a ``finished`` report and ``features`` replies; asks for features by callback."""

    def __init__(self, request_features: Callable[[int], None]) -> None:
        self.text = html_pane(message_html("Train a model to see its results here."))
        self.confusion = MatrixView(
            np.zeros((10, 10)),
            title="Confusion matrix (rows: true digit, columns: predicted)",
            row_labels=DIGITS,
            col_labels=DIGITS,
            fmt=".0f",
            cell_size=30,
            corner="true \\ predicted",
        )
        self.misclassified = Gallery()
        self.filters = Gallery()
        self.digit_index = pn.widgets.IntInput(
            label="Test digit number (0–9999)", start=0, end=9999, value=0, width=200
        )
        self.digit_button = pn.widgets.Button(label="Show feature maps", width=170, disabled=True)
        self.digit_button.on_click(lambda _e: request_features(int(self.digit_index.value)))
        self.features_text = html_pane()
        self.features = Gallery(sizing_mode="stretch_width")
        self.view = pn.Column(
            self.text,
            row(
                self.confusion,
                pn.Column(
                    pn.pane.Markdown(
                        "**Misclassified test digits** (true → predicted, probability)"
                    ),
                    self.misclassified,
                    sizing_mode="stretch_width",
                    min_width=300,
                ),
            ),
            pn.pane.Markdown("**First-layer filters** (dark = large weight)"),
            self.filters,
            pn.pane.Markdown(
                "**Feature maps** of one test digit through every layer (first 8 channels; "
                "a flat layer's values fill a square row by row)"
            ),
            row(self.digit_index, self.digit_button),
            self.features_text,
            self.features,
            sizing_mode="stretch_width",
        )

    def report_steps(self, report: dict, summary: str, kind: str) -> list[Callable[[], None]]:
        """Show a ``finished`` report: the summary, the confusion matrix, the galleries — as
        steps the page runs one per browser task, so no single task redraws everything."""
        return [
            lambda: self.say(summary, kind),
            lambda: self._show_confusion(report["confusion"]),
            lambda: self._show_galleries(report),
        ]

    def _show_confusion(self, confusion: list[list[int]]) -> None:
        self.confusion.values = np.asarray(confusion, dtype=float)

    def _show_galleries(self, report: dict) -> None:
        wrong = [
            gallery_item(
                item["image"],
                f"{item['label']} → {item['predicted']} ({100 * max(item['probs']):.0f}%)",
            )
            for item in report["misclassified"]
        ]
        self.misclassified.sections = [gallery_section("Misclassified test digits", wrong, 3)]
        filters = [gallery_item(f, f"filter {i + 1}") for i, f in enumerate(report["filters"])]
        self.filters.sections = [gallery_section("First-layer filters", filters, 8)]

    def say(self, text: str, kind: str = "info") -> None:
        self.text.object = message_html(text, kind)

    def say_features(self, text: str, kind: str = "info", role: str = "status") -> None:
        self.features_text.object = message_html(text, kind, role)

    def show_features(self, message: dict) -> None:
        self.say_features(
            f"Test digit #{message['index']} (a {message['label']}); the model says "
            f"{int(np.argmax(message['probs']))}."
        )
        sections = [
            gallery_section("input", [gallery_item(message["image"], "input")], 3),
        ]
        for i, layer in enumerate(message["layers"], start=1):
            maps = layer["maps"]
            flat = len(maps[0]) == 1  # a flat layer's values come as one row
            captions = [
                f"{len(m[0])} values" if flat else f"ch {c + 1}" for c, m in enumerate(maps)
            ]
            if flat:
                maps = [as_grid(m[0]) for m in maps]
            items = [gallery_item(m, t) for m, t in zip(maps, captions, strict=True)]
            sections.append(
                gallery_section(
                    f"Output of layer {i}",
                    items,
                    feature_scale(len(maps[0][0])),
                    title=f"Layer {i}: {layer['layer']}",
                )
            )
        self.features.sections = sections
