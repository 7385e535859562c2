"""Engine smoke tests that also run inside Pyodide.

Only numpy, the engine and ``app.lecture_examples`` (the lecture's matrices, pure NumPy, as the
lessons show them) are imported and no files are touched: the browser suite fetches this file's
text, executes it inside Pyodide and calls every ``test_*`` function, so plain asserts only (no
pytest fixtures or pytest.raises). Natively pytest collects it like any other module.
These are the lecture's worked examples plus one gradient check and one training step per
kind of layer, enough to show that nothing in the engine works only natively.
"""

import io
import math
import sys

import numpy as np

from app.lecture_examples import (
    LECTURE_IMAGE,
    LECTURE_KERNEL,
    PADDING_IMAGE,
    STRIDE_GRID,
    VERTICAL_EDGE,
)
from engine import conv, gradcheck
from engine import functional as F
from engine.layers import Conv2D, Dense, MaxPool2D
from engine.losses import SoftmaxCrossEntropy
from engine.model import Sequential
from engine.optim import Adam

TINY = [
    {"type": "conv", "filters": 2, "kernel": 3, "padding": 1},
    {"type": "relu"},
    {"type": "pool", "mode": "max", "size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 3},
]


def _raises_value_error(fn, *args, **kwargs) -> str:
    try:
        fn(*args, **kwargs)
    except ValueError as err:
        return str(err)
    raise AssertionError(f"{fn.__name__} accepted bad input")


def test_three_containers_entropy_in_bits():
    bits = [F.entropy([k / 30, 1 - k / 30], base=2) for k in (26, 14, 1)]
    assert [round(b, 4) for b in bits] == [0.5665, 0.9968, 0.2108]


def test_softmax_of_lecture_logits():
    p = F.softmax([3.2, 1.3, 0.2, 0.8])
    assert np.allclose(p, [0.775, 0.116, 0.039, 0.070], atol=6e-4)
    assert math.isclose(p.sum(), 1.0)


def test_dog_cross_entropy_before_and_after_training():
    assert round(F.cross_entropy([0.775, 0.116, 0.039, 0.070], 0, base=2), 4) == 0.3677
    # The slide prints 0.095 for the trained model; −log2(0.938) is 0.0923.
    trained = [0.938, 0.028, 0.013, 0.021]
    assert round(F.cross_entropy(trained, [1, 0, 0, 0], base=2), 4) == 0.0923


def test_feature_map_of_5x5_image_and_3x3_kernel():
    out = F.correlate2d(LECTURE_IMAGE, LECTURE_KERNEL)
    assert out.tolist() == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]


def test_stride_2_on_the_8x7_grid():
    assert STRIDE_GRID[0, :3].tolist() == [1, 2, 3] and STRIDE_GRID[7, 6] == 77
    out = F.correlate2d(STRIDE_GRID, np.ones((3, 3)), stride=2)
    assert out.shape == (3, 3) == (F.output_size(8, 3, 2), F.output_size(7, 3, 2))
    assert out[:2, :2].tolist() == [[108, 126], [288, 306]]


def test_zero_padding_keeps_6x6_with_vertical_edge_kernel():
    out = F.correlate2d(PADDING_IMAGE, VERTICAL_EDGE, padding=1)
    assert out.shape == (6, 6)
    # The slide prints -13 at (0, 1) and -9 at (1, 0); the arithmetic on its own padded
    # image gives 2 (= 3+9 − 4−6) and -15 (= 0 − 3−7−5). Its other entries agree.
    assert out[0, :3].tolist() == [-10, 2, 1]
    assert out[1, :3].tolist() == [-15, 3, 0]


def test_max_and_average_pooling_of_the_4x4_example():
    x = [[12, 20, 30, 0], [8, 12, 2, 0], [34, 70, 37, 4], [112, 100, 25, 12]]
    assert F.pool2d(x, 2, mode="max").tolist() == [[20, 30], [112, 37]]
    # The slide rounds the last average, (37 + 4 + 25 + 12) / 4, to 20.
    assert F.pool2d(x, 2, mode="avg").tolist() == [[13, 8], [79, 19.5]]


