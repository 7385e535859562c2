"""Backpropagation lesson: the gradients of a conv layer, step by step, checked numerically.

The formulas are computed with ``engine.functional`` (a correlation for ∂E/∂w, a full
convolution for ∂E/∂input), compared with the engine's ``Conv2D.backward`` and with
finite differences from ``engine.gradcheck``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource

from app.components.charts import line_chart
from app.components.clicks import on_click_after_input
from app.components.code import ShowCode
from app.components.exercise import ExerciseInfo, Problem, check_number
from app.components.formula import Formula, Text
from app.components.layout import lesson_step, notice, redraw_on, row, show
from app.components.shared_link import share
from app.lessons._conv_common import Stepper, bmatrix, grid, num
from engine import functional as F
from engine import gradcheck, layers, losses

#: The tiny example: a 4×4 input, a 2×2 kernel and a bias.
TINY_INPUT = np.array([[1, 2, 0, 1], [0, 1, 3, 1], [2, 1, 0, 2], [1, 0, 1, 1]], dtype=float)
START_KERNEL = np.array([[0.5, -0.5], [0.25, 1.0]])
START_BIAS = 0.1
#: The target map is what a "hidden" kernel makes of the input, so gradient descent can reach
#: a loss of zero and the student sees the kernel walk towards it.
HIDDEN_KERNEL = np.array([[1.0, 0.0], [0.0, -1.0]])
HIDDEN_BIAS = 0.5


def target_map() -> np.ndarray:
    return F.correlate2d(TINY_INPUT, HIDDEN_KERNEL) + HIDDEN_BIAS


def loss(y: np.ndarray, t: np.ndarray) -> float:
    """E = ½ Σ (t − y)², the lecture's eq. (13)."""
    return 0.5 * float(np.sum((t - y) ** 2))


@dataclass(frozen=True)
class Gradients:
    """One forward and backward pass through the tiny conv layer."""

    y: np.ndarray
    error: float
    delta: np.ndarray
    grad_w: np.ndarray
    grad_b: float
    grad_x: np.ndarray


def forward_backward(x: np.ndarray, w: np.ndarray, b: float, t: np.ndarray) -> Gradients:
    """Every quantity of the derivation, each from one engine call."""
    y = F.correlate2d(x, w) + b
    delta = y - t  # ∂E/∂y for E = ½Σ(t − y)²
    k = w.shape[0]
    return Gradients(
        y=y,
        error=loss(y, t),
        delta=delta,
        grad_w=F.correlate2d(x, delta),
        grad_b=float(delta.sum()),
        grad_x=F.correlate2d(delta, np.rot90(w, 2), padding=k - 1),
    )


def layer_gradients(
    x: np.ndarray, w: np.ndarray, b: float, delta: np.ndarray
) -> tuple[np.ndarray, float, np.ndarray]:
    """The same gradients from the engine's Conv2D layer: (∂E/∂w, ∂E/∂b, ∂E/∂input)."""
    conv = layers.Conv2D(1, 1, w.shape[0])
    conv.params["W"][...] = w[None, None]
    conv.params["b"][...] = b
    conv.forward(x[None, None])
    grad_x = conv.backward(delta[None, None])
    return conv.grads["W"][0, 0], float(conv.grads["b"][0]), grad_x[0, 0]


def weight_window(x: np.ndarray, delta: np.ndarray, m: int, n: int) -> tuple[np.ndarray, float]:
    """The input block that δ lines up with for ∂E/∂w[m, n], and the resulting sum."""
    block = x[m : m + delta.shape[0], n : n + delta.shape[1]]
    return block, float(np.sum(block * delta))


def finite_differences(
    x: np.ndarray, w: np.ndarray, b: float, t: np.ndarray
) -> tuple[np.ndarray, float, np.ndarray]:
    """∂E/∂w, ∂E/∂b and ∂E/∂input by central differences (``engine.gradcheck``)."""
    w, x = np.array(w, dtype=float), np.array(x, dtype=float)
    bias = np.array([b], dtype=float)

    def error(_: np.ndarray) -> float:
        return loss(F.correlate2d(x, w) + bias[0], t)

    return (
        gradcheck.numerical_gradient(error, w),
        float(gradcheck.numerical_gradient(error, bias)[0]),
        gradcheck.numerical_gradient(error, x),
    )


