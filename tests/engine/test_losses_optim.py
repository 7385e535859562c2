"""engine.losses and engine.optim."""

import math

import numpy as np
import pytest

from engine import functional as F
from engine import gradcheck
from engine.losses import BinaryCrossEntropy, MeanSquaredError, SoftmaxCrossEntropy
from engine.model import Parameter
from engine.optim import SGD, Adam


def test_softmax_cross_entropy_equals_softmax_then_cross_entropy():
    logits = np.array([[3.2, 1.3, 0.2, 0.8], [0.0, 2.0, 1.0, -1.0]])
    loss = SoftmaxCrossEntropy().forward(logits, [0, 2])
    assert loss == pytest.approx(F.cross_entropy(F.softmax(logits), [0, 2]))
    assert SoftmaxCrossEntropy().forward(logits, F.one_hot([0, 2], 4)) == pytest.approx(loss)
    assert math.isfinite(SoftmaxCrossEntropy().forward(np.array([[1000.0, -1000.0]]), [1]))


def test_mse_is_half_sum_of_squares_averaged_over_samples():
    y, t = np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [1.0, 1.0]])
    assert MeanSquaredError().forward(y, t) == pytest.approx((0.5 * 5 + 0.5 * 2) / 2)


def test_binary_cross_entropy_loss_matches_functional():
    p, t = np.array([0.9, 0.2, 0.6]), np.array([1.0, 0.0, 1.0])
    assert BinaryCrossEntropy().forward(p, t) == pytest.approx(F.binary_cross_entropy(p, t))


@pytest.mark.parametrize("seed", range(3))
def test_loss_gradients_match_finite_differences(seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((5, 4)) * 3
    assert (
        gradcheck.check_loss(
            SoftmaxCrossEntropy(), logits, rng.integers(0, 4, 5)
        ).max_relative_error
        < 1e-6
    )
    y, t = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    assert gradcheck.check_loss(MeanSquaredError(), y, t).max_relative_error < 1e-6
    p = rng.uniform(0.05, 0.95, (6,))
    assert (
        gradcheck.check_loss(BinaryCrossEntropy(), p, rng.integers(0, 2, 6)).max_relative_error
        < 1e-6
    )


def test_losses_keep_float32_gradients():
    loss = SoftmaxCrossEntropy()
    loss.forward(np.ones((2, 3), dtype=np.float32), [0, 1])
    assert loss.backward().dtype == np.float32


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: SoftmaxCrossEntropy().forward(np.ones((2, 3)), [0, 3]), "between 0 and 2"),
        (lambda: SoftmaxCrossEntropy().forward(np.ones(3), [0]), r"\(N, K\)"),
        (lambda: SoftmaxCrossEntropy().forward(np.array([[np.nan, 1]]), [0]), "diverge"),
        (lambda: SoftmaxCrossEntropy().forward(np.ones((0, 3)), []), "non-empty"),
        (lambda: MeanSquaredError().forward(np.ones((2, 3)), np.ones((3, 2))), "same shape"),
        (lambda: BinaryCrossEntropy().forward(np.array([1.5]), [1]), "between 0 and 1"),
        (lambda: SoftmaxCrossEntropy().backward(), "forward before backward"),
    ],
)
def test_loss_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def quadratic(value: np.ndarray) -> list[Parameter]:
    """f(θ) = ½‖θ − 3‖², gradient θ − 3, minimum at 3."""
    return [Parameter("theta", value, value - 3.0)]


@pytest.mark.parametrize("optimizer", [SGD(0.1), SGD(0.05, momentum=0.9), Adam(0.1)])
def test_optimizers_minimise_a_quadratic(optimizer):
    theta = np.array([10.0, -4.0])
    for _ in range(300):
        optimizer.step(quadratic(theta))
    assert np.allclose(theta, 3.0, atol=1e-2)


def test_sgd_step_and_momentum_arithmetic():
    theta = np.array([1.0])
    SGD(0.5).step([Parameter("t", theta, np.array([2.0]))])
    assert theta.tolist() == [0.0]
    opt, theta = SGD(1.0, momentum=0.5), np.array([0.0])
    opt.step([Parameter("t", theta, np.array([1.0]))])
    opt.step([Parameter("t", theta, np.array([1.0]))])
    assert theta.tolist() == [-1.0 - 1.5]


def test_adam_first_step_moves_each_weight_by_about_lr():
    theta = np.array([0.0, 0.0], dtype=np.float32)
    Adam(0.01).step([Parameter("t", theta, np.array([5.0, -0.001], dtype=np.float32))])
    assert np.allclose(theta, [-0.01, 0.01], rtol=1e-3)
    assert theta.dtype == np.float32


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SGD(0), "learning rate"),
        (lambda: SGD(-1), "learning rate"),
        (lambda: SGD(0.1, momentum=1.0), "momentum"),
        (lambda: Adam(betas=(0.9, 1.5)), "beta2"),
        (lambda: Adam(eps=0), "eps"),
    ],
)
def test_optimizer_settings_are_checked(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_step_without_gradient_says_run_backward():
    with pytest.raises(ValueError, match="run backward"):
        SGD(0.1).step([Parameter("1.W", np.zeros(2), None)])
