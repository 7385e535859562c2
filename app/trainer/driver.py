"""The trainer's worker side: runs the engine in short slices and answers the page's messages.

This module runs inside the Web Worker (``static/trainer-worker.js``) and imports only the engine,
numpy and the standard library, never Panel.  The worker calls :meth:`Driver.handle` for every
message from the page and, while a run is active, :meth:`Driver.run_slice` in a loop that returns
to the JavaScript event loop between slices; that is what lets Pause and Stop arrive within a
slice (~100 ms) even though Python itself is single-threaded.

Every reply is a plain dict of numbers, strings, lists and bytes so it crosses ``postMessage``
cheaply.  Progress messages are throttled to ``max_rate`` per second (each one costs the page a
redraw), and each carries the smoothed loss sampled ``LOSS_SAMPLES_PER_PROGRESS`` times as often,
so a slower page costs the loss chart no detail.
"""

from __future__ import annotations

import io
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from app.trainer import protocol
from app.trainer.settings import TrainSettings
from app.trainer.spec import INPUT_SHAPE, NUM_CLASSES
from engine import functional, optim, train
from engine.data import Mnist, normalize
from engine.layers import Conv2D
from engine.losses import SoftmaxCrossEntropy
from engine.model import Sequential

Message = dict
#: Images per evaluation step: small enough that a step stays well under one slice.
EVAL_CHUNK = 500
MISCLASSIFIED_SHOWN = 24
FEATURE_CHANNELS = 8
#: Momentum of the "SGD + momentum" choice: the usual textbook value.
MOMENTUM = 0.9
CHECKPOINT_IMAGES = 10_000
#: Progress messages per second: each one makes the page run Python and repaint the progress bar,
#: status line and loss chart (under load 100-300 ms of the page's main thread), CPU that the
#: page takes from the worker on a 2-core machine. The loss curve keeps 8 samples a second.
PROGRESS_PER_SECOND = 1.0
LOSS_SAMPLES_PER_PROGRESS = 8


def to_input(images: np.ndarray) -> np.ndarray:
    """uint8-scale (N, 28, 28) images → the float32 (N, 1, 28, 28) the models are trained on."""
    return normalize(images, dtype=np.float32)


def build_model(settings: TrainSettings) -> Sequential:
    """A float32 engine model of the settings' layers, initialised from the settings' seed."""
    return Sequential.from_spec(settings.layers, INPUT_SHAPE, rng=settings.seed, dtype=np.float32)


def make_optimizer(settings: TrainSettings) -> optim.Optimizer:
    if settings.optimizer == "adam":
        return optim.Adam(lr=settings.lr)
    momentum = MOMENTUM if settings.optimizer == "momentum" else 0.0
    return optim.SGD(settings.lr, momentum=momentum)


def train_events(
    model: Sequential, x: np.ndarray, y: np.ndarray, settings: TrainSettings
) -> Iterator[dict]:
    """The engine's training generator for these settings, without its built-in validation.

    The engine would validate all 10,000 images inside one ``next()`` (seconds in the browser);
    the driver validates in chunks itself so Pause and Stop stay responsive.
    """
    return train.train(
        model,
        SoftmaxCrossEntropy(),
        make_optimizer(settings),
        x,
        y,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        rng=settings.seed,
        lr_schedule=settings.lr_at_step(),
    )


def predict_proba(model: Sequential, images: np.ndarray) -> np.ndarray:
    """Class probabilities (N, 10) for float32 (N, 1, 28, 28) inputs (the engine's softmax)."""
    return model.predict_proba(images).astype(np.float64)


def evaluate_in_chunks(
    model: Sequential, x: np.ndarray, chunk: int = EVAL_CHUNK
) -> Iterator[np.ndarray | None]:
    """Yield ``None`` after each chunk and finally the (N, 10) probabilities.

    An evaluation of 10,000 images takes seconds in the browser, so it is cut into steps that the
    slicing loop can interleave with Pause/Stop messages.
    """
    parts = []
    for start in range(0, len(x), chunk):
        parts.append(predict_proba(model, to_input(x[start : start + chunk])))
        yield None
    yield np.concatenate(parts) if parts else np.zeros((0, NUM_CLASSES))


