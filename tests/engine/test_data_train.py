"""engine.data (packed MNIST, batches, normalization) and engine.train (events, evaluate)."""

import io

import numpy as np
import pytest

from engine import data
from engine.losses import SoftmaxCrossEntropy
from engine.model import Sequential
from engine.optim import SGD, Adam
from engine.train import evaluate, train


def packed_mnist(n: int = 20, **overrides) -> bytes:
    """A small archive in the site's format (random pixels), with arrays replaced or removed."""
    rng = np.random.default_rng(0)
    arrays = {}
    for split in data.SPLITS:
        arrays[f"x_{split}"] = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        arrays[f"y_{split}"] = rng.integers(0, 10, n, dtype=np.uint8)
    arrays.update(overrides)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{k: v for k, v in arrays.items() if v is not None})
    return buffer.getvalue()


def test_load_mnist_from_bytes_file_object_and_path(tmp_path):
    raw = packed_mnist()
    path = tmp_path / "mnist.npz"
    path.write_bytes(raw)
    for source in (raw, io.BytesIO(raw), path, str(path)):
        mnist = data.load_mnist(source)
        assert mnist.x_train.shape == (20, 28, 28) and mnist.x_train.dtype == np.uint8
        assert mnist.y_test.shape == (20,)
    assert np.array_equal(data.load_mnist(raw).x_valid, data.load_mnist(path).x_valid)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "unusable"),
        (b"not an archive at all", "not a NumPy .npz archive"),
        (packed_mnist()[:500], "unusable"),
        (packed_mnist(y_test=None), "arrays missing: y_test"),
        (packed_mnist(x_train=np.zeros((20, 28, 28), np.float32)), "uint8"),
        (packed_mnist(x_valid=np.zeros((20, 32, 32), np.uint8)), r"\(N, 28, 28\)"),
        (packed_mnist(y_train=np.zeros(19, np.uint8)), "20 images but labels"),
        (packed_mnist(y_test=np.full(20, 10, np.uint8)), "label 10"),
    ],
)
def test_bad_mnist_files_say_what_is_wrong(raw, message):
    with pytest.raises(ValueError, match=message):
        data.load_mnist(raw)


def test_missing_mnist_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        data.load_mnist(tmp_path / "nope.npz")


def test_normalize_scales_centres_and_adds_the_channel_axis():
    x = np.array([[[0, 255]]], dtype=np.uint8)
    plain = data.normalize(x, mean=0.0, std=1.0)
    assert plain.shape == (1, 1, 1, 2) and plain.dtype == np.float32
    assert plain.ravel().tolist() == [0.0, 1.0]
    standard = data.normalize(x, dtype=np.float64)
    assert np.allclose(standard.ravel(), [(0 - 0.1307) / 0.3081, (1 - 0.1307) / 0.3081])
    with pytest.raises(ValueError, match="uint8"):
        data.normalize(np.ones((1, 2, 2)))
    with pytest.raises(ValueError, match="std"):
        data.normalize(x, std=0)


def test_batches_cover_every_sample_once_in_shuffled_order():
    x, y = np.arange(10)[:, None], np.arange(10)
    chunks = list(data.batches(x, y, 4, rng=0))
    assert [len(b[1]) for b in chunks] == [4, 4, 2]
    seen = np.concatenate([b[1] for b in chunks])
    assert sorted(seen.tolist()) == list(range(10)) and seen.tolist() != list(range(10))
    assert all(np.array_equal(bx[:, 0], by) for bx, by in chunks)
    ordered = np.concatenate([b[1] for b in data.batches(x, y, 3, shuffle=False)])
    assert ordered.tolist() == list(range(10))
    with pytest.raises(ValueError, match="batch size"):
        next(data.batches(x, y, 0))
    with pytest.raises(ValueError, match="labels"):
        next(data.batches(x, y[:5], 2))


