"""The layer computations: strided, padded cross-correlation, pooling and the weight gradient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from app.code_exercises.spec import Case, CodeExercise
from app.lecture_examples import (
    LECTURE_IMAGE,
    LECTURE_KERNEL,
    PADDING_IMAGE,
    STRIDE_GRID,
    VERTICAL_EDGE,
)
from engine import functional as F
from engine import layers


def _matches(actual: Any, compute: Callable[[], np.ndarray]) -> bool:
    """Whether ``actual`` equals what ``compute`` (a typical slip, redone right) gives."""
    try:
        other = compute()
    except ValueError:
        return False
    return (
        isinstance(actual, np.ndarray)
        and actual.shape == other.shape
        and bool(np.allclose(actual, other))
    )


# -- cross-correlation with stride and padding ---------------------------------------------------

CORRELATE_STARTER = '''import numpy as np


def correlate2d(image, kernel, stride=1, padding=0):
    """2-D cross-correlation (what CNNs call convolution) of a 2-D image with a 2-D kernel.

    Pad the image with `padding` zeros on every side, slide the kernel over it `stride` pixels
    at a time, and at each position add up image window * kernel (elementwise).
    The output has floor((n + 2*padding - k) / stride) + 1 rows (and likewise columns).
    Raise ValueError when the kernel does not fit in the padded image.
    """
    pass  # your code here: return a 2-D array
'''

CORRELATE_SOLUTION = """import numpy as np


