"""A numerically stable softmax and one-hot encoding, written by the student."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.code_exercises.spec import Case, CodeExercise
from engine import functional as F

# -- softmax -------------------------------------------------------------------------------------

SOFTMAX_STARTER = '''import numpy as np


def softmax(z):
    """Probabilities from a 1-D array of logits z: exp(z[i]) / sum over j of exp(z[j]).

    It must work for large logits too: softmax(np.array([1000.0, 1001.0])) is
    [0.269, 0.731], even though exp(1000) overflows.
    The lecture's logits [3.2, 1.3, 0.2, 0.8] give about [0.775, 0.116, 0.039, 0.070].
    """
    pass  # your code here: return an array like z
'''

SOFTMAX_SOLUTION = """import numpy as np


def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z))  # the largest exponent is exp(0) = 1: no overflow
    return e / np.sum(e)
"""


def _softmax_cases(rng: np.random.Generator) -> list[Case]:
    fixed = [
        ("negative logits", [-3.0, -1.0, -2.0, -7.5]),
        ("large logits (exp overflows without care)", [1000.0, 1001.0, 999.0]),
        ("very negative logits", [-1000.0, -999.0]),
        ("equal logits", [2.0, 2.0, 2.0]),
        ("a single logit", [5.0]),
    ]
    cases = [Case(label, (("z", np.array(z)),)) for label, z in fixed]
    for _ in range(3):
        cases.append(Case("random logits", (("z", rng.normal(0, 3, rng.integers(2, 9))),)))
    return cases


def _softmax_diagnose(case: Case, expected: Any, actual: Any) -> str | None:
    values = np.asarray(actual, dtype=float)
    if not np.isfinite(values).all():
        return (
            "exp overflowed (or every exp became 0): subtract the largest logit before "
            "exponentiating. It cancels in the ratio, so the result is the same, and the "
            "largest exponent becomes exp(0) = 1."
        )
    z = np.asarray(dict(case.args)["z"], dtype=float)
    if z.sum() != 0 and values.shape == z.shape and np.allclose(values, z / z.sum()):
        return "That is plain normalization z / sum(z): softmax exponentiates first."
    return None


SOFTMAX = CodeExercise(
    exercise_id="code-softmax",
    lesson="softmax",
    title="Write it yourself: a numerically stable softmax",
    prompt=(
        "Implement $S(z)_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}$ for a 1-D array of logits, in a "
        "way that survives logits such as 1000 (where `np.exp` overflows). **Check** compares it "
        "with the engine's `softmax` on the lecture's logits and on hidden cases."
    ),
    function="softmax",
    starter=SOFTMAX_STARTER,
    solution=SOFTMAX_SOLUTION,
    reference=F.softmax,
    example=Case("the lecture's logits", (("z", np.array([3.2, 1.3, 0.2, 0.8])),)),
    cases=_softmax_cases,
    hints=(
        "`np.exp(z)` exponentiates every logit; divide by `np.sum` of the result.",
        "$\\frac{e^{z_i - m}}{\\sum_j e^{z_j - m}} = \\frac{e^{z_i}}{\\sum_j e^{z_j}}$ for any "
        "$m$: take $m$ = `np.max(z)` so no exponent is positive.",
    ),
    diagnose=_softmax_diagnose,
)

# -- one-hot encoding ----------------------------------------------------------------------------

ONE_HOT_STARTER = '''import numpy as np


def one_hot(labels, num_classes):
    """One row per label with a 1 in the label's column and 0 elsewhere.

    labels: 1-D array of class indices 0 .. num_classes - 1. Returns a float array of shape
    (len(labels), num_classes). With dog=0, cat=1, horse=2, cheetah=3,
    one_hot(np.array([1, 0]), 4) is [[0, 1, 0, 0], [1, 0, 0, 0]].
    """
    pass  # your code here: return a 2-D array
'''

ONE_HOT_SOLUTION = """import numpy as np


def one_hot(labels, num_classes):
    labels = np.asarray(labels, dtype=int)
    encoded = np.zeros((labels.size, num_classes))
    encoded[np.arange(labels.size), labels] = 1.0  # row i gets its 1 in column labels[i]
    return encoded
"""


def _one_hot_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case(
            "a class no label uses (5 classes, labels up to 2)",
            (("labels", np.array([2, 0, 1, 2])), ("num_classes", 5)),
        ),
        Case("a single label", (("labels", np.array([3])), ("num_classes", 4))),
    ]
    for _ in range(3):
        k = int(rng.integers(2, 7))
        labels = rng.integers(0, k, int(rng.integers(1, 9)))
        cases.append(Case("random labels", (("labels", labels), ("num_classes", k))))
    return cases


def _one_hot_diagnose(case: Case, expected: Any, actual: Any) -> str | None:
    shape = np.shape(actual)
    if shape == expected.shape[::-1] and shape != expected.shape:
        return "Rows and columns are swapped: one row per label, one column per class."
    labels = dict(case.args)["labels"]
    if shape == (labels.size, int(labels.max()) + 1) and shape != expected.shape:
        return "The number of columns must be num_classes, even for classes no label uses."
    return None


ONE_HOT = CodeExercise(
    exercise_id="code-one-hot",
    lesson="encoding",
    title="Write it yourself: one-hot encoding",
    prompt=(
        "Turn integer labels into one-hot rows: label $c$ becomes a row of `num_classes` zeros "
        "with a 1 in column $c$. **Check** compares your function with the engine's `one_hot`."
    ),
    function="one_hot",
    starter=ONE_HOT_STARTER,
    solution=ONE_HOT_SOLUTION,
    reference=F.one_hot,
    example=Case(
        "the lesson's animals: cat, dog, cheetah, dog, horse",
        (("labels", np.array([1, 0, 3, 0, 2])), ("num_classes", 4)),
    ),
    cases=_one_hot_cases,
    hints=(
        "Start from `np.zeros((len(labels), num_classes))`.",
        "Fancy indexing sets one cell per row: `out[np.arange(len(labels)), labels] = 1`.",
    ),
    diagnose=_one_hot_diagnose,
)
