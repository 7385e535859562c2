"""engine.functional: values, shapes, dtypes and the errors students see."""

import math

import numpy as np
import pytest

from engine import functional as F
from engine.conv.reference import reference_forward


def brute_correlate(image: np.ndarray, kernel: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """The definition, one output pixel at a time: the engine's reference kernel on one image,
    one channel and one filter."""
    y, _ = reference_forward(image[None, None], kernel[None, None], np.zeros(1), stride, padding)
    return y[0, 0]


def test_softmax_is_stable_for_huge_logits_and_sums_to_one_per_row():
    assert np.allclose(F.softmax([1000, 1001]), [1 / (1 + math.e), math.e / (1 + math.e)])
    p = F.softmax(np.random.default_rng(0).standard_normal((5, 7)) * 50)
    assert np.allclose(p.sum(axis=1), 1) and np.all(p >= 0)
    assert np.allclose(F.softmax([[1, 2], [3, 4]], axis=0).sum(axis=0), 1)


def test_softmax_keeps_float32():
    assert F.softmax(np.array([1, 2], dtype=np.float32)).dtype == np.float32


def test_standard_normalize_allows_negative_scores_but_not_zero_sum():
    assert np.allclose(F.standard_normalize([1, 3]), [0.25, 0.75])
    assert np.allclose(F.standard_normalize([2, -1]), [2, -1])  # a "probability" of -1
    with pytest.raises(ValueError, match="add up to 0"):
        F.standard_normalize([1, -1])


def test_entropy_units_and_edge_cases():
    assert F.entropy([0.5, 0.5], base=2) == pytest.approx(1.0)
    assert F.entropy([0.25] * 4) == pytest.approx(math.log(4))
    assert F.entropy([1.0, 0.0]) == 0.0
    assert isinstance(F.entropy([0.5, 0.5]), float)
    assert F.entropy([[0.5, 0.5], [1, 0]], base=2).tolist() == [1.0, 0.0]


@pytest.mark.parametrize(
    ("p", "message"),
    [([0.5, 0.6], "add up to 1"), ([1.2, -0.2], "negative"), (["a", "b"], "numbers"),
     ([np.nan, 1], "NaN")],
)  # fmt: skip
def test_entropy_rejects_non_distributions(p, message):
    with pytest.raises(ValueError, match=message):
        F.entropy(p)


def test_entropy_rejects_bad_base():
    with pytest.raises(ValueError, match="base"):
        F.entropy([0.5, 0.5], base=1)


def test_cross_entropy_labels_and_one_hot_agree_and_average_over_n():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    expected = -(math.log(0.7) + math.log(0.8)) / 2
    assert F.cross_entropy(probs, [0, 2]) == pytest.approx(expected)
    assert F.cross_entropy(probs, [[1, 0, 0], [0, 0, 1]]) == pytest.approx(expected)
    assert F.cross_entropy(probs, [0, 2], base=2) == pytest.approx(expected / math.log(2))


def test_cross_entropy_of_zero_probability_is_finite():
    assert math.isfinite(F.cross_entropy([0.0, 1.0], 0))


@pytest.mark.parametrize(
    ("probs", "targets", "message"),
    [([[0.5, 0.5]], [2], "between 0 and 1"), ([[0.5, 0.5]], [0, 1], "expected 1 labels"),
     ([[0.5, 0.5]], [[1, 1]], "single 1"), ([[1.5, -0.5]], [0], "between 0 and 1"),
     ([[0.5, 0.5]], [0.5], "whole numbers")],
)  # fmt: skip
def test_cross_entropy_rejects_bad_targets(probs, targets, message):
    with pytest.raises(ValueError, match=message):
        F.cross_entropy(probs, targets)


def test_binary_cross_entropy_is_mean_over_points_and_clipped():
    p, t = [0.9, 0.2, 0.6], [1, 0, 1]
    expected = -(math.log(0.9) + math.log(0.8) + math.log(0.6)) / 3
    assert F.binary_cross_entropy(p, t) == pytest.approx(expected)
    assert math.isfinite(F.binary_cross_entropy([0.0, 1.0], [1, 0]))
    with pytest.raises(ValueError, match="same shape"):
        F.binary_cross_entropy([0.5], [1, 0])
    with pytest.raises(ValueError, match="targets"):
        F.binary_cross_entropy([0.5], [2])


def test_one_hot_and_its_errors():
    assert F.one_hot([2, 0]).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert F.one_hot([1], num_classes=4).tolist() == [[0, 1, 0, 0]]
    bad = [([3], {"num_classes": 3}, "does not fit"), ([-1], {}, "negative"),
           ([0.5], {}, "whole"), ([[0]], {}, "1-D")]  # fmt: skip
    for labels, kwargs, message in bad:
        with pytest.raises(ValueError, match=message):
            F.one_hot(labels, **kwargs)


def test_integer_encode_sorted_or_in_given_order():
    codes, classes = F.integer_encode(["dog", "cat", "horse", "cat"])
    assert classes == ["cat", "dog", "horse"] and codes.tolist() == [1, 0, 2, 0]
    codes, classes = F.integer_encode(
        ["good", "poor", "neutral"], order=["poor", "neutral", "good"]
    )
    assert codes.tolist() == [2, 0, 1]
    with pytest.raises(ValueError, match="'great'"):
        F.integer_encode(["great"], order=["poor", "good"])
    with pytest.raises(ValueError, match="more than once"):
        F.integer_encode(["a"], order=["a", "a"])


def test_output_size_formula_and_errors():
    assert F.output_size(28, 5, 1, 2) == 28
    assert F.output_size(7, 3, 2) == 3
    assert F.output_size(6, 3, 1, 1) == 6
    for args, message in [
        ((2, 3), "does not fit"),
        ((5, 3, 0), "stride"),
        ((5, 3, 1, -1), "padding"),
    ]:
        with pytest.raises(ValueError, match=message):
            F.output_size(*args)


@pytest.mark.parametrize("seed", range(6))
def test_correlate2d_matches_the_definition(seed):
    rng = np.random.default_rng(seed)
    image = rng.standard_normal((rng.integers(4, 9), rng.integers(4, 9)))
    kernel = rng.standard_normal((rng.integers(1, 4), rng.integers(1, 4)))
    stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 3))
    assert np.allclose(
        F.correlate2d(image, kernel, stride, padding),
        brute_correlate(image, kernel, stride, padding),
    )


