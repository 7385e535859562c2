"""Softmax vs standard normalization: the lecture's logits [3.2, 1.3, 0.2, 0.8], the exp table,
scaled scores, negative scores and zero sums, and a temperature.

Probabilities come from ``engine.functional.softmax`` and ``standard_normalize``.
"""

from __future__ import annotations

import math

import numpy as np
import panel as pn

from app.components.answers import AnswerError, parse_vector
from app.components.charts import bar_chart, bar_data
from app.components.code import ShowCode
from app.components.exercise import ExerciseInfo, Problem, check_number
from app.components.formula import Formula
from app.components.layout import lesson_step, notice, read_input, redraw_on, row, show
from app.components.shared_link import share, shared
from engine import functional as F

SLUG = "softmax"
ANIMALS = ("dog", "cat", "horse", "cheetah")
LECTURE_LOGITS = "3.2, 1.3, 0.2, 0.8"
PRESETS = {
    "Lecture logits": LECTURE_LOGITS,
    "A negative score": "2, -1, 0.5",
    "Scores summing to 0": "1, -1",
    "Huge logits": "1000, 1001",
}
MAX_CLASSES = 8
#: Larger logits never occur in practice, and their sums could overflow plain normalization.
MAX_LOGIT = 1e6


def class_names(count: int) -> list[str]:
    return list(ANIMALS) if count == len(ANIMALS) else [f"class {i + 1}" for i in range(count)]


def read_logits(text: str) -> list[float]:
    """Logits typed by the student: 2 to 8 numbers of sensible size."""
    values = parse_vector(text)
    if not 2 <= len(values) <= MAX_CLASSES:
        raise AnswerError(f"Type between 2 and {MAX_CLASSES} scores; you typed {len(values)}.")
    if any(abs(v) > MAX_LOGIT for v in values):
        raise AnswerError(f"Keep the scores between −{MAX_LOGIT:g} and {MAX_LOGIT:g}.")
    return values


def plain_normalization(logits: list[float]) -> tuple[np.ndarray | None, str]:
    """``standard_normalize`` and a sentence on what went wrong with it, if anything."""
    try:
        result = F.standard_normalize(logits)
    except ValueError:
        return None, (
            "Plain normalization fails: the scores add up to 0 and nothing can be divided by 0. "
            "Softmax has no such problem, because every exp(z) is positive."
        )
    if np.any(result < 0) or np.any(result > 1):
        return result, (
            "Plain normalization gives “probabilities” below 0 or above 1: a negative score "
            "cannot be turned into a probability by dividing. Softmax stays between 0 and 1."
        )
    return result, ""


def exp_table_html(logits: list[float]) -> str:
    """The lecture's table: each logit, its exponential, and its share of the sum (softmax)."""
    z = np.asarray(logits, dtype=float)
    probs = F.softmax(z)
    shift = z.max()
    # exp of a huge logit overflows; the table then shows exp(z − max), the engine's own trick.
    shifted = shift > 50
    e = np.exp(z - shift) if shifted else np.exp(z)
    head = "exp(z − max z)" if shifted else "exp(z)"
    rows = "".join(
        f"<tr><td>{name}</td><td>{zi:g}</td><td>{ei:.4f}</td><td>{pi:.3f}</td></tr>"
        for name, zi, ei, pi in zip(class_names(len(z)), z, e, probs, strict=True)
    )
    return (
        '<table class="exp-table" border="1" cellpadding="4" style="border-collapse:collapse">'
        f"<caption>Softmax step by step</caption><tr><th>class</th><th>logit z</th>"
        f"<th>{head}</th><th>softmax</th></tr>{rows}"
        f"<tr><th>sum</th><td></td><td>{e.sum():.4f}</td><td>{probs.sum():.3f}</td></tr></table>"
    )


# -- exercises ---------------------------------------------------------------------------------


def _logits(rng: np.random.Generator, count: int) -> np.ndarray:
    return np.round(rng.uniform(-1.0, 3.5, size=count), 1)


