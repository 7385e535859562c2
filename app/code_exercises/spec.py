"""What a code exercise is: the function to write, its starter, the cases and the reference.

Pure data and NumPy: this module runs in the page (to show the exercise) and in the code worker
(to check it), so it imports neither Panel nor anything from the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Case:
    """One call of the student's function: ``args`` are (parameter, value) pairs in call order."""

    label: str
    args: tuple[tuple[str, Any], ...]

    def kwargs(self) -> dict[str, Any]:
        """Fresh copies of the arguments, so a function that edits its input spoils nothing."""
        return {name: np.copy(v) if isinstance(v, np.ndarray) else v for name, v in self.args}


@dataclass(frozen=True)
class Raises:
    """The expected outcome of a case the reference refuses (e.g. a kernel that does not fit)."""

    error: type[Exception]
    message: str


#: diagnose(case, expected, actual) -> a sentence naming a typical slip, or None.
Diagnose = Callable[[Case, Any, Any], "str | None"]


@dataclass(frozen=True)
class CodeExercise:
    """A function the student writes, checked against ``reference`` (an engine call).

    ``example`` is the lecture's worked example (Run calls the function on it, Check tries it
    first); ``cases(rng)`` draws the hidden cases, edge cases included. ``diagnose`` recognises
    typical slips in a failing case and explains them.
    """

    exercise_id: str
    lesson: str
    title: str
    prompt: str  # Markdown with $...$ math
    function: str
    starter: str
    solution: str
    reference: Callable[..., Any]
    example: Case
    cases: Callable[[np.random.Generator], list[Case]]
    hints: tuple[str, ...]
    diagnose: Diagnose | None = None

    def expected(self, case: Case) -> Any:
        """The reference's answer for ``case``, or ``Raises`` when the reference refuses it."""
        try:
            return self.reference(**case.kwargs())
        except ValueError as error:
            return Raises(ValueError, str(error))
