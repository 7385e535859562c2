"""Running the student's code and checking it: what the code worker does for Run and Check.

``handle(message)`` takes and returns JSON (static/code-worker.js passes it through). The code
runs in this interpreter, so the worker's time limit, not this module, stops an endless loop.
The expected answers are computed before the student's code runs, which could otherwise change
what the reference computes (say, by reassigning ``np.exp``), and ``isolation`` puts back what it
changed once the request is answered, so no Run or Check sees an earlier one's state.
"""

from __future__ import annotations

import contextlib
import io
import json
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from app.code_exercises.compare import compare, shown
from app.code_exercises.isolation import isolated
from app.code_exercises.registry import get
from app.code_exercises.spec import Case, CodeExercise, Raises

#: The file name Python gives the student's code, so tracebacks point into it.
SOURCE_NAME = "<your code>"
#: Characters of printed output kept per run or case; the rest is only counted.
MAX_OUTPUT = 10_000


class Printed(io.TextIOBase):
    """Where the student's prints go: the first ``MAX_OUTPUT`` characters are kept and the rest
    counted, so a print in a long loop costs neither memory nor a flood of text on the page."""

    def __init__(self) -> None:
        super().__init__()
        self._kept: list[str] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        room = MAX_OUTPUT - self.size
        if room > 0:
            self._kept.append(text[:room])
        self.size += len(text)
        return len(text)

    def text(self) -> str:
        """What was printed, with a note saying how much was left out."""
        kept = "".join(self._kept)
        if self.size <= MAX_OUTPUT:
            return kept
        return (
            f"{kept}\n… {self.size - MAX_OUTPUT:,} more characters not shown: your code printed "
            f"{self.size:,} in all, and only the first {MAX_OUTPUT:,} are kept."
        )


def _source_line(code: str, line: int | None) -> str:
    lines = code.splitlines()
    return lines[line - 1].strip() if line and 0 < line <= len(lines) else ""


def _error(code: str, error: BaseException) -> dict[str, Any]:
    """The exception as the student should see it: type, message and the line in their code."""
    if isinstance(error, SyntaxError) and error.filename == SOURCE_NAME:
        line = error.lineno
        kind = "syntax"
        message = f"{type(error).__name__}: {error.msg}"
    else:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == SOURCE_NAME]
        line = frames[-1].lineno if frames else None
        kind = "exception"
        message = f"{type(error).__name__}: {error}".rstrip(": ")
    return {"kind": kind, "message": message, "line": line, "source": _source_line(code, line)}


def _load(exercise: CodeExercise, code: str, out: Printed) -> tuple[Callable | None, dict | None]:
    """Execute the student's module in a fresh namespace, printing into ``out``; return their
    function or the error."""
    namespace: dict[str, Any] = {"__name__": "__student__"}
    try:
        compiled = compile(code, SOURCE_NAME, "exec")
        with contextlib.redirect_stdout(out):
            exec(compiled, namespace)
    except BaseException as error:  # exit() too: it must not end the worker's Python
        return None, _error(code, error)
    function = namespace.get(exercise.function)
    if not callable(function):
        missing = {
            "kind": "missing",
            "message": f"Your code does not define the function {exercise.function}(...).",
            "line": None,
            "source": "",
        }
        return None, missing
    return function, None


def _call(function: Callable, case: Case, out: Printed) -> tuple[Any, BaseException | None, str]:
    """Call the function on ``case``, printing into ``out``; return the value or the exception
    and the warnings it raised."""
    value, failure = None, None
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        try:
            value = function(**case.kwargs())
        except BaseException as error:
            failure = error
    # NumPy's warnings (overflow in exp, division by zero) explain many wrong answers; a warning
    # raised in a loop is said once.
    said = "".join(dict.fromkeys(f"{w.category.__name__}: {w.message}\n" for w in caught))
    return value, failure, said


def _inputs(case: Case) -> list[dict[str, Any]]:
    return [{"name": name, "value": shown(value)} for name, value in case.args]


def run(exercise: CodeExercise, code: str) -> dict[str, Any]:
    """Run the code and call the function on the lecture's worked example."""
    case = exercise.example
    out = Printed()
    function, error = _load(exercise, code, out)
    result: dict[str, Any] = {"kind": "run", "label": case.label, "inputs": _inputs(case)}
    said = ""
    if function is not None:
        value, failure, said = _call(function, case, out)
        error = _error(code, failure) if failure else None
        result["value"] = None if failure else shown(value)
    return {**result, "stdout": out.text() + said, "error": error}


def check(exercise: CodeExercise, code: str, seed: int) -> dict[str, Any]:
    """Call the function on the worked example, then on the hidden cases; stop at the first
    wrong answer and describe it."""
    cases = [exercise.example, *exercise.cases(np.random.default_rng(seed))]
    expected = [exercise.expected(case) for case in cases]
    result: dict[str, Any] = {"kind": "check", "total": len(cases), "seed": seed}
    loaded = Printed()
    function, error = _load(exercise, code, loaded)
    if function is None:
        return {
            **result,
            "passed": False,
            "passed_count": 0,
            "stdout": loaded.text(),
            "error": error,
        }
    for index, (case, want) in enumerate(zip(cases, expected, strict=True)):
        out = Printed()
        value, failure, said = _call(function, case, out)
        report = _case_report(exercise, code, case, want, value, failure)
        if report is not None:
            return {
                **result,
                "passed": False,
                "passed_count": index,
                "stdout": out.text() + said,
                "error": None,
                "case": {"index": index, **report},
            }
    return {**result, "passed": True, "passed_count": len(cases), "stdout": "", "error": None}


def _case_report(
    exercise: CodeExercise,
    code: str,
    case: Case,
    want: Any,
    value: Any,
    failure: BaseException | None,
) -> dict[str, Any] | None:
    """None if the case passed, else what the page shows about it."""
    report = {"label": case.label, "inputs": _inputs(case), "expected": shown(want)}
    if failure is not None:
        if isinstance(want, Raises) and isinstance(failure, want.error):
            return None
        return {
            **report,
            "problem": "exception",
            "error": _error(code, failure),
            "message": "Your function raised an exception on this case.",
            "actual": None,
            "cell": None,
            "diagnosis": None,
        }
    mismatch = compare(want, value)
    if mismatch is None:
        return None
    diagnosis = None
    if exercise.diagnose is not None and not isinstance(want, Raises):
        diagnosis = exercise.diagnose(case, want, value)
    return {
        **report,
        "problem": mismatch.problem,
        "message": mismatch.message,
        "actual": shown(value),
        "cell": list(mismatch.cell) if mismatch.cell else None,
        "diagnosis": diagnosis,
        "error": None,
    }


def handle(message: str) -> str:
    """The worker's entry point: ``{"action": "run"|"check", "exercise", "code", "seed"?}``."""
    request = json.loads(message)
    exercise = get(request["exercise"])
    with isolated():
        if request["action"] == "run":
            reply = run(exercise, request["code"])
        else:
            reply = check(exercise, request["code"], int(request.get("seed", 0)))
    return json.dumps(reply)
