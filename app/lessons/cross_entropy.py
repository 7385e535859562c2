"""Cross-entropy lesson: the dog/cat/horse/cheetah example, the −log p penalty, training moving
the prediction from 0.775 to 0.938, and binary cross-entropy averaged over N data points.

Losses come from ``engine.functional.cross_entropy`` / ``binary_cross_entropy`` and the
probabilities from ``engine.functional.softmax``.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource

from app.components.answers import AnswerError, parse_vector
from app.components.charts import bar_chart, bar_data, line_chart
from app.components.code import ShowCode
from app.components.exercise import ExerciseInfo, Problem, check_number
from app.components.formula import Formula, Text
from app.components.layout import lesson_step, notice, redraw_on, row, show
from app.components.shared_link import share, shared
from app.components.slip import LectureSlip
from engine import functional as F

SLUG = "cross-entropy"
CLASSES = ("dog", "cat", "horse", "cheetah")
LECTURE_LOGITS = (3.2, 1.3, 0.2, 0.8)
#: The prediction as the lecture prints it (softmax of the logits, rounded to 3 decimals).
BEFORE = np.array([0.775, 0.116, 0.039, 0.070])
#: After training: the dog logit has grown until p(dog) = 0.938. Softmax keeps the ratios of the
#: other three, so they shrink by the same factor.
AFTER = np.concatenate([[0.938], BEFORE[1:] * (1 - 0.938) / BEFORE[1:].sum()])
BASES = {"bits (log₂)": 2.0, "nats (ln)": math.e}


def contributions(probs, true_class: int, base: float = 2.0) -> np.ndarray:
    """Each class's term −tᵢ·log pᵢ for a one-hot target: zero everywhere but the true class.

    Their sum is exactly ``F.cross_entropy(probs, true_class, base)``; the lesson shows the
    terms to make visible why the wrong classes contribute nothing.
    """
    target = F.one_hot([true_class], num_classes=len(probs))[0]
    logs = np.log(np.clip(np.asarray(probs, dtype=float), F.PROB_FLOOR, 1)) / math.log(base)
    return -target * logs + 0.0  # + 0.0 turns the -0.0 of the zero targets into 0.0


def training_prediction(progress: float) -> np.ndarray:
    """The prediction after a fraction ``progress`` (0 to 1) of the lecture's training."""
    t = min(max(progress, 0.0), 1.0)
    return (1 - t) * BEFORE + t * AFTER


def read_binary_table(targets_text: str, probs_text: str) -> tuple[list[float], list[float]]:
    """Targets (0 or 1) and predicted probabilities of class 1, as equally long lists."""
    try:
        targets = parse_vector(targets_text)
    except AnswerError as error:
        raise ValueError(f"Targets: {error}") from None
    try:
        probs = parse_vector(probs_text, percent=True)
    except AnswerError as error:
        raise ValueError(f"Probabilities: {error}") from None
    if any(t not in (0, 1) for t in targets):
        raise ValueError("Each target is a class label: 0 or 1.")
    if any(not 0 <= p <= 1 for p in probs):
        raise ValueError("Each probability must lie between 0 and 1.")
    if len(targets) != len(probs):
        raise ValueError(
            f"There are {len(targets)} targets but {len(probs)} probabilities: one of each "
            "per data point."
        )
    return targets, probs


# -- exercises ---------------------------------------------------------------------------------


def _random_prediction(rng: np.random.Generator) -> np.ndarray:
    probs = np.round(F.softmax(rng.normal(0, 1.5, size=4)), 3)
    probs[np.argmax(probs)] += round(1 - probs.sum(), 3)  # keep the printed numbers summing to 1
    return probs


def true_class_problem(rng: np.random.Generator) -> Problem:
    probs = _random_prediction(rng)
    true = int(rng.integers(0, 4))
    bits = F.cross_entropy(probs, true, base=2)
    everything = float(-np.log2(np.clip(probs, 1e-12, 1)).sum())
    shown = ", ".join(f"{c} {p:.3f}" for c, p in zip(CLASSES, probs, strict=True))
    return Problem(
        prompt=(
            f"A network predicts {shown}. The image is really a **{CLASSES[true]}**. What is "
            "the categorical cross-entropy loss in **bits**?"
        ),
        check=check_number(
            bits,
            places=3,
            mistakes=[
                (bits * math.log(2), "that is the loss in nats; bits use $\\log_2$."),
                (
                    everything,
                    "you added $-\\log_2 p$ for every class. The one-hot target is 0 "
                    "for the wrong classes, so only the true class counts.",
                ),
            ],
        ),
        hint=(
            f"The target is one-hot, so $L = -\\log_2 p_{{\\text{{{CLASSES[true]}}}}}$; "
            "the other three terms are multiplied by 0."
        ),
        solution=(
            f"$$L = -\\sum_i t_i\\log_2 p_i = -\\log_2 {probs[true]:.3f} = {bits:.4f}"
            f"\\text{{ bits}}$$ **Answer: {bits:.4f}**"
        ),
    )