def test_bad_inputs_get_readable_errors():
    assert "smaller than" in _raises_value_error(F.pool2d, np.ones((2, 2)), 3)
    assert "add up to 1" in _raises_value_error(F.entropy, [0.5, 0.6])
    assert "add up to 0" in _raises_value_error(F.standard_normalize, [1, -1])
    message = _raises_value_error(
        Sequential.from_spec, [*TINY[:3], {"type": "pool", "size": 3}], input_shape=(1, 4, 4)
    )
    assert message.startswith("layer 4 (max pool 3×3)") and "2×2" in message


def test_conv_layer_gradients_match_finite_differences():
    layer = Conv2D(2, 3, 3, stride=2, padding=1, rng=0)
    x = np.random.default_rng(1).standard_normal((2, 2, 5, 6))
    assert gradcheck.check_layer(layer, x).max_relative_error < 1e-6


def test_every_conv_algorithm_is_registered_and_agrees_with_the_reference_kernel():
    """In Pyodide "auto" picks the FFT for this multi-channel layer; natively im2col."""
    assert sorted(conv.ALGORITHMS) == ["fft", "im2col", "reference"]
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 4, 8, 8)), rng.standard_normal((3, 4, 3, 3)), np.ones(3)
    expected, _ = conv.reference_forward(x, w, b, 1, 1)
    y, (chosen, _) = conv.forward(x, w, b, 1, 1)
    assert chosen == ("fft" if sys.platform == "emscripten" else "im2col")
    assert np.allclose(y, expected, atol=1e-9)


def test_small_cnn_gradients_match_finite_differences():
    model = Sequential.from_spec(TINY, input_shape=(1, 4, 4), rng=0)
    x = np.random.default_rng(2).standard_normal((3, 1, 4, 4))
    result = gradcheck.check_model(model, SoftmaxCrossEntropy(), x, [0, 2, 1])
    assert result.max_relative_error < 1e-5


def test_float32_training_steps_lower_the_loss_and_keep_float32():
    rng = np.random.default_rng(3)
    model = Sequential.from_spec(TINY, input_shape=(1, 6, 6), rng=0, dtype=np.float32)
    x = rng.standard_normal((8, 1, 6, 6)).astype(np.float32)
    y = rng.integers(0, 3, 8)
    loss_fn, opt = SoftmaxCrossEntropy(), Adam(0.05)
    first = loss_fn.forward(model.forward(x), y)
    for _ in range(20):
        loss_fn.forward(model.forward(x), y)
        model.backward(loss_fn.backward())
        opt.step(model.parameters())
    assert loss_fn.forward(model.forward(x), y) < first / 2
    assert all(p.value.dtype == np.float32 for p in model.parameters())


def test_layers_compose_by_hand():
    x = np.arange(2 * 1 * 4 * 4, dtype=float).reshape(2, 1, 4, 4)
    conv = Conv2D(1, 1, 1, rng=0)
    conv.params["W"][...] = 2.0
    y = Dense(4, 1, rng=0)
    y.params["W"][...] = 1.0
    out = y.forward(MaxPool2D(2).forward(conv.forward(x)).reshape(2, 4))
    assert out[:, 0].tolist() == [2 * (5 + 7 + 13 + 15), 2 * (21 + 23 + 29 + 31)]


def test_model_round_trips_through_npz_bytes():
    model = Sequential.from_spec(TINY, input_shape=(1, 4, 4), rng=0)
    buffer = io.BytesIO()
    model.save(buffer)
    copy = Sequential.from_file(buffer.getvalue())
    x = np.random.default_rng(4).standard_normal((2, 1, 4, 4))
    assert np.array_equal(copy.forward(x), model.forward(x))
    assert copy.to_spec() == model.to_spec()
