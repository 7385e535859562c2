"""Entropy lesson: how uncertain is a pick from a container, measured in bits.

Every number on the page comes from ``engine.functional.entropy``; this module only arranges the
lecture's three containers, the binary entropy curve and a K-class distribution around it.
"""

from __future__ import annotations

import math

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, LabelSet

from app.components.answers import AnswerError, parse_probabilities, parse_vector
from app.components.charts import bar_chart, bar_data, line_chart
from app.components.clicks import on_click_after_input
from app.components.code import ShowCode
from app.components.exercise import ExerciseInfo, Problem, check_number
from app.components.formula import Formula
from app.components.layout import lesson_step, notice, read_input, redraw_on, row, show
from app.components.shared_link import share, shared
from app.components.slip import LectureSlip
from engine import functional as F

SLUG = "entropy"

#: The lecture's containers: (name, triangles, circles).
CONTAINERS = (("Container 1", 26, 4), ("Container 2", 14, 16), ("Container 3", 1, 29))
UNITS = {"bits": 2.0, "nats": math.e}
MAX_CLASSES = 8
#: The most shapes a container may hold in the page's count boxes.
MAX_SHAPES = 100_000


def container_entropy(triangles: int | None, circles: int | None) -> float:
    """Entropy in bits of picking one shape; ValueError (student-facing) for impossible counts."""
    if triangles is None or circles is None:
        raise ValueError("Type a count in both boxes.")
    if triangles < 0 or circles < 0:
        raise ValueError("A container cannot hold a negative number of shapes.")
    total = triangles + circles
    if total == 0:
        raise ValueError("The container is empty: there is nothing to pick.")
    return F.entropy([triangles / total, circles / total], base=2)


def entropy_sum_latex(triangles: int, circles: int) -> str:
    """The lecture's line of working, with these counts filled in."""
    n = triangles + circles
    h = container_entropy(triangles, circles)
    return (
        rf"H = -\left[\tfrac{{{triangles}}}{{{n}}}\log_2\tfrac{{{triangles}}}{{{n}}}"
        rf" + \tfrac{{{circles}}}{{{n}}}\log_2\tfrac{{{circles}}}{{{n}}}\right] = {h:.4f}"
        r"\text{ bits}"
    )


def binary_entropy_curve(points: int = 201) -> tuple[np.ndarray, np.ndarray]:
    """p from 0 to 1 and H(p) in bits, one engine call for the whole curve."""
    p = np.linspace(0.0, 1.0, points)
    return p, F.entropy(np.column_stack([p, 1 - p]), base=2)


# -- exercises ---------------------------------------------------------------------------------


def container_problem(rng: np.random.Generator) -> Problem:
    total = int(rng.integers(10, 41))
    triangles = int(rng.integers(1, total))
    circles = total - triangles
    bits = container_entropy(triangles, circles)
    nats = bits * math.log(2)
    return Problem(
        prompt=(
            f"A container holds **{triangles} triangles** and **{circles} circles**. What is "
            "the entropy, in bits, of picking one shape at random?"
        ),
        check=check_number(
            bits,
            places=2,
            mistakes=[
                (nats, "that is the entropy in nats (natural log). Use $\\log_2$ for bits."),
                (
                    -bits,
                    "the sum $\\sum p\\log_2 p$ is negative; entropy has a minus sign "
                    "in front, so it is never negative.",
                ),
            ],
        ),
        hint=(
            f"The probabilities are $p = {triangles}/{total}$ and $1-p = {circles}/{total}$. "
            "Compute $-[p\\log_2 p + (1-p)\\log_2(1-p)]$."
        ),
        solution=(
            f"$$p = \\tfrac{{{triangles}}}{{{total}}} = {triangles / total:.4f},\\quad "
            f"1-p = {circles / total:.4f}$$"
            f"$${entropy_sum_latex(triangles, circles)}$$ **Answer: {bits:.4f}**"
        ),
    )


