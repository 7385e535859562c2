"""engine.model.Sequential: specs, summary, whole-network gradients, save/load and bad files."""

import io
import json
import re
import zipfile

import numpy as np
import pytest

from engine import fastpath, gradcheck
from engine.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from engine.losses import MeanSquaredError, SoftmaxCrossEntropy
from engine.model import ParameterCount, Sequential, count_parameters

TINY = [
    {"type": "conv", "filters": 8, "kernel": 3, "stride": 1, "padding": 0},
    {"type": "relu"},
    {"type": "pool", "mode": "max", "size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 10},
]


def tiny(**kwargs) -> Sequential:
    return Sequential.from_spec(TINY, input_shape=(1, 28, 28), rng=0, **kwargs)


def saved_bytes(model: Sequential) -> bytes:
    buffer = io.BytesIO()
    model.save(buffer)
    return buffer.getvalue()


def test_from_spec_builds_the_layers_and_round_trips_to_spec():
    model = tiny()
    assert [type(layer) for layer in model.layers] == [
        Conv2D,
        ReLU,
        MaxPool2D.__mro__[1],
        Flatten,
        Dense,
    ]
    assert model.layers[4].in_features == 8 * 13 * 13
    assert model.to_spec() == TINY
    assert Sequential.from_spec(model.to_spec(), (1, 28, 28)).to_spec() == TINY


def test_summary_lists_output_shapes_and_parameter_counts():
    rows = tiny().summary()
    assert [r["output_shape"] for r in rows] == [
        (8, 26, 26),
        (8, 26, 26),
        (8, 13, 13),
        (1352,),
        (10,),
    ]
    assert [r["params"] for r in rows] == [8 * 9 + 8, 0, 0, 0, 1352 * 10 + 10]
    assert rows[2]["layer"] == "max pool 2×2"
    text = tiny().summary_text()
    assert "8×13×13" in text and "13,610" in text


def test_same_padding_and_valid_padding_keywords():
    model = Sequential.from_spec(
        [{"type": "conv", "filters": 4, "kernel": 5, "padding": "same"},
         {"type": "conv", "filters": 2, "kernel": 3, "padding": "valid"}],
        input_shape=(1, 28, 28),
    )  # fmt: skip
    assert model.summary()[-1]["output_shape"] == (2, 26, 26)
    assert model.to_spec()[0]["padding"] == 2


@pytest.mark.parametrize(
    ("specs", "shape", "message"),
    [
        (
            [*TINY[:3], {"type": "pool", "size": 3}, {"type": "pool", "size": 3}],
            (1, 12, 12),
            re.escape("layer 5 (max pool 3×3): input is 1×1, smaller than the 3×3 window"),
        ),
        ([{"type": "conv", "filters": 1, "kernel": 7}], (1, 5, 5), r"layer 1 \(conv 7×7×1\).*5×5"),
        ([{"type": "conv", "filters": 2, "kernel": 3, "stride": 0}], (1, 5, 5), "layer 1 .*stride"),
        ([{"type": "dense", "units": 3}], (1, 5, 5), "layer 1 .*add a flatten"),
        ([{"type": "conv", "filters": 2, "kernal": 3}], (1, 5, 5), "missing setting kernel"),
        ([{"type": "relu", "alpha": 1}], (1, 5, 5), "unknown setting alpha"),
        ([{"type": "dropout"}], (1, 5, 5), "unknown layer type 'dropout'"),
        (["relu"], (1, 5, 5), "must be a dict"),
        ([], (1, 5, 5), "non-empty"),
        ([{"type": "conv", "filters": 2, "kernel": 2, "padding": "same"}], (1, 5, 5), "odd kernel"),
        ([{"type": "flatten"}, {"type": "conv", "filters": 2, "kernel": 1}], (1, 5, 5), "layer 2"),
        ([{"type": "pool", "mode": "min"}], (1, 4, 4), "layer 1 .*mode"),
    ],
)
def test_impossible_specs_name_the_layer_and_sizes(specs, shape, message):
    with pytest.raises(ValueError, match=message):
        Sequential.from_spec(specs, input_shape=shape)


def test_constructor_checks_layers_against_input_shape():
    with pytest.raises(ValueError, match=re.escape("layer 2 (dense 2): input has 4 features")):
        Sequential([Flatten(), Dense(3, 2)], input_shape=(1, 2, 2))
    with pytest.raises(ValueError, match="input shape"):
        Sequential([ReLU()]).summary()


@pytest.mark.parametrize("seed", range(4))
def test_whole_cnn_gradients_over_random_architectures(seed):
    rng = np.random.default_rng(seed)
    stride, padding = int(rng.integers(1, 3)), int(rng.integers(0, 2))
    specs = [
        {"type": "conv", "filters": 2, "kernel": 3, "stride": stride, "padding": padding},
        {"type": "relu"},
        {"type": "pool", "mode": ["max", "avg", "sum"][seed % 3], "size": 2},
        {"type": "conv", "filters": 3, "kernel": 2, "padding": 1},
        {"type": "flatten"},
        {"type": "dense", "units": 4},
    ]
    size = int(rng.integers(8, 11))
    model = Sequential.from_spec(specs, input_shape=(2, size, size), rng=seed)
    x = rng.standard_normal((3, 2, size, size))
    result = gradcheck.check_model(model, SoftmaxCrossEntropy(), x, rng.integers(0, 4, 3))
    assert result.max_relative_error < 1e-5, result.errors
    assert set(result.errors) == {"x", "1.W", "1.b", "4.W", "4.b", "6.W", "6.b"}


@pytest.mark.parametrize("in_pyodide", [False, True])
def test_relu_then_max_pool_runs_swapped_with_the_same_results(monkeypatch, in_pyodide):
    """Sequential runs a ReLU after the max pool that follows it; the logits and every
    gradient equal those of running the layers as listed, also where windows hold ties
    (zeros after a ReLU: an input of mostly negative values)."""
    monkeypatch.setattr(fastpath, "IN_PYODIDE", in_pyodide)
    specs = [
        {"type": "conv", "filters": 4, "kernel": 3, "padding": 1},
        {"type": "relu"},
        {"type": "pool", "mode": "max", "size": 2},
        {"type": "conv", "filters": 5, "kernel": 3, "padding": 1},
        {"type": "relu"},
        {"type": "pool", "mode": "max", "size": 3, "stride": 2},
        {"type": "flatten"},
        {"type": "dense", "units": 3},
    ]
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 1, 12, 12)) - 1.5
    labels = rng.integers(0, 3, 6)
    results, models = [], []
    for swapped in (True, False):
        model = Sequential.from_spec(specs, input_shape=(1, 12, 12), rng=1)
        models.append(model)
        loss = SoftmaxCrossEntropy()
        if swapped:
            logits = model.forward(x)
            loss.forward(logits, labels)
            dx = model.backward(loss.backward())
        else:
            logits = x
            for layer in model.layers:
                logits = layer.forward(logits)
            loss.forward(logits, labels)
            dx = loss.backward()
            for layer in reversed(model.layers):
                dx = layer.backward(dx)
        results.append((logits, dx, [p.grad for p in model.parameters()]))
    (logits, dx, grads), (logits_listed, dx_listed, grads_listed) = results
    assert np.array_equal(logits, logits_listed)
    assert np.array_equal(dx, dx_listed)
    assert all(np.array_equal(a, b) for a, b in zip(grads, grads_listed, strict=True))
    assert models[0].layers[1]._mask.shape == (6, 4, 6, 6)  # the ReLU ran on pooled values


