"""A lesson page from its declaration: the steps its ``SECTIONS`` build, then its ``EXERCISES``,
then the code exercises whose spec names the lesson."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence

import panel as pn

from app.code_exercises import registry
from app.components.code_exercise import CodeExerciseCard
from app.components.exercise import ExerciseInfo, exercise_section

#: Steps of a lesson the shell shows at once; it builds and shows the others right after (see
#: :func:`lesson_parts`), so the student can start while the rest arrives.
FIRST_STEPS = 1

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
    return _page(slug, list(_steps(slug, sections, exercises)))


def lesson_parts(
    slug: str,
    sections: Sequence[Section],
    exercises: Sequence[ExerciseInfo] = (),
) -> tuple[pn.Column, Callable[[], pn.Column | None]]:
    """:func:`lesson_page` in two parts: its first ``FIRST_STEPS`` steps, built now (only the
    sections they need), and a function that builds the rest of the page, each step in the
    same order, or returns None if there is none.

    A section's steps stay one piece of code wherever the cut falls: a control in the first part
    may drive a plot in the rest.
    """
    steps = _steps(slug, sections, exercises)
    first = _page(slug, list(itertools.islice(steps, FIRST_STEPS)))

    def rest() -> pn.Column | None:
        remaining = list(steps)
        return _page(slug, remaining) if remaining else None

    return first, rest


def _steps(
    slug: str, sections: Sequence[Section], exercises: Sequence[ExerciseInfo]
) -> Iterator[pn.viewable.Viewable]:
    """The page's steps in order, each section built when its first step is asked for."""
    for build in sections:
        built = build()
        yield from built if isinstance(built, tuple) else [built]
    if exercises:
        yield exercise_section(slug, exercises)
    yield from (CodeExerciseCard(exercise) for exercise in registry.for_lesson(slug))


def _page(slug: str, steps: list[pn.viewable.Viewable]) -> pn.Column:
    return pn.Column(*steps, sizing_mode="stretch_width", css_classes=["lesson", f"lesson-{slug}"])
