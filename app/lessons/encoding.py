"""Encoding lesson: integer (label) codes vs one-hot vectors, ordinal vs nominal data, the false
order and distances integer codes invent, and one-hot targets in cross-entropy.

Codes come from ``engine.functional.integer_encode`` and ``one_hot``; the loss from
``cross_entropy``.
"""

from __future__ import annotations

import html
import math

import numpy as np
import panel as pn

from app.components.choices import ChangingSelect
from app.components.code import ShowCode
from app.components.exercise import (
    ExerciseInfo,
    Problem,
    check_choice,
    check_number,
    check_vector,
)
from app.components.formula import Formula
from app.components.layout import lesson_step, notice, read_input, redraw_on, row
from app.components.matrix import MatrixView
from app.components.messages import literal
from app.components.shared_link import share, shared
from engine import functional as F

SLUG = "encoding"
ANIMALS = ("dog", "cat", "horse", "cheetah")
IRIS = ("Iris setosa", "Iris versicolor", "Iris virginica")
SERVICE = ("poor", "neutral", "good")
#: The lecture's prediction for the dog photo (softmax of [3.2, 1.3, 0.2, 0.8], rounded).
PREDICTION = (0.775, 0.116, 0.039, 0.070)
SAMPLE_TABLE = "cat, dog, cheetah, dog, horse"

ORDINAL = "ordinal → integer codes"
NOMINAL = "nominal → one-hot"
#: Attributes for the classification exercise: (attribute, example values, kind).
ATTRIBUTES = (
    ("Service rating", "poor, neutral, good", ORDINAL),
    ("T-shirt size", "S, M, L, XL", ORDINAL),
    ("Education level", "primary, secondary, university", ORDINAL),
    ("Pain on a scale", "none, mild, moderate, severe", ORDINAL),
    ("Medal", "bronze, silver, gold", ORDINAL),
    ("Iris species", "setosa, versicolor, virginica", NOMINAL),
    ("Animal in a photo", "dog, cat, horse, cheetah", NOMINAL),
    ("Country of birth", "Kenya, Peru, India, Norway", NOMINAL),
    ("Eye colour", "brown, blue, green, grey", NOMINAL),
    ("Payment method", "cash, card, transfer", NOMINAL),
    ("Handwritten digit class (MNIST)", "0, 1, …, 9 as shapes to recognise", NOMINAL),
)


def read_labels(text: str, classes: tuple[str, ...] = ANIMALS) -> list[str]:
    """Sample labels typed as ``cat, dog, ...``; ValueError names any unknown label."""
    labels = [part.strip().lower() for part in (text or "").split(",") if part.strip()]
    if not labels:
        raise ValueError("Type at least one label, e.g. cat, dog, horse.")
    if len(labels) > 12:
        raise ValueError("Twelve rows are enough to see the pattern; please type at most 12.")
    unknown = [label for label in dict.fromkeys(labels) if label not in classes]
    if unknown:
        raise ValueError(
            f"Unknown class “{literal(unknown[0])}”. The classes are: {', '.join(classes)}."
        )
    return labels


def code_distances(classes: tuple[str, ...], a: str, b: str) -> tuple[float, float]:
    """Distance between two classes as integer codes and as one-hot vectors (Euclidean)."""
    codes, order = F.integer_encode([a, b], order=classes)
    vectors = F.one_hot(codes, num_classes=len(order))
    return float(abs(codes[0] - codes[1])), float(np.linalg.norm(vectors[0] - vectors[1]))


# -- exercises ---------------------------------------------------------------------------------