def test_whole_network_with_mse_gradients():
    model = Sequential([Dense(3, 4, rng=0), ReLU(), Dense(4, 2, rng=1)])
    rng = np.random.default_rng(0)
    result = gradcheck.check_model(
        model, MeanSquaredError(), rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    )
    assert result.max_relative_error < 1e-6


def test_predict_and_probabilities_in_batches():
    model = tiny()
    x = np.random.default_rng(0).standard_normal((7, 1, 28, 28))
    logits = model.forward(x)
    assert np.array_equal(model.predict(x, batch_size=3), logits.argmax(axis=1))
    assert np.allclose(model.predict_proba(x, batch_size=2).sum(axis=1), 1)
    with pytest.raises(ValueError, match="no images"):
        model.predict(x[:0])


def test_parameters_are_named_and_carry_gradients_after_backward():
    model = tiny()
    assert [p.name for p in model.parameters()] == ["1.W", "1.b", "5.W", "5.b"]
    assert all(p.grad is None for p in model.parameters())
    loss = SoftmaxCrossEntropy()
    loss.forward(model.forward(np.ones((2, 1, 28, 28))), [1, 2])
    model.backward(loss.backward())
    assert all(p.grad.shape == p.value.shape for p in model.parameters())
    assert model.num_params() == 13_610 and model.dtype == np.float64
    assert tiny(dtype=np.float32).dtype == np.float32


