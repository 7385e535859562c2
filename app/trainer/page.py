"""The trainer page (main thread): the parts laid out, the run's state, the worker's replies.

Each part has one job — ``form`` (settings), ``live`` (progress and charts), ``results``,
``drawing``, ``keeping`` — and this module only wires them: it keeps the run's state (idle,
training, paused, stopping, evaluating), enables the buttons that fit it, sends requests to the
worker and hands each reply to the part that shows it. Every handler does a small amount of work
(a widget update, a one-point ``stream``) so the page never blocks while a model trains.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable

import panel as pn

from app.components.clicks import on_click_after_input
from app.components.layout import row
from app.trainer import protocol, runs_kept, torch_export
from app.trainer.drawing import DrawingView
from app.trainer.form import SettingsForm
from app.trainer.keeping import KeepView
from app.trainer.link import IN_BROWSER, Link
from app.trainer.live import LiveView, crossings_text
from app.trainer.results import ResultsView
from app.trainer.settings import TrainSettings
from app.trainer.status import duration, html_pane, message_html

#: Below this test accuracy a run has learned next to nothing (guessing scores 10%).
NEAR_CHANCE = 0.2
#: Learning rates that usually work for each optimizer, and one to suggest.
GOOD_RATES = {"adam": (1e-4, 1e-2, 0.003), "momentum": (1e-3, 0.1, 0.01), "sgd": (1e-3, 0.5, 0.05)}
RUNNING = ("training", "paused", "stopping", "evaluating")


def one_task_each(steps: list[Callable[[], None]]) -> None:
    """Run ``steps`` in order, in the browser each in its own task (``setTimeout 0``): Panel
    sends every change to the page within the task that makes it, so one long handler would
    freeze the page for the sum of its redraws. Natively they simply run now."""
    if not IN_BROWSER:
        for step in steps:
            step()
        return
    import js
    from pyodide.ffi import create_once_callable

    for step in steps:
        js.setTimeout(create_once_callable(step), 0)


def near_chance_advice(settings: TrainSettings | None, accuracy: float) -> str:
    """Why a run that ends near chance learned nothing, and what rate to try instead."""
    head = (
        f"{100 * accuracy:.1f}% is about what guessing gets (10%): this network learned "
        "next to nothing."
    )
    if settings is None:
        return head
    low, high, suggestion = GOOD_RATES[settings.optimizer]
    if settings.lr > high:
        why = f"A learning rate of {settings.lr:g} is far too high, so every step overshoots."
    elif settings.lr < low:
        why = f"A learning rate of {settings.lr:g} is too low to move the weights in one run."
    else:
        why = "The learning rate is in the usual range; check the network and the training size."
    return f"{head} {why} Try a learning rate of {suggestion:g}."


class TrainerPage(pn.viewable.Viewer):
    """The whole trainer; ``link_factory(on_message)`` connects it to a worker."""

    def __init__(self, link_factory: Callable[[Callable[[dict], None]], Link]) -> None:
        super().__init__()
        self.worker_ready = False
        self.state = "idle"  # idle | training | paused | stopping | evaluating
        self.has_model = False
        self.run_settings: TrainSettings | None = None  # what the current/last run trained
        self._clicked = 0.0  # wall clock at the last Train click
        #: Finished runs drawn faded, and the last finished run while its curves are current.
        self.earlier: list[runs_kept.Run] = []
        self.current_run: runs_kept.Run | None = None
        self.model_layers: list[dict] = []  # engine specs of the model the worker holds
        self.model_settings: TrainSettings | None = None  # and what it was trained with
        self.boot_status = html_pane(
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
        self.form = SettingsForm(on_change=self._sync_buttons)
        self.train_button = pn.widgets.Button(
            label="Train", color="primary", disabled=True, width=140
        )
        self.pause_button = pn.widgets.Button(label="Pause", disabled=True, width=110)
        self.stop_button = pn.widgets.Button(label="Stop", color="danger", disabled=True, width=110)
        # As for Check: settings typed just before the click get time to reach Python first.
        on_click_after_input(self.train_button, self.train)
        self.pause_button.on_click(lambda _e: self.toggle_pause())
        self.stop_button.on_click(lambda _e: self.stop())
        self.live = LiveView()
        self.live.clear_button.on_click(lambda _e: self.clear_earlier())
        self.results = ResultsView(self.request_features)
        self.drawing = DrawingView(
            lambda image: self.link.send(protocol.request("predict", image=image.ravel().tolist()))
        )
        self.keep = KeepView(
            export=lambda: self.link.send(protocol.request("export")),
            export_script=self.export_script,
            load=self.import_model,
        )
        self._layout = pn.Column(
            self.boot_status,
            self.boot_bar,
            pn.pane.Markdown("## 1. Build the network"),
            self.form.view,
            pn.pane.Markdown("## 2. Train"),
            row(self.train_button, self.pause_button, self.stop_button),
            self.live.view,
            pn.pane.Markdown("## 3. Results"),
            self.results.view,
            pn.pane.Markdown("## 4. Draw a digit"),
            self.drawing.view,
            pn.pane.Markdown("## 5. Keep your model"),
            self.keep.view,
            sizing_mode="stretch_width",
            max_width=980,
        )
        self._sync_buttons()
        self.earlier, notice = runs_kept.load()
        self.live.show_earlier(self.earlier)
        if notice:
            self.live.say(html.escape(notice), "warn")
        self.link = link_factory(self.on_message)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout

    def _sync_buttons(self) -> None:
        running = self.state in RUNNING
        valid = self.form.settings is not None
        self.train_button.disabled = not (self.worker_ready and valid and not running)
        self.train_button.label = "Train again" if self.has_model else "Train"
        self.pause_button.disabled = self.state not in ("training", "paused")
        self.pause_button.label = "Resume" if self.state == "paused" else "Pause"
        self.stop_button.disabled = self.state not in ("training", "paused")
        ready = self.has_model and not running
        self.keep.export_button.disabled = not ready
        self.keep.script_button.disabled = not ready
        self.results.digit_button.disabled = not ready

    # ------------------------------------------------------------------ requests
    def train(self) -> None:
        """Send the form's settings to the worker (exactly ``TrainSettings.to_dict()``)."""
        self.form.check()
        settings = self.form.settings
        if settings is None or self.train_button.disabled:
            return
        if self.current_run is not None:
            self.earlier.append(self.current_run)
            self.current_run = None
            self.live.show_earlier(self.earlier)
        self.live.new_run()
        self.run_settings = settings
        self.state = "training"
        self._clicked = time.perf_counter()
        self.live.say("Starting…")
        if self.has_model:
            self.results.say("A new model is training: the results below are the previous one's.")
        self._sync_buttons()
        self.link.send(protocol.request("train", settings=settings.to_dict()))

    def clear_earlier(self) -> None:
        """Forget the faded runs, on the charts and in the browser (the current one stays)."""
        self.earlier = []
        self.live.show_earlier([])
        runs_kept.save([self.current_run] if self.current_run else [])

    def _keep_run(self, message: dict, settings: TrainSettings | None) -> None:
        if settings is None:
            return
        loss, accuracy = self.live.curves()
        self.current_run = runs_kept.Run(
            settings, message["test_acc"], message["val_acc"], loss, accuracy
        )
        self.earlier = self.earlier[-(runs_kept.MAX_RUNS - 1) :]
        runs_kept.save([*self.earlier, self.current_run])

    def toggle_pause(self) -> None:
        if self.state in ("training", "paused"):
            kind = "pause" if self.state == "training" else "resume"
            self.link.send(protocol.request(kind))

    def stop(self) -> None:
        if self.state in ("training", "paused"):
            self.state = "stopping"
            self._sync_buttons()
            self.link.send(protocol.request("stop"))

    def request_features(self, index: int) -> None:
        self.results.say_features("Computing feature maps…")
        self.link.send(protocol.request("features", index=index))

    def export_script(self) -> None:
        """Download the PyTorch script of the current model (it loads the exported .npz)."""
        trained = "" if self.model_settings is None else self.model_settings.describe()
        script = torch_export.pytorch_script(self.model_layers, trained)
        self.link.download(script.encode(), torch_export.SCRIPT_NAME)
        self.keep.say(
            f"Exported: {torch_export.SCRIPT_NAME}. It reads {torch_export.NPZ_NAME}: export "
            "the model too and keep both in one folder.",
            "ok",
        )

    def import_model(self, data: bytes) -> None:
        self.state = "evaluating"
        self._sync_buttons()
        self.link.send(protocol.request("load", bytes=data, source="import"))

    # ------------------------------------------------------------------ replies from the worker
    def on_message(self, message: dict) -> None:
        """Hand a reply to its handler; one the page cannot read is reported, not raised."""
        try:
            kind = protocol.check(message, protocol.REPLIES)
        except protocol.ProtocolError as exc:
            self.live.say(
                f"The trainer's worker sent a message this page cannot read: "
                f"{html.escape(str(exc))}.",
                "error",
                "alert",
            )
            return
        getattr(self, "_on_" + kind.replace("-", "_"))(message)

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

    def _ready_text(self, note: str = "", kind: str = "ok") -> None:
        self.boot_status.object = message_html(
            f"Ready: MNIST is loaded and Python runs in the background.{note}", kind
        )

    def _on_ready(self, message: dict) -> None:
        self.worker_ready = True
        self.boot_bar.visible = False
        if message["restoring"]:
            self.state = "evaluating"
            self._ready_text(" Restoring the model you trained last time…")
        else:
            self._ready_text()
        self._sync_buttons()

    def _on_started(self, message: dict) -> None:
        self.live.say(f"Training on {message['total']:,} images…")

    def _clocks(self, seconds: float) -> str:
        wall = time.perf_counter() - self._clicked
        return f"training clock {duration(seconds)} · wall clock {duration(wall)}"

    def _on_progress(self, message: dict) -> None:
        state = message["state"]
        if state in ("training", "paused"):
            self.state = state
        total = max(1, message["total"])
        self.live.progress.value = min(100, int(100 * message["images"] / total))
        words = {"training": "Training", "paused": "Paused", "stopping": "Stopping"}.get(
            state, state
        )
        self.live.say(
            f"{words}: {message['images']:,} of {message['total']:,} images · "
            f"{message.get('images_per_s') or 0:,.0f} images/s · "
            f"time remaining {duration(message.get('remaining'))} · "
            f"{self._clocks(message['seconds'])}"
        )
        self.live.add_losses(message.get("losses") or [])
        self._sync_buttons()

    def _on_checkpoint(self, message: dict) -> None:
        self.live.add_checkpoint(message)

    def _on_bench(self, message: dict) -> None:
        """Test accuracy at a checkpoint: only the benchmark's side door asks for it."""

    def _on_finished(self, message: dict) -> None:
        source = message["source"]
        self.state = "idle"
        self.has_model = True
        self.drawing.has_model = True
        accuracy = message["test_acc"]
        settings = message.get("settings")
        try:
            recorded = None if settings is None else TrainSettings.from_dict(settings)
        except ValueError:
            recorded = None  # the results stand; only the note of how they were made is lost
        self.model_layers, self.model_settings = message["layers"], recorded
        kind = "ok" if accuracy >= NEAR_CHANCE else "warn"
        score = (
            f'<span class="big">Test accuracy: {100 * accuracy:.1f}%</span> '
            f"(the 10,000 test images) · validation accuracy {100 * message['val_acc']:.1f}% "
            "(the 10,000 images held out of training, which the live chart follows)"
        )
        advice = "" if kind == "ok" else "<br>" + near_chance_advice(recorded, accuracy)
        if source == "train":
            head = "Training stopped early" if message["stopped"] else "Training finished"
            head += f" after {message['images']:,} images: {self._clocks(message['seconds'])}"
            head += " (scoring the validation and test images is off the training clock)."
            reason = html.escape(message.get("reason") or "")
            milestones = crossings_text(message["history"])
            if not message["stopped"]:
                self.live.progress.value = 100
            self.live.say(" ".join(filter(None, [head, reason, milestones])), kind)
            self._keep_run(message, recorded)
        else:
            head = "Model loaded."
            if recorded is not None:
                self.form.show(recorded)  # the settings the model was trained with
            if source == "kept":
                self._ready_text(
                    f" Restored the model you trained last time: test accuracy "
                    f"{100 * accuracy:.1f}%."
                )
            else:
                self.keep.importing = False
                self.keep.say(
                    f"Imported {self.keep.filename}: test accuracy {100 * accuracy:.1f}%.", kind
                )
        steps = [self._sync_buttons]
        steps += self.results.report_steps(message, f"{head}<br>{score}{advice}", kind)
        steps.append(lambda: self.request_features(int(self.results.digit_index.value)))
        if self.drawing.has_input():
            steps.append(self.drawing.read)
        one_task_each(steps)

    def _on_loaded(self, message: dict) -> None:
        self.state = "evaluating"
        if message["source"] == "import":
            self.keep.say(f"Imported {self.keep.filename}; testing it on 10,000 digits…")
        self._sync_buttons()

    def _on_prediction(self, message: dict) -> None:
        self.drawing.show_prediction(message["probs"])

    def _on_features(self, message: dict) -> None:
        self.results.show_features(message)

    def _on_exported(self, message: dict) -> None:
        self.link.download(bytes(message["bytes"]), torch_export.NPZ_NAME)
        self.keep.say(f"Exported: {torch_export.NPZ_NAME}", "ok")

    def _on_memory(self, message: dict) -> None:
        self.keep.memory.object = message_html(
            f"Background Python memory: {message['heap'] / 2**20:,.0f} MB"
        )

    def _on_forgotten(self, message: dict) -> None:
        self.keep.say("The model kept in this browser was deleted.")

    def _on_error(self, message: dict) -> None:
        text = html.escape(message["message"])
        request = message.get("request")
        if request == "load":
            self.state = "idle"
            self.keep.importing = False
            if text.startswith("Your saved model"):
                self._ready_text(f" {text}", "warn")
            else:
                unchanged = " Your current model is unchanged." if self.has_model else ""
                self.keep.say(f"Could not load the model: {text}{unchanged}", "error", "alert")
        elif request == "predict":
            self.drawing.say(text, "error", "alert")
        elif request == "features":
            self.results.say_features(text, "error", "alert")
        else:
            if request == "train":
                self.state = "idle"
            self.live.say(text, "error", "alert")
        self._sync_buttons()
