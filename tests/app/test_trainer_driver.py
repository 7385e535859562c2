"""The worker-side driver, natively, with the real engine on a tiny synthetic digit set."""

from __future__ import annotations

import gc
import io
import time
import weakref

import numpy as np
import pytest

from app.trainer import driver as drv
from app.trainer import protocol, spec
from app.trainer.settings import TrainSettings
from engine.data import Mnist
from engine.model import Sequential

TINY = "conv filters=4 kernel=3\nrelu\nmaxpool size=2\ndense units=10"
SETTINGS = TrainSettings(
    layers=spec.to_engine(spec.parse_spec(TINY)),
    optimizer="adam",
    lr=0.01,
    batch_size=32,
    epochs=2,
    train_size=640,
)


def _split(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Digit d is a bright 6×6 square at a place of its own, plus noise: easy to learn."""
    labels = rng.integers(0, 10, n).astype(np.uint8)
    images = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
    for i, label in enumerate(labels):
        row, col = divmod(int(label), 5)
        images[i, 4 + 12 * row : 10 + 12 * row, 2 + 5 * col : 8 + 5 * col] = 250
    return images, labels


@pytest.fixture(scope="module")
def data() -> Mnist:
    rng = np.random.default_rng(0)
    return Mnist(*_split(rng, 640), *_split(rng, 300), *_split(rng, 300))


class FakeClock:
    """Each reading advances time by ``step`` seconds, so slicing is deterministic."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def run_to_end(driver: drv.Driver, limit: int = 20_000) -> list[dict]:
    messages = []
    for _ in range(limit):
        if not driver.busy:
            return messages
        messages += driver.run_slice(0.001)
    raise AssertionError("the run did not end")


def train_request(**overrides: object) -> dict:
    return protocol.request("train", settings=SETTINGS.to_dict() | overrides)


def start(driver: drv.Driver, **overrides: object) -> list[dict]:
    return driver.handle(train_request(**overrides))


def test_a_full_run_reports_progress_checkpoints_and_a_test_result(data: Mnist) -> None:
    driver = drv.Driver(data, max_rate=1e6)
    assert start(driver)[0]["type"] == "started"
    messages = run_to_end(driver)
    kinds = [m["type"] for m in messages]
    assert "progress" in kinds and "checkpoint" in kinds
    report = messages[-1]
    assert report["type"] == "finished" and not report["stopped"]
    assert report["images"] == 2 * 640
    assert report["test_acc"] > 0.9  # the squares are easy: a working loop learns them
    confusion = np.array(report["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 300
    assert np.trace(confusion) / 300 == pytest.approx(report["test_acc"])
    # Validation is scored once more at the end, on the model the test score is for.
    final = drv.predict_proba(driver.model, drv.to_input(data.x_valid)).argmax(1)
    assert report["val_acc"] == pytest.approx((final == data.y_valid).mean())
    wrong = report["misclassified"]
    assert all(item["label"] != item["predicted"] for item in wrong)
    assert all(abs(sum(item["probs"]) - 1) < 1e-3 for item in wrong)
    assert np.array(report["filters"]).shape == (4, 3, 3)
    checkpoints = [m for m in messages if m["type"] == "checkpoint"]
    assert [c["images"] for c in checkpoints] == sorted(c["images"] for c in checkpoints)
    assert all(0 <= c["val_acc"] <= 1 for c in checkpoints)
    # The curve ends where the run ends: its last point is the end-of-run validation score.
    assert checkpoints[-1]["images"] == report["images"]
    assert checkpoints[-1]["seconds"] == report["seconds"]
    assert checkpoints[-1]["val_acc"] == report["val_acc"]
    last = report["history"][-1]
    assert (last["images"], last["val_acc"]) == (report["images"], report["val_acc"])
    # The loss curve's samples arrive with the progress messages, in order, up to the last batch.
    samples = [p for m in messages if m["type"] == "progress" for p in m["losses"]]
    assert [images for images, _ in samples] == sorted({images for images, _ in samples})
    assert samples[-1][0] == report["images"] and samples[-1][1] < samples[0][1]


def test_each_slice_does_a_bounded_amount_of_work(data: Mnist) -> None:
    clock = FakeClock(step=0.02)
    driver = drv.Driver(data, clock=clock)
    start(driver, epochs=1)
    seen = []
    while driver.busy:
        driver.run_slice(budget=0.1)
        seen.append(driver.images)
    steps = np.diff([0, *seen]) / 32
    # ~0.1 s per slice with each clock reading worth 0.02 s: a handful of batches, never the run.
    assert 1 <= steps.max() <= 5
    assert len(seen) >= 20 * 0.9 / 5


def test_progress_messages_are_throttled(data: Mnist) -> None:
    clock = FakeClock(step=0.01)
    driver = drv.Driver(data, clock=clock, max_rate=10)
    start(driver, epochs=1)
    times = []
    while driver.busy:
        for message in driver.run_slice(0.02):
            if message["type"] == "progress" and message["images"] < driver.total_images:
                times.append(clock.now)  # (the one at the end of training is sent at once)
    assert len(times) >= 2
    assert min(np.diff(times)) >= 0.1 - 1e-9


def test_pause_holds_resume_continues_stop_ends_with_a_result(data: Mnist) -> None:
    # A fake clock: on the wall clock an idle machine finished the whole small run within one
    # 20 ms slice, so there was nothing left to stop.
    driver = drv.Driver(data, clock=FakeClock(step=0.01))
    start(driver)
    driver.run_slice(0.02)
    reply = driver.handle(protocol.request("pause"))
    assert reply[0]["state"] == "paused" and not driver.busy
    frozen = driver.images
    assert driver.run_slice(0.05) == [] and driver.images == frozen
    assert driver.handle(protocol.request("resume"))[0]["state"] == "training"
    driver.run_slice(0.02)
    assert driver.images > frozen
    assert driver.handle(protocol.request("stop"))[0]["state"] == "stopping"
    driver.clock = time.perf_counter  # the test scoring after a stop runs at full speed
    messages = run_to_end(driver)
    report = messages[-1]
    assert report["type"] == "finished" and report["stopped"]
    assert 0 < report["images"] < 2 * 640


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (train_request(layers=[{"type": "conv", "filters": 8, "kernel": 3}]), "last layer"),
        (train_request(lr=float("nan")), "NaN"),
        (train_request(version=0), "settings version"),
        (protocol.request("predict", image=[0.0] * 784), "Train a model"),
        (protocol.request("export"), "Train a model"),
        ({"type": "fly", "v": protocol.VERSION}, "unknown message type 'fly'"),
        ({"type": "train", "v": protocol.VERSION}, "lacks its 'settings'"),
        ({"type": "features", "v": protocol.VERSION, "index": "3"}, "'index' is str"),
        ({"type": "stop", "v": 0}, "protocol version 0"),
        (["not", "a", "dict"], "must be a dictionary"),
    ],
)
def test_bad_requests_get_messages(data: Mnist, message: dict, expected: str) -> None:
    reply = drv.Driver(data).handle(message)
    assert reply[0]["type"] == "error" and expected in reply[0]["message"]
    protocol.check(reply[0], protocol.REPLIES)


@pytest.fixture(scope="module")
def trained(data: Mnist) -> tuple[drv.Driver, dict]:
    driver = drv.Driver(data)
    start(driver)
    return driver, run_to_end(driver)[-1]


def test_prediction_and_feature_maps(data: Mnist, trained: tuple[drv.Driver, dict]) -> None:
    driver, _ = trained
    image = data.x_test[0].astype(np.float32) / 255
    probs = driver.handle(protocol.request("predict", image=image.ravel().tolist()))[0]["probs"]
    assert sum(probs) == pytest.approx(1) and int(np.argmax(probs)) == data.y_test[0]
    features = driver.handle(protocol.request("features", index=3))[0]
    assert features["label"] == data.y_test[3]
    shapes = [np.array(layer["maps"]).shape for layer in features["layers"]]
    # Every layer: the image layers' channels, then flatten and dense as one row of values.
    assert shapes == [(4, 26, 26), (4, 26, 26), (4, 13, 13), (1, 1, 676), (1, 1, 10)]
    assert [layer["layer"] for layer in features["layers"]] == [
        layer.describe() for layer in driver.model.layers
    ]
    bad = driver.handle(protocol.request("features", index=10**6))[0]
    assert bad["type"] == "error" and "between 0 and 299" in bad["message"]


def test_export_then_load_gives_the_same_model(
    data: Mnist, trained: tuple[drv.Driver, dict]
) -> None:
    driver, report = trained
    exported = driver.handle(protocol.request("export"))[0]
    assert exported["settings"] == SETTINGS.to_dict()
    fresh = drv.Driver(data)
    loaded = fresh.handle(protocol.request("load", bytes=exported["bytes"], source="import"))
    assert loaded[0]["type"] == "loaded"
    again = run_to_end(fresh)[-1]
    assert again["test_acc"] == report["test_acc"]
    assert again["layers"] == report["layers"]
    assert again["source"] == "import" and report["source"] == "train"
    # The exported model records the settings it was trained with, and what it scored.
    assert again["settings"] == SETTINGS.to_dict()
    recorded = Sequential.from_file(bytes(exported["bytes"])).metadata["scores"]
    assert recorded == {"validation": report["val_acc"], "test": report["test_acc"]}


def _other_model_bytes() -> bytes:
    model = Sequential.from_spec([{"type": "flatten"}, {"type": "dense", "units": 5}], (1, 28, 28))
    buffer = io.BytesIO()
    model.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("payload", "expected"),
    [(b"not a zip at all", "not a readable saved model"), (_other_model_bytes(), "0–9")],
    ids=["not-a-zip", "five-classes"],
)
def test_bad_import_keeps_the_current_model(
    data: Mnist, trained: tuple[drv.Driver, dict], payload: bytes, expected: str
) -> None:
    driver, _ = trained
    before = driver.model
    reply = driver.handle(protocol.request("load", bytes=payload, source="import"))[0]
    assert reply["type"] == "error" and expected in reply["message"]
    assert driver.model is before and driver.state == "finished"
    image = data.x_test[0].astype(np.float32) / 255
    assert (
        driver.handle(protocol.request("predict", image=image.ravel().tolist()))[0]["type"]
        == "prediction"
    )


