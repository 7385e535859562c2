"""One image through the network, layer by layer, and the computation behind any single unit.

Everything here is read from the engine: ``trace`` runs each layer's own ``forward`` and keeps its
output, and ``explain`` takes a unit's value from that output and its ingredients (the window of
the layer's input, the kernel and bias, the pool's winner, the dense weights) from the same layer.
The arithmetic shown to the student (window × kernel summed plus bias) is checked against the
engine's value in the tests, so the page never shows a sum that does not add up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from engine import functional
from engine.layers import Conv2D, Dense, Flatten, Layer, Pool2D, ReLU
from engine.model import Sequential

#: Units are addressed as (channel, row, column) in feature maps and (index,) in vectors.
Unit = tuple[int, ...]
L = TypeVar("L", bound=Layer)


@dataclass(frozen=True)
class LayerOutput:
    """One column of the overview: what a layer is and what it produced for this image."""

    index: int  # 0 = the input, k = the network's k-th layer, last = the softmax
    kind: str  # input | conv | relu | pool | flatten | dense | softmax
    name: str
    shape: tuple[int, ...]
    params: int
    values: np.ndarray  # this image's output, shape == ``shape``


@dataclass(frozen=True)
class Trace:
    """Every layer's output for one image, the input first and the softmax last."""

    model: Sequential
    outputs: tuple[LayerOutput, ...]

    @property
    def probabilities(self) -> np.ndarray:
        return self.outputs[-1].values

    @property
    def prediction(self) -> int:
        return int(np.argmax(self.probabilities))

    def layer(self, index: int) -> Layer | None:
        """The engine layer behind output ``index`` (None for the input and the softmax)."""
        return self.model.layers[index - 1] if 1 <= index <= len(self.model.layers) else None

    def layer_and_input(self, index: int, kind: type[L]) -> tuple[L, np.ndarray]:
        """The engine layer behind output ``index``, which must be a ``kind``, and the values it
        read (the previous output)."""
        layer = self.layer(index)
        if not isinstance(layer, kind):
            raise TypeError(f"output {index} does not come from a {kind.__name__} layer")
        return layer, self.outputs[index - 1].values


@dataclass(frozen=True)
class Window:
    """A highlighted block of another layer's output: ``channels`` × rows × columns."""

    layer: int
    channels: tuple[int, ...]
    top: int
    left: int
    height: int
    width: int


@dataclass(frozen=True)
class Term:
    """One channel's (or one group's) share of a weighted sum: inputs × weights = subtotal."""

    label: str
    inputs: np.ndarray
    weights: np.ndarray | None
    subtotal: float


@dataclass(frozen=True)
class Explanation:
    """How one unit got its value, for the detail panel.

    ``latex`` is the computation with this image's numbers; ``terms`` the grids to show (an
    input window with its kernel, a pool window, the largest dense products); ``sources`` the
    windows of the layer's input to light up in the overview; ``winner`` the pool window's
    winning cell (row, column inside the window).
    """

    layer: int
    unit: Unit
    kind: str
    title: str
    value: float
    latex: str
    note: str = ""
    terms: tuple[Term, ...] = ()
    sources: tuple[Window, ...] = ()
    winner: tuple[int, int] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _kind(layer: Layer) -> str:
    kinds = {Conv2D: "conv", ReLU: "relu", Pool2D: "pool", Flatten: "flatten", Dense: "dense"}
    for cls, kind in kinds.items():
        if isinstance(layer, cls):
            return kind
    raise ValueError(f"the explorer cannot show a {type(layer).__name__} layer")


def trace(model: Sequential, image: np.ndarray) -> Trace:
    """Run one image (C, H, W) through ``model`` with the engine, keeping every layer's output."""
    x = np.asarray(image, dtype=model.dtype)
    if x.shape != model.input_shape:
        shape = "×".join(map(str, model.input_shape or ()))
        raise ValueError(f"the network takes a {shape} image, got shape {x.shape}")
    outputs = [LayerOutput(0, "input", "input", x.shape, 0, x)]
    batch = x[None]
    for row, layer in zip(model.summary(), model.layers, strict=True):
        batch = layer.forward(batch)
        outputs.append(
            LayerOutput(
                row["index"],
                _kind(layer),
                row["layer"],
                tuple(row["output_shape"]),
                row["params"],
                batch[0],
            )
        )
    probabilities = functional.softmax(batch[0])
    outputs.append(
        LayerOutput(len(outputs), "softmax", "softmax", probabilities.shape, 0, probabilities)
    )
    return Trace(model, tuple(outputs))


