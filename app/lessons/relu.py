"""Non-linearity and ReLU: why linear layers stacked collapse into one, what ReLU does to a real
feature map, and what it lets a network separate (a toy dataset trained live by the engine).

Every layer here is an ``engine.layers`` object and every training step the engine's own
forward, backward and Adam update; this module arranges them and formats the results.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, LinearColorMapper
from bokeh.plotting import figure

from app.components.code import ShowCode
from app.components.exercise import ExerciseInfo, Problem, check_number, check_vector
from app.components.formula import Formula, Text
from app.components.image import GrayImage
from app.components.layout import lesson_step, redraw_button, redraw_on, row
from app.components.shared_link import share
from app.components.slip import LectureSlip
from app.lessons._conv_common import bmatrix, grid, load_mnist_digits, num
from engine import functional as F
from engine.layers import Dense, Layer, ReLU
from engine.losses import SoftmaxCrossEntropy
from engine.model import Sequential
from engine.optim import Adam

#: A vertical-edge kernel: positive responses on one side of a stroke, negative on the other.
EDGE_KERNEL = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=float)

#: The toy models the student can train: label -> hidden units (0 = no hidden layer), ReLU or not.
MODELS = {
    "Linear (no hidden layer)": (0, False),
    "8 hidden units, no ReLU": (8, False),
    "2 hidden units + ReLU": (2, True),
    "8 hidden units + ReLU": (8, True),
}
TRAIN_STEPS = 80  # enough for 8 ReLU units to fit every point, from any of ten seeds
LEARNING_RATE = 0.1
GRID_SIDE = 50  # the decision picture's resolution
EXTENT = 1.4  # the toy plane spans [-EXTENT, EXTENT]²


def dense_layer(weights: np.ndarray, bias: np.ndarray) -> Dense:
    """An engine ``Dense`` layer with the given weights (in × out) and bias (out,)."""
    weights = np.asarray(weights, dtype=float)
    layer = Dense(*weights.shape)
    layer.params["W"][...] = weights
    layer.params["b"][...] = bias
    return layer


def stack(layers: list[Layer]) -> Sequential:
    """The engine network running ``layers`` one after the other."""
    return Sequential(layers)


def equivalent_affine(network: Sequential, inputs: int) -> tuple[np.ndarray, np.ndarray]:
    """The single layer x·M + c that agrees with ``network`` at 0 and at every unit vector.

    Read off the network by running it: c = net(0), row i of M = net(eᵢ) − c. For a stack of
    linear layers this is exactly the network; with a ReLU in between it is not.
    """
    probes = np.vstack([np.zeros(inputs), np.eye(inputs)])
    out = network.forward(probes)
    return out[1:] - out[0], out[0]


def collapse_gap(network: Sequential, x: np.ndarray) -> float:
    """Largest |net(x) − (x·M + c)|: 0 when the network is one linear layer in disguise."""
    m, c = equivalent_affine(network, x.shape[1])
    return float(np.max(np.abs(network.forward(x) - (x @ m + c))))


def relu_feature_map(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An image's edge feature map before and after ReLU (engine convolution and ReLU)."""
    before = F.correlate2d(np.asarray(image, dtype=float) / 255.0, EDGE_KERNEL, padding=1)
    return before, F.relu(before)