class Driver:
    """State machine of one worker: idle → training ⇄ paused → evaluating → finished.

    Requests and replies follow :mod:`app.trainer.protocol`. ``clock`` is injectable so tests
    can check throttling without sleeping.
    """

    def __init__(
        self,
        data: Mnist,
        *,
        clock: Callable[[], float] = time.perf_counter,
        max_rate: float = PROGRESS_PER_SECOND,
    ) -> None:
        self.data = data
        self.clock = clock
        self.min_interval = 1.0 / max_rate
        self.loss_interval = self.min_interval / LOSS_SAMPLES_PER_PROGRESS
        self.state = "idle"
        self.model: Sequential | None = None
        #: The settings the current model was trained with (None for a model without them).
        self.settings: TrainSettings | None = None
        self._reset_run("train")

    def _reset_run(self, source: str) -> None:
        self._events: Iterator[dict] | None = None
        self._eval: Iterator[np.ndarray | None] | None = None
        self._eval_kind = ""
        self._source = source  # "train", "import" or "kept": what the report is about
        self.train_seconds = 0.0
        self.images = 0
        self.total_images = 0
        self.loss_avg = 0.0
        self._loss_weight = 0.0
        #: [images, smoothed loss] sampled on the training clock, not yet sent to the page.
        self._loss_samples: list[list[float]] = []
        self._last_sample = -1e9
        self._next_checkpoint = 0
        self._checkpoint_every = 0
        self._last_emit = -1e9
        self._stopped = False
        self._reason = ""
        self._track_test = False
        self._val_acc = 0.0
        #: What the current model scored: {"validation": …, "test": …} once it is known.
        self.scores: dict[str, float] = {}
        self.history: list[dict] = []

    # ------------------------------------------------------------------ messages
    @property
    def busy(self) -> bool:
        """True while the worker must keep calling :meth:`run_slice`."""
        return self.state in ("training", "evaluating")

    def handle(self, message: Message) -> list[Message]:
        """Answer one request (see :mod:`app.trainer.protocol`); bad ones get an error reply."""
        try:
            kind = protocol.check(message, protocol.REQUESTS)
        except protocol.ProtocolError as exc:
            return [protocol.error(f"The trainer cannot read this request: {exc}.")]
        handler = getattr(self, f"_on_{kind}", None)
        if handler is None:  # handled by trainer-worker.js itself (IndexedDB, heap size)
            return [protocol.error(f"'{kind}' is answered by the worker script.", kind)]
        try:
            return handler(message)
        except ValueError as exc:
            return [protocol.error(str(exc), kind)]

    def reply(self, kind: str, fields: Any = None) -> Message:
        """A versioned reply built for trainer-worker.js (ready, memory, forgotten, error)."""
        return protocol.reply(kind, **dict(fields or {}))

    def _on_train(self, message: Message) -> list[Message]:
        if self.busy:
            raise ValueError("A run is already going.")
        settings = TrainSettings.from_dict(message["settings"])
        self._reset_run("train")
        # Drop the old model and generators before building the new one, so five runs in a row
        # hold one model's arrays, not five.
        self.model = None
        self.model = build_model(settings)
        self.settings = settings
        self._track_test = bool(message.get("track_test", False))
        x = self.data.x_train[: settings.train_size]
        y = self.data.y_train[: settings.train_size]
        self.total_images = settings.train_size * settings.epochs
        # Validating 10,000 images costs seconds in the browser: every 10,000 training images,
        # and once halfway through a shorter run.
        self._checkpoint_every = int(message.get("checkpoint_every", 0)) or min(
            CHECKPOINT_IMAGES, max(settings.batch_size, self.total_images // 2)
        )
        self._next_checkpoint = self._checkpoint_every
        self._events = train_events(self.model, x, y, settings)
        self.state = "training"
        return [protocol.reply("started", total=self.total_images, settings=settings.to_dict())]

    def _on_pause(self, message: Message) -> list[Message]:
        if self.state == "training":
            self.state = "paused"
        return [self._progress("paused")] if self.state == "paused" else []

    def _on_resume(self, message: Message) -> list[Message]:
        if self.state == "paused":
            self.state = "training"
            return [self._progress("training")]
        return []

    def _on_stop(self, message: Message) -> list[Message]:
        if self.state in ("training", "paused"):
            self._stopped = True
            self._events = None
            self._begin_eval("final")
            return [self._progress("stopping")]
        return []

    # ------------------------------------------------------------------ the slice loop
    def run_slice(self, budget: float = 0.1) -> list[Message]:
        """Advance training/evaluation for about ``budget`` seconds; return messages to post."""
        out: list[Message] = []
        deadline = self.clock() + budget
        try:
            while self.busy and self.clock() < deadline:
                if self._eval is not None:
                    out.extend(self._eval_step())
                else:
                    out.extend(self._train_step())
        except Exception as exc:  # a bug must not leave the page waiting forever
            traceback.print_exc()
            self._events = self._eval = None
            self.state = "idle"
            text = f"Training failed ({type(exc).__name__}: {exc}). Please try again."
            return [*out, protocol.error(text, "train")]
        if self.state == "training" and self.clock() - self._last_emit >= self.min_interval:
            out.append(self._progress("training"))
        return out

    def _train_step(self) -> list[Message]:
        assert self._events is not None
        try:
            event = next(self._events)
        except StopIteration:
            self._events = None
            self._begin_eval("final")
            return self._last_progress()
        except ValueError as exc:
            # The engine found the loss diverging and kept the last good weights.
            self._events = None
            self._begin_eval("final")
            self._stopped = True
            self._reason = f"Training stopped: {exc}."
            return self._last_progress()
        if event["type"] != "batch":
            return []
        self.images = int(event["images"])
        self.train_seconds = float(event["seconds"])
        self._loss_weight = 0.95 * self._loss_weight + 0.05
        self.loss_avg += 0.05 * (float(event["loss"]) - self.loss_avg)
        smoothed = self._smoothed_loss()
        if smoothed is not None and self.train_seconds - self._last_sample >= self.loss_interval:
            self._last_sample = self.train_seconds
            self._loss_samples.append([self.images, smoothed])
        if self.images >= self._next_checkpoint and self.images < self.total_images:
            self._next_checkpoint += self._checkpoint_every
            self._begin_eval("valid")
        return []

    def _begin_eval(self, kind: str) -> None:
        assert self.model is not None
        x = self.data.x_test if kind in ("test", "bench") else self.data.x_valid
        self._eval = evaluate_in_chunks(self.model, x)
        self._eval_kind = kind
        if self._events is None:
            self.state = "evaluating"

    def _eval_step(self) -> list[Message]:
        assert self._eval is not None
        probs = next(self._eval)
        if probs is None:
            return []
        self._eval = None
        kind = self._eval_kind
        if kind == "valid":
            accuracy = float((probs.argmax(1) == self.data.y_valid).mean())
            point = {"images": self.images, "seconds": self.train_seconds, "val_acc": accuracy}
            self.history.append(point)
            if self._track_test:
                self._begin_eval("bench")
            return [protocol.reply("checkpoint", **point)]
        if kind == "bench":
            accuracy = float((probs.argmax(1) == self.data.y_test).mean())
            self.history[-1]["test_acc"] = accuracy
            return [protocol.reply("bench", **self.history[-1])]
        if kind == "final":
            self._val_acc = float((probs.argmax(1) == self.data.y_valid).mean())
            self._begin_eval("test")
            if self._source != "train" or self.images == 0:
                return []
            # The end of a run is the curve's last point: without it a run that reached 98% only
            # in its last stretch showed 97% as its best on the chart and in the status line.
            point = {"images": self.images, "seconds": self.train_seconds, "val_acc": self._val_acc}
            self.history.append(point)
            return [protocol.reply("checkpoint", **point)]
        self.state = "finished"
        return [self._report(probs)]

    def _progress(self, state: str) -> Message:
        self._last_emit = self.clock()
        rate = self.images / self.train_seconds if self.train_seconds > 0 else 0.0
        remaining = (self.total_images - self.images) / rate if rate > 0 else None
        samples, self._loss_samples = self._loss_samples, []
        return protocol.reply(
            "progress",
            state=state,
            images=self.images,
            total=self.total_images,
            losses=samples,
            images_per_s=rate,
            seconds=self.train_seconds,
            remaining=remaining,
        )

    def _last_progress(self) -> list[Message]:
        """Progress at the end of training: the loss curve's last samples, up to the last batch."""
        smoothed = self._smoothed_loss()
        if smoothed is not None and self._last_sample != self.train_seconds:
            self._loss_samples.append([self.images, smoothed])
        return [self._progress("training")]

    def _smoothed_loss(self) -> float | None:
        """The loss averaged over recent batches; None before the first or once it diverged
        (nothing drawable; the report says why)."""
        if not self._loss_weight:
            return None
        smoothed = self.loss_avg / self._loss_weight
        return smoothed if np.isfinite(smoothed) else None

    # ------------------------------------------------------------------ results
    def _report(self, probs: np.ndarray) -> Message:
        """Everything the page shows once a model is trained (or restored/imported)."""
        assert self.model is not None
        labels = self.data.y_test.astype(np.int64)
        predicted = probs.argmax(1)
        wrong = np.flatnonzero(predicted != labels)[:MISCLASSIFIED_SHOWN]
        self.scores = {"validation": self._val_acc, "test": float((predicted == labels).mean())}
        return protocol.reply(
            "finished",
            source=self._source,
            stopped=self._stopped,
            reason=self._reason,
            images=self.images,
            seconds=self.train_seconds,
            test_acc=self.scores["test"],
            val_acc=self.scores["validation"],
            confusion=train.confusion_matrix(labels, predicted, NUM_CLASSES).tolist(),
            misclassified=[
                {
                    "index": int(i),
                    "label": int(labels[i]),
                    "predicted": int(predicted[i]),
                    "probs": np.round(probs[i], 4).tolist(),
                    "image": self.data.x_test[i].tolist(),
                }
                for i in wrong
            ],
            filters=self._first_filters(),
            layers=self.model.to_spec(),
            settings=None if self.settings is None else self.settings.to_dict(),
            history=self.history,
        )

    def _first_filters(self) -> list[list[list[float]]]:
        assert self.model is not None
        for layer in self.model.layers:
            if isinstance(layer, Conv2D):
                weights = layer.params["W"][:, 0]  # the input has one channel
                return np.round(weights.astype(np.float64), 4).tolist()
        return []

    def _require_model(self) -> Sequential:
        if self.model is None or self.state not in ("finished", "idle"):
            raise ValueError("Train a model (or import one) first.")
        return self.model

    def _on_predict(self, message: Message) -> list[Message]:
        model = self._require_model()
        # The pad's digit is on 0…1 (see app.trainer.digit); MNIST pixels are uint8.
        image = np.asarray(message["image"], dtype=np.float64)
        if image.size != 28 * 28 or not np.all(np.isfinite(image)):
            raise ValueError("The drawing must be 28×28 finite pixel values.")
        pixels = np.rint(np.clip(image.reshape(1, 28, 28), 0.0, 1.0) * 255).astype(np.uint8)
        probs = predict_proba(model, to_input(pixels))[0]
        return [protocol.reply("prediction", probs=probs.tolist())]

    def _on_features(self, message: Message) -> list[Message]:
        """What test digit ``index`` looks like after every layer (first channels of images,
        every value of flat layers, as one row)."""
        model = self._require_model()
        index = int(message["index"])
        if not 0 <= index < len(self.data.x_test):
            raise ValueError(f"Choose a test digit between 0 and {len(self.data.x_test) - 1}.")
        x = to_input(self.data.x_test[index : index + 1])
        maps = []
        for layer in model.layers:
            x = layer.forward(x)
            shown = x[0, :FEATURE_CHANNELS] if x.ndim == 4 else x[:1, None, :]
            maps.append(
                {"layer": layer.describe(), "maps": np.round(shown.astype(np.float64), 3).tolist()}
            )
        return [
            protocol.reply(
                "features",
                index=index,
                label=int(self.data.y_test[index]),
                image=self.data.x_test[index].tolist(),
                layers=maps,
                probs=functional.softmax(np.asarray(x, dtype=np.float64)).ravel().tolist(),
            )
        ]

    # ------------------------------------------------------------------ keeping the model
    def _on_export(self, message: Message) -> list[Message]:
        model = self._require_model()
        settings = None if self.settings is None else self.settings.to_dict()
        model.metadata = {"trainer_settings": settings} if settings else {}
        if self.scores:
            model.metadata["scores"] = dict(self.scores)
        buffer = io.BytesIO()
        model.save(buffer)
        return [protocol.reply("exported", bytes=buffer.getvalue(), settings=settings)]

    def _on_load(self, message: Message) -> list[Message]:
        """Load a saved model (Import, or the copy kept in the browser) and report on it.

        A file that is not a model, or a model that does not read 28×28 digits into 10 classes,
        raises ``ValueError`` before anything is replaced, so the current model stays.
        """
        if self.busy:
            raise ValueError("Wait until the current run has finished.")
        model = load_model(bytes(message["bytes"]))
        recorded = model.metadata.get("trainer_settings")
        try:
            settings = None if recorded is None else TrainSettings.from_dict(recorded)
        except ValueError:
            settings = None  # the weights are fine; only the note of how they were trained is not
        self._reset_run(message["source"])
        self.model = model
        self.settings = settings
        self._begin_eval("final")
        return [protocol.reply("loaded", source=message["source"])]


def load_model(data: bytes) -> Sequential:
    """A model from ``.npz`` bytes, checked to map one 1×28×28 digit to 10 scores."""
    model = Sequential.from_file(data, dtype=np.float32)
    try:
        out = np.asarray(model.forward(np.zeros((1, *INPUT_SHAPE), np.float32)))
    except Exception as exc:
        raise ValueError(f"This model cannot read 28×28 digits: {exc}") from None
    if out.shape != (1, NUM_CLASSES):
        raise ValueError(
            f"This model outputs {out.shape[1:]} values per image, not one score per digit 0–9."
        )
    return model