def test_convolve2d_flips_the_kernel():
    image = np.arange(16.0).reshape(4, 4)
    kernel = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert np.allclose(F.convolve2d(image, kernel), F.correlate2d(image, kernel[::-1, ::-1]))
    assert not np.allclose(F.convolve2d(image, kernel), F.correlate2d(image, kernel))


def test_correlate2d_errors():
    with pytest.raises(ValueError, match="2-D"):
        F.correlate2d(np.ones((2, 3, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="does not fit"):
        F.correlate2d(np.ones((2, 2)), np.ones((3, 3)))


def test_conv2d_batched_equals_per_channel_correlations():
    rng = np.random.default_rng(7)
    x, w, b = (
        rng.standard_normal((2, 3, 6, 5)),
        rng.standard_normal((4, 3, 3, 3)),
        rng.standard_normal(4),
    )
    y = F.conv2d(x, w, b, stride=2, padding=1)
    assert y.shape == (2, 4, 3, 3)
    for n in range(2):
        for f in range(4):
            ref = sum(F.correlate2d(x[n, c], w[f, c], 2, 1) for c in range(3)) + b[f]
            assert np.allclose(y[n, f], ref)


def test_conv2d_errors():
    with pytest.raises(ValueError, match="channels"):
        F.conv2d(np.ones((1, 2, 5, 5)), np.ones((1, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        F.conv2d(np.ones((5, 5)), np.ones((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="bias"):
        F.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), b=[1.0])


def test_pool2d_modes_strides_and_batches():
    x = np.arange(25.0).reshape(5, 5)
    assert F.pool2d(x, 2).tolist() == [[6, 8], [16, 18]]
    assert F.pool2d(x, 3, stride=1, mode="sum")[0, 0] == x[:3, :3].sum()
    assert F.pool2d(x, 3, stride=2, mode="avg").tolist() == [[6, 8], [16, 18]]
    batch = np.stack([x, -x])[:, None]
    assert F.pool2d(batch, 2).shape == (2, 1, 2, 2)
    assert F.pool2d(batch, 2)[1, 0].tolist() == [[0, -2], [-10, -12]]


def test_pool2d_errors():
    for kwargs, message in [({"size": 6}, "smaller than"), ({"mode": "median"}, "mode"),
                            ({"size": 2, "stride": 0}, "stride")]:  # fmt: skip
        with pytest.raises(ValueError, match=message):
            F.pool2d(np.ones((5, 5)), **kwargs)
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        F.pool2d(np.ones((2, 5, 5)))


def test_relu():
    assert F.relu([-1, 0, 2.5]).tolist() == [0, 0, 2.5]


def test_empty_and_ragged_inputs():
    with pytest.raises(ValueError, match="empty"):
        F.softmax([])
    with pytest.raises(ValueError, match="empty"):
        F.standard_normalize([])
    with pytest.raises(ValueError, match="rows of equal length"):
        F.entropy([[0.5], [0.5, 0.5]])
