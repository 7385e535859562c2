"""1-D convolution against its definition written as loops, NumPy's own convolve, closed forms of
continuous convolutions, and the lecture's five properties."""

from __future__ import annotations

import numpy as np
import pytest

from engine import signals


def reference_convolve(f: list[float], g: list[float]) -> list[float]:
    """(f * g)[n] = Σ_k f[k] g[n − k], as plain loops: the definition itself."""
    out = [0.0] * (len(f) + len(g) - 1)
    for n in range(len(out)):
        for k in range(len(f)):
            if 0 <= n - k < len(g):
                out[n] += f[k] * g[n - k]
    return out


@pytest.mark.parametrize(("m", "k"), [(1, 1), (5, 3), (3, 5), (8, 8), (2, 9)])
def test_convolve1d_matches_the_definition_and_numpy(m, k):
    rng = np.random.default_rng(m * 10 + k)
    f, g = rng.normal(size=m), rng.normal(size=k)
    got = signals.convolve1d(f, g)
    np.testing.assert_allclose(got, reference_convolve(list(f), list(g)), atol=1e-12)
    np.testing.assert_allclose(got, np.convolve(f, g), atol=1e-12)


def test_the_lectures_properties_hold():
    rng = np.random.default_rng(1)
    f, g, h = rng.normal(size=4), rng.normal(size=4), rng.normal(size=3)
    conv = signals.convolve1d
    np.testing.assert_allclose(conv(f, g), conv(g, f))
    np.testing.assert_allclose(conv(f, conv(g, h)), conv(conv(f, g), h))
    h4 = np.pad(h, (0, 1))
    np.testing.assert_allclose(conv(f, g + h4), conv(f, g) + conv(f, h4))
    assert not conv(f, np.zeros(3)).any()
    np.testing.assert_allclose(conv(f, [1.0]), f)


def test_two_boxes_make_a_triangle():
    """∫ box(τ) box(t − τ) dτ for two unit boxes on [0, 1) is the triangle 1 − |t − 1|."""
    dt = 0.001
    box = np.ones(1000)  # samples of [0, 1)
    out = signals.convolve_sampled(box, box, dt)
    t = np.arange(out.size) * dt  # both start at 0
    triangle = np.clip(1 - np.abs(t - 1), 0, None)
    assert np.max(np.abs(out - triangle)) < 2 * dt


def test_slide_integrates_the_product_at_one_shift():
    tau = np.linspace(-3, 3, 6001)
    gauss = lambda x: np.exp(-(x**2) / 2) / np.sqrt(2 * np.pi)  # noqa: E731
    step = lambda x: (x >= 0).astype(float)  # noqa: E731
    # Gaussian * unit step = the Gaussian's CDF; at t = 0 it is one half.
    result = signals.slide(gauss, step, 0.0, tau)
    assert result.value == pytest.approx(0.5, abs=2e-3)
    assert result.running_area[-1] == result.value
    np.testing.assert_array_equal(result.g_shifted, step(-tau))  # reflected at t = 0
    later = signals.slide(gauss, step, 1.0, tau)
    assert later.value == pytest.approx(0.8413, abs=2e-3)
    assert np.all(np.diff(later.running_area) >= 0)


@pytest.mark.parametrize("bad", [[], [1.0, float("nan")], [[1, 2], [3, 4]], ["a"]])
def test_bad_signals_are_refused_with_a_message(bad):
    with pytest.raises(ValueError, match="f "):
        signals.convolve1d(bad, [1.0])


def test_bad_step_is_refused():
    with pytest.raises(ValueError, match="sampling step"):
        signals.convolve_sampled([1.0], [1.0], 0.0)