def correlate2d(image, kernel, stride=1, padding=0):
    image = np.pad(np.asarray(image, dtype=float), padding)
    kh, kw = kernel.shape
    oh = (image.shape[0] - kh) // stride + 1
    ow = (image.shape[1] - kw) // stride + 1
    if oh < 1 or ow < 1:
        raise ValueError("the kernel does not fit in the padded image")
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = image[i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[i, j] = np.sum(window * kernel)
    return out
"""


def _correlate_case(label: str, image: np.ndarray, kernel: np.ndarray, stride: int, padding: int):
    return Case(
        label, (("image", image), ("kernel", kernel), ("stride", stride), ("padding", padding))
    )


def _correlate_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        _correlate_case(
            "the lecture's stride-2 example (3×3 ones)", STRIDE_GRID, np.ones((3, 3)), 2, 0
        ),
        _correlate_case(
            "the lecture's padding example (6×6, padding 1)", PADDING_IMAGE, VERTICAL_EDGE, 1, 1
        ),
        _correlate_case(
            "a kernel larger than the padded image",
            rng.normal(size=(3, 3)),
            rng.normal(size=(6, 6)),
            1,
            1,
        ),
        _correlate_case(
            "a non-square kernel, stride 2, padding 2",
            rng.integers(-4, 5, (5, 6)).astype(float),
            rng.integers(-2, 3, (2, 3)).astype(float),
            2,
            2,
        ),
    ]
    for _ in range(4):
        h, w = rng.integers(3, 8, 2)
        kh, kw = rng.integers(1, 4, 2)
        image = rng.integers(-5, 6, (h, w)).astype(float)
        kernel = rng.integers(-3, 4, (kh, kw)).astype(float)
        stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        if (h + 2 * padding - kh) < 0 or (w + 2 * padding - kw) < 0:
            continue
        cases.append(_correlate_case("random image and kernel", image, kernel, stride, padding))
    return cases


def _correlate_diagnose(case: Case, expected: Any, actual: Any) -> str | None:
    a = dict(case.args)
    image, kernel, stride, padding = a["image"], a["kernel"], a["stride"], a["padding"]
    if stride > 1 and _matches(actual, lambda: F.correlate2d(image, kernel, 1, padding)):
        return "Your output is the stride-1 result: move the window `stride` pixels at a time."
    if padding > 0 and _matches(actual, lambda: F.correlate2d(image, kernel, stride, 0)):
        return "Your output ignores the padding: add `padding` zeros on every side first."
    if (
        kernel.shape[0] == kernel.shape[1]
        and not np.allclose(kernel, kernel.T)
        and _matches(actual, lambda: F.correlate2d(image, kernel.T, stride, padding))
    ):
        return (
            "Your output is what the transposed kernel gives: kernel[r, c] multiplies the "
            "image pixel r rows down and c columns right."
        )
    if _matches(actual, lambda: F.convolve2d(image, kernel, stride, padding)):
        return "You flipped the kernel (true convolution); CNN layers cross-correlate: no flip."
    shape = np.shape(actual)
    if (
        len(shape) == 2
        and shape != expected.shape
        and max(abs(shape[0] - expected.shape[0]), abs(shape[1] - expected.shape[1])) == 1
    ):
        return (
            "One window too many or too few: the last window must end inside the padded "
            "image, so there are ⌊(n + 2p − k)/s⌋ + 1 positions per axis."
        )
    return None


CORRELATE = CodeExercise(
    exercise_id="code-correlate2d",
    lesson="stride-padding",
    title="Write it yourself: cross-correlation with stride and padding",
    prompt=(
        "Implement the layer's core: pad, slide the kernel with a stride, and sum the products. "
        "The output is $\\lfloor (n + 2p - k)/s \\rfloor + 1$ on each axis. **Check** compares "
        "your function with the engine's `correlate2d` on the lecture's 5×5 example first, then "
        "its stride and padding examples and hidden cases (one with a kernel that does not fit)."
    ),
    function="correlate2d",
    starter=CORRELATE_STARTER,
    solution=CORRELATE_SOLUTION,
    reference=F.correlate2d,
    example=_correlate_case(
        "the lecture's 5×5 image and 3×3 kernel", LECTURE_IMAGE, LECTURE_KERNEL, 1, 0
    ),
    cases=_correlate_cases,
    hints=(
        "`np.pad(image, padding)` adds the zeros; then output pixel (i, j) is "
        "`np.sum(padded[i*stride : i*stride + kh, j*stride : j*stride + kw] * kernel)`.",
        "Compute the output size first and raise `ValueError` when it is smaller than 1.",
    ),
    diagnose=_correlate_diagnose,
)

# -- pooling -------------------------------------------------------------------------------------

POOL_STARTER = '''import numpy as np


def pool2d(x, size=2, stride=2, mode="max"):
    """Max ("max") or average ("avg") pooling of a 2-D array over size x size windows.

    Windows start every `stride` pixels; there are floor((n - size) / stride) + 1 of them per
    axis (a window that would stick out is left out). Raise ValueError if the window is larger
    than x.
    """
    pass  # your code here: return a 2-D array
'''

POOL_SOLUTION = """import numpy as np


def pool2d(x, size=2, stride=2, mode="max"):
    x = np.asarray(x, dtype=float)
    if size > min(x.shape):
        raise ValueError("the window is larger than the input")
    oh = (x.shape[0] - size) // stride + 1
    ow = (x.shape[1] - size) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = x[i * stride : i * stride + size, j * stride : j * stride + size]
            out[i, j] = window.max() if mode == "max" else window.mean()
    return out
"""

LECTURE_POOL_INPUT = np.array(
    [[12, 20, 30, 0], [8, 12, 2, 0], [34, 70, 37, 4], [112, 100, 25, 12]], dtype=float
)


def _pool_case(label: str, x: np.ndarray, size: int, stride: int, mode: str) -> Case:
    return Case(label, (("x", x), ("size", size), ("stride", stride), ("mode", mode)))


def _pool_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        _pool_case(
            "the lecture's example, average pooling (the slide's 20 is 19.5)",
            LECTURE_POOL_INPUT,
            2,
            2,
            "avg",
        ),
        _pool_case("all values negative", -rng.integers(1, 9, (4, 4)).astype(float), 2, 2, "max"),
        _pool_case(
            "windows that overlap (stride 1)", rng.integers(0, 9, (4, 5)).astype(float), 3, 1, "max"
        ),
        _pool_case("a window that does not fit at the edge", rng.normal(size=(5, 5)), 2, 2, "avg"),
        _pool_case("a window larger than the input", rng.normal(size=(2, 3)), 3, 1, "max"),
    ]
    for _ in range(3):
        size = int(rng.integers(1, 4))
        x = rng.normal(0, 5, rng.integers(size, 8, 2))
        cases.append(
            _pool_case(
                "random input", x, size, int(rng.integers(1, 4)), str(rng.choice(["max", "avg"]))
            )
        )
    return cases


def _pool_diagnose(case: Case, expected: Any, actual: Any) -> str | None:
    a = dict(case.args)
    x, size, stride, mode = a["x"], a["size"], a["stride"], a["mode"]
    if mode == "avg" and _matches(actual, lambda: F.pool2d(x, size, stride, "sum")):
        return "That is sum pooling: divide each window's sum by size × size."
    if mode == "max" and _matches(actual, lambda: np.maximum(expected, 0)):
        return (
            "A maximum that starts at 0 is wrong for negative windows: start from the "
            "window's first value, or use window.max()."
        )
    if stride != size and _matches(actual, lambda: F.pool2d(x, size, size, mode)):
        return "Your windows move `size` pixels at a time; they should move `stride` pixels."
    return None


POOL = CodeExercise(
    exercise_id="code-pool2d",
    lesson="pooling",
    title="Write it yourself: max and average pooling",
    prompt=(
        "Implement pooling over `size`×`size` windows moved `stride` pixels at a time: the "
        'largest value of each window for `mode="max"`, their mean for `mode="avg"`. '
        "**Check** compares your function with the engine's `pool2d`."
    ),
    function="pool2d",
    starter=POOL_STARTER,
    solution=POOL_SOLUTION,
    reference=F.pool2d,
    example=_pool_case(
        "the lecture's 4×4 feature map, 2×2 max pooling", LECTURE_POOL_INPUT, 2, 2, "max"
    ),
    cases=_pool_cases,
    hints=(
        "Window (i, j) is `x[i*stride : i*stride + size, j*stride : j*stride + size]`.",
        "`window.max()` and `window.mean()` do the pooling; the number of windows per axis is "
        "`(n - size) // stride + 1`.",
    ),
    diagnose=_pool_diagnose,
)

# -- the convolution weight gradient -------------------------------------------------------------

GRADIENT_STARTER = '''import numpy as np


def weight_gradient(o_prev, delta):
    """dE/dw of a stride-1, unpadded convolution layer (the lecture's eq. 13 and 14).

    o_prev: the layer's 2-D input (H x W); delta: dE/dx, the error at its output
    ((H - k1 + 1) x (W - k2 + 1)). Returns the k1 x k2 gradient, entry (m, n) being
    the sum over i, j of delta[i, j] * o_prev[i + m, j + n].
    """
    pass  # your code here: return a 2-D array
'''

GRADIENT_SOLUTION = """import numpy as np


def weight_gradient(o_prev, delta):
    dh, dw = delta.shape
    k1 = o_prev.shape[0] - dh + 1
    k2 = o_prev.shape[1] - dw + 1
    grad = np.zeros((k1, k2))
    for m in range(k1):
        for n in range(k2):
            grad[m, n] = np.sum(delta * o_prev[m : m + dh, n : n + dw])
    return grad
"""

#: The backprop lesson's tiny layer: a 4×4 input, kernel [[0.5, -0.5], [0.25, 1]], bias 0.1,
#: and as target what the kernel [[1, 0], [0, -1]] with bias 0.5 makes of the input.
TINY_INPUT = np.array([[1, 2, 0, 1], [0, 1, 3, 1], [2, 1, 0, 2], [1, 0, 1, 1]], dtype=float)


def _tiny_delta() -> np.ndarray:
    y = F.correlate2d(TINY_INPUT, np.array([[0.5, -0.5], [0.25, 1.0]])) + 0.1
    target = F.correlate2d(TINY_INPUT, np.array([[1.0, 0.0], [0.0, -1.0]])) + 0.5
    return y - target  # dE/dy for E = ½ Σ (t − y)²


def engine_weight_gradient(o_prev: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """∂E/∂w from the engine's Conv2D layer: forward on ``o_prev``, backward with ``delta``."""
    k1 = o_prev.shape[0] - delta.shape[0] + 1
    k2 = o_prev.shape[1] - delta.shape[1] + 1
    layer = layers.Conv2D(1, 1, (k1, k2), algorithm="im2col")
    layer.forward(np.asarray(o_prev, dtype=float)[None, None])
    layer.backward(np.asarray(delta, dtype=float)[None, None], input_grad=False)
    return layer.grads["W"][0, 0]


def _gradient_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for label, (h, w, k1, k2) in [("a 3×2 kernel", (5, 4, 3, 2)), ("a 1×1 kernel", (3, 3, 1, 1))]:
        o = rng.integers(-3, 4, (h, w)).astype(float)
        cases.append(
            Case(label, (("o_prev", o), ("delta", rng.normal(size=(h - k1 + 1, w - k2 + 1)))))
        )
    for _ in range(3):
        h, w = (int(v) for v in rng.integers(3, 7, 2))
        k = int(rng.integers(2, min(h, w) + 1))
        cases.append(
            Case(
                "random layer",
                (
                    ("o_prev", rng.normal(size=(h, w))),
                    ("delta", rng.normal(size=(h - k + 1, w - k + 1))),
                ),
            )
        )
    return cases


def _gradient_diagnose(case: Case, expected: Any, actual: Any) -> str | None:
    if _matches(actual, lambda: expected[::-1, ::-1]):
        return (
            "Your gradient is rotated by 180°: rot180{δ} * o (a true convolution) flips δ "
            "once more, so the two flips cancel and no rotation is left."
        )
    if _matches(actual, lambda: expected.T):
        return "Your gradient is transposed: entry (m, n) pairs with o_prev[i + m, j + n]."
    return None


GRADIENT = CodeExercise(
    exercise_id="code-weight-gradient",
    lesson="backprop",
    title="Write it yourself: the weight gradient ∂E/∂w",
    prompt=(
        "Implement the lecture's $\\frac{\\partial E}{\\partial w_{m',n'}} = \\sum_i \\sum_j "
        "\\delta_{i,j}\\, o_{i+m', j+n'}$ (eq. 13) for a stride-1 layer without padding. **Check** "
        "compares it with the gradient the engine's `Conv2D` layer computes in its backward pass."
    ),
    function="weight_gradient",
    starter=GRADIENT_STARTER,
    solution=GRADIENT_SOLUTION,
    reference=engine_weight_gradient,
    example=Case(
        "the lesson's tiny layer (4×4 input, 2×2 kernel)",
        (("o_prev", TINY_INPUT), ("delta", _tiny_delta())),
    ),
    cases=_gradient_cases,
    hints=(
        "The kernel size is `o_prev.shape[0] - delta.shape[0] + 1` by "
        "`o_prev.shape[1] - delta.shape[1] + 1`.",
        "Entry (m, n) is `np.sum(delta * o_prev[m : m + dh, n : n + dw])`: a cross-correlation "
        "of the input with δ. That is what rot180{δ} * o means: the rotation and the flip of "
        "true convolution cancel.",
    ),
    diagnose=_gradient_diagnose,
)