def binary_mean_problem(rng: np.random.Generator) -> Problem:
    n = int(rng.integers(3, 5))
    targets = rng.integers(0, 2, size=n).astype(float)
    probs = np.round(rng.uniform(0.05, 0.95, size=n), 2)
    nats = F.binary_cross_entropy(probs, targets)
    table = "\n".join(
        f"| {j + 1} | {int(t)} | {p:.2f} |"
        for j, (t, p) in enumerate(zip(targets, probs, strict=True))
    )
    terms = " + ".join(
        f"\\ln {p:.2f}" if t == 1 else f"\\ln(1-{p:.2f})"
        for t, p in zip(targets, probs, strict=True)
    )
    return Problem(
        prompt=(
            "A binary classifier gives these probabilities of class 1. What is the binary "
            "cross-entropy, **averaged over the data points**, with the natural log (nats)?"
            "\n\n| point | target t | p |\n|---|---|---|\n" + table
        ),
        check=check_number(
            nats,
            places=3,
            mistakes=[
                (nats * n, f"that is the sum over the {n} points; divide by N = {n}."),
                (nats / math.log(2), "that is in bits; this question uses ln."),
            ],
        ),
        hint=(
            "For each point take $-\\ln p$ if $t = 1$ and $-\\ln(1-p)$ if $t = 0$; then "
            f"average the {n} numbers."
        ),
        solution=f"$$L = -\\tfrac{{1}}{{{n}}}\\left[{terms}\\right] = {nats:.4f}$$ "
        f"**Answer: {nats:.4f}**",
    )


def probability_from_loss_problem(rng: np.random.Generator) -> Problem:
    p_true = float(rng.choice([0.5, 0.25, 0.125, 0.8, 0.9, 0.6, 0.7, 0.95]))
    bits = F.cross_entropy([p_true, 1 - p_true], 0, base=2)
    return Problem(
        prompt=(
            f"After an update the cross-entropy loss on an image is **{bits:.4f} bits**. "
            "What probability did the network give the true class?"
        ),
        check=check_number(
            p_true,
            places=2,
            percent=True,
            mistakes=[(1 - p_true, "that is the probability left for the other classes.")],
        ),
        hint="Undo the logarithm: $L = -\\log_2 p$ means $p = 2^{-L}$.",
        solution=f"$$p = 2^{{-{bits:.4f}}} = {p_true:.4f}$$ **Answer: {p_true:.2f}**",
        placeholder="e.g. 0.57 or 57%",
    )


# -- view --------------------------------------------------------------------------------------


def _prediction_vs_truth() -> pn.Column:
    true_class = pn.widgets.RadioButtonGroup(
        label="True class of the image", options=list(CLASSES), value="dog"
    )
    probs = F.softmax(LECTURE_LOGITS)
    pred_fig, _ = bar_chart(
        CLASSES,
        probs,
        title="Predicted probabilities (softmax)",
        y_range=(0, 1.15),
        height=230,
        width=300,
    )
    truth_fig, truth_src = bar_chart(
        CLASSES,
        [1, 0, 0, 0],
        title="Truth (one-hot target)",
        y_range=(0, 1.15),
        fmt="{:.0f}",
        height=230,
        width=300,
    )
    terms_fig, terms_src = bar_chart(
        CLASSES,
        contributions(BEFORE, 0),
        title="Contribution −tᵢ·log₂ pᵢ (bits)",
        height=230,
        width=300,
        y_range=(0, 5.2),
    )
    total = pn.pane.HTML(css_classes=["ce-total"], margin=(0, 10))

    def update(*_: object) -> None:
        name = true_class.value
        k = CLASSES.index(name)
        truth_src.data = bar_data(CLASSES, F.one_hot([k], 4)[0], "{:.0f}")
        terms = contributions(BEFORE, k)
        terms_src.data = bar_data(CLASSES, terms, "{:.4f}")
        total.object = (
            f"<p>Loss for a <b>{name}</b> image: −log₂ {BEFORE[k]:.3f} = "
            f'<span class="ce-bits">{terms[k]:.4f}</span> bits</p>'
        )

    share(truth=true_class)
    redraw_on(update, true_class)
    return pn.Column(
        true_class,
        row(*(pn.pane.Bokeh(f) for f in (pred_fig, truth_fig, terms_fig))),
        total,
        sizing_mode="stretch_width",
    )