def uniform_problem(rng: np.random.Generator) -> Problem:
    k = int(rng.choice([3, 5, 6, 7, 10, 12, 20]))
    bits = F.entropy(np.full(k, 1.0 / k), base=2)
    return Problem(
        prompt=(
            f"A fair die has **{k} faces**, all equally likely. What is the entropy of one "
            "roll in bits?"
        ),
        check=check_number(
            bits,
            places=3,
            mistakes=[(math.log(k), "that is $\\ln K$, the answer in nats; bits use $\\log_2$.")],
        ),
        hint=(
            f"Every face has probability $1/{k}$, so all {k} terms of the sum are equal: "
            f"$H = -{k}\\cdot\\tfrac1{{{k}}}\\log_2\\tfrac1{{{k}}}$."
        ),
        solution=(
            f"$$H = -\\sum_{{i=1}}^{{{k}}} \\tfrac1{{{k}}}\\log_2\\tfrac1{{{k}}} = \\log_2 {k}"
            f" = {bits:.4f}\\text{{ bits}}$$ The uniform distribution is the most uncertain "
            f"one on {k} outcomes. **Answer: {bits:.4f}**"
        ),
    )


def nats_problem(rng: np.random.Generator) -> Problem:
    weights = rng.integers(1, 9, size=3)
    probs = np.round(weights / weights.sum(), 2)
    probs[-1] = round(1 - probs[:-1].sum(), 2)
    nats = F.entropy(probs)
    bits = F.entropy(probs, base=2)
    shown = ", ".join(f"{p:.2f}" for p in probs)
    return Problem(
        prompt=(
            f"A 3-class distribution is $p = [{shown}]$. What is its entropy in **nats** "
            "(natural logarithm)?"
        ),
        check=check_number(
            nats,
            places=3,
            mistakes=[(bits, "that is the entropy in bits; nats use the natural log $\\ln$.")],
        ),
        hint="Use $H = -\\sum_i p_i \\ln p_i$; or compute bits and multiply by $\\ln 2 ≈ 0.693$.",
        solution=(
            "$$H = -("
            + " + ".join(f"{p:.2f}\\ln {p:.2f}" for p in probs)
            + f") = {nats:.4f}\\text{{ nats}}$$ (= {bits:.4f} bits × ln 2). "
            f"**Answer: {nats:.4f}**"
        ),
    )


# -- view --------------------------------------------------------------------------------------


def _shapes_html(triangles: int, circles: int) -> str:
    shown_t, shown_c = min(triangles, 60), min(circles, 60)
    more = " …" if (triangles > 60 or circles > 60) else ""
    return (
        f'<div role="img" aria-label="{triangles} triangles and {circles} circles" '
        'style="font-size:18px;line-height:1.3;word-break:break-all;max-width:270px">'
        f'<span style="color:var(--warn-line)">{"▲" * shown_t}</span>'
        f'<span style="color:var(--info-line)">{"●" * shown_c}</span>{more}</div>'
    )


def _container_card(name: str, triangles: int, circles: int, on_change) -> pn.Column:
    # Bounded: the browser then clamps a typed ±1e308 to ±MAX_SHAPES instead of sending a float
    # that Panel's IntInput rejects with an error on the page.
    tri = pn.widgets.IntInput(
        label=f"Triangles in {name}", value=triangles, start=-MAX_SHAPES, end=MAX_SHAPES, width=140
    )
    cir = pn.widgets.IntInput(
        label=f"Circles in {name}", value=circles, start=-MAX_SHAPES, end=MAX_SHAPES, width=140
    )
    shapes = pn.pane.HTML(_shapes_html(triangles, circles), margin=(5, 10))
    result = pn.pane.HTML(css_classes=["container-bits"], margin=(0, 10))
    message = notice()

    def update(*_: object) -> None:
        t, c = tri.value, cir.value
        bits = read_input(
            message,
            lambda: container_entropy(t, c),
            "The numbers shown are from the last valid counts.",
        )
        if bits is None:
            return
        shapes.object = _shapes_html(t, c)
        n = t + c
        result.object = (
            f"<p><b>P(triangle)</b> = {t}/{n} = {t / n:.3f} &nbsp; "
            f"<b>P(circle)</b> = {c}/{n} = {c / n:.3f}<br>"
            f'<b>Entropy</b> = <span class="bits">{bits:.4f}</span> bits</p>'
        )
        on_change(name, t / n, bits)

    share(**{f"triangles-{name[-1]}": tri, f"circles-{name[-1]}": cir})
    redraw_on(update, tri, cir)
    return pn.Column(
        pn.pane.HTML(f"<h3>{name}</h3>", margin=(0, 10)),
        row(tri, cir),
        shapes,
        result,
        message,
        width=290,
        styles={"border": "1px solid var(--line)", "border-radius": "8px"},
        css_classes=["container-card", f"container-{name[-1]}"],
    )