def attribute_problem(rng: np.random.Generator) -> Problem:
    name, values, kind = ATTRIBUTES[int(rng.integers(0, len(ATTRIBUTES)))]
    why_ordinal = "its values have a natural order, so codes 0, 1, 2, … keep that order."
    why_nominal = "its values are names with no order; integer codes would invent one."
    return Problem(
        prompt=(
            f"**{name}**: {values}. Is this attribute ordinal or nominal, and which encoding "
            "fits it?"
        ),
        check=check_choice(
            kind,
            {
                ORDINAL: why_ordinal if kind == ORDINAL else why_nominal,
                NOMINAL: why_nominal if kind == NOMINAL else why_ordinal,
            },
        ),
        hint="Ask yourself: does “larger than” make sense between two of the values?",
        solution=(
            f"{name} is **{'ordinal' if kind == ORDINAL else 'nominal'}**: "
            f"{why_ordinal if kind == ORDINAL else why_nominal} **Answer: {kind}**"
        ),
        answer_label="Your choice",
    )


def one_hot_problem(rng: np.random.Generator) -> Problem:
    classes = tuple(rng.permutation((*ANIMALS, "zebra", "lion"))[: int(rng.integers(3, 7))])
    label = str(rng.choice(classes))
    codes, _ = F.integer_encode([label], order=classes)
    vector = F.one_hot(codes, num_classes=len(classes))[0]
    return Problem(
        prompt=(
            f"The classes, in this order, are **{', '.join(classes)}**. Type the one-hot "
            f"vector of **{label}** (numbers separated by commas)."
        ),
        check=check_vector(
            vector,
            mistakes=[
                (vector[::-1], "you counted the positions from the other end."),
            ]
            if not np.array_equal(vector, vector[::-1])
            else [],
        ),
        hint=f"One entry per class; a 1 at the position of {label}, 0 everywhere else.",
        solution=(
            f"{label} is class number {int(codes[0]) + 1} of {len(classes)} (integer code "
            f"{int(codes[0])}). **Answer: [{', '.join(f'{v:g}' for v in vector)}]**"
        ),
        placeholder="e.g. 0, 1, 0",
    )


def one_hot_loss_problem(rng: np.random.Generator) -> Problem:
    probs = np.round(F.softmax(rng.normal(0, 1.2, size=4)), 3)
    probs[np.argmax(probs)] += round(1 - probs.sum(), 3)
    true = int(rng.integers(0, 4))
    target = F.one_hot([true], num_classes=4)[0]
    nats = F.cross_entropy(probs, target)
    shown = ", ".join(f"{p:.3f}" for p in probs)
    return Problem(
        prompt=(
            f"Classes [dog, cat, horse, cheetah]; the one-hot target is "
            f"$t = [{', '.join(f'{v:g}' for v in target)}]$ and the prediction "
            f"$p = [{shown}]$. What is $-\\sum_i t_i \\ln p_i$ (in nats)?"
        ),
        check=check_number(
            nats,
            places=3,
            mistakes=[(nats / math.log(2), "that is in bits; this question uses $\\ln$.")],
        ),
        hint="Three of the four $t_i$ are 0, so only one term of the sum is left.",
        solution=(
            f"$$-\\sum_i t_i \\ln p_i = -\\ln {probs[true]:.3f} = {nats:.4f}$$ "
            f"**Answer: {nats:.4f}**"
        ),
    )


# -- view --------------------------------------------------------------------------------------


def _codes_html(title: str, values: tuple[str, ...], order: tuple[str, ...] | None) -> str:
    codes, _ = F.integer_encode(values, order=order)
    rows = "".join(
        f"<tr><td>{html.escape(v)}</td><td>{c}</td></tr>"
        for v, c in zip(values, codes, strict=True)
    )
    return (
        f'<table border="1" cellpadding="4" style="border-collapse:collapse">'
        f"<caption>{html.escape(title)}</caption><tr><th>value</th><th>integer code</th></tr>"
        f"{rows}</table>"
    )