def _penalty_curve() -> pn.viewable.Viewable:
    p = np.linspace(0.005, 1, 300)
    fig = line_chart(
        title="Penalty −log₂ p for the probability p of the true class",
        x_label="p (true class)",
        y_label="loss in bits",
        y_range=(0, 8),
    )
    fig.line(p, -np.log2(p), line_width=2, color="#dc2626")
    marks = ColumnDataSource({"p": [0.775, 0.938], "loss": [-math.log2(0.775), -math.log2(0.938)]})
    fig.scatter("p", "loss", source=marks, size=10, color="#2563eb")
    return pn.pane.Bokeh(fig, sizing_mode="stretch_width")


def _training() -> pn.Column:
    slider = pn.widgets.FloatSlider(
        label="Training progress", start=0, end=1, step=0.1, value=0, width=280
    )
    fig, source = bar_chart(
        CLASSES, BEFORE, title="Prediction during training", y_range=(0, 1.15), height=230
    )
    readout = pn.pane.HTML(css_classes=["training-readout"], margin=(0, 10))

    def update(*_: object) -> None:
        probs = training_prediction(slider.value)
        source.data = bar_data(CLASSES, probs)
        loss = F.cross_entropy(probs, 0, base=2)
        readout.object = (
            f'<p>p(dog) = <span class="p-dog">{probs[0]:.3f}</span> &nbsp; loss = '
            f'<span class="loss-bits">{loss:.4f}</span> bits</p>'
        )

    share(progress=slider)
    redraw_on(update, slider)
    return pn.Column(
        slider,
        readout,
        pn.pane.Bokeh(fig, sizing_mode="stretch_width"),
        sizing_mode="stretch_width",
    )


def _binary_table() -> pn.Column:
    targets = pn.widgets.TextInput(label="Targets t (0 or 1)", value="1, 0, 1, 1", width=260)
    probs = pn.widgets.TextInput(
        label="Predicted p = P(class 1)", value="0.9, 0.2, 0.6, 0.7", width=260
    )
    unit = pn.widgets.RadioButtonGroup(label="Logarithm", options=list(BASES), value="nats (ln)")
    message = notice()
    table = pn.pane.HTML(css_classes=["bce-table"], margin=(0, 10))

    def update(*_: object) -> None:
        unit_name = unit.value
        try:
            t, p = read_binary_table(targets.value, probs.value)
        except ValueError as error:
            show(message, f"{error} The table keeps the last valid data.")
            return
        base = BASES[unit_name]
        # A probability of exactly 0 for the true class has loss −log 0 = ∞; the engine clips
        # it to PROB_FLOOR, and a student must be told the number shown is that clipped one.
        certain_wrong = [j for j, (tj, pj) in enumerate(zip(t, p, strict=True)) if pj == 1 - tj]
        rows = "".join(
            f"<tr><td>{j + 1}</td><td>{int(tj)}</td><td>{pj:.3g}</td>"
            f"<td>{F.binary_cross_entropy([pj], [tj], base=base):.4f}"
            f"{'*' if j in certain_wrong else ''}</td></tr>"
            for j, (tj, pj) in enumerate(zip(t, p, strict=True))
        )
        mean = F.binary_cross_entropy(p, t, base=base)
        if certain_wrong:
            points = ", ".join(str(j + 1) for j in certain_wrong)
            show(
                message,
                f"\\* Point {points}: the network gave the true class probability 0, so the "
                "true loss $-\\log 0$ is **infinite**. The engine clips probabilities to "
                f"$10^{{-12}}$ before the log, so the table shows $-\\log 10^{{-12}}$ "
                f"= {-math.log(F.PROB_FLOOR, base):.4f} instead (and the mean is finite only "
                "because of that clipping).",
                "info",
            )
        else:
            show(message, "")
        table.object = (
            '<table style="border-collapse:collapse" border="1" cellpadding="4">'
            "<caption>Binary cross-entropy per data point</caption>"
            "<tr><th>j</th><th>t</th><th>p</th><th>−[t log p + (1−t) log(1−p)]</th></tr>"
            f"{rows}</table><p>Mean over N = {len(t)}: "
            f'<b class="bce-mean">{mean:.4f}</b> {unit_name.split()[0]}</p>'
        )

    # Each list on its own; a length mismatch is the lesson's message, as when typed.
    shared("targets", targets, check=parse_vector)
    shared("probabilities", probs, check=partial(parse_vector, percent=True))
    share(log=unit)
    redraw_on(update, targets, probs, unit)
    return pn.Column(row(targets, probs, unit), message, table, sizing_mode="stretch_width")