def softmax_problem(rng: np.random.Generator) -> Problem:
    z = _logits(rng, 3)
    k = int(rng.integers(0, 3))
    p = F.softmax(z)
    mistakes = []
    if z.sum() != 0:
        mistakes.append(
            (
                float(z[k] / z.sum()),
                "that is plain normalization $z_i/\\sum z$; "
                "softmax divides exponentials: $e^{z_i}/\\sum e^{z_j}$.",
            )
        )
    shown = ", ".join(f"{v:g}" for v in z)
    return Problem(
        prompt=(
            f"The logits are $z = [{shown}]$. What probability does softmax give class "
            f"{k + 1} (logit {z[k]:g})?"
        ),
        check=check_number(float(p[k]), places=3, percent=True, mistakes=mistakes),
        hint=f"Compute $e^{{{z[k]:g}}}$ and divide it by $e^{{{z[0]:g}}} + e^{{{z[1]:g}}} + "
        f"e^{{{z[2]:g}}}$.",
        # Two lines: on one, the fractions ran past a 390 px phone.
        solution=(
            f"$$\\begin{{aligned}}S_{{{k + 1}}} &= \\frac{{e^{{{z[k]:g}}}}}"
            f"{{{' + '.join(f'e^{{{v:g}}}' for v in z)}}} \\\\ "
            f"&= \\frac{{{math.exp(z[k]):.4f}}}{{{np.exp(z).sum():.4f}}} = {p[k]:.4f}"
            f"\\end{{aligned}}$$ **Answer: {p[k]:.4f}**"
        ),
        placeholder="e.g. 0.57 or 57%",
    )


def plain_problem(rng: np.random.Generator) -> Problem:
    z = np.round(rng.uniform(-2.0, 4.0, size=3), 1)
    while abs(z.sum()) < 0.5:
        z = np.round(rng.uniform(-2.0, 4.0, size=3), 1)
    k = int(np.argmin(z)) if np.any(z < 0) else int(rng.integers(0, 3))
    value = float(F.standard_normalize(z)[k])
    shown = ", ".join(f"{v:g}" for v in z)
    return Problem(
        prompt=(
            f"Plain normalization divides each score by the sum. For the scores "
            f"$[{shown}]$, what value does it give score {k + 1} ({z[k]:g})? (It "
            "may be negative or above 1, which is exactly the problem.)"
        ),
        check=check_number(
            value,
            places=3,
            mistakes=[
                (
                    float(F.softmax(z)[k]),
                    "that is softmax; here divide the score itself by the sum of the scores.",
                )
            ],
        ),
        hint=f"The sum is {z[0]:g} + {z[1]:g} + {z[2]:g}; divide {z[k]:g} by it.",
        solution=f"$${z[k]:g} / {z.sum():g} = {value:.4f}$$ **Answer: {value:.4f}**",
    )


def temperature_problem(rng: np.random.Generator) -> Problem:
    z = _logits(rng, 2)
    while z[0] == z[1]:
        z = _logits(rng, 2)
    temperature = float(rng.choice([0.5, 2.0, 4.0]))
    p = float(F.softmax(z / temperature)[0])
    return Problem(
        prompt=(
            f"With temperature $T = {temperature:g}$, softmax uses $z/T$. For logits "
            f"$[{z[0]:g}, {z[1]:g}]$, what probability does class 1 get?"
        ),
        check=check_number(
            p,
            places=3,
            percent=True,
            mistakes=[
                (
                    float(F.softmax(z)[0]),
                    "that is softmax at $T = 1$; divide the "
                    f"logits by $T = {temperature:g}$ first.",
                )
            ],
        ),
        hint=f"First divide both logits by {temperature:g}, then apply softmax.",
        solution=(
            f"$$\\begin{{aligned}}z/T &= [{z[0] / temperature:g}, {z[1] / temperature:g}] \\\\ "
            f"S_1 &= \\frac{{e^{{{z[0] / temperature:g}}}}}{{e^{{{z[0] / temperature:g}}} + "
            f"e^{{{z[1] / temperature:g}}}}} = {p:.4f}\\end{{aligned}}$$ **Answer: {p:.4f}**"
        ),
        placeholder="e.g. 0.57 or 57%",
    )


