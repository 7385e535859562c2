"""The live part of the trainer page: progress, the loss and accuracy charts, earlier runs.

The accuracy chart's x-axis is the training clock (seconds of training, scoring excluded), and the
moments a run first reached 97, 98 and 99% validation accuracy are marked on it. When a new run
starts, the previous one's curves stay on both charts, faded, with its settings listed below,
until "Clear earlier runs"; the page keeps them across reloads (``app.trainer.runs_kept``).
"""

from __future__ import annotations

import html

import panel as pn
from bokeh.models import ColumnDataSource

from app.components.charts import line_chart
from app.components.layout import row
from app.trainer.runs_kept import Run
from app.trainer.status import duration, html_pane, message_html

#: Validation accuracies whose first crossing is marked on the chart.
MILESTONES = (0.97, 0.98, 0.99)


def crossings(checkpoints: list[dict]) -> dict[float, float]:
    """Training seconds at which the validation accuracy first reached each milestone."""
    reached: dict[float, float] = {}
    for point in checkpoints:
        for goal in MILESTONES:
            if goal not in reached and point["val_acc"] >= goal:
                reached[goal] = point["seconds"]
    return reached


def crossings_text(checkpoints: list[dict]) -> str:
    reached = crossings(checkpoints)
    if not reached:
        return ""
    parts = [f"{goal:.0%} at {duration(seconds)}" for goal, seconds in reached.items()]
    return "Validation accuracy reached " + ", ".join(parts) + " of training."


class LiveView:
    """Progress bar and text, loss and accuracy charts, and the faded earlier runs."""

    def __init__(self) -> None:
        self.progress = pn.indicators.Progress(
            label="Training progress", value=0, max=100, sizing_mode="stretch_width", height=16
        )
        self.text = html_pane()
        self.loss = ColumnDataSource({"images": [], "loss": []})
        self.acc = ColumnDataSource({"seconds": [], "acc": []})
        self.marks = ColumnDataSource({"seconds": [], "acc": [], "label": []})
        self.past_loss = ColumnDataSource({"xs": [], "ys": []})
        self.past_acc = ColumnDataSource({"xs": [], "ys": []})
        self.checkpoints: list[dict] = []
        loss_fig = line_chart(
            title="Loss (smoothed, per batch)", x_label="training images", y_label="loss"
        )
        loss_fig.multi_line("xs", "ys", source=self.past_loss, color="#94a3b8", alpha=0.5)
        loss_fig.line("images", "loss", source=self.loss, line_width=2)
        acc_fig = line_chart(
            title="Validation accuracy (10,000 images)",
            x_label="training clock (s)",
            y_label="accuracy %",
        )
        acc_fig.multi_line("xs", "ys", source=self.past_acc, color="#94a3b8", alpha=0.5)
        acc_fig.line("seconds", "acc", source=self.acc, line_width=2, color="#16a34a")
        acc_fig.scatter("seconds", "acc", source=self.acc, size=7, color="#16a34a")
        acc_fig.scatter(
            "seconds", "acc", source=self.marks, size=13, marker="diamond", color="#b45309"
        )
        acc_fig.text(
            "seconds",
            "acc",
            text="label",
            source=self.marks,
            x_offset=6,
            y_offset=-4,
            text_font_size="12px",
        )
        self.runs_list = html_pane()
        self.clear_button = pn.widgets.Button(label="Clear earlier runs", width=170, visible=False)
        self.view = pn.Column(
            self.progress,
            self.text,
            row(
                pn.pane.Bokeh(loss_fig, min_width=280, max_width=470, sizing_mode="stretch_width"),
                pn.pane.Bokeh(acc_fig, min_width=280, max_width=470, sizing_mode="stretch_width"),
            ),
            self.runs_list,
            self.clear_button,
            sizing_mode="stretch_width",
        )

    def new_run(self) -> None:
        """Empty the current curves for a run that starts now."""
        self.loss.data = {"images": [], "loss": []}
        self.acc.data = {"seconds": [], "acc": []}
        self.marks.data = {"seconds": [], "acc": [], "label": []}
        self.checkpoints = []
        self.progress.value = 0

    def curves(self) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
        """The current run's (images, loss) and (training seconds, validation %) points."""
        loss = list(zip(self.loss.data["images"], self.loss.data["loss"], strict=True))
        acc = list(zip(self.acc.data["seconds"], self.acc.data["acc"], strict=True))
        return loss, acc

    def show_earlier(self, runs: list[Run]) -> None:
        """Draw ``runs`` faded behind the current curves and list their settings."""
        self.past_loss.data = {
            "xs": [[x for x, _ in r.loss] for r in runs],
            "ys": [[y for _, y in r.loss] for r in runs],
        }
        self.past_acc.data = {
            "xs": [[x for x, _ in r.accuracy] for r in runs],
            "ys": [[y for _, y in r.accuracy] for r in runs],
        }
        items = "".join(f"<li>{html.escape(run.describe())}</li>" for run in runs)
        self.runs_list.object = (
            f"<p>Earlier runs (faded gray, kept in this browser until cleared):</p>"
            f'<ul class="runs">{items}</ul>'
            if items
            else ""
        )
        self.clear_button.visible = bool(runs)

    def add_losses(self, points: list[list[float]]) -> None:
        """Add [images, loss] samples to the loss curve, in one redraw."""
        if points:
            self.loss.stream({"images": [p[0] for p in points], "loss": [p[1] for p in points]})

    def add_checkpoint(self, point: dict) -> None:
        self.checkpoints.append(point)
        self.acc.stream({"seconds": [point["seconds"]], "acc": [100 * point["val_acc"]]})
        reached = crossings(self.checkpoints)
        self.marks.data = {
            "seconds": list(reached.values()),
            "acc": [100 * goal for goal in reached],
            "label": [f"{goal:.0%}" for goal in reached],
        }

    def say(self, text: str, kind: str = "info", role: str = "status") -> None:
        self.text.object = message_html(text, kind, role)