def gradient_step(w: np.ndarray, b: float, lr: float, g: Gradients) -> tuple[np.ndarray, float]:
    """One step of gradient descent: move every parameter against its gradient."""
    return w - lr * g.grad_w, b - lr * g.grad_b


#: The chain example: a 5×5 input through conv 2×2 → ReLU → 2×2 max pool, against a 2×2 target.
CHAIN_INPUT = np.array(
    [
        [3, 3, 2, 3, 3],
        [2, 0, 3, 3, 0],
        [1, 2, 2, 0, 3],
        [2, 0, 1, 2, 1],
        [2, 3, 2, 1, 0],
    ],
    dtype=float,
)
#: Chosen so that no pre-activation is 0 and no pooling window has a tie: at such kinks the
#: derivative does not exist and finite differences would disagree with any analytic rule.
CHAIN_KERNEL = np.array([[1.0, -1.0], [0.5, 0.5]])
CHAIN_BIAS = -0.25
CHAIN_TARGET = np.array([[1.0, 0.0], [2.0, 1.0]])


@dataclass(frozen=True)
class Chain:
    """Forward values and the gradient arriving at each stage of conv → ReLU → max pool."""

    z: np.ndarray  # conv output
    a: np.ndarray  # after ReLU
    y: np.ndarray  # after max pooling
    error: float
    delta_y: np.ndarray  # ∂E/∂y
    delta_a: np.ndarray  # ∂E/∂a: routed back by the pool
    delta_z: np.ndarray  # ∂E/∂z: stopped where ReLU was off
    grad_w: np.ndarray
    grad_b: float


def chain() -> Chain:
    """Backpropagation through the engine's Conv2D, ReLU and MaxPool2D layers."""
    conv, relu, pool = layers.Conv2D(1, 1, 2), layers.ReLU(), layers.MaxPool2D(2)
    conv.params["W"][...] = CHAIN_KERNEL
    conv.params["b"][...] = CHAIN_BIAS
    mse = losses.MeanSquaredError()
    z = conv.forward(CHAIN_INPUT[None, None])
    a = relu.forward(z)
    y = pool.forward(a)
    error = mse.forward(y, CHAIN_TARGET[None, None])
    delta_y = mse.backward()  # one sample, so this is exactly y − t
    delta_a = pool.backward(delta_y)
    delta_z = relu.backward(delta_a)
    conv.backward(delta_z)
    return Chain(
        z=z[0, 0],
        a=a[0, 0],
        y=y[0, 0],
        error=error,
        delta_y=delta_y[0, 0],
        delta_a=delta_a[0, 0],
        delta_z=delta_z[0, 0],
        grad_w=conv.grads["W"][0, 0],
        grad_b=float(conv.grads["b"][0]),
    )


def chain_finite_differences() -> np.ndarray:
    """∂E/∂w of the chain by central differences, to check ``chain().grad_w``."""
    w = CHAIN_KERNEL.copy()

    def error(_: np.ndarray) -> float:
        a = F.relu(F.correlate2d(CHAIN_INPUT, w) + CHAIN_BIAS)
        return loss(F.pool2d(a, 2), CHAIN_TARGET)

    return gradcheck.numerical_gradient(error, w)