def _check_unit(output: LayerOutput, unit: Unit) -> Unit:
    unit = tuple(int(u) for u in unit)
    if len(unit) != len(output.shape) or not all(
        0 <= u < n for u, n in zip(unit, output.shape, strict=True)
    ):
        raise ValueError(f"{output.name} has no unit {unit}; its output is {output.shape}")
    return unit


def _fmt(value: float) -> str:
    """A number as LaTeX with three decimals (never "−0.000": ReLU's zeros can carry a sign)."""
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text.replace("-", "{-}")


#: Terms per line of a written-out sum: three numbers fit a 390 px phone.
PER_LINE = 3


def _plus(values: list[str | float]) -> list[str]:
    """A sum written out as LaTeX, ``a + b − c``, in lines of ``PER_LINE`` terms."""
    parts = []
    for n, v in enumerate(values):
        text = _fmt(v) if isinstance(v, float) else v
        negative = text.startswith("{-}")
        sign = "-" if negative else "+"
        body = text[3:] if negative else text
        parts.append(("-" + body if negative else body) if n == 0 else f"{sign} {body}")
    return [" ".join(parts[i : i + PER_LINE]) for i in range(0, len(parts), PER_LINE)]


def _steps(left: str, *right: str | list[str], then: tuple[str, str] | None = None) -> str:
    """``left = r1 = r2 ...`` one step per line (a list continues a step over several lines),
    aligned at the equals signs so a long computation fits a phone; ``then`` adds one more
    equation (its left and right side) below."""
    lines = []
    for step in right:
        chunks = step if isinstance(step, list) else [step]
        lines.append(f"&= {chunks[0]}")
        lines += [rf"&\quad {chunk}" for chunk in chunks[1:]]
    if then is not None:
        lines.append(rf"{then[0]} &= {then[1]}")
    body = r" \\ ".join(lines)
    return rf"\begin{{aligned}} {left} {body} \end{{aligned}}"


def explain(tr: Trace, layer: int, unit: Unit) -> Explanation:
    """The computation behind ``unit`` of output ``layer`` (see ``Trace.outputs``)."""
    if not 0 <= layer < len(tr.outputs):
        raise ValueError(f"there is no layer {layer}; the overview has {len(tr.outputs)}")
    output = tr.outputs[layer]
    unit = _check_unit(output, unit)
    value = float(output.values[unit])
    explainers = {
        "input": _input,
        "conv": _conv,
        "relu": _relu,
        "pool": _pool,
        "flatten": _flatten,
        "dense": _dense,
        "softmax": _softmax,
    }
    return explainers[output.kind](tr, layer, unit, value)


def _where(unit: Unit) -> str:
    if len(unit) == 3:
        return f"channel {unit[0] + 1}, row {unit[1] + 1}, column {unit[2] + 1}"
    return f"unit {unit[0] + 1}"


def _input(tr: Trace, layer: int, unit: Unit, value: float) -> Explanation:
    _, r, col = unit
    return Explanation(
        layer,
        unit,
        "input",
        f"Input pixel, row {r + 1}, column {col + 1}",
        value,
        rf"x_{{{r + 1},{col + 1}}} = {_fmt(value)}",
        note=(
            "The brightness of the digit at this pixel, from 0 (paper) to 1 (full ink)."
            if tr.outputs[0].values.min() >= 0
            else "The digit's brightness at this pixel, shifted and scaled as the network was "
            "trained: (pixel/255 − mean)/spread of the MNIST training digits."
        ),
    )


