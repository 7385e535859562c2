"""The whole CNN — an explorer: one digit through a network this engine trained, unit by unit.

The network, its measured test accuracy and the test digits come from ``app/explorer/recipe.py``
(files in ``app/assets``); the overview and the unit computations from ``app/explorer``.
"""

from __future__ import annotations

import html

import numpy as np
import panel as pn

from app.components.exercise import ExerciseInfo, Problem, check_number, check_vector
from app.components.layout import lesson_step
from app.components.shared_link import share
from app.explorer import recipe
from app.explorer.ui import Explorer
from engine import functional as F
from engine.layers import Flatten
from engine.model import Sequential

SLUG = "explorer"


# --- exercises ---------------------------------------------------------------------------------
def output_shape_problem(rng: np.random.Generator) -> Problem:
    """The output shape (C, H, W) of a conv + pool block, computed by the engine's summary."""
    size = int(rng.choice([28, 24, 20, 16, 12]))
    channels = int(rng.choice([1, 4, 6]))
    filters = int(rng.choice([4, 6, 8, 10]))
    kernel = int(rng.choice([3, 5]))
    padding = int(rng.choice([0, 0, 1]))
    specs = [
        {"type": "conv", "filters": filters, "kernel": kernel, "padding": padding},
        {"type": "relu"},
        {"type": "pool", "mode": "max", "size": 2},
    ]
    rows = Sequential.from_spec(specs, (channels, size, size)).summary()
    conv_shape = rows[0]["output_shape"]
    answer = rows[-1]["output_shape"]
    pad = f", padding {padding}" if padding else " (no padding)"
    return Problem(
        prompt=(
            f"A {channels}×{size}×{size} input (channels × height × width) goes through a "
            f"convolution with {filters} filters of {kernel}×{kernel}, stride 1{pad}, then ReLU, "
            "then 2×2 max pooling with stride 2. What is the output shape? Type C, H, W."
        ),
        check=check_vector(
            answer,
            places=0,
            mistakes=[
                (conv_shape, "that is the shape before pooling; pooling halves height and width."),
                (
                    (channels, *answer[1:]),
                    "a convolution outputs one channel per filter, not per input channel.",
                ),
            ],
        ),
        hint=(
            r"Convolution: $\lfloor (n + 2p - k)/s \rfloor + 1$ rows and columns, one channel "
            r"per filter. ReLU keeps the shape. Pooling: $\lfloor (n - 2)/2 \rfloor + 1$."
        ),
        solution=(
            f"Convolution: $({size} + 2\\cdot{padding} - {kernel})/1 + 1 = {conv_shape[1]}$, "
            f"so {filters}×{conv_shape[1]}×{conv_shape[2]}. ReLU keeps it. Pooling: "
            f"$\\lfloor ({conv_shape[1]} - 2)/2 \\rfloor + 1 = {answer[1]}$. Output: "
            f"**{', '.join(map(str, answer))}**"
        ),
        answer_label="Output shape C, H, W",
        placeholder="e.g. 6, 12, 12",
    )


def flatten_index_problem(rng: np.random.Generator) -> Problem:
    """Where flatten puts one cell of C×H×W maps, read off the engine's Flatten layer."""
    channels, size = int(rng.choice([4, 6, 8])), int(rng.choice([3, 4, 5]))
    c, r, j = (int(v) for v in rng.integers(0, [channels, size, size]))
    numbered = np.arange(channels * size * size, dtype=float).reshape(1, channels, size, size)
    flat = Flatten().forward(numbered)[0]
    answer = int(np.flatnonzero(flat == numbered[0, c, r, j])[0])
    return Problem(
        prompt=(
            f"Flatten turns {channels} pooled maps of {size}×{size} into one vector of "
            f"{channels * size * size} numbers, channel after channel and row after row. "
            f"Counting from 0, at which index does channel {c}, row {r}, column {j} land?"
        ),
        check=check_number(
            answer,
            places=0,
            mistakes=[
                ((r * size + j) * channels + c, "flatten keeps each channel's cells together."),
                (c * size * size + j * size + r, "rows come before columns."),
            ],
        ),
        hint=f"Each channel takes {size * size} places, each row of it {size}.",
        solution=(
            rf"$c \cdot {size * size} + r \cdot {size} + j = {c} \cdot {size * size} + "
            rf"{r} \cdot {size} + {j} =$ **{answer}**"
        ),
        answer_label="Index",
        placeholder="e.g. 42",
    )