def test_save_and_load_round_trip_through_a_path(tmp_path):
    model = tiny(dtype=np.float32)
    path = tmp_path / "model.npz"
    model.save(path)
    other = tiny(dtype=np.float32)
    other.layers[0].params["W"][...] = 0
    other.load(path)
    x = np.random.default_rng(1).standard_normal((3, 1, 28, 28))
    assert np.array_equal(other.forward(x), model.forward(x))
    rebuilt = Sequential.from_file(path)
    assert rebuilt.dtype == np.float32 and rebuilt.summary() == model.summary()
    assert np.array_equal(rebuilt.forward(x), model.forward(x))
    with open(path, "rb") as f:
        assert Sequential.from_file(f).to_spec() == TINY


def test_saved_file_holds_json_architecture_and_no_pickle():
    with np.load(io.BytesIO(saved_bytes(tiny())), allow_pickle=False) as npz:
        arch = json.loads(str(npz["architecture"]))
        assert arch["layers"] == TINY and arch["input_shape"] == [1, 28, 28]
        assert npz["param/1.W"].shape == (8, 1, 3, 3)


def _rewrite(data: bytes, drop: str = "", replace: dict | None = None) -> bytes:
    """A copy of a saved model with one member dropped or replaced by other arrays."""
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files if k != drop}
    arrays.update(replace or {})
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _architecture_with(**changes) -> np.ndarray:
    with np.load(io.BytesIO(saved_bytes(tiny())), allow_pickle=False) as npz:
        arch = json.loads(str(npz["architecture"]))
    arch.update(changes)
    return np.array(json.dumps(arch))


GOOD = saved_bytes(tiny())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a readable saved model"),
        (b"hello, I am not a model", "not a NumPy .npz archive"),
        (GOOD[: len(GOOD) // 2], "not a readable saved model|damaged"),
        (_rewrite(GOOD, drop="architecture"), "no model architecture"),
        (_rewrite(GOOD, replace={"architecture": np.array("{not json")}), "damaged"),
        (
            _rewrite(GOOD, replace={"architecture": _architecture_with(format="other")}),
            "not saved by",
        ),
        (_rewrite(GOOD, replace={"architecture": _architecture_with(version=99)}), "version 99"),
        (_rewrite(GOOD, replace={"architecture": _architecture_with(dtype="int8")}), "number type"),
        (_rewrite(GOOD, drop="param/5.b"), "missing \\['5.b'\\]"),
        (_rewrite(GOOD, replace={"param/9.W": np.ones(2)}), "unexpected \\['9.W'\\]"),
        (_rewrite(GOOD, replace={"param/1.W": np.ones((8, 1, 5, 5))}), "shape"),
        (_rewrite(GOOD, replace={"param/1.b": np.full(8, np.nan)}), "not finite"),
        (_rewrite(GOOD, replace={"param/1.b": np.arange(8)}), "not finite"),
        (
            _rewrite(GOOD, replace={"architecture": _architecture_with(input_shape=[1, 32, 32])}),
            "takes 1×32×32 inputs",
        ),
    ],
)
def test_bad_files_raise_and_leave_the_model_untouched(data, message):
    model = tiny()
    model.layers[0].params["W"][...] = 0.5
    before = {p.name: p.value.copy() for p in model.parameters()}
    with pytest.raises(ValueError, match=message):
        model.load(data)
    assert all(np.array_equal(before[p.name], p.value) for p in model.parameters())


def test_corrupted_zip_member_is_reported():
    corrupted = bytearray(GOOD)
    with zipfile.ZipFile(io.BytesIO(GOOD)) as archive:
        info = archive.getinfo("param/5.W.npy")
    middle = info.header_offset + 60 + info.compress_size // 2
    corrupted[middle : middle + 40] = bytes(40)
    with pytest.raises(ValueError, match=r"damaged|not a readable"):
        tiny().load(bytes(corrupted))


def test_loading_a_different_architecture_says_what_differs():
    other = Sequential.from_spec(
        [*TINY[:4], {"type": "dense", "units": 5}], input_shape=(1, 28, 28), rng=0
    )
    with pytest.raises(
        ValueError, match=r"different architecture.*dense \(units 10\).*dense \(units 5\)"
    ):
        other.load(GOOD)


def test_missing_file_and_plain_npy(tmp_path):
    with pytest.raises(FileNotFoundError, match="no saved model"):
        tiny().load(tmp_path / "absent.npz")
    np.save(tmp_path / "array.npy", np.ones(3))
    with pytest.raises(ValueError, match="single array"):
        tiny().load(tmp_path / "array.npy")


