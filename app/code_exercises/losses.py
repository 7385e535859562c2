"""Entropy and cross-entropy in bits, the lecture's first two formulas, written by the student."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.code_exercises.spec import Case, CodeExercise, Diagnose
from engine import functional as F


def _has_nan(actual: Any) -> bool:
    try:
        return bool(np.isnan(np.asarray(actual, dtype=float)).any())
    except (TypeError, ValueError):
        return False


def _in_nats(expected: Any, actual: Any) -> bool:
    try:
        return math.isclose(float(actual), float(expected) * math.log(2), rel_tol=1e-6)
    except (TypeError, ValueError):
        return False


def _log2_diagnose(nan: str, nats: str) -> Diagnose:
    """A diagnosis for a sum of p·log2 terms: ``nan`` when the answer holds a nan (a 0·log 0
    term), ``nats`` when it is the expected value times ln 2 (natural log instead of log2)."""

    def diagnose(case: Case, expected: Any, actual: Any) -> str | None:
        if _has_nan(actual):
            return nan
        if _in_nats(expected, actual):
            return nats
        return None

    return diagnose


# -- entropy -------------------------------------------------------------------------------------

ENTROPY_STARTER = '''import numpy as np


def entropy(p):
    """Entropy in bits of a distribution p (a 1-D array of probabilities adding up to 1).

    H(p) = -sum over i of p[i] * log2(p[i]); a probability of 0 adds nothing (0 * log 0 = 0).
    The lecture's container 1 (26 triangles, 4 circles): entropy(np.array([26/30, 4/30]))
    is about 0.5665 bits.
    """
    pass  # your code here: return a number
'''

ENTROPY_SOLUTION = """import numpy as np


def entropy(p):
    p = np.asarray(p, dtype=float)
    present = p[p > 0]  # 0 * log 0 counts as 0, and log2(0) would be -inf
    return float(-np.sum(present * np.log2(present)))
"""


def _entropy_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case("a certain outcome (one probability is 1)", (("p", np.array([0.0, 1.0, 0.0])),)),
        Case("four equally likely classes", (("p", np.full(4, 0.25)),)),
        Case("a class with probability 0", (("p", np.array([0.5, 0.0, 0.3, 0.2])),)),
    ]
    for _ in range(4):
        cases.append(
            Case("random distribution", (("p", rng.dirichlet(np.ones(rng.integers(2, 8)))),))
        )
    return cases


_entropy_diagnose = _log2_diagnose(
    nan="A probability of 0 made log2 give -inf and 0·(-inf) = nan: skip the zeros.",
    nats="That is the entropy in nats (natural log); the exercise asks for bits: use np.log2.",
)


ENTROPY = CodeExercise(
    exercise_id="code-entropy",
    lesson="entropy",
    title="Write it yourself: entropy in bits",
    prompt=(
        "Implement $H(p) = -\\sum_i p_i \\log_2 p_i$ for a probability vector `p`, with "
        "$0 \\cdot \\log 0 = 0$. **Run** calls it on the lecture's container 1; **Check** compares "
        "it with the engine's `entropy` on that and on hidden cases, zeros included."
    ),
    function="entropy",
    starter=ENTROPY_STARTER,
    solution=ENTROPY_SOLUTION,
    reference=lambda p: F.entropy(p, base=2),
    example=Case(
        "the lecture's container 1 (26 triangles, 4 circles)", (("p", np.array([26 / 30, 4 / 30])),)
    ),
    cases=_entropy_cases,
    hints=(
        "NumPy works on whole arrays: `p * np.log2(p)` gives every term at once; sum them and "
        "change the sign.",
        "Keep only the positive probabilities (`p[p > 0]`) before taking the logarithm: "
        "$\\log_2 0 = -\\infty$ and $0 \\cdot (-\\infty)$ is `nan`.",
    ),
    diagnose=_entropy_diagnose,
)

# -- cross-entropy -------------------------------------------------------------------------------

CROSS_ENTROPY_STARTER = '''import numpy as np


def cross_entropy(probs, target):
    """Cross-entropy in bits between predicted probabilities and a one-hot target.

    probs: 1-D array of probabilities (they add up to 1); target: 1-D one-hot array of the same
    length. L = -sum over i of target[i] * log2(probs[i]).
    The lecture's example: probs [0.775, 0.116, 0.039, 0.070], target [1, 0, 0, 0] -> 0.3677.
    """
    pass  # your code here: return a number
'''

CROSS_ENTROPY_SOLUTION = """import numpy as np


def cross_entropy(probs, target):
    probs = np.asarray(probs, dtype=float)
    true_class = np.argmax(target)  # one-hot: only the true class's term is not 0
    return float(-np.log2(probs[true_class]))
"""


def _one_hot(k: int, index: int) -> np.ndarray:
    target = np.zeros(k)
    target[index] = 1.0
    return target


def _cross_entropy_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case(
            "a confident, right prediction",
            (("probs", np.array([0.0, 1.0, 0.0])), ("target", _one_hot(3, 1))),
        ),
        Case(
            "a class the target does not pick has probability 0",
            (("probs", np.array([0.6, 0.0, 0.4])), ("target", _one_hot(3, 2))),
        ),
    ]
    for _ in range(4):
        k = int(rng.integers(2, 8))
        probs = F.softmax(rng.normal(0, 2, k))
        cases.append(
            Case(
                "random prediction",
                (("probs", probs), ("target", _one_hot(k, int(rng.integers(k))))),
            )
        )
    return cases


_cross_entropy_diagnose = _log2_diagnose(
    nan=(
        "0 · log2(0) gave nan for a class the target does not pick: with a one-hot target "
        "only the true class's term counts, so take just that one."
    ),
    nats="That is the loss in nats (natural log); the exercise asks for bits: use np.log2.",
)


CROSS_ENTROPY = CodeExercise(
    exercise_id="code-cross-entropy",
    lesson="cross-entropy",
    title="Write it yourself: cross-entropy",
    prompt=(
        "Implement $L = -\\sum_i t_i \\log_2 p_i$ for a probability vector `probs` and a one-hot "
        "`target`. **Run** calls it on the lecture's example; **Check** compares it with the "
        "engine's `cross_entropy` there and on hidden cases."
    ),
    function="cross_entropy",
    starter=CROSS_ENTROPY_STARTER,
    solution=CROSS_ENTROPY_SOLUTION,
    reference=lambda probs, target: F.cross_entropy(probs, target, base=2),
    example=Case(
        "the lecture's example (softmax of [3.2, 1.3, 0.2, 0.8], the dog is right)",
        (("probs", np.array([0.775, 0.116, 0.039, 0.070])), ("target", _one_hot(4, 0))),
    ),
    cases=_cross_entropy_cases,
    hints=(
        "With a one-hot target every term but the true class's is $0 \\cdot \\log_2 p_i = 0$.",
        "`np.argmax(target)` is the true class; the loss is `-np.log2(probs[that])`.",
    ),
    diagnose=_cross_entropy_diagnose,
)