def _prediction_step() -> pn.Column:
    return lesson_step(
        "1 · Prediction against the truth",
        "A network looks at a photo and, through softmax, gives one probability per class: "
        "dog, cat, horse, cheetah. The truth is a **one-hot** vector: 1 for the real class, "
        "0 for the others. Cross-entropy multiplies each $-\\log_2 p_i$ by its target $t_i$ "
        "and adds them up, so only the true class's term survives. Pick the true class and "
        "watch which bar of the contributions lights up.",
        Formula(r"L_{CE} = -\sum_{i=1}^{n} t_i \log_2 p_i = -\log_2 p_{\text{true}}"),
        _prediction_vs_truth(),
        Text(
            "The lecture's dog example: $-\\log_2 0.775 = 0.3677$ bits. (With the "
            "unrounded softmax output 0.77515 the loss is 0.3675 bits; the lecture "
            "rounds the probability first.)"
        ),
        LectureSlip(
            "$0 \\cdot \\log_2(0.126)$ for the cat in the loss",
            "0.116",
            "softmax of the logits [3.2, 1.3, 0.2, 0.8] gives the cat 0.116, as the "
            "lecture's own prediction vector says. The typo does not change the loss: the "
            "cat's target is 0, so its term vanishes either way.",
        ),
        ShowCode(F.cross_entropy),
    )


def _penalty_step() -> pn.Column:
    return lesson_step(
        "2 · The penalty −log p",
        "Why a logarithm? Look at the curve: a confident right answer ($p$ near 1) costs "
        "almost nothing, a hesitant one costs about a bit, and a confident wrong one "
        "($p$ near 0) costs without limit. The blue dots are the dog example before and "
        "after training.",
        _penalty_curve(),
    )


def _training_step() -> pn.Column:
    return lesson_step(
        "3 · Training lowers the loss",
        "Training nudges the weights so the dog's logit grows. Softmax then gives the dog "
        "more probability and the loss falls. Move the slider from the lecture's first "
        "prediction (0.775) to the one after some training (0.938).",
        _training(),
        LectureSlip(
            "$-\\log_2(0.938) = 0.095$",
            "0.0923",
            "$\\log_2 0.938 = \\ln 0.938 / \\ln 2 = -0.0640 / 0.6931 = -0.0923$. The "
            "conclusion stands: the loss fell from 0.3677 to 0.0923 bits, so the model is "
            "learning.",
        ),
    )


def _binary_cross_entropy_step() -> pn.Column:
    return lesson_step(
        "4 · Binary cross-entropy over N data points",
        "With two classes the target is $t \\in \\{0, 1\\}$ and one probability $p$ says "
        "how sure the model is of class 1; class 0 gets $1-p$. The two-class sum becomes "
        "$-[t\\log p + (1-t)\\log(1-p)]$, and over a data set we take the mean. Edit the "
        "table: try a confident mistake such as $t = 1$, $p = 0.01$.",
        Formula(r"L = -\frac{1}{N}\sum_{j=1}^{N}\big[t_j\log p_j + (1-t_j)\log(1-p_j)\big]"),
        _binary_table(),
        ShowCode(F.binary_cross_entropy),
    )


def _ln_or_log_step() -> pn.Column:
    return lesson_step(
        "5 · ln or log₂?",
        "The lecture counts in **bits** ($\\log_2$), the natural unit of information. "
        "Frameworks such as PyTorch use the natural log $\\ln$ (**nats**). The two differ "
        "only by a constant factor, $\\ln p = \\log_2 p \\cdot \\ln 2$, so the same weights "
        "minimize both. $\\ln$ is chosen because its derivative is simply $1/p$: together "
        "with softmax, the gradient of the loss with respect to the logits becomes just "
        "$p - t$, with no stray $\\ln 2$ factors.",
    )


SECTIONS = (
    _prediction_step,
    _penalty_step,
    _training_step,
    _binary_cross_entropy_step,
    _ln_or_log_step,
)

EXERCISES = (
    ExerciseInfo("true-class", "Only the truth counts", true_class_problem),
    ExerciseInfo("binary-mean", "Binary, averaged", binary_mean_problem),
    ExerciseInfo(
        "probability-from-loss", "From loss back to probability", probability_from_loss_problem
    ),
)
