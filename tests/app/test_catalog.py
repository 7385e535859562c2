"""Lessons are declared as data and registered in one place (app.catalog): every lesson module
lists its sections and exercises, and progress knows a lesson's exercises without its page."""

from __future__ import annotations

import pytest

from app import catalog, progress
from app.code_exercises import registry
from app.components.exercise import ExerciseInfo, Problem
from app.shell import build_view

LESSON_SLUGS = [info.slug for info in catalog.LESSONS if info.slug not in ("home", "trainer")]


@pytest.fixture(autouse=True)
def fresh_progress():
    progress.use_storage(progress.MemoryStorage())


@pytest.mark.parametrize("slug", LESSON_SLUGS)
def test_each_lesson_declares_sections_and_exercises_as_data(slug: str) -> None:
    module = catalog.module(slug)
    assert module.SECTIONS and all(callable(build) for build in module.SECTIONS)
    assert module.EXERCISES and all(isinstance(e, ExerciseInfo) for e in module.EXERCISES)
    ids = [e.exercise_id for e in module.EXERCISES]
    assert len(set(ids)) == len(ids)
    assert catalog.exercise_ids(slug) == frozenset(ids)
    assert not hasattr(module, "view")  # one shape: the page is built from the declaration


def test_a_lesson_is_done_once_its_exercises_are_solved_even_if_its_page_was_not_built() -> None:
    # Before, a lesson learned its exercises only while its page was being drawn.
    ids = sorted(catalog.exercise_ids("pooling"))
    for exercise_id in ids[:-1]:
        assert progress.mark_solved("pooling", exercise_id) is False
    assert progress.mark_solved("pooling", ids[-1]) is True
    assert progress.is_done("pooling")


def test_the_page_shows_every_declared_exercise_once_and_in_order() -> None:
    module = catalog.module("entropy")
    view = build_view("entropy", module)
    cards = [c for c in view.select() if "exercise" in getattr(c, "css_classes", [])]
    shown = [next(k for k in c.css_classes if k.startswith("exercise-"))[9:] for c in cards]
    declared = [e.exercise_id for e in (*module.EXERCISES, *registry.for_lesson("entropy"))]
    assert shown == declared  # the code exercise after the checked ones
    assert "lesson-entropy" in view.css_classes


def test_every_code_exercise_is_shown_by_the_lesson_its_spec_names() -> None:
    # A spec naming no lesson page (a typo in ``lesson``) would leave its exercise on no page.
    placed = {slug: [e.exercise_id for e in registry.for_lesson(slug)] for slug in LESSON_SLUGS}
    assert sorted(i for ids in placed.values() for i in ids) == sorted(registry.EXERCISES)
    assert placed["stride-padding"] == ["code-correlate2d"]
    assert placed["softmax"] == ["code-softmax"]
    assert placed["convolution"] == []


def test_lessons_without_a_module_have_no_exercises() -> None:
    assert catalog.exercise_ids("home") == frozenset()


def test_an_exercise_info_builds_a_card_for_its_lesson() -> None:
    def fixed(rng) -> Problem:
        return Problem("Type 1.", lambda text: None, "hint", "1")

    card = ExerciseInfo("one", "One", fixed, options=("a", "b")).build("softmax")
    assert (card.lesson, card.exercise_id, card.options) == ("softmax", "one", ["a", "b"])