# --- exercises ---------------------------------------------------------------------------------
def weight_gradient_problem(rng: np.random.Generator) -> Problem:
    """One entry of ∂E/∂w = input correlated with δ, on a 3×3 input and a 2×2 δ."""
    x = rng.integers(-2, 4, size=(3, 3)).astype(float)
    delta = rng.integers(-3, 4, size=(2, 2)).astype(float)
    m, n = (int(v) for v in rng.integers(0, 2, size=2))
    grad = F.correlate2d(x, delta)
    block, total = weight_window(x, delta, m, n)
    flipped = float(np.sum(block * np.rot90(delta, 2)))
    terms = " + ".join(
        f"({num(d)})({num(v)})" for d, v in zip(delta.ravel(), block.ravel(), strict=True)
    )
    return Problem(
        prompt=(
            f"A conv layer with a 2×2 kernel reads the input $x = {bmatrix(x)}$ and receives "
            rf"$\delta = \partial E/\partial y = {bmatrix(delta)}$. What is "
            rf"$\partial E/\partial w_{{{m + 1},{n + 1}}}$ (row {m + 1}, column {n + 1})?"
        ),
        check=check_number(
            float(grad[m, n]),
            places=2,
            mistakes=[(flipped, "you turned δ by 180°; correlate x with δ as it is.")],
        ),
        hint=(
            rf"$\partial E/\partial w_{{m,n}} = \sum_{{i,j}} \delta_{{i,j}}\, x_{{i+m,\,j+n}}$: "
            f"lay δ over the 2×2 block of x starting at row {m + 1}, column {n + 1}."
        ),
        solution=f"${terms} = {num(total)}$",
        placeholder="e.g. -3",
    )


def bias_gradient_problem(rng: np.random.Generator) -> Problem:
    """∂E/∂b is the sum of δ, because the bias is added to every output."""
    y = np.round(rng.uniform(-2, 3, size=(2, 3)), 1)
    t = np.round(rng.uniform(-2, 3, size=(2, 3)), 1)
    # Differences and sums of one-decimal numbers have one decimal; rounding drops the binary
    # noise that would otherwise show as a "sum" of -4.441e-16 instead of 0.
    delta = np.round(y - t, 1)
    total = round(float(delta.sum()), 1)
    return Problem(
        prompt=(
            f"A conv layer's output is $y = {bmatrix(y)}$ and the target is "
            f"$t = {bmatrix(t)}$, with $E = \\tfrac12\\sum (t - y)^2$. What is "
            r"$\partial E/\partial b$?"
        ),
        check=check_number(
            total,
            places=2,
            mistakes=[(-total, "the sign: ∂E/∂y = y − t, not t − y.")],
        ),
        hint=r"The bias is added to every output, so $\partial E/\partial b = \sum \delta$ "
        r"with $\delta = y - t$.",
        solution=(f"$\\delta = y - t = {bmatrix(delta)}$, and its sum is **{num(total)}**."),
        placeholder="e.g. 1.3",
    )


def step_problem(rng: np.random.Generator) -> Problem:
    """One gradient-descent update of a single weight."""
    w = float(np.round(rng.uniform(-1, 1), 2))
    g = float(np.round(rng.uniform(-5, 5), 1))
    lr = float(rng.choice([0.01, 0.05, 0.1, 0.2]))
    answer = round(w - lr * g, 4)  # exact to 4 places; unrounded, 0 could print as -5.551e-17
    return Problem(
        prompt=(
            f"A weight is $w = {w:g}$ and its gradient is $\\partial E/\\partial w = {g:g}$. "
            f"What is $w$ after one gradient-descent step with learning rate $\\eta = {lr:g}$?"
        ),
        check=check_number(
            answer, places=3, mistakes=[(w + lr * g, "step *against* the gradient: w − ηg.")]
        ),
        hint=r"$w \leftarrow w - \eta\,\partial E/\partial w$.",
        solution=f"${w:g} - {lr:g}\\cdot({g:g}) = {answer:.4g}$",
        placeholder="e.g. 0.35",
    )


def sci(value: float) -> str:
    """A small number in LaTeX scientific notation, e.g. ``2.7\\times10^{-9}``."""
    mantissa, exponent = f"{value:.1e}".split("e")
    return rf"{mantissa}\times10^{{{int(exponent)}}}"


# --- the page ----------------------------------------------------------------------------------
class TinyLayer(param.Parameterized):
    """The tiny layer's current kernel and bias, and the loss after every gradient step."""

    w = param.Array(default=START_KERNEL.copy())
    b = param.Number(default=START_BIAS)
    history = param.List(default=[])

    def gradients(self) -> Gradients:
        return forward_backward(TINY_INPUT, self.w, self.b, target_map())

    def step(self, lr: float, count: int = 1) -> None:
        w, b = self.w, self.b
        history = list(self.history) or [self.gradients().error]
        for _ in range(count):
            w, b = gradient_step(w, b, lr, forward_backward(TINY_INPUT, w, b, target_map()))
            history.append(forward_backward(TINY_INPUT, w, b, target_map()).error)
        self.param.update(w=w, b=b, history=history)

    def reset(self) -> None:
        self.param.update(w=START_KERNEL.copy(), b=START_BIAS, history=[])


