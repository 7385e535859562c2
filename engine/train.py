"""The training loop as a generator of progress events, and evaluation.

``train`` does one mini-batch per ``next()`` and then yields, so a UI (or a Web Worker running
it in time slices) can show progress, pause by not asking for the next event, and stop by
dropping or ``close()``-ing the generator. Events are plain JSON-able dicts with a "type":

- "batch": epoch, batch (both 1-based), batches (per epoch), step, images (seen so far),
  loss (this batch), lr, seconds (training clock), images_per_second
- "validation": epoch, step, images, accuracy, seconds — every ``eval_every`` steps and after
  each epoch, when validation data is given (its time is not on the training clock)
- "epoch": epoch, loss (mean over the epoch), seconds
- "done": steps, images, seconds
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from engine import data
from engine.model import Sequential

Transform = Callable[[np.ndarray], np.ndarray]


class Evaluation(NamedTuple):
    """accuracy in [0, 1] and confusion[true, predicted] counts."""

    accuracy: float
    confusion: np.ndarray


def _default_transform(model: Sequential) -> Transform:
    """uint8 images are normalized; anything else is only cast to the model's dtype."""
    dtype = model.dtype

    def transform(x: np.ndarray) -> np.ndarray:
        if x.dtype == np.uint8:
            return data.normalize(x, dtype=dtype)
        return np.asarray(x, dtype=dtype)

    return transform


def evaluate(
    model: Sequential,
    x: np.ndarray,
    y: np.ndarray,
    *,
    batch_size: int = 1000,
    transform: Transform | None = None,
    num_classes: int | None = None,
) -> Evaluation:
    """Accuracy and confusion matrix (rows: true class, columns: predicted class)."""
    if len(x) == 0 or len(x) != len(y):
        raise ValueError(f"need as many labels as images (got {len(x)} images, {len(y)} labels)")
    transform = transform or _default_transform(model)
    y = np.asarray(y).astype(np.int64)
    predicted = np.concatenate(
        [model.predict(transform(x[i : i + batch_size])) for i in range(0, len(x), batch_size)]
    )
    k = num_classes or int(max(y.max(), predicted.max())) + 1
    return Evaluation(float((predicted == y).mean()), confusion_matrix(y, predicted, k))


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """(K, K) counts of labels (N,) against predicted (N,): rows true class, columns predicted."""
    # intp: np.bincount refuses int64 on 32-bit WebAssembly.
    cells = np.asarray(labels).astype(np.intp) * num_classes + np.asarray(predicted).astype(np.intp)
    counts = np.bincount(cells, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64)


def _check_finite(loss: float, model: Sequential, step: int) -> None:
    finite = np.isfinite(loss) and all(np.all(np.isfinite(p.grad)) for p in model.parameters())
    if not finite:
        raise ValueError(
            f"training diverged at step {step} (the loss or its gradient is not a finite "
            "number); the weights were left as they were before this step — lower the "
            "learning rate and try again"
        )


def train(
    model: Sequential,
    loss_fn: Any,
    optimizer: Any,
    x_train: np.ndarray,
    y_train: np.ndarray,
    *,
    epochs: int = 1,
    batch_size: int = 64,
    x_valid: np.ndarray | None = None,
    y_valid: np.ndarray | None = None,
    eval_every: int | None = None,
    lr_schedule: Callable[[int], float] | None = None,
    transform: Transform | None = None,
    rng: np.random.Generator | int | None = None,
) -> Iterator[dict[str, Any]]:
    """Train ``model`` in place, yielding the events described in the module docstring.

    ``lr_schedule(step)`` (0-based step) sets the optimizer's learning rate before each step.
    ``transform`` turns a raw batch of images into the model's input (default: uint8 pixels are
    normalized with ``engine.data.normalize``).
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a whole number ≥ 1, got {epochs!r}")
    if len(x_train) == 0 or len(x_train) != len(y_train):
        raise ValueError(f"need as many labels as images ({len(x_train)} vs {len(y_train)})")
    if (x_valid is None) != (y_valid is None):
        raise ValueError("give both x_valid and y_valid, or neither")
    if eval_every is not None and eval_every < 1:
        raise ValueError(f"eval_every must be at least 1 step, got {eval_every}")
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    transform = transform or _default_transform(model)
    batches_per_epoch = -(-len(x_train) // batch_size)
    step = images = 0
    seconds = 0.0

    def validation(epoch: int) -> dict[str, Any]:
        accuracy = evaluate(model, x_valid, y_valid, transform=transform).accuracy
        return {"type": "validation", "epoch": epoch, "step": step, "images": images,
                "accuracy": accuracy, "seconds": seconds}  # fmt: skip

    for epoch in range(1, epochs + 1):
        epoch_loss = 0.0
        batch_iter = data.batches(x_train, y_train, batch_size, rng=rng)
        for batch, (xb, yb) in enumerate(batch_iter, start=1):
            start = time.perf_counter()
            if lr_schedule is not None:
                optimizer.lr = float(lr_schedule(step))
            loss = loss_fn.forward(model.forward(transform(xb)), yb)
            model.backward(loss_fn.backward(), input_grad=False)
            _check_finite(loss, model, step + 1)
            optimizer.step(model.parameters())
            seconds += time.perf_counter() - start
            step += 1
            images += len(xb)
            epoch_loss += loss * len(xb)
            yield {
                "type": "batch", "epoch": epoch, "batch": batch, "batches": batches_per_epoch,
                "step": step, "images": images, "loss": loss, "lr": optimizer.lr,
                "seconds": seconds, "images_per_second": images / max(seconds, 1e-9),
            }  # fmt: skip
            at_checkpoint = eval_every is not None and step % eval_every == 0
            if x_valid is not None and at_checkpoint and batch != batches_per_epoch:
                yield validation(epoch)
        if x_valid is not None:
            yield validation(epoch)
        yield {
            "type": "epoch",
            "epoch": epoch,
            "loss": epoch_loss / len(x_train),
            "seconds": seconds,
        }
    yield {"type": "done", "steps": step, "images": images, "seconds": seconds}