def _conv(tr: Trace, layer: int, unit: Unit, value: float) -> Explanation:
    conv, source = tr.layer_and_input(layer, Conv2D)
    f, r, col = unit
    p, s = conv.padding, conv.stride
    kh, kw = conv.kernel_size
    padded = np.pad(source, ((0, 0), (p, p), (p, p)))
    window = padded[:, r * s : r * s + kh, col * s : col * s + kw]
    kernel = conv.params["W"][f]
    bias = float(conv.params["b"][f])
    subtotals = (window * kernel).sum(axis=(1, 2))
    terms = tuple(
        Term(
            f"channel {c + 1}" if len(source) > 1 else "",
            window[c],
            kernel[c],
            float(subtotals[c]),
        )
        for c in range(len(source))
    )
    sums = _plus([t.subtotal for t in terms] + [bias])
    definition = (
        rf"\sum_{{c=1}}^{{{len(terms)}}} \sum_{{i,j}} x_{{c,i,j}}\, w_{{c,i,j}} + b"
        if len(terms) > 1
        else r"\sum_{i,j} x_{i,j}\, w_{i,j} + b"
    )
    after = tr.layer(layer + 1)
    relu = None
    if isinstance(after, ReLU):  # the unit's activation, one layer on
        relu = (
            r"\operatorname{ReLU}(z)",
            rf"\max(0, z) = {_fmt(tr.outputs[layer + 1].values[unit])}",
        )
    latex = _steps("z", definition, sums, _fmt(value), then=relu)
    return Explanation(
        layer,
        unit,
        "conv",
        f"{output_name(tr, layer)}: filter {f + 1}, row {r + 1}, column {col + 1}",
        value,
        latex,
        note=(
            f"The {kh}×{kw} window of every input channel is multiplied cell by cell with "
            f"filter {f + 1}'s kernel, everything is added up, and the filter's bias is added."
            + (
                " The next layer, ReLU, keeps the result if it is positive and makes it 0 if not."
                if relu
                else ""
            )
        ),
        terms=terms,
        sources=(Window(layer - 1, tuple(range(len(source))), r * s - p, col * s - p, kh, kw),),
        extra={"bias": bias},
    )


def _relu(tr: Trace, layer: int, unit: Unit, value: float) -> Explanation:
    before = float(tr.outputs[layer - 1].values[unit])
    return Explanation(
        layer,
        unit,
        "relu",
        f"ReLU, {_where(unit)}",
        value,
        rf"\max(0,\ {_fmt(before)}) = {_fmt(value)}",
        note=(
            "A negative response is cut to 0; a positive one passes unchanged."
            if before <= 0
            else "The response is positive, so it passes unchanged."
        ),
        sources=_same_cell(layer - 1, unit),
        extra={"before": before},
    )


def _same_cell(layer: int, unit: Unit) -> tuple[Window, ...]:
    if len(unit) == 3:
        return (Window(layer, (unit[0],), unit[1], unit[2], 1, 1),)
    return (Window(layer, (), unit[0], 0, 1, 1),)


def _pool(tr: Trace, layer: int, unit: Unit, value: float) -> Explanation:
    pool, source = tr.layer_and_input(layer, Pool2D)
    c, r, col = unit
    k, s = pool.size, pool.stride
    window = source[c, r * s : r * s + k, col * s : col * s + k]
    # Where the engine sends this output's gradient is the cell it took the value from.
    pool.forward(source[None])
    seed = np.zeros((1, *tr.outputs[layer].shape), dtype=source.dtype)
    seed[0, c, r, col] = 1.0
    routed = pool.backward(seed)[0, c, r * s : r * s + k, col * s : col * s + k]
    winner = None
    if pool.mode == "max":
        wr, wc = np.unravel_index(int(np.argmax(routed)), routed.shape)
        winner = (int(wr), int(wc))
    cells = ", ".join(_fmt(v) for v in window.ravel())
    name = {"max": r"\max", "avg": r"\operatorname{mean}", "sum": r"\operatorname{sum}"}
    return Explanation(
        layer,
        unit,
        "pool",
        f"{pool.describe()}, {_where(unit)}",
        value,
        rf"{name[pool.mode]}({cells}) = {_fmt(value)}",
        note=(
            f"The {k}×{k} window keeps its largest value; the winner is outlined."
            if pool.mode == "max"
            else f"The {k}×{k} window is summarized by one number."
        ),
        terms=(Term(f"channel {c + 1} window", window, None, value),),
        sources=(Window(layer - 1, (c,), r * s, col * s, k, k),),
        winner=winner,
    )