def test_forward_errors_name_the_layer():
    with pytest.raises(ValueError, match=re.escape("layer 1 (conv 3×3×8): input has 3 channels")):
        tiny().forward(np.ones((2, 3, 28, 28)))
    with pytest.raises(ValueError, match=re.escape("layer 1 (conv 3×3×8): needs an (N, C, H, W)")):
        tiny().forward(np.ones((28, 28)))


def test_backward_without_input_gradient_gives_the_same_parameter_gradients():
    model = tiny()
    loss = SoftmaxCrossEntropy()
    x = np.random.default_rng(3).standard_normal((4, 1, 28, 28))
    loss.forward(model.forward(x), [1, 2, 3, 4])
    assert model.backward(loss.backward()).shape == x.shape
    full = [p.grad.copy() for p in model.parameters()]
    assert model.backward(loss.backward(), input_grad=False) is None
    assert all(np.array_equal(a, p.grad) for a, p in zip(full, model.parameters(), strict=True))
    with pytest.raises(ValueError, match="at least one layer"):
        Sequential([])


def test_rectangular_kernels_strides_and_pool_strides_survive_save_and_load():
    specs = [
        {"type": "conv", "filters": 3, "kernel": [3, 5], "stride": 2, "padding": 1},
        {"type": "pool", "mode": "avg", "size": 3, "stride": 1},
        {"type": "flatten"},
        {"type": "dense", "units": 2},
    ]
    model = Sequential.from_spec(specs, input_shape=(2, 12, 12), rng=0)
    assert model.to_spec() == specs
    copy = Sequential.from_file(saved_bytes(model))
    x = np.random.default_rng(0).standard_normal((2, 2, 12, 12))
    assert copy.to_spec() == specs and np.array_equal(copy.forward(x), model.forward(x))


def test_metadata_is_saved_and_loaded_with_the_model() -> None:
    model = Sequential.from_spec([{"type": "flatten"}, {"type": "dense", "units": 3}], (1, 2, 2))
    model.metadata = {"trainer_settings": {"lr": 0.004, "seed": 7}}
    buffer = io.BytesIO()
    model.save(buffer)
    assert Sequential.from_file(buffer.getvalue()).metadata == model.metadata


def test_max_params_refuses_a_network_before_allocating_it() -> None:
    specs = [
        {"type": "conv", "filters": 4, "kernel": 3},
        {"type": "flatten"},
        {"type": "dense", "units": 10},
    ]
    built = Sequential.from_spec(specs, (2, 8, 8))
    assert Sequential.from_spec(specs, (2, 8, 8), max_params=built.num_params()).num_params() == (
        4 * 2 * 9 + 4 + 144 * 10 + 10
    )
    with pytest.raises(ValueError, match=r"layer 3 \(dense\): .*1,526 parameters"):
        Sequential.from_spec(specs, (2, 8, 8), max_params=built.num_params() - 1)
    huge = [{"type": "flatten"}, {"type": "dense", "units": 100_000}]
    with pytest.raises(ValueError, match="more than the 1,000 allowed"):
        Sequential.from_spec(huge, (64, 100, 100), max_params=1_000)  # 64e9 values: never built


def test_count_parameters_matches_every_built_layer_before_building_it() -> None:
    specs = [
        {"type": "conv", "filters": 4, "kernel": [3, 2], "padding": 1},
        {"type": "relu"},
        {"type": "pool", "size": 2},
        {"type": "flatten"},
        {"type": "dense", "units": 7},
    ]
    model = Sequential.from_spec(specs, (3, 8, 8))
    shape: tuple[int, ...] = (3, 8, 8)
    for spec, layer in zip(specs, model.layers, strict=True):
        assert count_parameters(spec, shape).total == layer.num_params()
        shape = layer.output_shape(shape)
    assert count_parameters(specs[0], (3, 8, 8)) == ParameterCount(3 * 2 * 3 * 4, 4)


def test_count_parameters_gives_the_lectures_weight_counts() -> None:
    dense_mnist = count_parameters({"type": "dense", "units": 30}, (28 * 28,))
    assert dense_mnist.weights == 23_520  # the slide says 23,550
    conv = count_parameters({"type": "conv", "filters": 30, "kernel": 3}, (1, 256, 256))
    assert conv == ParameterCount(270, 30)  # the same for any image size


def test_count_parameters_refuses_what_it_cannot_count() -> None:
    with pytest.raises(ValueError, match="cannot count"):
        count_parameters({"type": "dense", "units": 3}, (1, 28, 28))  # not flattened
    with pytest.raises(ValueError, match="cannot count"):
        count_parameters({"type": "conv", "filters": "many", "kernel": 3}, (1, 28, 28))
