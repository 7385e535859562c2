"""Flatten and the fully connected layer: pooled maps become one vector, a dense layer takes
weighted sums of it, softmax turns the sums into class probabilities, and the lecture's summary
notation (l, x^l, o^l = f(x^l)) follows the shapes through a whole network.

Flattening, the dense layer, softmax and the shapes all come from the engine (``Flatten``,
``Dense``, ``functional.softmax``, ``Sequential.summary``); this module lays them out.
"""

from __future__ import annotations

import html

import numpy as np
import panel as pn

from app.components.charts import bar_chart, bar_data
from app.components.code import ShowCode
from app.components.exercise import ExerciseInfo, Problem, check_number
from app.components.formula import Formula, Text
from app.components.layout import lesson_step, redraw_button, redraw_on, row
from app.components.matrix import MatrixView
from app.components.shared_link import share
from app.components.style import SR_ONLY
from app.lessons._conv_common import num
from engine import functional as F
from engine.layers import Dense, Flatten
from engine.model import Sequential

#: The lecture's 4 × 4 rectified feature map (slide "Introduction XLI"), pooled two ways below.
LECTURE_MAP = np.array(
    [[12, 20, 30, 0], [8, 12, 2, 0], [34, 70, 37, 4], [112, 100, 25, 12]], dtype=float
)
#: The lecture's classes for the fully connected layer's outputs (slide "Introduction XLIV").
CLASSES = ("cat", "dog", "car", "truck")
#: Weights are drawn from these, small enough that softmax does not saturate on pooled values.
WEIGHT_STEPS = np.array([-0.02, -0.01, 0.0, 0.01, 0.02])


def pooled_maps() -> np.ndarray:
    """The lecture's map after 2×2 max and average pooling: two channels, (1, 2, 2, 2)."""
    return np.stack([F.pool2d(LECTURE_MAP, 2, 2, "max"), F.pool2d(LECTURE_MAP, 2, 2, "avg")])[None]


def flatten(maps: np.ndarray) -> np.ndarray:
    """(1, C, H, W) maps -> (C·H·W,) vector with the engine's ``Flatten`` layer."""
    return Flatten().forward(maps)[0]


def flat_index(shape: tuple[int, int, int], channel: int, r: int, c: int) -> int:
    """Where entry (channel, r, c) of C × H × W maps lands in the flattened vector (0-based).

    Found by flattening maps that hold their own positions, so it is the engine's order.
    """
    positions = np.arange(int(np.prod(shape)), dtype=float).reshape(1, *shape)
    marker = positions[0, channel, r, c]
    return int(np.flatnonzero(flatten(positions) == marker)[0])


def random_dense(rng: np.random.Generator, inputs: int, units: int) -> Dense:
    """An engine dense layer with weights and biases drawn from ``WEIGHT_STEPS``."""
    layer = Dense(inputs, units)
    layer.params["W"][...] = rng.choice(WEIGHT_STEPS, size=(inputs, units))
    layer.params["b"][...] = rng.choice(WEIGHT_STEPS, size=units)
    return layer


def weighted_sum_latex(x: np.ndarray, layer: Dense, unit: int) -> str:
    """o_unit = Σ_i x_i W_{i,unit} + b_unit, written out, with the engine's result."""
    w = layer.params["W"][:, unit]
    b = float(layer.params["b"][unit])
    value = float(layer.forward(x[None])[0, unit])
    terms = [rf"{num(xi)}\cdot({num(wi)})" for xi, wi in zip(x, w, strict=True)]
    lines = [" + ".join(terms[i : i + 3]) for i in range(0, len(terms), 3)]
    body = r" \\ &\quad + ".join(lines)
    return (
        rf"\begin{{aligned}} x^L_{{{unit + 1}}} &= {body} \\ &\quad + ({num(b)}) "
        rf"= {value:.4f} \end{{aligned}}"
    )


def network(filters: int) -> Sequential:
    """The lecture's summary as an engine network: conv + ReLU, pool, flatten, dense 10."""
    return Sequential.from_spec(
        [
            {"type": "conv", "filters": filters, "kernel": 3},
            {"type": "relu"},
            {"type": "pool", "mode": "max", "size": 2},
            {"type": "flatten"},
            {"type": "dense", "units": 10},
        ],
        input_shape=(1, 28, 28),
        rng=0,
    )


