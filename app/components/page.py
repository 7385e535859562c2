"""A lesson page from its declaration: the steps its ``SECTIONS`` build, then its ``EXERCISES``,
then the code exercises whose spec names the lesson."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import panel as pn

from app.code_exercises import registry
from app.components.code_exercise import CodeExerciseCard
from app.components.exercise import ExerciseInfo, exercise_section

#: A section builds one step of the page, or a few steps that share live state (a tuple).
Section = Callable[[], "pn.viewable.Viewable | tuple[pn.viewable.Viewable, ...]"]


def lesson_page(
    slug: str,
    sections: Sequence[Section],
    exercises: Sequence[ExerciseInfo] = (),
) -> pn.Column:
    """The interactive part of a lesson (the shell shows its title, intro and goals): its steps,
    its checked exercises, then the programming exercises ``app.code_exercises.registry`` places
    in it (not required for the lesson's done mark)."""
    steps: list[pn.viewable.Viewable] = []
    for build in sections:
        built = build()
        steps.extend(built if isinstance(built, tuple) else [built])
    if exercises:
        steps.append(exercise_section(slug, exercises))
    steps.extend(CodeExerciseCard(exercise) for exercise in registry.for_lesson(slug))
    return pn.Column(*steps, sizing_mode="stretch_width", css_classes=["lesson", f"lesson-{slug}"])