def _follow(layer: TinyLayer, refresh: Callable[..., None], *widgets: object) -> None:
    """Redraw a step now, when one of its ``widgets`` changes, and when gradient descent (the
    last step) changes the shared layer's weights."""
    layer.param.watch(refresh, ["w", "b"])
    redraw_on(refresh, *widgets)


def _forward(layer: TinyLayer) -> pn.Column:
    t = target_map()
    g = layer.gradients()
    kernel = grid(layer.w, "Kernel w")
    output = grid(g.y, "Output y = x ⊗ w + b")
    delta = grid(g.delta, "δ = ∂E/∂y = y − t")
    error = Formula("")

    def refresh(*_: object) -> None:
        g = layer.gradients()
        kernel.values = layer.w
        output.values = g.y
        delta.values = g.delta
        error.object = (
            # Two lines: side by side they overflowed a phone's width.
            rf"\begin{{gathered}} b = {num(layer.b)} \\ E = \tfrac12 \sum_{{i,j}} "
            rf"(t_{{ij}} - y_{{ij}})^2 = {g.error:.4f} \end{{gathered}}"
        )

    _follow(layer, refresh)
    return lesson_step(
        "1 · Forward pass, error and δ",
        "A 4×4 input $x$, a 2×2 kernel $w$ and a bias $b$ make a 3×3 output "
        r"$y_{ij} = \sum_{m,n} w_{m,n}\, x_{i+m,\,j+n} + b$ (the lecture's eq. 0.11). We want "
        "it to match a target map $t$, and measure the mismatch with the squared error "
        r"$E = \tfrac12 \sum (t - y)^2$ (eq. 0.13). Its derivative with respect to each output "
        r"is the **error map** $\delta_{ij} = \partial E/\partial y_{ij} = y_{ij} - t_{ij}$: "
        "positive where the output is too big, negative where it is too small. Everything "
        "below is built from δ.",
        row(grid(TINY_INPUT, "Input x"), kernel, output, grid(t, "Target t"), delta),
        error,
    )


def _weight_gradient(layer: TinyLayer) -> pn.Column:
    player = Stepper(
        "Kernel weight",
        lambda i: f"w{i // 2 + 1},{i % 2 + 1} (row {i // 2 + 1}, column {i % 2 + 1})",
        end=3,
    )
    g = layer.gradients()
    image = grid(TINY_INPUT, "Input x", highlight=(0, 0, 3, 3))
    delta = grid(g.delta, "δ (3×3)")
    partial = grid(g.grad_w, "∂E/∂w", highlight=(0, 0, 1, 1))
    total = Formula("")
    bias = Formula("")

    def refresh(*_: object) -> None:
        g = layer.gradients()
        m, n = divmod(player.value, 2)
        _, value = weight_window(TINY_INPUT, g.delta, m, n)
        shown = np.full(4, np.nan)
        shown[: player.value + 1] = g.grad_w.ravel()[: player.value + 1]
        image.highlight = (m, n, 3, 3)
        delta.values = g.delta
        partial.param.update(values=shown.reshape(2, 2), highlight=(m, n, 1, 1))
        total.object = (
            rf"\frac{{\partial E}}{{\partial w_{{{m + 1},{n + 1}}}}} = "
            rf"\sum_{{i,j}} \delta_{{ij}}\, x_{{i+{m},\,j+{n}}} = {value:.4g}"
        )
        bias.object = (
            rf"\frac{{\partial E}}{{\partial b}} = \sum_{{i,j}} \delta_{{ij}} = {g.grad_b:.4g}"
        )

    share(weight=player)
    _follow(layer, refresh, player)
    return lesson_step(
        "2 · ∂E/∂w: the input correlated with δ",
        r"Weight $w_{m',n'}$ multiplies the input pixel $x_{i+m',\,j+n'}$ in *every* output "
        r"$y_{ij}$, so by the chain rule its gradient adds up those pixels, each weighted by "
        "the error of the output it fed (eqs. 0.14–0.20):\n\n"
        r"$$\frac{\partial E}{\partial w_{m',n'}} = \sum_{i,j} \delta_{ij}\, x_{i+m',\,j+n'}$$"
        "\n\nThat is a cross-correlation again — this time δ (3×3) slides over the input x "
        "(4×4) and gives one number per kernel weight. Step through the four weights. "
        r"The lecture writes the same result as $\mathrm{rot}_{180°}\{\delta\} * o$ (eq. 14), "
        r"where $*$ is *true* convolution: turning δ and then convolving (which turns it "
        "back) is exactly correlating the input with δ unturned. Both say the same thing; "
        "the cross-correlation form is the one you can compute by hand.\n\n"
        "The bias is added to every output, so its gradient is simply the sum of δ:",
        player,
        row(image, delta, partial),
        total,
        bias,
        ShowCode(forward_backward),
    )