def quadrant_digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """uint8 12×12 images whose class (0-3) is the bright quadrant: learnable in a few steps."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 60, (n, 12, 12)).astype(np.uint8)
    y = rng.integers(0, 4, n).astype(np.uint8)
    for label, (r, c) in enumerate([(0, 0), (0, 6), (6, 0), (6, 6)]):
        x[y == label, r : r + 6, c : c + 6] += 150
    return x, y


SPECS = [
    {"type": "conv", "filters": 4, "kernel": 3, "padding": "same"},
    {"type": "relu"},
    {"type": "pool", "mode": "max", "size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 4},
]


def quadrant_model() -> Sequential:
    return Sequential.from_spec(SPECS, input_shape=(1, 12, 12), rng=0, dtype=np.float32)


def test_training_events_report_progress_and_the_model_learns():
    x, y = quadrant_digits(700)
    model = quadrant_model()
    events = list(
        train(model, SoftmaxCrossEntropy(), Adam(0.01), x[:500], y[:500], epochs=2,
              batch_size=64, x_valid=x[500:], y_valid=y[500:], eval_every=3, rng=0)
    )  # fmt: skip
    kinds = [e["type"] for e in events]
    assert kinds.count("batch") == 2 * 8 and kinds.count("epoch") == 2 and kinds[-1] == "done"
    batches = [e for e in events if e["type"] == "batch"]
    assert [e["step"] for e in batches] == list(range(1, 17))
    assert batches[7]["images"] == 500 and batches[7]["batch"] == batches[7]["batches"] == 8
    assert all(e["images_per_second"] > 0 for e in batches)
    validations = [e for e in events if e["type"] == "validation"]
    # Every 3 steps plus each epoch's end, never twice for the same step.
    assert [e["step"] for e in validations] == [3, 6, 8, 9, 12, 15, 16]
    assert validations[-1]["accuracy"] > 0.95
    epochs = [e for e in events if e["type"] == "epoch"]
    assert epochs[1]["loss"] < epochs[0]["loss"]
    assert events[-1] == {
        "type": "done",
        "steps": 16,
        "images": 1000,
        "seconds": batches[-1]["seconds"],
    }


def test_stopping_between_batches_keeps_the_trained_weights():
    x, y = quadrant_digits(256)
    model = quadrant_model()
    before = model.layers[0].params["W"].copy()
    run = train(model, SoftmaxCrossEntropy(), SGD(0.1), x, y, batch_size=32, rng=0)
    first = next(run)
    after_one = model.layers[0].params["W"].copy()
    run.close()
    assert first["step"] == 1
    assert not np.array_equal(before, after_one)
    assert np.array_equal(after_one, model.layers[0].params["W"])


def test_lr_schedule_sets_the_rate_per_step():
    x, y = quadrant_digits(128)
    rates = [e["lr"] for e in train(quadrant_model(), SoftmaxCrossEntropy(), SGD(1.0), x, y,
                                    batch_size=32, lr_schedule=lambda s: 0.1 / (s + 1))
             if e["type"] == "batch"]  # fmt: skip
    assert rates == pytest.approx([0.1, 0.05, 0.1 / 3, 0.025])


def test_divergence_stops_with_a_message_and_keeps_the_last_finite_weights():
    x, y = quadrant_digits(64)
    model = quadrant_model()
    model.layers[4].params["W"][0, 0] = np.float32(3e38)
    before = [p.value.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match="diverge"), np.errstate(over="ignore", invalid="ignore"):
        list(train(model, SoftmaxCrossEntropy(), SGD(0.1), x, y, batch_size=64))
    assert all(np.array_equal(b, p.value) for b, p in zip(before, model.parameters(), strict=True))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"epochs": 0}, "epochs"), ({"x_valid": np.zeros((2, 12, 12), np.uint8)}, "both"),
     ({"eval_every": 0}, "eval_every"), ({"batch_size": -1}, "batch size")],
)  # fmt: skip
def test_bad_training_settings(kwargs, message):
    x, y = quadrant_digits(8)
    with pytest.raises(ValueError, match=message):
        next(train(quadrant_model(), SoftmaxCrossEntropy(), SGD(0.1), x, y, **kwargs))


def test_evaluate_accuracy_and_confusion_matrix():
    class Fixed:
        """A stand-in model that predicts the first pixel's value as the class."""

        dtype = np.dtype(np.float64)

        def predict(self, x):
            return x[:, 0, 0, 0].astype(int)

    x = np.array([0, 1, 1, 2, 2], dtype=np.uint8).reshape(5, 1, 1)
    result = evaluate(
        Fixed(), x, np.array([0, 1, 2, 2, 1]), transform=lambda b: b[:, None].astype(float)
    )
    assert result.accuracy == pytest.approx(3 / 5)
    assert result.confusion.tolist() == [[1, 0, 0], [0, 1, 1], [0, 1, 1]]
    accuracy, confusion = evaluate(Fixed(), x, np.array([0, 1, 1, 2, 2]), num_classes=4,
                                   transform=lambda b: b[:, None].astype(float))  # fmt: skip
    assert accuracy == 1.0 and confusion.shape == (4, 4) and np.trace(confusion) == 5
    with pytest.raises(ValueError, match="as many labels"):
        evaluate(Fixed(), x, np.array([0, 1]))


def test_float32_training_never_upcasts_to_float64():
    x, y = quadrant_digits(64)
    model = quadrant_model()
    opt = Adam(0.01)
    next(train(model, SoftmaxCrossEntropy(), opt, x, y, batch_size=32))
    outputs = data.normalize(x[:4])
    for layer in model.layers:
        outputs = layer.forward(outputs)
        assert outputs.dtype == np.float32, layer
    assert all(p.grad.dtype == np.float32 for p in model.parameters())
    assert all(m.dtype == np.float32 for m in [*opt._m.values(), *opt._v.values()])