# -- view --------------------------------------------------------------------------------------


def _side_by_side() -> tuple[pn.Column, pn.widgets.TextInput]:
    logits = pn.widgets.TextInput(
        label="Logits (scores from the last layer)", value=LECTURE_LOGITS, width=320
    )
    presets = pn.widgets.Select(
        label="Try an example", options=list(PRESETS), value="Lecture logits", width=220
    )
    message = notice()
    plain_note = notice(kind="wrong")
    table = pn.pane.HTML(css_classes=["exp-table-pane"], margin=(0, 10))
    z0 = read_logits(LECTURE_LOGITS)
    # Same scale on both charts, so a negative or >1 "probability" stands out next to softmax.
    (soft_fig, soft_src), (plain_fig, plain_src) = (
        bar_chart(class_names(4), values, title=title, y_range=(-1.2, 2.2), height=240, width=300)
        for title, values in (
            ("Softmax", F.softmax(z0)),
            ("Plain normalization z / Σz", F.standard_normalize(z0)),
        )
    )

    def update(*_: object) -> None:
        z = read_input(
            message, lambda: read_logits(logits.value), "The charts keep your last valid logits."
        )
        if z is None:
            return
        cats = class_names(len(z))
        soft_fig.x_range.factors = cats
        plain_fig.x_range.factors = cats
        soft_src.data = bar_data(cats, F.softmax(z))
        plain, problem = plain_normalization(z)
        plain_src.data = bar_data(
            cats,
            plain if plain is not None else [0.0] * len(z),
            "{:.3f}" if plain is not None else "÷0",
        )
        show(plain_note, problem, "wrong" if problem else "")
        table.object = exp_table_html(z)

    share(example=presets)
    shared("logits", logits, check=read_logits)
    redraw_on(update, logits)
    presets.param.watch(lambda event: setattr(logits, "value", PRESETS[event.new]), "value")
    return (
        pn.Column(
            row(logits, presets),
            message,
            table,
            row(pn.pane.Bokeh(soft_fig), pn.pane.Bokeh(plain_fig)),
            plain_note,
            sizing_mode="stretch_width",
        ),
        logits,
    )


def _scaling() -> pn.Column:
    factor = pn.widgets.FloatSlider(
        label="Multiply the scores [2, 4] by", start=0.5, end=4, step=0.5, value=1, width=280
    )
    readout = pn.pane.HTML(css_classes=["scale-readout"], margin=(0, 10))

    def update(*_: object) -> None:
        c = factor.value
        z = [2 * c, 4 * c]
        soft, plain = F.softmax(z), F.standard_normalize(z)
        readout.object = (
            f"<p>scores [{z[0]:g}, {z[1]:g}]<br>softmax = [{soft[0]:.3f}, {soft[1]:.3f}]<br>"
            f"plain normalization = [{plain[0]:.3f}, {plain[1]:.3f}]</p>"
        )

    share(factor=factor)
    redraw_on(update, factor)
    return pn.Column(factor, readout, sizing_mode="stretch_width")