def test_successive_runs_do_not_keep_old_models(data: Mnist) -> None:
    driver = drv.Driver(data)
    old = []
    for _ in range(3):
        start(driver, epochs=1, train_size=128)
        old.append(weakref.ref(driver.model))
        run_to_end(driver)
    gc.collect()
    assert [ref() is None for ref in old] == [True, True, False]


def test_the_run_follows_the_settings_schedule_to_its_last_step(
    data: Mnist, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each step trains at the engine's scheduled rate, and the last one at final·lr."""
    rates = []
    engine_events = drv.train_events

    def recording(*args: object):
        for event in engine_events(*args):
            if event["type"] == "batch":
                rates.append(event["lr"])
            yield event

    monkeypatch.setattr(drv, "train_events", recording)
    driver = drv.Driver(data, max_rate=1e6)
    start(driver, lr_schedule={"kind": "linear", "final": 0.1}, epochs=1, train_size=320)
    run_to_end(driver)
    assert len(rates) == 10
    assert rates[0] == pytest.approx(0.01) and rates[-1] == pytest.approx(0.001)


def test_an_unexpected_failure_ends_the_run_with_a_message(
    data: Mnist, monkeypatch: pytest.MonkeyPatch
) -> None:
    driver = drv.Driver(data)
    start(driver)

    def broken() -> list[dict]:
        raise TypeError("cannot cast")

    monkeypatch.setattr(driver, "_train_step", broken)
    reply = driver.run_slice(0.05)
    assert not driver.busy
    assert reply[-1]["type"] == "error" and "cannot cast" in reply[-1]["message"]
