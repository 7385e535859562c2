"""Pooling lesson: max, average and sum pooling forward, and where the gradient goes backward.

Forward values come from ``engine.functional.pool2d`` and backward maps from the engine's
``Pool2D`` layer, so the lesson shows exactly what the trainer's network does.
"""

from __future__ import annotations

import numpy as np
import panel as pn

from app.components.choices import ChangingSelect
from app.components.code import ShowCode
from app.components.exercise import ExerciseInfo, Problem, check_number
from app.components.formula import Formula, Text
from app.components.image import GrayImage
from app.components.layout import lesson_step, notice, redraw_button, redraw_on, row, show
from app.components.shared_link import share
from app.components.slip import LectureSlip
from app.lessons._conv_common import bmatrix, grid, load_mnist_digits, update_grid
from engine import functional as F
from engine import layers

#: The lecture's 4×4 rectified feature map (slide "Introduction XLI").
LECTURE_MAP = np.array(
    [[12, 20, 30, 0], [8, 12, 2, 0], [34, 70, 37, 4], [112, 100, 25, 12]],
    dtype=float,
)
#: What the slide prints for 2×2 average pooling; its 20 is a rounded 19.5.
SLIDE_AVERAGE = np.array([[13, 8], [79, 20]], dtype=float)

MODES = {"Max": "max", "Average": "avg", "Sum": "sum"}
#: A vertical-edge kernel: the first layer of a CNN often learns one like it.
EDGE_KERNEL = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=float)


def pool(x: np.ndarray, size: int, stride: int, mode: str) -> np.ndarray:
    """Pool a 2-D map with the engine."""
    return F.pool2d(np.asarray(x, dtype=float), size=size, stride=stride, mode=mode)


def pool_backward(
    x: np.ndarray, size: int, stride: int, mode: str, grad_out: np.ndarray
) -> np.ndarray:
    """Gradient reaching each input cell when ``grad_out`` arrives at the pooled output.

    Max sends each upstream value only to its window's largest cell, average spreads it
    equally (divided by size²) and sum copies it to every cell of the window.
    """
    layer = layers.Pool2D(size, stride, mode=mode)
    layer.forward(np.asarray(x, dtype=float)[None, None])
    return layer.backward(np.asarray(grad_out, dtype=float)[None, None])[0, 0]


def window_of(out_row: int, out_col: int, size: int, stride: int) -> tuple[slice, slice]:
    """Input rows and columns that output cell (out_row, out_col) summarizes."""
    return (
        slice(out_row * stride, out_row * stride + size),
        slice(out_col * stride, out_col * stride + size),
    )