def _containers_and_curve() -> tuple[pn.viewable.Viewable, pn.viewable.Viewable]:
    marks = ColumnDataSource({"p": [], "h": [], "name": []})
    positions: dict[str, tuple[float, float]] = {}

    def on_change(name: str, p: float, bits: float) -> None:
        positions[name] = (p, bits)
        names = sorted(positions)
        marks.data = {
            "p": [positions[n][0] for n in names],
            "h": [positions[n][1] for n in names],
            "name": [n.replace("Container ", "C") for n in names],
        }

    cards = row(*(_container_card(name, t, c, on_change) for name, t, c in CONTAINERS))

    p, h = binary_entropy_curve()
    fig = line_chart(
        title="Binary entropy H(p) in bits, with the three containers",
        x_label="p = probability of a triangle",
        y_label="H(p) in bits",
        y_range=(0, 1.12),
    )
    fig.line(p, h, line_width=2, color="#2563eb")
    fig.scatter("p", "h", source=marks, size=11, color="#dc2626")
    fig.add_layout(
        LabelSet(x="p", y="h", text="name", source=marks, y_offset=8, text_font_size="12px")
    )
    return cards, pn.pane.Bokeh(fig, sizing_mode="stretch_width")


def _distribution_editor() -> pn.Column:
    probs_input = pn.widgets.TextInput(
        label="Probabilities (comma separated, must add up to 1)",
        value="0.25, 0.25, 0.25, 0.25",
        sizing_mode="stretch_width",
        max_width=420,
    )
    unit = pn.widgets.RadioButtonGroup(label="Unit", options=list(UNITS), value="bits")
    k = pn.widgets.IntSlider(
        label="Number of classes K", start=2, end=MAX_CLASSES, value=4, width=220
    )
    # One slider per bar: dragging a weight reshapes the distribution (renormalized to sum 1).
    weights = [
        pn.widgets.IntSlider(
            label=f"Weight of class {i + 1}", start=0, end=10, value=1, visible=i < 4, width=200
        )
        for i in range(MAX_CLASSES)
    ]
    uniform = pn.widgets.Button(label="Make it uniform")
    certain = pn.widgets.Button(label="Make it certain")
    rescale = pn.widgets.Button(label="Rescale to add up to 1", visible=False)
    message = notice()
    readout = pn.pane.HTML(css_classes=["distribution-entropy"], margin=(0, 10))
    syncing = {"on": False}  # set while the sliders follow the text box, to not echo back
    fig, source = bar_chart(
        [f"class {i + 1}" for i in range(4)],
        [0.25] * 4,
        title="Your distribution",
        y_label="probability",
        y_range=(0, 1.12),
        fmt="{:.2f}",
    )

    def draw(probs: list[float], chosen_unit: str) -> None:
        base = UNITS[chosen_unit]
        value = F.entropy(probs, base=base)
        top = math.log(len(probs), base)
        cats = [f"class {i + 1}" for i in range(len(probs))]
        fig.x_range.factors = cats
        source.data = bar_data(cats, probs, "{:.2f}")
        readout.object = (
            f'<p><b>H</b> = <span class="h-value">{value:.4f}</span> {chosen_unit} &nbsp; '
            f"(the maximum for K = {len(probs)} classes is log K = {top:.4f} {chosen_unit})</p>"
        )

    def follow(probs: list[float]) -> None:
        syncing["on"] = True
        try:
            k.value = len(probs)
            scale = 10 / max(probs)
            for slider, p in zip(weights, probs, strict=False):
                slider.value = round(p * scale)
        finally:
            syncing["on"] = False

    def read(text: str, chosen_unit: str) -> None:
        try:
            probs = parse_probabilities(text)
            if not 2 <= len(probs) <= MAX_CLASSES:
                raise AnswerError(f"Use between 2 and {MAX_CLASSES} classes here.")
        except AnswerError as error:
            show(message, f"{error} The chart keeps your last valid distribution.")
            rescale.visible = "add up to" in str(error)
            return
        show(message, "")
        rescale.visible = False
        draw(probs, chosen_unit)
        follow(probs)

    def from_weights(*_) -> None:
        for i, slider in enumerate(weights):
            slider.visible = i < k.value
        if syncing["on"]:
            return
        values = [slider.value for slider in weights[: k.value]]
        if not any(values):
            show(message, "All weights are 0: give at least one class some weight.")
            return
        show(message, "")  # the text below may be unchanged, and then nothing else clears it
        probs_input.value = ", ".join(f"{v / sum(values):.4g}" for v in values)

    def rescaled() -> None:
        try:
            values = parse_vector(probs_input.value, percent=True)
        except AnswerError as error:
            show(message, str(error))
            return
        if any(v < 0 for v in values) or sum(values) <= 0:
            show(message, "Rescaling needs non-negative numbers with a positive sum.")
            return
        probs_input.value = ", ".join(f"{v / sum(values):.4g}" for v in values)

    shared("probabilities", probs_input, check=parse_probabilities)
    share(unit=unit)
    pn.bind(read, probs_input, unit, watch=True)
    for slider in (k, *weights):
        slider.param.watch(from_weights, "value")
    uniform.on_click(
        lambda _: setattr(probs_input, "value", ", ".join([f"{1 / k.value:.4g}"] * k.value))
    )
    certain.on_click(
        lambda _: setattr(probs_input, "value", ", ".join(["1"] + ["0"] * (k.value - 1)))
    )
    on_click_after_input(rescale, rescaled)
    draw([0.25] * 4, unit.value)
    return pn.Column(
        row(probs_input, unit),
        row(k, uniform, certain, rescale),
        pn.FlexBox(*weights, gap="0 12px", sizing_mode="stretch_width"),
        message,
        readout,
        pn.pane.Bokeh(fig, sizing_mode="stretch_width"),
        sizing_mode="stretch_width",
    )