def unit_value_problem(rng: np.random.Generator) -> Problem:
    """A conv unit after ReLU from its 3×3 window, kernel and bias (the engine computes it)."""
    window = rng.integers(0, 4, size=(3, 3)).astype(float)
    kernel = rng.integers(-1, 2, size=(3, 3)).astype(float)
    bias = float(rng.integers(-3, 4))
    z = float(F.conv2d(window[None, None], kernel[None, None], np.array([bias]))[0, 0, 0, 0])
    answer = float(F.relu(np.array(z)))
    mistakes = [(z - bias, "add the bias before ReLU.")] if z - bias != answer else []
    if z < 0:
        mistakes.append((z, "ReLU turns a negative sum into 0."))
    return Problem(
        prompt=(
            f"A unit's input window is $X = {_bmatrix(window)}$, its kernel "
            f"$W = {_bmatrix(kernel)}$ and its bias $b = {bias:g}$. What does the unit output "
            "after ReLU?"
        ),
        check=check_number(answer, places=2, mistakes=mistakes),
        hint=r"Multiply cell by cell, add the nine products and $b$, then apply $\max(0, z)$.",
        solution=(
            f"$z = \\sum_{{i,j}} x_{{ij}} w_{{ij}} + b = {z - bias:g} + ({bias:g}) = {z:g}$, "
            f"and $\\max(0, {z:g}) =$ **{answer:g}**"
        ),
        placeholder="e.g. 3",
    )


def _bmatrix(values: np.ndarray) -> str:
    rows = r" \\ ".join(" & ".join(f"{v:g}" for v in row) for row in values)
    return rf"\begin{{bmatrix}} {rows} \end{{bmatrix}}"


EXERCISES = (
    ExerciseInfo("block-shape", "Shape after a conv block", output_shape_problem),
    ExerciseInfo("unit-value", "A unit from its window", unit_value_problem),
    ExerciseInfo("flatten-index", "Where flatten puts a cell", flatten_index_problem),
)


# --- the page ----------------------------------------------------------------------------------
def architecture_html(model: Sequential) -> str:
    """The network's layers with output shapes and parameter counts (the engine's summary)."""
    rows = "".join(
        f"<tr><td>{r['index']}</td><td>{html.escape(r['layer'])}</td>"
        f"<td>{'×'.join(map(str, r['output_shape']))}</td><td>{r['params']:,}</td></tr>"
        for r in model.summary()
    )
    return (
        '<table class="architecture"><caption>The network, layer by layer</caption>'
        '<thead><tr><th scope="col">#</th><th scope="col">layer</th>'
        '<th scope="col">output</th><th scope="col">parameters</th></tr></thead>'
        f"<tbody><tr><td>0</td><td>input</td><td>{'×'.join(map(str, model.input_shape))}</td>"
        f"<td>0</td></tr>{rows}</tbody>"
        f'<tfoot><tr><th scope="row" colspan="3">total</th><td>{model.num_params():,}</td>'
        "</tr></tfoot></table>"
    )


ARCHITECTURE_STYLE = """
table.architecture { border-collapse: collapse; font-size: 14px; margin: 4px 0; }
.architecture caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
.architecture th, .architecture td { padding: 2px 10px; border-bottom: 1px solid var(--line);
  text-align: left; }
.architecture td:last-child, .architecture tfoot td { text-align: right; }
"""


def facts_text(facts: dict) -> str:
    """How the network was trained and how well it does, from the measured facts file."""
    t = facts["training"]
    return (
        f"The network below was trained by this site's own engine: {t['epochs']} epochs over "
        f"{t['train_size']:,} MNIST training digits, mini-batches of {t['batch_size']}, Adam "
        f"with a learning rate falling from {t['lr']:g}, seed {t['seed']}. On the 10,000 test "
        f"digits it has never seen it gets **{facts['test_correct']:,} right: "
        f"{facts['test_accuracy']:.2%} test accuracy** (measured when it was trained; the test "
        f"suite measures it again). It has {facts['parameters']:,} parameters."
    )


def _network_and_digit() -> tuple[pn.Column, pn.Column]:
    """Steps 1-2 share the explorer: its network is the one the table describes."""
    explorer = Explorer()
    # A drawing stays in the browser that drew it, so a link carries the test digit only
    # (a link or reload restoring "My drawing" would show an empty pad's error instead).
    share(digit=explorer.picker)
    facts = recipe.load_facts()
    return (
        lesson_step(
            "1 · The network",
            facts_text(facts)
            + " Each convolution is followed by ReLU and 2×2 max pooling, as in the lecture's "
            "summary; flatten turns the last feature maps into one vector and a dense layer "
            "scores the ten digits; softmax makes the scores probabilities.",
            pn.pane.HTML(architecture_html(explorer.model), stylesheets=[ARCHITECTURE_STYLE]),
        ),
        lesson_step(
            "2 · One digit through every layer",
            "Pick a test digit or draw one. Every square below is one channel of a layer's "
            "output, every cell one unit (blue: positive, orange: negative, darker: larger). "
            "**Click any unit** — or focus a map with Tab, move with the arrow keys and press "
            "Enter — to see how it was computed from the layer before; the cells it came from "
            "are outlined in red.",
            explorer,
        ),
    )


SECTIONS = (_network_and_digit,)
