"""A lesson page from its declaration: the steps its ``SECTIONS`` build, then its ``EXERCISES``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import panel as pn

from app.components.exercise import ExerciseInfo, exercise_section


class Buildable(Protocol):
    """Exercise data that builds its card for a lesson (``CodeExerciseInfo``)."""

    def build(self, lesson: str) -> pn.viewable.Viewable: ...


#: A section builds one step of the page, or a few steps that share live state (a tuple).
Section = Callable[[], "pn.viewable.Viewable | tuple[pn.viewable.Viewable, ...]"]


def lesson_page(
    slug: str,
    sections: Sequence[Section],
    exercises: Sequence[ExerciseInfo] = (),
    code_exercises: Sequence[Buildable] = (),
) -> pn.Column:
    """The interactive part of a lesson (the shell shows its title, intro and goals): its steps,
    its checked exercises, then its programming exercises (``CODE_EXERCISES``, not required for
    the lesson's done mark)."""
    steps: list[pn.viewable.Viewable] = []
    for build in sections:
        built = build()
        steps.extend(built if isinstance(built, tuple) else [built])
    if exercises:
        steps.append(exercise_section(slug, exercises))
    steps.extend(item.build(slug) for item in code_exercises)
    return pn.Column(*steps, sizing_mode="stretch_width", css_classes=["lesson", f"lesson-{slug}"])