def shapes_table(filters: int) -> str:
    """Markdown table: each engine layer, the lecture's notation for it, its shape and params."""
    model = network(filters)
    notation = {
        "conv": ("1", r"$x^1 = w^1 * o^0 + b^1$"),
        "relu": ("1", r"$o^1 = f(x^1) = \max(0, x^1)$"),
        "max pool": ("2", r"$o^2 = \text{pool}(o^1)$"),
        "flatten": ("3", r"$o^3 = \text{flatten}(o^2)$"),
        "dense": ("4", r"$x^4 = W^4 o^3 + b^4$"),
    }
    lines = [
        "| $l$ | engine layer: notation | output shape (parameters) |",
        "|---|---|---|",
        "| 0 | input image: $o^0$ | 1×28×28 (0) |",
    ]
    for item in model.summary():
        level, formula = next(v for key, v in notation.items() if item["layer"].startswith(key))
        shape = "×".join(str(d) for d in item["output_shape"])
        lines.append(f"| {level} | {item['layer']}: {formula} | {shape} ({item['params']:,}) |")
    lines.append("| 4 | softmax: $o^4 = \\text{softmax}(x^4)$ | 10 (0) |")
    return "\n".join(lines) + f"\n\nTotal: **{model.num_params():,}** trainable parameters."


# The flatten picture: every cell of the maps and of the vector carries a class naming its
# position, and CSS (no script) lights up both cells while either is hovered or focused.
FLAT_STYLE = """
.flat { font: 13px system-ui, sans-serif; color: var(--text); }
.flat table { border-collapse: collapse; margin: 4px 8px 4px 0; }
.flat caption, .flat figcaption { font-weight: 600; text-align: left; padding-bottom: 3px;
  white-space: nowrap; }
.flat figure { margin: 0 12px 0 0; }
.flat td { border: 1px solid var(--line-strong); min-width: 34px; height: 30px; text-align: center;
  background: var(--info-bg); cursor: default; }
.flat td:focus { outline: 3px solid var(--focus); outline-offset: -3px; }
.flat .maps, .flat .vector { display: flex; flex-wrap: wrap; align-items: flex-start; }
.flat .say { display: none; margin-top: 4px; }
.flat .say.idle { display: block; }
"""


def flatten_html(maps: np.ndarray) -> tuple[str, str]:
    """HTML for the maps and their flattened vector, and the CSS that links hovered cells."""
    _, channels, height, width = maps.shape
    vector = flatten(maps)
    names = ("max pooled", "average pooled")
    rules, says = [], []
    tables = []
    for ch in range(channels):
        body = ""
        for r in range(height):
            cells = ""
            for c in range(width):
                i = flat_index((channels, height, width), ch, r, c)
                label = f"channel {ch + 1}, row {r + 1}, column {c + 1}: {num(maps[0, ch, r, c])}, "
                label += f"becomes x{i + 1}"
                cells += (
                    f'<td class="i{i}" tabindex="0" aria-label="{html.escape(label)}">'
                    f"{num(maps[0, ch, r, c])}</td>"
                )
            body += f"<tr>{cells}</tr>"
        title = f"Channel {ch + 1}: {names[ch] if ch < len(names) else 'map'}"
        tables.append(f"<figure><figcaption>{title}</figcaption><table>{body}</table></figure>")
    cells = ""
    for i, value in enumerate(vector):
        ch, rest = divmod(i, height * width)
        r, c = divmod(rest, width)
        label = f"x{i + 1} = {num(value)}, from channel {ch + 1}, row {r + 1}, column {c + 1}"
        cells += (
            f'<td class="i{i}" tabindex="0" aria-label="{html.escape(label)}">{num(value)}</td>'
        )
        rules.append(
            f".flat:has(.i{i}:hover, .i{i}:focus) td.i{i} {{ background: var(--warn-bg); "
            "outline: 3px solid var(--mark); outline-offset: -3px; }\n"
            f".flat:has(.i{i}:hover, .i{i}:focus) .say.i{i} {{ display: block; }}\n"
            f".flat:has(.i{i}:hover, .i{i}:focus) .say.idle {{ display: none; }}"
        )
        says.append(
            f'<p class="say i{i}" aria-hidden="true">x<sub>{i + 1}</sub> = {num(value)} comes '
            f"from channel {ch + 1}, row {r + 1}, column {c + 1}: position "
            f"{ch}·{height * width} + {r}·{width} + {c} + 1 = {i + 1}.</p>"
        )
    header = "".join(f'<th scope="col">x<sub>{i + 1}</sub></th>' for i in range(vector.size))
    vector_table = (
        f"<table><caption>Flattened vector ({vector.size} numbers)</caption>"
        f"<tr>{header}</tr><tr>{cells}</tr></table>"
    )
    markup = (
        '<div class="flat">'
        f'<div class="maps">{"".join(tables)}</div>'
        f'<div class="vector">{vector_table}</div>'
        '<p class="say idle" aria-hidden="true">Hover over a cell, or Tab to it, to see where '
        "it goes.</p>"
        f"{''.join(says)}</div>"
    )
    return markup, FLAT_STYLE + "\n".join(rules)


