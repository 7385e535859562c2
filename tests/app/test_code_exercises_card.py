"""The code exercise card's Python side: results from the worker, progress and kept code."""

from __future__ import annotations

import pytest

from app import progress
from app.code_exercises import runner, saved_code
from app.code_exercises.registry import get
from app.components.code_exercise import TRIES_BEFORE_SOLUTION, CodeExerciseCard


@pytest.fixture(autouse=True)
def fresh_storage():
    progress.use_storage(progress.MemoryStorage())


def card(exercise_id: str = "code-softmax"):
    return CodeExerciseCard(get(exercise_id))


def answer(view, result: dict) -> None:
    """What the editor's JavaScript does with the worker's reply."""
    view.editor.result = {**result, "id": view.editor.request["id"]}


def test_a_passing_check_marks_the_exercise_solved():
    view = card()
    view.check()
    assert view.editor.request["action"] == "check" and view.busy
    answer(view, runner.check(view.exercise, view.exercise.solution, 7))
    assert not view.busy and view.solved
    assert "code-softmax" in progress.solved("softmax")
    assert "Correct!" in view._output.object


def test_failed_checks_bring_the_hint_then_offer_the_solution():
    view = card()
    for _ in range(TRIES_BEFORE_SOLUTION):
        view.check()
        answer(view, runner.check(view.exercise, view.exercise.starter, 0))
    assert view.failed_checks == TRIES_BEFORE_SOLUTION
    assert "model solution is one click away" in view._output.object
    assert progress.solved("softmax") == set()


def test_a_stale_reply_is_ignored():
    view = card()
    view.run()
    first = view.editor.request["id"]
    view.check()
    view.editor.result = {"kind": "timeout", "seconds": 5, "id": first}
    assert view.busy  # still waiting for the check
    answer(view, {"kind": "timeout", "seconds": 5})
    assert "Stopped after 5 s" in view._output.object


def test_typed_code_is_kept_and_reset_restores_the_starter():
    view = card()
    view.editor.text = {"code": "def softmax(z):\n    return z < 1\n"}
    assert card().code == "def softmax(z):\n    return z < 1\n"  # a reload shows it again
    view.reset()
    assert view.code == view.exercise.starter
    assert saved_code.load("code-softmax") is None
