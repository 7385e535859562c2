"""A lesson page from its declaration: the steps its ``SECTIONS`` build, then its ``EXERCISES``,
then the code exercises whose spec names the lesson."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import panel as pn

from app.code_exercises import registry
from app.components.code_exercise import CodeExerciseCard
from app.components.exercise import ExerciseInfo, exercise_section

#: Steps a lesson page puts on screen at once; the shell shows the others right after (see
#: :func:`hold_back_steps`), so the student can start while the rest arrives.
FIRST_STEPS = 1

#: The CSS class that marks a page built by :func:`lesson_page`.
LESSON = "lesson"

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
    return pn.Column(*steps, sizing_mode="stretch_width", css_classes=[LESSON, f"lesson-{slug}"])


def hold_back_steps(view: pn.viewable.Viewable) -> pn.Column | None:
    """The steps after the first ``FIRST_STEPS`` of a page from :func:`lesson_page`, taken out
    of it into a page of their own (None if there are none, or for any other view), so that the
    page renders only its first steps and the shell shows the rest below them.

    The steps stay built and wired: a step's controls may drive a later step's plot, and that
    plot's Bokeh model simply shows its latest state when the rest is shown.
    """
    if not isinstance(view, pn.Column) or LESSON not in view.css_classes:
        return None
    first, rest = view.objects[:FIRST_STEPS], view.objects[FIRST_STEPS:]
    if not rest:
        return None
    view.objects = first
    return pn.Column(*rest, sizing_mode=view.sizing_mode, css_classes=view.css_classes)