# --- exercises ---------------------------------------------------------------------------------
def flat_index_problem(rng: np.random.Generator) -> Problem:
    """Position of one map entry in the flattened vector (counting from 1)."""
    channels = int(rng.integers(2, 9))
    side = int(rng.integers(3, 14))
    ch, r, c = int(rng.integers(0, channels)), *(int(v) for v in rng.integers(0, side, size=2))
    answer = flat_index((channels, side, side), ch, r, c) + 1
    channels_last = r * side * channels + c * channels + ch + 1
    mistakes = [
        (
            r * side + c + 1,
            "that is the position within one channel; the channels before it come first.",
        )
    ]
    if channels_last != answer:
        mistakes.append(
            (
                channels_last,
                "the engine stores channels first (C × H × W), so a "
                "whole channel is flattened before the next.",
            )
        )
    return Problem(
        prompt=(
            f"{channels} feature maps of {side}×{side} (C × H × W) are flattened channel by "
            f"channel, each map row by row. At which position (counting from 1) does the entry "
            f"of channel {ch + 1}, row {r + 1}, column {c + 1} land?"
        ),
        check=check_number(
            answer, places=0, mistakes=mistakes if answer != r * side + c + 1 else mistakes[1:]
        ),
        hint="Skip the whole channels before it, then the rows before it, then count the column.",
        solution=(
            f"${ch}\\cdot{side * side} + {r}\\cdot{side} + {c} + 1 = {answer}$, so the answer "
            f"is {answer}."
        ),
        placeholder="e.g. 57",
    )


def dense_output_problem(rng: np.random.Generator) -> Problem:
    """One output of a dense layer: a weighted sum plus bias."""
    x = rng.integers(-3, 6, size=3).astype(float)
    w = rng.integers(-2, 3, size=3).astype(float)
    b = float(rng.integers(-3, 4))
    layer = Dense(3, 1)
    layer.params["W"][:, 0] = w
    layer.params["b"][0] = b
    answer = float(layer.forward(x[None])[0, 0])
    return Problem(
        prompt=(
            f"A dense unit has weights $w = ({', '.join(num(v) for v in w)})$ and bias "
            f"$b = {num(b)}$. Its input is $o = ({', '.join(num(v) for v in x)})$. What is its "
            "output $x = \\sum_i w_i o_i + b$ (before any activation)?"
        ),
        check=check_number(
            answer,
            places=0,
            mistakes=[(answer - b, "add the bias too.")] if b else [],
        ),
        hint="Multiply each input by its weight, add the products, then add the bias.",
        solution=(
            "$"
            + " + ".join(f"({num(a)})({num(c)})" for a, c in zip(w, x, strict=True))
            + f" + ({num(b)}) = {num(answer)}$, so the answer is {num(answer)}."
        ),
        placeholder="e.g. 7",
    )


def dense_params_problem(rng: np.random.Generator) -> Problem:
    """Trainable parameters of the dense layer after a flatten."""
    channels = int(rng.choice([4, 8, 16]))
    side = int(rng.choice([5, 7, 13]))
    units = int(rng.choice([10, 32, 64]))
    inputs = channels * side * side
    answer = Sequential([Dense(inputs, units)]).num_params()
    return Problem(
        prompt=(
            f"{channels} pooled maps of {side}×{side} are flattened and fed to a dense layer "
            f"with {units} units. How many trainable parameters (weights and biases) does that "
            "layer have?"
        ),
        check=check_number(
            answer,
            places=0,
            mistakes=[
                (inputs * units, "each unit also has a bias."),
                (side * side * units + units, "the flattened vector holds every channel."),
            ],
        ),
        hint="The vector has C·H·W entries; each unit has one weight per entry and one bias.",
        solution=(
            f"${channels}\\cdot{side}\\cdot{side} = {inputs}$ inputs, so "
            f"${inputs}\\cdot{units} + {units} = {answer}$, so the answer is {answer}."
        ),
        placeholder="e.g. 13530",
    )