def _input_gradient(layer: TinyLayer) -> pn.Column:
    cells = {f"row {r + 1}, column {c + 1}": (r, c) for r in range(4) for c in range(4)}
    cell = pn.widgets.Select(label="Input cell", options=cells, width=200)
    g = layer.gradients()
    padded = grid(np.pad(g.delta, 1), "δ padded by k − 1 = 1", highlight=(0, 0, 2, 2))
    turned = grid(np.rot90(layer.w, 2), "w turned by 180°")
    result = grid(g.grad_x, "∂E/∂x", highlight=(0, 0, 1, 1))
    total = Formula("")

    def refresh(*_: object) -> None:
        g = layer.gradients()
        r, c = cell.value
        window = np.pad(g.delta, 1)[r : r + 2, c : c + 2]
        rotated = np.rot90(layer.w, 2)
        padded.param.update(values=np.pad(g.delta, 1), highlight=(r, c, 2, 2))
        turned.values = rotated
        result.param.update(values=g.grad_x, highlight=(r, c, 1, 1))
        products = [
            f"({num(d)})({num(k)})" for d, k in zip(window.ravel(), rotated.ravel(), strict=True)
        ]
        # Two products per line keeps the sum inside a phone screen.
        terms = r" \\ &+ ".join(" + ".join(products[i : i + 2]) for i in range(0, 4, 2))
        total.object = (
            rf"\begin{{aligned}} \frac{{\partial E}}{{\partial x_{{{r + 1},{c + 1}}}}} &= "
            rf"{terms} \\ &= {g.grad_x[r, c]:.4g} \end{{aligned}}"
        )

    share(**{"input-cell": cell})
    _follow(layer, refresh, cell)
    return lesson_step(
        "3 · ∂E/∂input: the full convolution of δ with the turned kernel",
        "To train the layers *before* this one we also need the gradient with respect to the "
        r"input. Pixel $x_{a,b}$ met weight $w_{a-i,\,b-j}$ in output $y_{ij}$, so"
        "\n\n"
        r"$$\frac{\partial E}{\partial x_{a,b}} = \sum_{i,j} \delta_{ij}\, w_{a-i,\,b-j}$$"
        "\n\nThe indices run backwards — that is a true convolution. In practice: pad δ with "
        "$k - 1$ rings of zeros (a **full** convolution, so the result has the input's 4×4 "
        "size), turn the kernel by 180°, and cross-correlate. Corner pixels, which only one "
        "window saw, get a single product; central pixels get four.",
        cell,
        row(padded, turned, result),
        total,
    )


