"""The trainer's worker side: runs the engine in short slices and answers the page's messages.

This module runs inside the Web Worker (``static/trainer-worker.js``) and imports only the engine,
numpy and the standard library, never Panel.  The worker calls :meth:`Driver.handle` for every
message from the page and, while a run is active, :meth:`Driver.run_slice` in a loop that returns
to the JavaScript event loop between slices; that is what lets Pause and Stop arrive within a
slice (~100 ms) even though Python itself is single-threaded.

Every reply is a plain dict of numbers, strings, lists and bytes so it crosses ``postMessage``
cheaply.  Progress messages are throttled to ``max_rate`` per second.
"""

from __future__ import annotations

import io
import time
import traceback
from collections.abc import Callable, Iterator

import numpy as np

from app.trainer import hparams as hp_mod
from app.trainer import spec as spec_mod
from engine import functional, optim, recipes, train
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


def to_input(images: np.ndarray) -> np.ndarray:
    """uint8-scale (N, 28, 28) images → the float32 (N, 1, 28, 28) the models are trained on."""
    return normalize(images, dtype=np.float32)


def build_model(layers: list[dict], seed: int = 0) -> Sequential:
    """A float32 engine model for a checked layer list (see :mod:`app.trainer.spec`)."""
    specs = spec_mod.to_engine(layers)
    return Sequential.from_spec(specs, spec_mod.INPUT_SHAPE, rng=seed, dtype=np.float32)


def make_optimizer(params: hp_mod.HyperParams) -> optim.Optimizer:
    if params.optimizer == "adam":
        return optim.Adam(lr=params.lr)
    return optim.SGD(params.lr, momentum=MOMENTUM if params.optimizer == "momentum" else 0.0)


def train_events(
    model: Sequential,
    x: np.ndarray,
    y: np.ndarray,
    params: hp_mod.HyperParams,
    seed: int = 0,
    lr_schedule: Callable[[int], float] | None = None,
) -> Iterator[dict]:
    """The engine's training generator, without its built-in validation.

    The engine would validate all 10,000 images inside one ``next()`` (seconds in the browser);
    the driver validates in chunks itself so Pause and Stop stay responsive.
    """
    return train.train(
        model,
        SoftmaxCrossEntropy(),
        make_optimizer(params),
        x,
        y,
        epochs=params.epochs,
        batch_size=params.batch_size,
        rng=seed,
        lr_schedule=lr_schedule,
    )