def relu_feature_map(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """ReLU of an image's feature map: what a real CNN hands to its pooling layer."""
    return F.relu(F.correlate2d(np.asarray(image, dtype=float) / 255.0, kernel, padding=1))


def window_formula(
    x: np.ndarray, out_row: int, out_col: int, size: int, stride: int, mode: str
) -> str:
    """The pooled value of one window written out, e.g. ``max(12, 20, 8, 12) = 20``."""
    rows, cols = window_of(out_row, out_col, size, stride)
    values = ", ".join(f"{v:g}" for v in x[rows, cols].ravel())
    result = pool(x, size, stride, mode)[out_row, out_col]
    name = {"max": r"\max", "avg": r"\operatorname{mean}", "sum": r"\operatorname{sum}"}[mode]
    return rf"{name}({values}) = {result:g}"


# --- exercises ---------------------------------------------------------------------------------
def pool_value_problem(rng: np.random.Generator) -> Problem:
    """One output of max, average or sum pooling (2×2, stride 2) on a random 4×4 map."""
    x = rng.integers(0, 40, size=(4, 4)).astype(float)
    label, mode = list(MODES.items())[int(rng.integers(0, 3))]
    r, c = (int(v) for v in rng.integers(0, 2, size=2))
    answer = float(pool(x, 2, 2, mode)[r, c])
    others = [
        (float(pool(x, 2, 2, m)[r, c]), f"that is {name.lower()} pooling.")
        for name, m in MODES.items()
        if m != mode
    ]
    return Problem(
        prompt=(
            f"Feature map $X = {bmatrix(x)}$. Apply **{label.lower()} pooling** with a 2×2 "
            f"window and stride 2. What is the output in row {r + 1}, column {c + 1}?"
        ),
        check=check_number(answer, places=2, mistakes=others),
        hint=(
            f"That output summarizes rows {2 * r + 1}–{2 * r + 2} and columns "
            f"{2 * c + 1}–{2 * c + 2} of $X$."
        ),
        solution=f"${window_formula(x, r, c, 2, 2, mode)}$",
        placeholder="e.g. 19.5",
    )


def pool_size_problem(rng: np.random.Generator) -> Problem:
    """Output size of pooling an n×n map with a given window and stride."""
    n = int(rng.integers(6, 60))
    size = int(rng.choice([2, 3]))
    stride = int(rng.choice([size, 2, 1]))
    answer = F.output_size(n, size, stride)
    return Problem(
        prompt=(
            f"A {n}×{n} feature map is pooled with a {size}×{size} window and stride {stride} "
            "(no padding). How many rows does the pooled map have?"
        ),
        check=check_number(
            answer, places=0, mistakes=[(n // size, "the stride here is not the window size.")]
        ),
        hint=r"Pooling windows move like a kernel: $\lfloor (n - k)/s \rfloor + 1$.",
        solution=rf"$\lfloor ({n} - {size})/{stride} \rfloor + 1 = {answer}$.",
        placeholder="e.g. 14",
    )


def pool_backward_problem(rng: np.random.Generator) -> Problem:
    """The gradient reaching one input cell through max or average pooling."""
    x = rng.permutation(16).reshape(4, 4).astype(float)  # distinct values: one clear maximum
    grad_out = rng.integers(1, 9, size=(2, 2)).astype(float)
    mode = "max" if rng.random() < 0.5 else "avg"
    r, c = (int(v) for v in rng.integers(0, 4, size=2))
    answer = float(pool_backward(x, 2, 2, mode, grad_out)[r, c])
    upstream = float(grad_out[r // 2, c // 2])
    label = "max" if mode == "max" else "average"
    return Problem(
        prompt=(
            f"Input $X = {bmatrix(x)}$, 2×2 **{label} pooling** with stride 2. The gradient "
            f"arriving at the pooled output is $G = {bmatrix(grad_out)}$. What gradient "
            f"reaches input cell row {r + 1}, column {c + 1}?"
        ),
        check=check_number(
            answer,
            places=2,
            mistakes=[(upstream, "the whole upstream value goes there only if it is the max.")]
            if mode == "avg" or answer == 0
            else [(upstream / 4, "max pooling does not spread; the max cell gets it all.")],
        ),
        hint=(
            "Max pooling passes each upstream value only to the largest cell of its window "
            "(0 elsewhere); average pooling gives every cell of the window a quarter of it."
        ),
        solution=(
            f"The cell is in the window of output ({r // 2 + 1}, {c // 2 + 1}), which receives "
            f"{upstream:g}. "
            + (
                f"Average pooling gives each of the 4 cells {upstream:g}/4 = **{answer:g}**."
                if mode == "avg"
                else (
                    f"It is that window's maximum, so it gets all of it: **{answer:g}**."
                    if answer
                    else "It is not that window's maximum, so it gets **0**."
                )
            )
        ),
        placeholder="e.g. 0.75",
    )


# --- the page ----------------------------------------------------------------------------------
def _mode_buttons(name: str) -> pn.widgets.RadioButtonGroup:
    return pn.widgets.RadioButtonGroup(label=name, options=MODES, value="max", variant="outline")


def _lecture_example() -> pn.Column:
    mode = _mode_buttons("Pooling mode")
    size = pn.widgets.Select(label="Window size", options=[1, 2, 3, 4], value=2, width=110)
    stride = pn.widgets.Select(label="Stride", options=[1, 2, 3, 4], value=2, width=110)
    cell = ChangingSelect(label="Output cell", options={"row 1, column 1": (0, 0)}, width=200)
    message = notice()
    image = grid(LECTURE_MAP, "Rectified feature map (4×4)", highlight=(0, 0, 2, 2))
    result = grid(pool(LECTURE_MAP, 2, 2, "max"), "Pooled", highlight=(0, 0, 1, 1))
    formula = Formula("")
    size_formula = Formula("")

    def reshape(*_: object) -> None:
        out = pool(LECTURE_MAP, size.value, stride.value, mode.value)
        options = {
            f"row {r + 1}, column {c + 1}": (r, c)
            for r in range(out.shape[0])
            for c in range(out.shape[1])
        }
        keep = cell.value if cell.value in options.values() else (0, 0)
        cell.param.update(options=options, value=keep)
        update_grid(result, out)
        size_formula.object = (
            rf"\lfloor (4 - {size.value})/{stride.value} \rfloor + 1 = {out.shape[0]}"
        )
        show(
            message,
            "With the stride smaller than the window, windows overlap and a cell can be "
            "counted twice."
            if stride.value < size.value
            else (
                "With the stride larger than the window, some cells are skipped entirely."
                if stride.value > size.value
                else ""
            ),
            "info",
        )
        pick()

    def pick(*_: object) -> None:
        r, c = cell.value
        image.highlight = (r * stride.value, c * stride.value, size.value, size.value)
        result.highlight = (r, c, 1, 1)
        formula.object = window_formula(LECTURE_MAP, r, c, size.value, stride.value, mode.value)

    share(mode=mode, size=size, stride=stride, cell=cell)
    for widget in (mode, size, stride):
        widget.param.watch(reshape, "value")
    cell.param.watch(pick, "value")
    reshape()
    return lesson_step(
        "1 · Pooling the lecture's feature map",
        "Pooling slides a window over the map like a kernel, but it has no weights: it replaces "
        "each window by one summary. **Max** keeps the strongest response (did the feature "
        "appear anywhere here?), **average** keeps the mean, **sum** the total. With a 2×2 "
        "window and stride 2 the lecture's 4×4 map becomes 2×2: max "
        r"$\begin{bmatrix}20&30\\112&37\end{bmatrix}$ and average "
        r"$\begin{bmatrix}13&8\\79&19.5\end{bmatrix}$. Its size follows the same rule as a "
        r"convolution, $\lfloor (n - k)/s \rfloor + 1$:",
        size_formula,
        row(mode, size, stride, cell),
        message,
        row(image, result),
        formula,
        LectureSlip(
            "20 for the bottom-right average",
            "19.5",
            "(37 + 4 + 25 + 12)/4 = 78/4 = 19.5; the slide rounded it.",
        ),
        ShowCode(F.pool2d),
    )


def _real_image() -> pn.Column:
    digits = load_mnist_digits()
    digit = pn.widgets.Select(label="Digit", options=list(range(10)), value=7, width=100)
    mode = _mode_buttons("Pooling mode (picture)")
    size = pn.widgets.Select(label="Window size (picture)", options=[2, 3, 4], value=2, width=160)
    fmap = relu_feature_map(digits[7], EDGE_KERNEL)
    before = GrayImage(fmap, title="ReLU(edge map), 28×28", size=220)
    after = GrayImage(pool(fmap, 2, 2, "max"), title="Pooled, 14×14", size=220)

    def refresh(*_: object) -> None:
        feature = relu_feature_map(digits[digit.value], EDGE_KERNEL)
        pooled = pool(feature, size.value, size.value, mode.value)
        before.values = feature
        after.param.update(values=pooled, title=f"Pooled, {pooled.shape[0]}×{pooled.shape[1]}")

    share(**{"digit": digit, "picture-mode": mode, "picture-size": size})
    for widget in (digit, mode, size):
        widget.param.watch(refresh, "value")
    return lesson_step(
        "2 · Pooling a real feature map",
        "Here an MNIST digit goes through a vertical-edge kernel and ReLU, as in the first "
        "layer of a CNN, and then through pooling. A 2×2 max pool keeps a quarter of the "
        "numbers but the strokes' edges are still plain to see: the network keeps *where "
        "roughly* a feature is and forgets the exact pixel. Larger windows shrink it further; "
        "average pooling blurs, max pooling keeps edges crisp.",
        row(digit, mode, size),
        row(before, after),
        pn.pane.HTML(
            "<small>MNIST digits: Yann LeCun, Corinna Cortes and Christopher J. C. Burges, "
            "CC BY-SA 3.0.</small>"
        ),
    )


def _backward() -> pn.Column:
    mode = _mode_buttons("Backward pass mode")
    share(**{"backward-mode": mode})
    rng = np.random.default_rng(3)
    state = {"grad": np.array([[1.0, 2.0], [3.0, 4.0]])}
    upstream = grid(state["grad"], "Upstream (2×2)")
    forward = grid(LECTURE_MAP, "Input (forward pass)")
    downstream = grid(np.zeros((4, 4)), "Gradient reaching the input")
    explain = Text("")
    words = {
        "max": "Only the largest cell of each window influenced the output, so it alone gets "
        "the upstream gradient; the other three get 0.",
        "avg": "Every cell contributed a quarter of the average, so each gets a quarter of "
        "the upstream gradient.",
        "sum": "Every cell was added in with weight 1, so each gets a full copy of the "
        "upstream gradient.",
    }

    def refresh(*_: object) -> None:
        upstream.values = state["grad"]
        downstream.values = pool_backward(LECTURE_MAP, 2, 2, mode.value, state["grad"])
        explain.object = words[mode.value]

    def new_gradient() -> None:
        state["grad"] = rng.integers(1, 9, size=(2, 2)).astype(float)

    redraw_on(refresh, mode)
    return lesson_step(
        "3 · The backward pass: where does the gradient go?",
        "Training sends the gradient of the loss backwards through every layer. Pooling has "
        "nothing to learn, but it must route the gradient from each output to the input cells "
        "that produced it, in proportion to how much each one counted:\n\n"
        # One line per pooling kind: as cases, the max rule ran past a phone's width.
        r"$$\begin{aligned} \text{max: } \frac{\partial y}{\partial x_i} &= "
        r"\begin{cases} 1 & x_i \text{ is the window's max} \\ 0 & \text{otherwise} "
        r"\end{cases} \\ \text{average: } \frac{\partial y}{\partial x_i} &= 1/k^2 \\ "
        r"\text{sum: } \frac{\partial y}{\partial x_i} &= 1 \end{aligned}$$",
        row(mode, redraw_button("New upstream gradient", new_gradient, refresh, width=200)),
        row(forward, upstream, downstream),
        explain,
        ShowCode(layers.Pool2D.backward),
    )


SECTIONS = (_lecture_example, _real_image, _backward)

EXERCISES = (
    ExerciseInfo("pool-value", "Pool one window", pool_value_problem),
    ExerciseInfo("pool-size", "Size of the pooled map", pool_size_problem),
    ExerciseInfo("pool-backward", "Where the gradient goes", pool_backward_problem),
)