def _check(layer: TinyLayer) -> pn.Column:
    table = pn.pane.HTML("", stylesheets=[TABLE_CSS], sizing_mode="stretch_width")

    def refresh(*_: object) -> None:
        g = layer.gradients()
        engine_w, engine_b, _ = layer_gradients(TINY_INPUT, layer.w, layer.b, g.delta)
        fd_w, fd_b, fd_x = finite_differences(TINY_INPUT, layer.w, layer.b, target_map())
        rows = [
            (f"w<sub>{m + 1},{n + 1}</sub>", g.grad_w[m, n], engine_w[m, n], fd_w[m, n])
            for m in range(2)
            for n in range(2)
        ]
        rows.append(("b", g.grad_b, engine_b, fd_b))
        body = "".join(
            f"<tr><th scope='row'>{name}</th><td>{a:.6f}</td><td>{e:.6f}</td>"
            f"<td>{f:.6f}</td><td>{abs(a - f):.1e}</td></tr>"
            for name, a, e, f in rows
        )
        worst_x = float(np.abs(g.grad_x - fd_x).max())
        table.object = (
            "<div class='scroll'><table><caption>Gradients of E, three ways</caption>"
            "<thead><tr><th>parameter</th>"
            "<th>formula</th><th>Conv2D.<wbr>backward</th><th>finite difference</th>"
            f"<th>|formula − f.d.|</th></tr></thead><tbody>{body}</tbody></table></div>"
            f"<p>All 16 entries of ∂E/∂x: largest |formula − finite difference| = "
            f"{worst_x:.1e}.</p>"
        )

    _follow(layer, refresh)
    return lesson_step(
        "4 · Check it: finite differences",
        "Is the calculus right? Nudge one weight by a tiny ε up and down, recompute E, and "
        r"divide: $\partial E/\partial w \approx \frac{E(w + \varepsilon) - E(w - "
        r"\varepsilon)}{2\varepsilon}$ with $\varepsilon = 10^{-6}$. This needs no calculus "
        "at all, just two forward passes per number, which is why it is far too slow for "
        "training but perfect for checking. The formulas, the engine's `Conv2D` layer and the "
        "finite differences agree to about six decimal places.",
        table,
        ShowCode(gradcheck.numerical_gradient),
    )


def _descent(layer: TinyLayer) -> pn.Column:
    lr = pn.widgets.Select(
        label="Learning rate η",
        options=[0.001, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05],
        value=0.02,
        width=150,
    )
    one = pn.widgets.Button(label="Take a gradient step", color="primary", width=190)
    ten = pn.widgets.Button(label="Take 10 steps", width=140)
    reset = pn.widgets.Button(label="Reset", width=100)
    message = notice()
    source = ColumnDataSource({"step": [], "loss": []})
    fig = line_chart(title="Loss E after each step", x_label="step", y_label="E")
    fig.line("step", "loss", source=source, line_width=2)
    fig.scatter("step", "loss", source=source, size=5)
    status = Text("")

    def take(count: int) -> None:
        before = layer.history[-1] if layer.history else layer.gradients().error
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
            layer.step(lr.value, count)
        after = layer.history[-1]
        if not np.isfinite(after):
            layer.reset()
            show(
                message,
                f"The loss grew past what a computer can hold: with η = {lr.value:g} every step "
                "overshoots further than the last. The layer was reset; try a smaller η.",
            )
        elif after > 1000 * layer.history[0]:
            # Kept on the chart, not reset: the growing curve is what overshooting looks like.
            show(
                message,
                f"The loss exploded from {layer.history[0]:.4g} to {after:.4g}: with η = "
                f"{lr.value:g} every step overshoots further than the last. Press Reset and "
                "try a smaller η.",
            )
        elif after > before:
            show(
                message,
                f"The loss went up (from {before:.4g} to {after:.4g}): η = "
                f"{lr.value:g} is too large and the steps overshoot the minimum.",
            )
        else:
            show(message, "")

    def refresh(*_: object) -> None:
        history = layer.history or [layer.gradients().error]
        source.data = {"step": list(range(len(history))), "loss": history}
        status.object = (
            rf"Each step: $w \leftarrow w - {lr.value:g}\,\partial E/\partial w$. "
            f"After {len(history) - 1} steps the loss is E = {history[-1]:.5g}; "
            rf"$w = {bmatrix(np.round(layer.w, 3))}$, $b = {num(layer.b)}$. The target was made "
            rf"with $w = {bmatrix(HIDDEN_KERNEL)}$ and $b = {num(HIDDEN_BIAS)}$."
        )

    layer.param.watch(refresh, ["history", "w", "b"])
    share(lr=lr)
    redraw_on(refresh, lr)
    on_click_after_input(one, lambda: take(1))
    on_click_after_input(ten, lambda: take(10))
    reset.on_click(lambda _: layer.reset())
    return lesson_step(
        "5 · Gradient descent",
        r"Now use the gradients: $w \leftarrow w - \eta\, \partial E/\partial w$ and "
        r"$b \leftarrow b - \eta\, \partial E/\partial b$. The target map was secretly made by "
        "another kernel; watch the loss fall and the kernel walk towards it. Every section "
        "above follows the new weights. A learning rate that is too large overshoots — try "
        "0.04 or 0.05.",
        row(lr, one, ten, reset),
        message,
        pn.pane.Bokeh(fig, sizing_mode="stretch_width"),
        status,
    )