# --- the page ----------------------------------------------------------------------------------
def _flatten() -> pn.Column:
    maps = pooled_maps()
    markup, style = flatten_html(maps)
    return lesson_step(
        "1 · Flatten: feature maps become one vector",
        "After the last pooling layer the network holds a stack of small maps, $C \\times H "
        "\\times W$ numbers. The fully connected layer wants a plain list, so **flatten** "
        "writes them out: channel after channel, and inside each map row after row. Here the "
        "lecture's 4×4 map pooled two ways (max and average) gives two 2×2 channels and a "
        "vector of 8. Entry (channel $c$, row $i$, column $j$), counted from 0, lands at "
        "position $c\\,HW + i\\,W + j$. Hover over a cell, or Tab to it, to see its partner.",
        pn.pane.HTML(markup, stylesheets=[SR_ONLY, style], sizing_mode="stretch_width"),
        ShowCode(Flatten.forward),
    )


def _dense() -> pn.Column:
    x = flatten(pooled_maps())
    rng = np.random.default_rng(11)
    state = {"layer": random_dense(rng, x.size, len(CLASSES))}
    unit = pn.widgets.Select(
        label="Output unit",
        options={name: i for i, name in enumerate(CLASSES)},
        value=0,
        width=140,
    )
    weights = MatrixView(
        state["layer"].params["W"],
        title="Weights W (8 inputs × 4 classes)",
        row_labels=[f"x{i + 1}" for i in range(x.size)],
        col_labels=list(CLASSES),
        corner="input \\ class",
        fmt=".2f",
        cell_size=44,
    )
    written = Formula("")
    scores = Text("")
    chart, source = bar_chart(
        list(CLASSES), [0.25] * 4, title="softmax(x^L): class probabilities", y_range=(0, 1.1)
    )

    def refresh(*_: object) -> None:
        layer = state["layer"]
        logits = layer.forward(x[None])[0]
        probs = F.softmax(logits)
        weights.param.update(values=layer.params["W"], highlight=(0, unit.value, x.size, 1))
        written.object = weighted_sum_latex(x, layer, unit.value)
        source.data = bar_data(list(CLASSES), probs)
        scores.object = (
            "Scores $x^L$ = ("
            + ", ".join(f"{name} {v:.3f}" for name, v in zip(CLASSES, logits, strict=True))
            + f"); softmax gives **{CLASSES[int(np.argmax(probs))]}** the largest probability, "
            f"{probs.max():.3f}, and the four add up to {probs.sum():.3f}."
        )

    def new_weights() -> None:
        state["layer"] = random_dense(rng, x.size, len(CLASSES))

    share(unit=unit)
    redraw_on(refresh, unit)
    return lesson_step(
        "2 · The fully connected layer: weighted sums, then softmax",
        "Every output unit of a dense layer is connected to every entry of the vector: it "
        "multiplies each by its own weight, adds them up and adds a bias. With one unit per "
        "class (the lecture's cat, dog, car, truck) the sums are the class **scores**, and "
        "softmax turns them into probabilities that add up to 1. Pick a unit to see its sum "
        "written out; its weights are the outlined column.\n\n"
        r"$$x^L_k = \sum_{i} W_{i,k}\, o^{L-1}_i + b_k, \qquad o^L_k = "
        r"\frac{e^{x^L_k}}{\sum_j e^{x^L_j}}$$",
        row(unit, redraw_button("New random weights", new_weights, refresh, width=180)),
        weights,
        written,
        scores,
        chart,
        ShowCode(Dense.forward),
    )


def _shapes() -> pn.Column:
    filters = pn.widgets.Select(label="Conv filters", options=[4, 8, 16, 32], value=8, width=130)
    share(filters=filters)
    table = Text(pn.bind(shapes_table, filters))
    return lesson_step(
        "3 · The whole network in the lecture's notation",
        "The lecture's summary: convolve and apply ReLU, pool, (repeat), flatten, a fully "
        "connected layer, and a final activation that outputs the class. Its notation: layer "
        "$l$ receives $o^{l-1}$, computes $x^l$ (weighted sums plus bias) and outputs "
        "$o^l = f(x^l)$, with $f$ the activation (ReLU inside, softmax at the end). The shapes "
        "below come from the engine's network summary for an MNIST digit; change the number "
        "of filters and watch the flattened vector, and the dense layer's weights, grow.",
        filters,
        table,
    )


SECTIONS = (_flatten, _dense, _shapes)

EXERCISES = (
    ExerciseInfo("flat-index", "Where does an entry land?", flat_index_problem),
    ExerciseInfo("dense-output", "One dense unit", dense_output_problem),
    ExerciseInfo("dense-params", "Parameters of a dense layer", dense_params_problem),
)