def _flatten(tr: Trace, layer: int, unit: Unit, value: float) -> Explanation:
    (i,) = unit
    shape = tr.outputs[layer - 1].shape
    c, r, col = (int(v) for v in np.unravel_index(i, shape))
    _, h, w = shape
    return Explanation(
        layer,
        unit,
        "flatten",
        f"Flatten: element i = {i} of 0…{int(np.prod(shape)) - 1}",
        value,
        _steps(
            "i",
            rf"c \cdot {h * w} + r \cdot {w} + j",
            rf"{c} \cdot {h * w} + {r} \cdot {w} + {col}",
            str(i),
        ),
        note=(
            f"Flatten copies channel {c + 1}, row {r + 1}, column {col + 1} of the last pooled "
            "maps to this place in one long vector, channel after channel and row after row. "
            "The formula counts from 0 (c, r, j), as the engine's arrays do."
        ),
        sources=(Window(layer - 1, (c,), r, col, 1, 1),),
    )


#: How many of a dense unit's products the detail shows (the largest in size).
TOP_PRODUCTS = 8


def _dense(tr: Trace, layer: int, unit: Unit, value: float) -> Explanation:
    dense, x = tr.layer_and_input(layer, Dense)
    (k,) = unit
    w = dense.params["W"][:, k]
    bias = float(dense.params["b"][k])
    products = x * w
    top = np.argsort(-np.abs(products), kind="stable")[:TOP_PRODUCTS]
    rest = float(products.sum() - products[top].sum())
    shown = _plus(
        [float(products[i]) for i in top]
        + [rf"\underbrace{{({_fmt(rest)})}}_{{\text{{other {len(x) - len(top)}}}}}", bias]
    )
    return Explanation(
        layer,
        unit,
        "dense",
        f"Dense: the score (logit) for digit {k}",
        value,
        _steps(
            f"z_{{{k}}}",
            rf"\sum_{{i=1}}^{{{len(x)}}} x_i\, w_{{i,{k}}} + b_{{{k}}}",
            shown,
            _fmt(value),
        ),
        note=(
            f"Every one of the {len(x)} flattened numbers is multiplied by its own weight for "
            f"digit {k}; the {len(top)} largest products are listed, the rest are summed."
        ),
        terms=(
            Term(
                "largest products",
                x[top],
                w[top],
                float(products[top].sum()),
            ),
        ),
        sources=tuple(Window(layer - 1, (), int(i), 0, 1, 1) for i in top),
        extra={"indices": [int(i) for i in top], "rest": rest, "bias": bias},
    )


def _softmax(tr: Trace, layer: int, unit: Unit, value: float) -> Explanation:
    (k,) = unit
    logits = tr.outputs[layer - 1].values
    top = float(logits.max())
    exponentials = np.exp(logits - top)
    total = float(exponentials.sum())
    return Explanation(
        layer,
        unit,
        "softmax",
        f"Softmax: the probability of digit {k}",
        value,
        _steps(
            f"p_{{{k}}}",
            rf"\frac{{e^{{z_{{{k}}}}}}}{{\sum_{{j=0}}^{{9}} e^{{z_j}}}}",
            rf"\frac{{e^{{{_fmt(float(logits[k]))}}}}}{{\sum_j e^{{z_j}}}}",
            rf"\frac{{e^{{{_fmt(float(logits[k]) - top)}}}}}{{{_fmt(total)}}}",
            _fmt(value),
        ),
        note=(
            "Softmax turns the ten scores into probabilities that add up to 1. Subtracting the "
            f"largest score ({top:.3f}) from every score first changes nothing but keeps the "
            "exponentials small."
        ),
        sources=(Window(layer - 1, (), k, 0, 1, 1),),
        extra={
            "logits": logits,
            "exponentials": exponentials,
            "probabilities": tr.outputs[layer].values,
            "sum": total,
        },
    )


def output_name(tr: Trace, layer: int) -> str:
    """The overview's name for output ``layer``, e.g. "conv 5×5×6"."""
    return tr.outputs[layer].name