def _containers_formula_curve() -> tuple[pn.Column, pn.Column, pn.Column]:
    """Steps 1-3: the curve's red dots follow the counts typed into the containers."""
    cards, curve = _containers_and_curve()
    return (
        lesson_step(
            "1 · Three containers",
            "Each container holds 30 shapes. Close your eyes and pick one: how sure can you be "
            "of what you will get? From container 1 you will very likely get a triangle, from "
            "container 3 almost surely a circle, but container 2 is close to a coin toss. "
            "**Entropy** puts a number on that uncertainty. Change the counts and watch it move.",
            cards,
        ),
        lesson_step(
            "2 · The formula",
            "For a discrete distribution $p(x)$, entropy adds up $p(x)\\log_2 p(x)$ over all "
            "outcomes and flips the sign. Each $\\log_2 p$ is negative (a probability is at most "
            "1), so the minus sign makes the entropy positive. With $\\log_2$ the unit is the "
            "**bit**: a fair coin toss has exactly 1 bit of uncertainty.",
            Formula(r"H(X) = -\sum_x p(x)\,\log_2 p(x)"),
            Formula(entropy_sum_latex(26, 4)),
            LectureSlip(
                "$H(X) = \\sum_x p(x)\\log p(x)$ for discrete $X$",
                "$H(X) = -\\sum_x p(x)\\log p(x)$",
                "without the minus sign every term is negative and the “entropy” of container "
                "1 would come out as −0.5665. The slide's own worked examples use the minus "
                "sign, and so does its continuous version.",
                what="formula",
            ),
            ShowCode(F.entropy),
        ),
        lesson_step(
            "3 · The binary entropy curve",
            "With only two outcomes, everything depends on one number $p$: "
            "$H(p) = -[p\\log_2 p + (1-p)\\log_2(1-p)]$. The curve is 0 at both ends (a "
            "certain outcome has no surprise), peaks at exactly 1 bit when $p = 0.5$, and is "
            "symmetric: 1 triangle in 30 is as predictable as 29 in 30. The red dots are your "
            "three containers; they follow the counts you type above.",
            curve,
        ),
    )


def _more_classes() -> pn.Column:
    return lesson_step(
        "4 · More than two classes",
        "Type any distribution over $K$ classes, or drag the weight sliders (the page "
        "rescales them to add up to 1). Entropy is largest when all classes are "
        "equally likely, and then it equals $\\log K$: no outcome is favoured, so each pick "
        "is as surprising as it can be. Make one class certain and the entropy drops to 0, "
        "because $1\\cdot\\log 1 = 0$ and the other terms vanish ($0\\log 0$ counts as 0). "
        "Switch between **bits** ($\\log_2$) and **nats** ($\\ln$): the same uncertainty, "
        "measured in units that differ by the factor $\\ln 2 ≈ 0.693$.",
        _distribution_editor(),
    )


SECTIONS = (_containers_formula_curve, _more_classes)

EXERCISES = (
    ExerciseInfo("container-bits", "Pick a shape", container_problem),
    ExerciseInfo("uniform-die", "A fair die", uniform_problem),
    ExerciseInfo("nats", "Entropy in nats", nats_problem),
)
