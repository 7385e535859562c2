"""Every code exercise, by id: the one place that lists them (each names the lesson that shows
it)."""

from __future__ import annotations

from app.code_exercises import layers, losses, softmax
from app.code_exercises.spec import CodeExercise

EXERCISES: dict[str, CodeExercise] = {
    exercise.exercise_id: exercise
    for exercise in (
        losses.ENTROPY,
        losses.CROSS_ENTROPY,
        softmax.SOFTMAX,
        softmax.ONE_HOT,
        layers.CORRELATE,
        layers.POOL,
        layers.GRADIENT,
    )
}


def get(exercise_id: str) -> CodeExercise:
    """The exercise with this id; KeyError names the known ids."""
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        raise KeyError(f"no code exercise {exercise_id!r}; known: {sorted(EXERCISES)}") from None


def for_lesson(slug: str) -> tuple[CodeExercise, ...]:
    """The code exercises the lesson ``slug`` shows, in the order listed here."""
    return tuple(exercise for exercise in EXERCISES.values() if exercise.lesson == slug)