def schedule_function(
    params: hp_mod.HyperParams, train_size: int, schedule: dict | None
) -> Callable[[int], float]:
    """step → learning rate for one of ``engine.recipes``' schedules (ValueError if unknown)."""
    recipe = {"lr": params.lr, "lr_schedule": schedule or {"kind": "constant"}}
    steps = params.epochs * -(-train_size // params.batch_size)
    recipes.learning_rate(recipe, 0.0)  # rejects an unknown schedule before training starts
    return lambda step: recipes.learning_rate(recipe, step / steps)


def predict_proba(model: Sequential, images: np.ndarray) -> np.ndarray:
    """Class probabilities for float32 (N, 1, 28, 28) inputs."""
    return functional.softmax(np.asarray(model.forward(images), dtype=np.float64))


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
    yield np.concatenate(parts) if parts else np.zeros((0, spec_mod.NUM_CLASSES))


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """(10, 10) counts; rows are the true digit, columns the prediction."""
    k = spec_mod.NUM_CLASSES
    # intp: np.bincount refuses int64 on 32-bit WebAssembly.
    cells = labels.astype(np.intp) * k + predicted.astype(np.intp)
    return np.bincount(cells, minlength=k * k).reshape(k, k)


class Driver:
    """State machine of one worker: idle → training ⇄ paused → evaluating → finished.

    ``clock`` is injectable so tests can check throttling without sleeping.
    """

    def __init__(
        self,
        data: Mnist,
        *,
        clock: Callable[[], float] = time.perf_counter,
        max_rate: float = 5.0,
    ) -> None:
        self.data = data
        self.clock = clock
        self.min_interval = 1.0 / max_rate
        self.state = "idle"
        self.model: Sequential | None = None
        self.layers: list[dict] = []
        self._reset_run()

    def _reset_run(self) -> None:
        self._events: Iterator[dict] | None = None
        self._eval: Iterator[np.ndarray | None] | None = None
        self._eval_kind = ""
        self.train_seconds = 0.0
        self.images = 0
        self.total_images = 0
        self.loss_avg = 0.0
        self._loss_weight = 0.0
        self._next_checkpoint = 0
        self._checkpoint_every = 0
        self._last_emit = -1e9
        self._stopped = False
        self._track_test = False
        self.history: list[dict] = []

    # ------------------------------------------------------------------ messages
    @property
    def busy(self) -> bool:
        """True while the worker must keep calling :meth:`run_slice`."""
        return self.state in ("training", "evaluating")

    def handle(self, message: Message) -> list[Message]:
        """Answer one message from the page (see ``static/trainer-worker.js`` for the protocol)."""
        kind = message.get("type")
        handler = getattr(self, f"_on_{kind}", None)
        if handler is None:
            return [{"type": "error", "message": f"Unknown request '{kind}'."}]
        try:
            return handler(message)
        except ValueError as exc:
            return [{"type": "error", "request": kind, "message": str(exc)}]

    def _on_train(self, message: Message) -> list[Message]:
        if self.busy:
            return [{"type": "error", "request": "train", "message": "A run is already going."}]
        layers, analysis = spec_mod.check_text(message["spec"])
        if not analysis.ok:
            raise ValueError(analysis.error)
        params, errors = hp_mod.validate(**{k: str(v) for k, v in message["hparams"].items()})
        if params is None:
            raise ValueError(" ".join(errors.values()))
        rate = schedule_function(params, params.train_size, message.get("lr_schedule"))
        seed = int(message.get("seed", 0))
        self._reset_run()
        # Drop the old model and generators before building the new one, so five runs in a row
        # hold one model's arrays, not five.
        self.model = None
        model = build_model(layers, seed=seed)
        self.layers = layers
        self.model = model
        self._track_test = bool(message.get("track_test", False))
        x = self.data.x_train[: params.train_size]
        y = self.data.y_train[: params.train_size]
        self.total_images = params.train_size * params.epochs
        # Validating 10,000 images costs seconds in the browser: every 10,000 training images,
        # and once halfway through a shorter run.
        self._checkpoint_every = int(message.get("checkpoint_every", 0)) or min(
            CHECKPOINT_IMAGES, max(params.batch_size, self.total_images // 2)
        )
        self._next_checkpoint = self._checkpoint_every
        self._events = train_events(model, x, y, params, seed, rate)
        self.state = "training"
        return [{"type": "started", "total": self.total_images, "params": params.to_dict()}]

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
            self._begin_eval("test")
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
            return [*out, {"type": "error", "request": "train", "message": text}]
        if self.state == "training" and self.clock() - self._last_emit >= self.min_interval:
            out.append(self._progress("training"))
        return out

    def _train_step(self) -> list[Message]:
        assert self._events is not None
        try:
            event = next(self._events)
        except (StopIteration, ValueError) as exc:
            # ValueError: the engine found the loss diverging and kept the last good weights.
            self._events = None
            self._begin_eval("test")
            if isinstance(exc, StopIteration):
                return []
            self._stopped = True
            return [{"type": "error", "request": "train", "message": f"Training stopped: {exc}."}]
        if event["type"] != "batch":
            return []
        self.images = int(event["images"])
        self.train_seconds = float(event["seconds"])
        self._loss_weight = 0.95 * self._loss_weight + 0.05
        self.loss_avg += 0.05 * (float(event["loss"]) - self.loss_avg)
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
            return [{"type": "checkpoint", **point}]
        if kind == "bench":
            accuracy = float((probs.argmax(1) == self.data.y_test).mean())
            self.history[-1]["test_acc"] = accuracy
            return [{"type": "bench", **self.history[-1]}]
        self.state = "finished"
        return [self._report(probs)]

    def _progress(self, state: str) -> Message:
        self._last_emit = self.clock()
        rate = self.images / self.train_seconds if self.train_seconds > 0 else 0.0
        remaining = (self.total_images - self.images) / rate if rate > 0 else None
        smoothed = self.loss_avg / self._loss_weight if self._loss_weight else None
        return {
            "type": "progress",
            "state": state,
            "images": self.images,
            "total": self.total_images,
            "loss": smoothed,
            "images_per_s": rate,
            "seconds": self.train_seconds,
            "remaining": remaining,
        }

    # ------------------------------------------------------------------ results
    def _report(self, probs: np.ndarray) -> Message:
        """Everything the page shows once a model is trained (or restored/imported)."""
        assert self.model is not None
        labels = self.data.y_test.astype(np.int64)
        predicted = probs.argmax(1)
        wrong = np.flatnonzero(predicted != labels)[:MISCLASSIFIED_SHOWN]
        return {
            "type": "finished",
            "stopped": self._stopped,
            "images": self.images,
            "seconds": self.train_seconds,
            "test_acc": float((predicted == labels).mean()),
            "confusion": confusion_matrix(labels, predicted).tolist(),
            "misclassified": [
                {
                    "index": int(i),
                    "label": int(labels[i]),
                    "predicted": int(predicted[i]),
                    "probs": np.round(probs[i], 4).tolist(),
                    "image": self.data.x_test[i].tolist(),
                }
                for i in wrong
            ],
            "filters": self._first_filters(),
            "spec": spec_mod.format_spec(self.layers),
            "history": self.history,
        }

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
        image = np.asarray(message["image"], dtype=np.float64).reshape(1, 28, 28)
        if not np.all(np.isfinite(image)):
            raise ValueError("The drawing contains invalid pixel values.")
        pixels = np.rint(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)
        probs = predict_proba(model, to_input(pixels))[0]
        return [{"type": "prediction", "probs": probs.tolist()}]

    def _on_features(self, message: Message) -> list[Message]:
        """Feature maps of test digit ``index`` after every layer (first channels only)."""
        model = self._require_model()
        index = int(message["index"])
        if not 0 <= index < len(self.data.x_test):
            raise ValueError(f"Choose a test digit between 0 and {len(self.data.x_test) - 1}.")
        x = to_input(self.data.x_test[index : index + 1])
        maps = []
        for layer in model.layers:
            x = layer.forward(x)
            if x.ndim == 4:
                maps.append(
                    {
                        "layer": layer.describe(),
                        "maps": np.round(x[0, :FEATURE_CHANNELS].astype(np.float64), 3).tolist(),
                    }
                )
        return [
            {
                "type": "features",
                "index": index,
                "label": int(self.data.y_test[index]),
                "image": self.data.x_test[index].tolist(),
                "layers": maps,
                "probs": functional.softmax(np.asarray(x, dtype=np.float64)).ravel().tolist(),
            }
        ]

    # ------------------------------------------------------------------ keeping the model
    def _on_export(self, message: Message) -> list[Message]:
        model = self._require_model()
        buffer = io.BytesIO()
        model.save(buffer)
        return [{"type": "exported", "bytes": buffer.getvalue()}]

    def _on_load(self, message: Message) -> list[Message]:
        """Load a saved model (Import, or the copy kept in the browser) and report on it.

        A file that is not a model, or a model that does not read 28×28 digits into 10 classes,
        raises ``ValueError`` before anything is replaced, so the current model stays.
        """
        if self.busy:
            raise ValueError("Wait until the current run has finished.")
        model = load_model(bytes(message["bytes"]))
        self._reset_run()
        self.model = model
        self.layers = spec_mod.from_engine(model.to_spec())
        self._stopped = False
        self._begin_eval("test")
        return [{"type": "loaded", "source": message.get("source", "import")}]


def load_model(data: bytes) -> Sequential:
    """A model from ``.npz`` bytes, checked to map one 1×28×28 digit to 10 scores."""
    model = Sequential.from_file(data, dtype=np.float32)
    try:
        out = np.asarray(model.forward(np.zeros((1, *spec_mod.INPUT_SHAPE), np.float32)))
    except Exception as exc:
        raise ValueError(f"This model cannot read 28×28 digits: {exc}") from None
    if out.shape != (1, spec_mod.NUM_CLASSES):
        raise ValueError(
            f"This model outputs {out.shape[1:]} values per image, not one score per digit 0–9."
        )
    return model