def _integer_vs_one_hot() -> pn.Column:
    codes, _ = F.integer_encode(ANIMALS, order=ANIMALS)
    matrix = MatrixView(
        F.one_hot(codes),
        title="One-hot vectors of the four classes",
        row_labels=list(ANIMALS),
        col_labels=list(ANIMALS),
        fmt="g",
        cell_size=56,
    )
    return pn.Column(
        row(
            pn.pane.HTML(
                _codes_html("Integer encoding (lecture order)", ANIMALS, ANIMALS), margin=(0, 10)
            ),
            matrix,
        ),
        sizing_mode="stretch_width",
    )


def _ordinal_vs_nominal() -> pn.Column:
    order = pn.widgets.RadioButtonGroup(
        label="Order of the iris classes",
        options=["as in the lecture", "alphabetical, reversed"],
        value="as in the lecture",
    )
    iris = pn.pane.HTML(margin=(0, 10), css_classes=["iris-codes"])

    def update(*_: object) -> None:
        classes = IRIS if order.value == "as in the lecture" else tuple(sorted(IRIS, reverse=True))
        iris.object = _codes_html("Nominal: iris species", IRIS, classes)

    share(order=order)
    redraw_on(update, order)
    return pn.Column(
        row(
            pn.pane.HTML(_codes_html("Ordinal: service rating", SERVICE, SERVICE), margin=(0, 10)),
            pn.Column(order, iris),
        ),
        sizing_mode="stretch_width",
    )


def _false_distances() -> pn.Column:
    first = pn.widgets.Select(label="First class", options=list(ANIMALS), value="dog", width=160)
    second = pn.widgets.Select(
        label="Second class", options=list(ANIMALS), value="horse", width=160
    )
    readout = pn.pane.HTML(css_classes=["distance-readout"], margin=(0, 10))

    def update(*_: object) -> None:
        a, b = first.value, second.value
        integer, hot = code_distances(ANIMALS, a, b)
        codes, _ = F.integer_encode([a, b], order=ANIMALS)
        mean = (codes[0] + codes[1]) / 2
        between = ANIMALS[int(mean)] if mean == int(mean) else None
        average = (
            f"The average of their codes, {mean:g}, is the code of <b>{between}</b>: a model "
            f"that hesitates between a {a} and a {b} would be read as “{between}”."
            if between not in (None, a, b)
            else f"The average of their codes is {mean:g}."
        )
        readout.object = (
            f"<p>Integer codes: |{codes[0]} − {codes[1]}| = <b>{integer:g}</b> &nbsp; "
            f"One-hot: ‖e<sub>{a}</sub> − e<sub>{b}</sub>‖ = <b>{hot:.3f}</b></p><p>{average}</p>"
        )

    share(first=first, second=second)
    redraw_on(update, first, second)
    return pn.Column(row(first, second), readout, sizing_mode="stretch_width")


def _one_hot_table() -> pn.Column:
    labels_input = pn.widgets.TextInput(
        label="Labels of your samples (comma separated)",
        value=SAMPLE_TABLE,
        sizing_mode="stretch_width",
        max_width=460,
    )
    message = notice()
    labels = read_labels(SAMPLE_TABLE)
    matrix = MatrixView(
        _one_hot_rows(labels),
        title="One-hot matrix T",
        row_labels=_row_names(labels),
        col_labels=list(ANIMALS),
        fmt="g",
    )
    sample = ChangingSelect(
        label="Sample for the loss",
        options=_row_names(labels),
        value=_row_names(labels)[0],
        width=200,
    )
    loss = pn.pane.HTML(css_classes=["one-hot-loss"], margin=(0, 10))

    def update(text: str) -> None:
        new_labels = read_input(
            message, lambda: read_labels(text), "The matrix keeps your last valid table."
        )
        if new_labels is None:
            return
        labels[:] = new_labels  # before the sample picker changes: describe() reads it
        names = _row_names(new_labels)
        matrix.param.update(values=_one_hot_rows(new_labels), row_labels=names)
        sample.param.update(options=names, value=names[0])
        describe(sample.value)

    def describe(name: str | None) -> None:
        if name is None:
            return
        label = labels[_row_names(labels).index(name)]
        target = F.one_hot(F.integer_encode([label], order=ANIMALS)[0], num_classes=4)[0]
        bits = F.cross_entropy(PREDICTION, target, base=2)
        terms = " + ".join(f"{t:g}·log₂ {p:.3f}" for t, p in zip(target, PREDICTION, strict=True))
        loss.object = (
            f"<p>Target row t = [{', '.join(f'{v:g}' for v in target)}] against the lecture's "
            f"prediction p = [{', '.join(f'{p:.3f}' for p in PREDICTION)}]:<br>"
            f"L = −({terms}) = <b>{bits:.4f}</b> bits</p>"
        )

    shared("labels", labels_input, check=read_labels)
    share(sample=sample)
    pn.bind(update, labels_input, watch=True)
    pn.bind(describe, sample, watch=True)
    describe(sample.value)
    return pn.Column(labels_input, message, matrix, sample, loss, sizing_mode="stretch_width")


