"""The trainer page (main thread): choices, live progress, results, drawing, keeping the model.

This side only displays what the worker reports and sends it the student's requests; every
handler does a small amount of work (a widget update, a one-point ``stream``) so the page never
blocks while a model trains.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource

from app.components.charts import bar_chart, bar_data, line_chart
from app.components.clicks import on_click_after_input
from app.components.layout import row
from app.components.matrix import MatrixView
from app.trainer import digit, hparams, spec
from app.trainer.link import Link
from app.trainer.presets import DEFAULT_PRESET, PRESETS
from app.trainer.widgets import DrawingPad, Gallery

DIGITS = [str(d) for d in range(10)]
STATUS_CSS = """
:host { display: block; }
.msg { padding: 0.4em 0.8em; border-radius: 6px; line-height: 1.45; margin: 0; }
.msg.error { background: #fef2f2; border-left: 4px solid #b91c1c; color: #7f1d1d; }
.msg.info { background: #eff6ff; border-left: 4px solid #2563eb; color: #1e3a8a; }
.msg.ok { background: #f0fdf4; border-left: 4px solid #15803d; color: #14532d; }
.big { font-size: 1.35em; font-weight: 600; }
.scroll { overflow-x: auto; max-width: 100%; }
table.layers { border-collapse: collapse; font-size: 14px; }
table.layers th, table.layers td { border-bottom: 1px solid #e2e8f0; padding: 3px 10px;
  text-align: left; }
table.layers td.num { text-align: right; font-variant-numeric: tabular-nums; }
/* "8 × 24 × 24" broken over two lines on a phone read like two shapes. */
table.layers td.shape { white-space: nowrap; }
"""


def message_html(text: str, kind: str = "info", role: str = "status") -> str:
    """A styled, screen-reader-announced message block ('' hides it)."""
    if not text:
        return ""
    return f'<p class="msg {kind}" role="{role}">{text}</p>'


def table_html(analysis: spec.Analysis) -> str:
    rows = "".join(
        f"<tr><td>{row.index or ''}</td><td>{html.escape(row.layer)}</td>"
        f'<td class="shape">{row.output}</td>'
        f'<td class="num">{row.params:,}</td></tr>'
        for row in analysis.rows
    )
    total = (
        f'<tr><td></td><th scope="row">total</th><td></td>'
        f'<th class="num">{analysis.total_params:,}</th></tr>'
    )
    return (
        '<div class="scroll"><table class="layers" '
        'aria-label="Output shape and parameters of each layer">'
        "<thead><tr><th>#</th><th>layer</th><th>output shape</th><th>parameters</th></tr></thead>"
        f"<tbody>{rows}{total if analysis.ok else ''}</tbody></table></div>"
    )


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = max(0.0, float(seconds))
    return (
        f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {seconds % 60:02.0f} s"
    )


class TrainerPage(pn.viewable.Viewer):
    """The whole trainer; ``link_factory(on_message)`` connects it to a worker."""

    def __init__(self, link_factory: Callable[[Callable[[dict], None]], Link]) -> None:
        super().__init__()
        self.worker_ready = False
        self.state = "idle"  # idle | training | paused | stopping | evaluating
        self.has_model = False
        self.layers: list[dict] = []
        self.params: hparams.HyperParams | None = None
        self._build_choices()
        self._build_live()
        self._build_results()
        self._build_draw()
        self._build_keep()
        self._layout = pn.Column(
            self.boot_status,
            self.boot_bar,
            pn.pane.Markdown("## 1. Build the network"),
            self.choices,
            pn.pane.Markdown("## 2. Train"),
            self.live,
            pn.pane.Markdown("## 3. Results"),
            self.results,
            pn.pane.Markdown("## 4. Draw a digit"),
            self.draw,
            pn.pane.Markdown("## 5. Keep your model"),
            self.keep,
            sizing_mode="stretch_width",
            max_width=980,
        )
        self._apply_preset()
        self.link = link_factory(self.on_message)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout

    # ------------------------------------------------------------------ building
    def _html(self, text: str = "", **kwargs) -> pn.pane.HTML:
        return pn.pane.HTML(text, stylesheets=[STATUS_CSS], sizing_mode="stretch_width", **kwargs)

    def _build_choices(self) -> None:
        self.boot_status = self._html(
            message_html("Preparing the trainer: starting Python in the background…")
        )
        self.boot_bar = pn.indicators.Progress(
            label="Preparing",
            value=-1,
            max=100,
            sizing_mode="stretch_width",
            height=14,
            bar_color="info",
        )
        self.preset = pn.widgets.Select(
            label="Preset network",
            options={p.title: key for key, p in PRESETS.items()},
            value=DEFAULT_PRESET,
            width=280,
        )
        self.preset_text = pn.pane.Markdown(sizing_mode="stretch_width")
        self.spec_text = pn.widgets.TextAreaInput(
            label="Layers (one per line; edit freely)",
            height=190,
            width=340,
            stylesheets=[":host textarea { font-family: monospace; }"],
        )
        self.spec_help = pn.pane.Markdown(
            "Layers: `conv filters=8 kernel=3 stride=1 padding=0`, `relu`, "
            "`maxpool size=2` (or `avgpool`, `sumpool`; add `stride=` to overlap), "
            "`dense units=10`. The last layer must be `dense units=10`.",
            sizing_mode="stretch_width",
        )
        self.spec_table = self._html()
        self.spec_message = self._html()
        self.optimizer = pn.widgets.Select(label="Optimizer", options=hparams.OPTIMIZERS, width=160)
        self.lr = pn.widgets.TextInput(label="Learning rate", width=120)
        self.batch_size = pn.widgets.TextInput(label="Batch size", width=100)
        self.epochs = pn.widgets.TextInput(label="Epochs", width=80)
        self.train_size = pn.widgets.TextInput(label="Training images", width=130)
        self.settings_message = self._html()
        for widget in (self.lr, self.batch_size, self.epochs, self.train_size):
            widget.param.watch(lambda _e: self._check(), "value_input")
        self.optimizer.param.watch(lambda _e: self._check(), "value")
        self.spec_text.param.watch(lambda _e: self._check(), "value_input")
        self.preset.param.watch(lambda _e: self._apply_preset(), "value")
        self.choices = row(
            pn.Column(self.preset, self.preset_text, self.spec_text, self.spec_help, width=360),
            pn.Column(self.spec_table, self.spec_message, min_width=300),
            pn.Column(
                row(self.optimizer, self.lr, self.batch_size, self.epochs, self.train_size),
                self.settings_message,
                sizing_mode="stretch_width",
            ),
        )

    def _build_live(self) -> None:
        self.train_button = pn.widgets.Button(
            label="Train", color="primary", disabled=True, width=120
        )
        self.pause_button = pn.widgets.Button(label="Pause", disabled=True, width=110)
        self.stop_button = pn.widgets.Button(label="Stop", color="danger", disabled=True, width=110)
        # As for Check: settings typed just before the click get time to reach Python first.
        on_click_after_input(self.train_button, self.train)
        self.pause_button.on_click(lambda _e: self.toggle_pause())
        self.stop_button.on_click(lambda _e: self.stop())
        self.progress = pn.indicators.Progress(
            label="Training progress", value=0, max=100, sizing_mode="stretch_width", height=16
        )
        self.progress_text = self._html()
        self.loss_source = ColumnDataSource({"images": [], "loss": []})
        self.acc_source = ColumnDataSource({"images": [], "acc": []})
        loss_fig = line_chart(
            title="Loss (smoothed, per batch)", x_label="training images", y_label="loss"
        )
        loss_fig.line("images", "loss", source=self.loss_source, line_width=2)
        acc_fig = line_chart(
            title="Validation accuracy (10,000 images)",
            x_label="training images",
            y_label="accuracy %",
        )
        acc_fig.line("images", "acc", source=self.acc_source, line_width=2, color="#16a34a")
        acc_fig.scatter("images", "acc", source=self.acc_source, size=7, color="#16a34a")
        self.live = pn.Column(
            row(self.train_button, self.pause_button, self.stop_button),
            self.progress,
            self.progress_text,
            row(
                pn.pane.Bokeh(loss_fig, min_width=280, max_width=470, sizing_mode="stretch_width"),
                pn.pane.Bokeh(acc_fig, min_width=280, max_width=470, sizing_mode="stretch_width"),
            ),
            sizing_mode="stretch_width",
        )

    def _build_results(self) -> None:
        self.result_text = self._html(message_html("Train a model to see its results here."))
        self.confusion = MatrixView(
            np.zeros((10, 10)),
            title="Confusion matrix (rows: true digit, columns: predicted)",
            row_labels=DIGITS,
            col_labels=DIGITS,
            fmt=".0f",
            cell_size=30,
            corner="true \\ predicted",
        )
        self.misclassified = Gallery(label="Misclassified test digits", scale=3)
        self.filters = Gallery(label="First-layer filters", scale=8)
        self.digit_index = pn.widgets.IntInput(
            label="Test digit number (0–9999)", start=0, end=9999, value=0, width=200
        )
        self.digit_button = pn.widgets.Button(label="Show feature maps", width=170, disabled=True)
        self.digit_button.on_click(lambda _e: self.request_features())
        self.features_text = self._html()
        self.features = pn.Column(sizing_mode="stretch_width")
        self.results = pn.Column(
            self.result_text,
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
                "**Feature maps** of one test digit through every layer (first 8 channels)"
            ),
            row(self.digit_index, self.digit_button),
            self.features_text,
            self.features,
            sizing_mode="stretch_width",
            visible=True,
        )

    def _build_draw(self) -> None:
        self.pad = DrawingPad(width=290, height=330)
        self.pad.param.watch(lambda _e: self.classify_drawing(), "ink")
        self.seen = Gallery(label="What the model sees (28×28)", scale=4)
        fig, self.prob_source = bar_chart(
            DIGITS,
            [0.0] * 10,
            title="Softmax probabilities",
            y_range=(0, 1.05),
            fmt="{:.2f}",
            height=240,
        )
        self.prob_fig = fig
        self.draw_text = self._html(
            message_html("Draw a digit in the box; the model answers when you lift the pen.")
        )
        self.draw = row(
            self.pad,
            pn.Column(
                self.draw_text,
                self.seen,
                pn.pane.Bokeh(fig, sizing_mode="stretch_width", min_width=280),
                sizing_mode="stretch_width",
                min_width=300,
            ),
        )

    def _build_keep(self) -> None:
        self.export_button = pn.widgets.Button(
            label="Export model (.npz)", disabled=True, width=190
        )
        self.export_button.on_click(lambda _e: self.link.send({"type": "export"}))
        self.import_input = pn.widgets.FileInput(
            accept=".npz", label="Import a model (.npz)", width=280
        )
        self.import_input.param.watch(lambda e: self.import_model(e.new), "value")
        self.keep_text = self._html(
            message_html(
                "Your last trained model is kept in this browser and restored when you come back."
            )
        )
        self.memory_text = self._html()
        self.keep = pn.Column(
            self.keep_text,
            row(self.export_button, self.import_input),
            self.memory_text,
            sizing_mode="stretch_width",
        )

    # ------------------------------------------------------------------ choices
    def _apply_preset(self) -> None:
        preset = PRESETS[self.preset.value]
        self.preset_text.object = f"{preset.description} {preset.schedule_text()}"
        self.spec_text.value = self.spec_text.value_input = spec.format_spec(preset.layers)
        self.optimizer.value = preset.optimizer
        for widget, value in (
            (self.lr, preset.lr),
            (self.batch_size, preset.batch_size),
            (self.epochs, preset.epochs),
            (self.train_size, preset.train_size),
        ):
            widget.value = widget.value_input = str(value)
        self._check()

    def _check(self) -> None:
        """Re-validate everything the student typed; Train is enabled only when all is well."""
        self.layers, analysis = spec.check_text(self.spec_text.value_input or "")
        self.spec_table.object = table_html(analysis)
        self.spec_message.object = message_html(analysis.error, "error", "alert")
        self.params, errors = hparams.validate(
            self.optimizer.value,
            self.lr.value_input,
            self.batch_size.value_input,
            self.epochs.value_input,
            self.train_size.value_input,
        )
        labels = {
            "lr": "Learning rate",
            "batch_size": "Batch size",
            "epochs": "Epochs",
            "train_size": "Training images",
            "optimizer": "Optimizer",
        }
        text = "<br>".join(
            f"<b>{labels[key]}:</b> {html.escape(msg)}" for key, msg in errors.items()
        )
        self.settings_message.object = message_html(text, "error", "alert")
        self.valid = analysis.ok and self.params is not None
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        running = self.state in ("training", "paused", "stopping", "evaluating")
        self.train_button.disabled = not (self.worker_ready and self.valid and not running)
        self.pause_button.disabled = self.state not in ("training", "paused")
        self.pause_button.label = "Resume" if self.state == "paused" else "Pause"
        self.stop_button.disabled = self.state not in ("training", "paused")
        ready = self.has_model and not running
        self.export_button.disabled = not ready
        self.digit_button.disabled = not ready

    # ------------------------------------------------------------------ actions
    def train(self) -> None:
        self._check()
        if not self.valid or self.train_button.disabled:
            return
        self.state = "training"
        self.loss_source.data = {"images": [], "loss": []}
        self.acc_source.data = {"images": [], "acc": []}
        self.progress.value = 0
        self.progress_text.object = message_html("Starting…")
        self._sync_buttons()
        self.link.send(
            {"type": "train", "spec": self.spec_text.value_input, "hparams": self.params.to_dict()}
        )

    def toggle_pause(self) -> None:
        if self.state == "training":
            self.link.send({"type": "pause"})
        elif self.state == "paused":
            self.link.send({"type": "resume"})

    def stop(self) -> None:
        if self.state in ("training", "paused"):
            self.state = "stopping"
            self._sync_buttons()
            self.link.send({"type": "stop"})

    def classify_drawing(self) -> None:
        try:
            image = digit.preprocess(self.pad.pixels())
        except digit.EmptyDrawing as exc:
            self.draw_text.object = message_html(str(exc), "info")
            self.seen.items = []
            self.prob_source.data = bar_data(DIGITS, [0.0] * 10, "{:.2f}")
            return
        self.seen.items = [{"pixels": np.round(image, 3).tolist(), "caption": "preprocessed"}]
        if not self.has_model:
            self.draw_text.object = message_html(
                "Train a model (or import one) first; then it can read your digit.", "info"
            )
            return
        self.link.send({"type": "predict", "image": image.ravel().tolist()})

    def request_features(self) -> None:
        self.features_text.object = message_html("Computing feature maps…")
        self.link.send({"type": "features", "index": int(self.digit_index.value)})

    def import_model(self, data: bytes | None) -> None:
        if not data:
            return
        name = html.escape(self.import_input.filename or "the file")
        self._import_name = name
        self.keep_text.object = message_html(f"Importing {name}…")
        self.link.send({"type": "load", "bytes": bytes(data), "source": "import"})

    # ------------------------------------------------------------------ messages from the worker
    def on_message(self, message: dict) -> None:
        handler = getattr(self, "_on_" + message.get("type", "").replace("-", "_"), None)
        if handler is not None:
            handler(message)

    def _on_boot(self, message: dict) -> None:
        stage = message["stage"]
        total = message.get("total") or 0
        if total:
            percent = int(100 * message["loaded"] / total)
            self.boot_bar.value = percent
            stage = f"{stage}: {message['loaded'] / 1e6:.1f} of {total / 1e6:.1f} MB ({percent}%)"
        self.boot_status.object = message_html(f"Preparing the trainer: {stage}…")

    def _on_boot_failed(self, message: dict) -> None:
        self.boot_bar.visible = False
        self.boot_status.object = message_html(
            f"The trainer could not start: {html.escape(message['message'])}. "
            "Reload the page to try again.",
            "error",
            "alert",
        )

    def _on_ready(self, message: dict) -> None:
        self.worker_ready = True
        self.boot_bar.visible = False
        note = " Restoring the model you trained last time…" if message.get("restoring") else ""
        self.boot_status.object = message_html(
            f"Ready: MNIST is loaded and Python runs in the background.{note}", "ok"
        )
        if message.get("restoring"):
            self.state = "evaluating"
        self._sync_buttons()

    def _on_started(self, message: dict) -> None:
        self.progress_text.object = message_html(f"Training on {message['total']:,} images…")

    def _on_progress(self, message: dict) -> None:
        state = message["state"]
        if state in ("training", "paused"):
            self.state = state
        total = max(1, message["total"])
        self.progress.value = min(100, int(100 * message["images"] / total))
        words = {"training": "Training", "paused": "Paused", "stopping": "Stopping"}.get(
            state, state
        )
        self.progress_text.object = message_html(
            f"{words}: {message['images']:,} of {message['total']:,} images · "
            f"{message['images_per_s']:,.0f} images/s · "
            f"time remaining {duration(message['remaining'])} · "
            f"training time {duration(message['seconds'])}"
        )
        if message.get("loss") is not None and state == "training":
            self.loss_source.stream({"images": [message["images"]], "loss": [message["loss"]]})
        self._sync_buttons()

    def _on_checkpoint(self, message: dict) -> None:
        self.acc_source.stream({"images": [message["images"]], "acc": [100 * message["val_acc"]]})

    def _on_finished(self, message: dict) -> None:
        was_training = self.state in ("training", "stopping", "paused")
        self.state = "idle"
        self.has_model = True
        accuracy = f"Test accuracy: {100 * message['test_acc']:.1f}%"
        if message.get("images"):
            head = "Training stopped early" if message["stopped"] else "Training finished"
            head += f" after {message['images']:,} images"
            head += f" in {duration(message['seconds'])} of training."
            self.progress.value = 100 if not message["stopped"] else self.progress.value
        else:
            head = "Model loaded."
        self.result_text.object = message_html(
            f'{head}<br><span class="big">{accuracy}</span> (10,000 test images)', "ok"
        )
        if was_training:
            self.progress_text.object = message_html(head, "ok")
        self.spec_text.value = self.spec_text.value_input = message["spec"]
        self.confusion.values = np.asarray(message["confusion"], dtype=float)
        self.misclassified.items = [
            {
                "pixels": item["image"],
                "caption": (
                    f"{item['label']} → {item['predicted']} ({100 * max(item['probs']):.0f}%)"
                ),
            }
            for item in message["misclassified"]
        ]
        self.filters.items = [
            {"pixels": f, "caption": f"filter {i + 1}"} for i, f in enumerate(message["filters"])
        ]
        self._check()
        self.request_features()
        if self.pad.ink:
            self.classify_drawing()

    def _on_loaded(self, message: dict) -> None:
        self.state = "evaluating"
        if message.get("source") == "import":
            self.keep_text.object = message_html(
                f"Imported {getattr(self, '_import_name', 'the model')}; testing it…", "ok"
            )
        self._sync_buttons()

    def _on_prediction(self, message: dict) -> None:
        probs = message["probs"]
        best = int(np.argmax(probs))
        self.prob_source.data = bar_data(DIGITS, probs, "{:.2f}")
        self.draw_text.object = message_html(
            f'The model reads your digit as <span class="big">{best}</span> '
            f"({100 * probs[best]:.1f}%).",
            "ok",
        )

    def _on_features(self, message: dict) -> None:
        self.features_text.object = message_html(
            f"Test digit #{message['index']} (a {message['label']}); the model says "
            f"{int(np.argmax(message['probs']))}."
        )
        rows = [
            Gallery(
                items=[{"pixels": message["image"], "caption": "input"}], label="input", scale=3
            )
        ]
        for i, layer in enumerate(message["layers"], start=1):
            rows.append(pn.pane.Markdown(f"Layer {i}: {layer['layer']}", margin=(4, 5, 0, 5)))
            rows.append(
                Gallery(
                    items=[
                        {"pixels": m, "caption": f"ch {c + 1}"} for c, m in enumerate(layer["maps"])
                    ],
                    label=f"Feature maps after layer {i}",
                    scale=max(2, 84 // max(1, len(layer["maps"][0]))),
                )
            )
        self.features.objects = rows

    def _on_exported(self, message: dict) -> None:
        self.link.download(bytes(message["bytes"]), "cnn-classroom-model.npz")
        self.keep_text.object = message_html("Exported: cnn-classroom-model.npz", "ok")

    def _on_memory(self, message: dict) -> None:
        self.memory_text.object = message_html(
            f"Background Python memory: {message['heap'] / 2**20:,.0f} MB"
        )

    def _on_error(self, message: dict) -> None:
        text = html.escape(message["message"])
        request = message.get("request")
        if request == "load":
            self.state = "idle"
            self.keep_text.object = message_html(
                f"Could not load the model: {text} "
                + ("Your current model is unchanged." if self.has_model else ""),
                "error",
                "alert",
            )
        elif request in ("predict", "features"):
            target = self.draw_text if request == "predict" else self.features_text
            target.object = message_html(text, "error", "alert")
        else:
            if request == "train":
                self.state = "idle"
            self.progress_text.object = message_html(text, "error", "alert")
        self._sync_buttons()