def _chain() -> pn.Column:
    c = chain()
    check = chain_finite_differences()
    return lesson_step(
        "6 · Through ReLU and max pooling",
        "In a real CNN the conv layer is followed by ReLU and pooling, and δ arrives from "
        "above. Backpropagation walks the chain backwards, one local rule per layer: the "
        r"loss gives $\partial E/\partial y = y - t$; **max pooling** sends each value to the "
        "cell that won its window (0 to the others); **ReLU** passes the gradient where its "
        r"input $z$ was positive and blocks it where $z \le 0$; what is left is the conv "
        "layer's δ, and ∂E/∂w is the input correlated with it, exactly as before. (Here every "
        "winning cell is positive, so ReLU blocks nothing that the pool had not already "
        "zeroed.)",
        # "+ 0.0" shows the layers' −0.0 (a negative times a zero mask) as a plain 0.
        row(
            grid(CHAIN_INPUT, "Input x (5×5)", cell_size=34),
            grid(CHAIN_KERNEL, "Kernel w", cell_size=40),
            grid(c.z, f"z = x ⊗ w + ({num(CHAIN_BIAS)})", cell_size=40),
            grid(c.a + 0.0, "a = ReLU(z)", cell_size=40),
            grid(c.y, "y = maxpool(a)", cell_size=40),
            grid(CHAIN_TARGET, "Target t", cell_size=40),
        ),
        row(
            grid(c.delta_y, "∂E/∂y = y − t", cell_size=40),
            grid(c.delta_a + 0.0, "∂E/∂a (pool backward)", cell_size=40),
            grid(c.delta_z + 0.0, "∂E/∂z (ReLU backward)", cell_size=40),
            grid(c.grad_w, "∂E/∂w = x ⊗ ∂E/∂z", cell_size=40),
            grid(check, "Finite differences", cell_size=40),
        ),
        Formula(
            rf"\begin{{gathered}} E = {c.error:g}, \quad \frac{{\partial E}}{{\partial b}} = "
            rf"{c.grad_b:g} \\ \max |\text{{analytic}} - \text{{finite diff.}}| = "
            rf"{sci(float(np.abs(c.grad_w - check).max()))} \end{{gathered}}"
        ),
    )


TABLE_CSS = """
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.9em; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: right; }
thead th { background: var(--surface-raised); }
/* On a phone the five columns fit instead of scrolling. */
@media (max-width: 480px) { table { font-size: 0.78em; } th, td { padding: 3px 5px; } }
"""


def _layer_steps() -> tuple[pn.Column, ...]:
    """Steps 1-5 share one tiny layer: a gradient step in step 5 updates steps 1-4."""
    layer = TinyLayer()
    return (
        _forward(layer),
        _weight_gradient(layer),
        _input_gradient(layer),
        _check(layer),
        _descent(layer),
    )


SECTIONS = (_layer_steps, _chain)

EXERCISES = (
    ExerciseInfo("weight-gradient", "One entry of ∂E/∂w", weight_gradient_problem),
    ExerciseInfo("bias-gradient", "The bias gradient", bias_gradient_problem),
    ExerciseInfo("gradient-step", "One gradient step", step_problem),
)