def _row_names(labels: list[str]) -> list[str]:
    return [f"{i + 1}: {label}" for i, label in enumerate(labels)]


def _one_hot_rows(labels: list[str]) -> np.ndarray:
    codes, _ = F.integer_encode(labels, order=ANIMALS)
    return F.one_hot(codes, num_classes=len(ANIMALS))


def _encodings_step() -> pn.Column:
    return lesson_step(
        "1 · Labels must become numbers",
        "A network computes with numbers, but the truth for a photo is a word: dog, cat, "
        "horse or cheetah. **Integer (label) encoding** gives each class a number: dog 0, "
        "cat 1, horse 2, cheetah 3. **One-hot encoding** gives each class its own "
        "position in a vector and puts a single 1 there.",
        _integer_vs_one_hot(),
        ShowCode(F.integer_encode),
        ShowCode(F.one_hot),
    )


def _ordinal_or_nominal_step() -> pn.Column:
    return lesson_step(
        "2 · Ordinal or nominal?",
        "Some categories come with an order: a service is poor < neutral < good. Then the "
        "integer codes 0 < 1 < 2 carry real information, and integer encoding is a good "
        "fit. Other categories are just **names**: iris setosa, versicolor and virginica "
        "have no order at all. Their integer codes depend on whatever order someone "
        "listed them in; switch the order and the same flower gets another number.",
        _ordinal_vs_nominal(),
    )


def _false_distances_step() -> pn.Column:
    return lesson_step(
        "3 · False order, false distances",
        "Integer codes for nominal classes quietly tell the model that a horse (2) is "
        "“more” than a dog (0) and twice as far from it as a cat (1) is. Those are "
        "inventions. One-hot vectors keep every pair of classes at the same distance, "
        "$\\sqrt{2}$, so no class is closer or larger than another. Pick two classes.",
        _false_distances(),
    )


def _one_hot_loss_step() -> pn.Column:
    return lesson_step(
        "4 · The one-hot matrix and the loss",
        "For a table of samples, stack the one-hot rows into a matrix $T$ with one row per "
        "sample and one column per class. Each row is exactly the target $t$ in the "
        "cross-entropy $L = -\\sum_i t_i\\log p_i$: its single 1 picks out the log of the "
        "true class's probability. Type your own table of animals and pick a sample.",
        Formula(r"L = -\sum_{i} t_i \log_2 p_i \quad\text{with } t = \text{one-hot row}"),
        _one_hot_table(),
    )


SECTIONS = (
    _encodings_step,
    _ordinal_or_nominal_step,
    _false_distances_step,
    _one_hot_loss_step,
)

EXERCISES = (
    ExerciseInfo(
        "ordinal-or-nominal", "Ordinal or nominal?", attribute_problem, options=(ORDINAL, NOMINAL)
    ),
    ExerciseInfo("one-hot-vector", "Write a one-hot vector", one_hot_problem),
    ExerciseInfo("one-hot-loss", "One-hot target, loss", one_hot_loss_problem),
)