def rings(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A disk of class 0 inside a ring of class 1: no straight line separates them."""
    rng = np.random.default_rng(seed)
    radius = np.concatenate([rng.uniform(0, 0.5, n // 2), rng.uniform(0.8, 1.2, n - n // 2)])
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return points, np.repeat([0, 1], [n // 2, n - n // 2])


def toy_model(hidden: int, use_relu: bool, seed: int) -> Sequential:
    """2 inputs -> (hidden units, ReLU or not) -> 2 class scores."""
    rng = np.random.default_rng(seed)
    if hidden == 0:
        return stack([Dense(2, 2, rng)])
    middle = [ReLU()] if use_relu else []
    return stack([Dense(2, hidden, rng), *middle, Dense(hidden, 2, rng)])


@dataclass(frozen=True)
class ToyResult:
    model: Sequential
    loss: float
    accuracy: float
    milliseconds: float


def train_toy(hidden: int, use_relu: bool, seed: int = 0, steps: int = TRAIN_STEPS) -> ToyResult:
    """Full-batch training on ``rings()`` with the engine's loss, backward pass and Adam."""
    points, labels = rings()
    model = toy_model(hidden, use_relu, seed)
    loss_fn = SoftmaxCrossEntropy()
    optimizer = Adam(LEARNING_RATE)
    start = time.perf_counter()
    loss = float("nan")
    for _ in range(steps):
        loss = loss_fn.forward(model.forward(points), labels)
        model.backward(loss_fn.backward(), input_grad=False)
        optimizer.step(model.parameters())
    elapsed = (time.perf_counter() - start) * 1000
    accuracy = float(np.mean(model.predict(points) == labels))
    return ToyResult(model, loss, accuracy, elapsed)


def decision_picture(model: Sequential) -> np.ndarray:
    """The model's probability of class 1 on a grid over the plane (row 0 at the bottom)."""
    axis = np.linspace(-EXTENT, EXTENT, GRID_SIDE)
    xx, yy = np.meshgrid(axis, axis)
    probs = model.predict_proba(np.column_stack([xx.ravel(), yy.ravel()]))
    return probs[:, 1].reshape(GRID_SIDE, GRID_SIDE)


# --- exercises ---------------------------------------------------------------------------------
def relu_vector_problem(rng: np.random.Generator) -> Problem:
    """ReLU of a short vector."""
    x = rng.integers(-9, 10, size=5).astype(float)
    answer = F.relu(x)
    return Problem(
        prompt=(
            f"What is $\\mathrm{{ReLU}}(x) = \\max(0, x)$, elementwise, for "
            f"$x = [{', '.join(num(v) for v in x)}]$? Type the five numbers."
        ),
        check=check_vector(
            answer,
            places=0,
            mistakes=[(np.abs(x), "ReLU does not flip negative numbers: it sets them to 0.")],
        ),
        hint="Positive entries pass unchanged; negative entries become 0.",
        solution=f"$[{', '.join(num(v) for v in answer)}]$, so the answer is "
        f"{', '.join(num(v) for v in answer)}.",
        answer_label="Your five numbers",
        placeholder="e.g. 0, 3, 0, 1, 5",
    )


def collapse_problem(rng: np.random.Generator) -> Problem:
    """The bias of the single layer that two stacked 1-D linear layers amount to."""
    w1, b1, w2, b2 = (float(v) for v in rng.integers(-4, 5, size=4))
    w1 = w1 or 2.0
    w2 = w2 or -3.0
    network = stack([dense_layer([[w1]], [b1]), dense_layer([[w2]], [b2])])
    (slope,), (bias,) = (v.ravel() for v in equivalent_affine(network, 1))
    return Problem(
        prompt=(
            f"Layer 1 computes $h = {num(w1)}x {'+' if b1 >= 0 else '-'} {num(abs(b1))}$ and layer "
            f"2 computes $y = {num(w2)}h {'+' if b2 >= 0 else '-'} {num(abs(b2))}$, with no "
            f"activation in between. Together they are one layer $y = {num(slope)}x + c$. "
            "What is $c$?"
        ),
        check=check_number(
            bias,
            places=0,
            mistakes=[(b1 + b2, "the second layer multiplies the first layer's bias too.")]
            if b1 + b2 != bias
            else [],
        ),
        hint="Substitute h into y and multiply out.",
        solution=(
            f"$y = {num(w2)}({num(w1)}x + ({num(b1)})) + ({num(b2)}) = {num(slope)}x + "
            f"({num(w2)}\\cdot({num(b1)}) + ({num(b2)}))$, so the answer is {num(bias)}."
        ),
        placeholder="e.g. -5",
    )


def hidden_relu_problem(rng: np.random.Generator) -> Problem:
    """The output of a tiny network with two ReLU hidden units."""
    while True:
        x = float(rng.integers(-3, 4))
        w = rng.integers(-3, 4, size=2).astype(float)
        b = rng.integers(-3, 4, size=2).astype(float)
        v = rng.integers(-3, 4, size=2).astype(float)
        pre = w * x + b
        if np.any(pre < 0) and np.any(pre > 0) and np.any(v[pre < 0] != 0):
            break
    network = stack([dense_layer(w[None], b), ReLU(), dense_layer(v[:, None], [0.0])])
    answer = float(network.forward(np.array([[x]]))[0, 0])
    hidden = F.relu(pre)
    return Problem(
        prompt=(
            f"Input $x = {num(x)}$. Two hidden units compute $h_i = \\mathrm{{ReLU}}(w_i x + b_i)$ "
            f"with $w = ({num(w[0])}, {num(w[1])})$ and $b = ({num(b[0])}, {num(b[1])})$; the "
            f"output is $y = {num(v[0])}h_1 + ({num(v[1])})h_2$. What is $y$?"
        ),
        check=check_number(
            answer,
            places=0,
            mistakes=[(float(v @ pre), "ReLU sets the negative hidden value to 0 first.")],
        ),
        hint="Compute both $w_i x + b_i$, replace a negative one by 0, then take the weighted sum.",
        solution=(
            f"$w x + b = ({num(pre[0])}, {num(pre[1])})$, after ReLU $h = ({num(hidden[0])}, "
            f"{num(hidden[1])})$, and $y = {num(v[0])}\\cdot{num(hidden[0])} + "
            f"({num(v[1])})\\cdot{num(hidden[1])} = {num(answer)}$, so the answer is "
            f"{num(answer)}."
        ),
        placeholder="e.g. 4",
    )


# --- the page ----------------------------------------------------------------------------------
def _random_layers(rng: np.random.Generator) -> tuple[Dense, Dense]:
    return (
        dense_layer(rng.integers(-2, 3, size=(2, 3)), rng.integers(-2, 3, size=3)),
        dense_layer(rng.integers(-2, 3, size=(3, 2)), rng.integers(-2, 3, size=2)),
    )


def _collapse() -> pn.Column:
    rng = np.random.default_rng(5)
    state = dict(zip(("first", "second"), _random_layers(rng), strict=True))
    # Buttons, not a checkbox: Bokeh's checkbox has no label element, so it has no accessible name.
    with_relu = pn.widgets.RadioButtonGroup(
        label="Between the layers",
        options={"Nothing between": False, "A ReLU between": True},
        value=False,
        variant="outline",
    )
    probe = np.array([[1.0, -2.0], [-1.5, 0.5], [2.0, 1.0]])
    w1 = grid(state["first"].params["W"], "W¹ (2×3)", cell_size=34)
    w2 = grid(state["second"].params["W"], "W² (3×2)", cell_size=34)
    m = grid(np.zeros((2, 2)), "One matrix M (2×2)", cell_size=34)
    verdict = Text("")

    def refresh(*_: object) -> None:
        first, second = state["first"], state["second"]
        layers = [first, ReLU(), second] if with_relu.value else [first, second]
        network = stack(layers)
        matrix, offset = equivalent_affine(network, 2)
        w1.values = first.params["W"]
        w2.values = second.params["W"]
        m.values = matrix
        gap = collapse_gap(network, probe)
        product = first.params["W"] @ second.params["W"]
        direct = (
            f"It is exactly $W^1W^2 = {bmatrix(product)}$." if np.allclose(matrix, product) else ""
        )
        verdict.object = (
            f"The engine runs the two layers on 0 and on the unit vectors and reads off "
            f"$M = {bmatrix(matrix)}$ and $c = ({num(offset[0])}, {num(offset[1])})$. {direct} "
            f"On three test inputs the two-layer network and $xM + c$ differ by at most "
            f"**{gap:.3g}**: "
            + (
                "one layer would do the same job."
                if gap < 1e-9
                else "with ReLU in between, no single matrix reproduces the network."
            )
        )

    def new_layers() -> None:
        state["first"], state["second"] = _random_layers(rng)

    share(between=with_relu)
    redraw_on(refresh, with_relu)
    return lesson_step(
        "1 · Two linear layers are one linear layer",
        "A dense layer computes $xW + b$. Stack two without anything in between and multiply "
        "out:\n\n"
        r"$$(xW^1 + b^1)W^2 + b^2 = x\,\underbrace{W^1W^2}_{M} + \underbrace{b^1W^2 + b^2}_{c}$$"
        "\n\nThe second layer adds nothing a single layer could not do, and neither would a "
        "hundred more. The mapping a network must learn — pixels to “cat” — is not linear, so "
        "something non-linear has to sit between the layers.",
        row(with_relu, redraw_button("New random layers", new_layers, refresh, width=170)),
        row(w1, w2, m),
        verdict,
    )


def _feature_map() -> pn.Column:
    digits = load_mnist_digits()
    digit = pn.widgets.Select(label="Digit for ReLU", options=list(range(10)), value=4, width=140)
    before, after = relu_feature_map(digits[4])
    before_view = GrayImage(before, title="Edge map", size=200)
    after_view = GrayImage(after, title="After ReLU", size=200)
    counts = Text("")

    def refresh(*_: object) -> None:
        before, after = relu_feature_map(digits[digit.value])
        before_view.values = before
        after_view.values = after
        negative = int(np.count_nonzero(before < 0))
        counts.object = (
            f"Of the {before.size} responses, **{negative} were negative** (the kernel found the "
            f"opposite edge there) and ReLU set them to 0; the "
            f"{int(np.count_nonzero(after > 0))} positive ones pass unchanged. Smallest before: "
            f"{before.min():.3g}, after: {after.min():.3g}."
        )

    share(digit=digit)
    redraw_on(refresh, digit)
    return lesson_step(
        "2 · ReLU on a real feature map",
        "ReLU, the rectified linear unit, is the simplest non-linearity: "
        "$f(x) = \\max(0, x)$. Applied to every number of a feature map, it keeps the responses "
        "where the kernel found its pattern and cuts the negative ones to zero. Here a vertical "
        "edge kernel on an MNIST digit: left edges of a stroke give positive responses, right "
        "edges negative ones (dark in the edge map).",
        digit,
        row(before_view, after_view),
        counts,
        LectureSlip(
            "ReLU matters because “the real world data would want our ConvNet to learn would be "
            "non-negative linear values”",
            "that ReLU makes the network non-linear",
            "data need not be non-negative and the mapping to learn is not linear; ReLU's job is "
            "the kink at 0 that stops the layers from collapsing into one (section 1). The slide "
            "also drops the f in $f(x) = \\max(0, x)$.",
            what="reason",
        ),
        ShowCode(F.relu),
    )


def _toy() -> pn.Column:
    points, labels = rings()
    choice = pn.widgets.Select(
        label="Model", options=list(MODELS), value="8 hidden units + ReLU", width=240
    )
    train = pn.widgets.Button(label="Train", color="primary", width=100)
    state = {"seed": 0}
    mapper = LinearColorMapper(
        palette=["#bfdbfe", "#dbeafe", "#f5f5f4", "#fed7aa", "#fdba74"], low=0, high=1
    )
    picture = ColumnDataSource({"image": [np.full((GRID_SIDE, GRID_SIDE), 0.5)]})
    fig = figure(
        title="Class 1 probability over the plane",
        width=300,
        height=300,
        x_range=(-EXTENT, EXTENT),
        y_range=(-EXTENT, EXTENT),
        toolbar_location=None,
        tools="",
    )
    fig.image(
        "image",
        x=-EXTENT,
        y=-EXTENT,
        dw=2 * EXTENT,
        dh=2 * EXTENT,
        source=picture,
        color_mapper=mapper,
    )
    for label, marker, size, color, legend in (
        (0, "circle", 6, "#1d4ed8", "class 0 (disk)"),
        (1, "triangle", 7, "#c2410c", "class 1 (ring)"),
    ):
        members = points[labels == label]
        fig.scatter(
            members[:, 0],
            members[:, 1],
            marker=marker,
            size=size,
            color=color,
            legend_label=legend,
        )
    fig.legend.label_text_font_size = "11px"
    fig.legend.location = "top_left"
    report = Text("")

    def run(*_: object) -> None:
        hidden, use_relu = MODELS[choice.value]
        result = train_toy(hidden, use_relu, seed=state["seed"])
        picture.data = {"image": [decision_picture(result.model)]}
        report.object = (
            f"**{choice.value}**: after {TRAIN_STEPS} full-batch Adam steps the accuracy on the "
            f"200 points is **{result.accuracy:.0%}** (loss {result.loss:.3f} nats), trained by "
            f"the engine in {result.milliseconds:.0f} ms. "
            + (
                "A straight boundary can only cut the plane in two halves, so about half the "
                "points stay wrong."
                if hidden == 0 or not use_relu
                else "The ReLU units bend the boundary around the disk."
                if result.accuracy > 0.95
                else "Too few bends to close a curve around the disk: try more units or Train "
                "again from another start."
            )
        )
        state["seed"] += 1

    train.on_click(run)
    share(model=choice)
    choice.param.watch(run, "value")
    run()
    return lesson_step(
        "3 · What ReLU lets a network separate",
        "Two classes of points: a disk (class 0) inside a ring (class 1). A linear model, or a "
        "stack of linear layers, draws one straight boundary and must fail. Put ReLU units "
        "between two layers and each contributes a kink; a few of them bend the boundary into "
        "a closed curve. Pick a model and train it (Train again starts from new random weights).",
        row(choice, train),
        row(fig, report),
        Formula(r"o = \mathrm{softmax}\big(\mathrm{ReLU}(xW^1 + b^1)\,W^2 + b^2\big)"),
    )


SECTIONS = (_collapse, _feature_map, _toy)

EXERCISES = (
    ExerciseInfo("relu-vector", "ReLU of a vector", relu_vector_problem),
    ExerciseInfo("collapse", "Two linear layers are one", collapse_problem),
    ExerciseInfo("hidden-relu", "A tiny ReLU network", hidden_relu_problem),
)