def _temperature(logits: pn.widgets.TextInput) -> pn.Column:
    temperature = pn.widgets.FloatSlider(
        label="Temperature T", start=0.1, end=5, step=0.1, value=1, width=280
    )
    names = class_names(4)
    fig, source = bar_chart(
        names,
        F.softmax([3.2, 1.3, 0.2, 0.8]),
        title="softmax(z / T)",
        y_range=(0, 1.15),
        height=240,
    )
    readout = pn.pane.HTML(css_classes=["temperature-readout"], margin=(0, 10))

    def update(*_: object) -> None:
        t = temperature.value
        try:
            z = np.asarray(read_logits(logits.value))
        except AnswerError:
            return  # the logits box above already says what is wrong
        p = F.softmax(z / t)
        cats = class_names(len(z))
        fig.x_range.factors = cats
        source.data = bar_data(cats, p)
        readout.object = (
            f"<p>T = {t:.1f}: largest probability {p.max():.3f}, entropy "
            f"{F.entropy(p, base=2):.3f} bits</p>"
        )

    share(temperature=temperature)
    redraw_on(update, temperature, logits)
    return pn.Column(
        temperature,
        readout,
        pn.pane.Bokeh(fig, sizing_mode="stretch_width"),
        sizing_mode="stretch_width",
    )


def _steps() -> tuple[pn.Column, ...]:
    """Steps 1-4: the temperature slider uses the logits typed in step 1."""
    side_by_side, logits = _side_by_side()
    return (
        lesson_step(
            "1 · From logits to probabilities",
            "A network's last layer produces one raw score, a **logit**, per class. Softmax "
            "turns them into probabilities: take $e^{z}$ of every score (always positive), "
            "then divide each by their sum (so they add up to 1). The table reproduces the "
            "lecture: $e^{3.2} = 24.5325$, and the dog gets "
            "$24.5325 / 31.6487 = 0.775$. (The formula adds the four rounded values; the "
            "table adds the exact ones, so its sum ends in 8.) Edit the logits, or pick an "
            "example, and compare with plain normalization, which just divides each score by "
            "the sum of scores.",
            Formula(r"S(z)_i = \frac{e^{z_i}}{\sum_{j=1}^{n} e^{z_j}}"),
            # The sum on lines of its own: beside the fraction it ran past a 390 px phone.
            Formula(
                r"\begin{aligned}\textstyle\sum_j e^{z_j} &= 24.5325 + 3.6693"
                r"\\ &\quad + 1.2214 + 2.2255 \\ &= 31.6487"
                r"\\ S(3.2) &= \frac{24.5325}{31.6487} = 0.775\end{aligned}"
            ),
            side_by_side,
            ShowCode(F.softmax),
            ShowCode(F.standard_normalize),
        ),
        lesson_step(
            "2 · Softmax notices how big the scores are",
            "Double the scores [2, 4] to [4, 8]. Plain normalization only sees the ratio, so "
            "it answers [0.333, 0.667] both times. Softmax depends on the **differences** "
            "between scores: a gap of 4 instead of 2 makes the network much more sure, "
            "[0.018, 0.982] instead of [0.119, 0.881]. A larger score gap should mean a more "
            "confident prediction, and only softmax says so.",
            _scaling(),
        ),
        lesson_step(
            "3 · Negative scores and zero sums",
            "Logits can be negative. Choose “A negative score” above: plain normalization "
            "hands out a negative “probability” and one above 1. Choose “Scores summing to 0”: "
            "it has to divide by 0 and fails. Softmax never does, because $e^{z} > 0$ for every "
            "$z$. And “Huge logits” shows the engine's safety trick: subtracting the largest "
            "logit before $e^{z}$ changes nothing in the ratio but keeps $e^{1000}$ from "
            "overflowing.",
        ),
        lesson_step(
            "4 · Temperature",
            "Dividing the logits by a temperature $T$ before softmax sharpens ($T < 1$) or "
            "flattens ($T > 1$) the distribution. At very low $T$ nearly all probability goes "
            "to the largest logit; at high $T$ the classes approach equal probability, the "
            "maximum-entropy distribution. The slider uses the logits you typed above.",
            _temperature(logits),
        ),
    )


SECTIONS = (_steps,)

EXERCISES = (
    ExerciseInfo("softmax-entry", "Softmax by hand", softmax_problem),
    ExerciseInfo("plain-entry", "Plain normalization", plain_problem),
    ExerciseInfo("temperature", "Turn up the temperature", temperature_problem),
)
