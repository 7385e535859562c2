"""Checked exercises: a fresh randomized problem per attempt, tolerant answers, feedback that says
what went wrong, a hint after a wrong try, the worked solution on request, and progress recorded
when the answer is right.

A lesson declares its exercises as data, ``EXERCISES = (ExerciseInfo(id, title, generate), ...)``;
``generate(rng) -> Problem`` draws the numbers from ``rng``, asks the engine for the right answer
and builds ``check`` from it (with ``check_number``, ``check_vector`` or ``check_choice``, which
also state the accepted tolerance). The widget never knows the subject; it only shows the problem
and routes the student's text to ``check``. The numbers of a problem are seeded from the stored
progress, so a reload shows the same problem until it is solved or the student asks for a new one.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import panel as pn
import param

from app import progress
from app.components.answers import AnswerError, parse_number, parse_vector
from app.components.clicks import on_click_after_input
from app.components.formula import Text
from app.components.layout import notice, show


@dataclass(frozen=True)
class Feedback:
    """``kind`` is "correct", "wrong" (a readable answer that is not right) or "invalid"."""

    kind: str
    message: str

    @property
    def correct(self) -> bool:
        return self.kind == "correct"


@dataclass(frozen=True)
class Checker:
    """A checker for typed answers: ``check(text) -> Feedback``, the ``rule`` the student is
    told in the problem text (how exact the answer must be, what form it may take), and the
    fixed ``messages`` it can answer with (explanations of typical mistakes; tests render them)."""

    judge: Callable[[str], Feedback]
    rule: str = ""
    messages: tuple[str, ...] = ()

    def __call__(self, text: str) -> Feedback:
        return self.judge(text)


@dataclass(frozen=True)
class Problem:
    prompt: str  # Markdown, may contain $...$ math
    check: Callable[[str], Feedback]
    hint: str
    solution: str  # Markdown; ends with the answer
    answer_label: str = "Your answer"
    placeholder: str = "e.g. 0.57"

    @property
    def text(self) -> str:
        """The prompt as shown, followed by the checker's rule (its tolerance)."""
        rule = getattr(self.check, "rule", "")
        return f"{self.prompt}\n\n*{rule}*" if rule else self.prompt


def _tolerance(places: int) -> float:
    # Half a unit in the last place plus a little: a correctly rounded answer always passes.
    return 0.6 * 10.0**-places if places > 0 else 0.0


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def check_number(
    expected: float,
    *,
    places: int = 3,
    percent: bool = False,
    mistakes: Sequence[tuple[float, str]] = (),
) -> Checker:
    """A checker for one number, right when it matches ``expected`` to ``places`` decimals.

    ``places=0`` means a whole number compared exactly: 30.5 is not 30 output columns.
    ``mistakes`` pairs a typical wrong value (computed by the caller, e.g. with ln instead of
    log₂) with the sentence that explains that slip.
    """
    tolerance = _tolerance(places)

    def close(value: float, target: float) -> bool:
        return value == target if places == 0 else abs(value - target) <= tolerance

    def check(text: str) -> Feedback:
        try:
            value = parse_number(text, percent=percent)
        except AnswerError as error:
            return Feedback("invalid", str(error))
        if close(value, expected):
            return Feedback("correct", f"Correct! The answer is {expected:.{places}f}.")
        for wrong, why in mistakes:
            if close(value, wrong):
                return Feedback("wrong", f"Not quite: {why}")
        if places == 0 and value != int(value):
            return Feedback(
                "wrong", f"Not quite: the answer is a whole number, and {value:g} is not one."
            )
        if percent and close(value / 100, expected):
            return Feedback(
                "wrong", "That looks like a percentage: add the % sign or divide by 100."
            )
        if math.copysign(1, value) != math.copysign(1, expected) and expected != 0:
            return Feedback("wrong", f"Not quite: {value:g} has the wrong sign.")
        direction = "too large" if value > expected else "too small"
        return Feedback("wrong", f"Not quite: {value:g} is {direction}.")

    if places == 0:
        rule = "The answer is a whole number; only the exact value counts."
    else:
        rule = (
            f"Round to {_plural(places, 'decimal')}: answers within ±{tolerance:g} of the "
            "exact value count."
        )
        if percent:
            rule += " A percentage such as 57% works too."
    return Checker(check, rule, tuple(f"Not quite: {why}" for _, why in mistakes))


def check_vector(
    expected: Sequence[float],
    *,
    places: int = 3,
    mistakes: Sequence[tuple[Sequence[float], str]] = (),
) -> Checker:
    """A checker for a list of numbers (``1, 0, 0`` or ``[1 0 0]``), entry by entry
    (``places=0``: whole numbers, compared exactly)."""
    target = np.asarray(expected, dtype=float)
    tolerance = _tolerance(places)

    def check(text: str) -> Feedback:
        try:
            values = np.asarray(parse_vector(text), dtype=float)
        except AnswerError as error:
            return Feedback("invalid", str(error))
        if values.shape != target.shape:
            return Feedback(
                "wrong",
                f"You typed {_plural(values.size, 'number')}; the answer has {target.size}.",
            )
        off = np.flatnonzero(np.abs(values - target) > tolerance)
        if off.size == 0:
            shown = ", ".join(f"{v:g}" for v in target)
            return Feedback("correct", f"Correct! The answer is [{shown}].")
        for wrong, why in mistakes:
            if np.all(np.abs(values - np.asarray(wrong, dtype=float)) <= tolerance):
                return Feedback("wrong", f"Not quite: {why}")
        positions = [str(i + 1) for i in off[:4]]
        if len(positions) == 1:
            return Feedback("wrong", f"Not quite: entry {positions[0]} is not right.")
        listed = ", ".join(positions[:-1]) + f" and {positions[-1]}"
        return Feedback("wrong", f"Not quite: entries {listed} are not right.")

    rule = f"Type {target.size} numbers separated by commas"
    if places == 0:
        rule += "; each must be exact."
    else:
        rule += f"; each may differ from the exact value by at most ±{tolerance:g}."
    return Checker(check, rule, tuple(f"Not quite: {why}" for _, why in mistakes))


def check_choice(expected: str, explanations: dict[str, str]) -> Checker:
    """A checker for a choice among fixed options; ``explanations`` says why each wrong one is.

    Anything that is not one of the options (nothing chosen yet) is a message, not a try.
    """
    options = {expected, *explanations}

    def check(text: str) -> Feedback:
        choice = (text or "").strip()
        if choice not in options:
            return Feedback("invalid", "Pick one of the options first.")
        if choice == expected:
            return Feedback("correct", f"Correct! {explanations.get(expected, '')}".strip())
        return Feedback("wrong", f"Not quite: {explanations.get(choice, 'that is not it.')}")

    return Checker(check, messages=tuple(check(option).message for option in sorted(options)))


def _seed(lesson: str, exercise_id: str, draw: int) -> list[int]:
    # A stable seed per exercise and draw: the same problem after a reload until it is solved.
    return [zlib.crc32(f"{lesson}/{exercise_id}".encode()), draw]


class Exercise(pn.viewable.Viewer):
    """One exercise card. ``submit(text)`` is what the Check button calls (and what tests call)."""

    lesson = param.String(doc="Slug of the lesson, used as the progress key.")
    exercise_id = param.String(doc="Stable id of the exercise within its lesson.")
    title = param.String()
    generate = param.Callable(doc="generate(rng) -> Problem")
    seed = param.Integer(default=None, allow_None=True, doc="Fixes the problems (tests).")
    options = param.List(
        default=None,
        allow_None=True,
        item_type=str,
        doc="If given, the answer is picked from these instead of typed.",
    )
    problem = param.ClassSelector(class_=Problem)
    wrong_tries = param.Integer(default=0, doc="Wrong answers to the current problem.")
    solved = param.Boolean(default=False, doc="The current problem has been answered correctly.")
    show_hint = param.Boolean(default=False)
    show_solution = param.Boolean(default=False)

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self._rng = np.random.default_rng(self.seed) if self.seed is not None else None
        self.problem = self._draw()
        self._feedback = notice(margin=(5, 10))
        self._answer = self._answer_widget()
        self._layout = self._build()
        if self.exercise_id in progress.solved(self.lesson):
            self._say("info", "You solved this exercise before ✓ — try a new problem any time.")

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout

    # -- behaviour -----------------------------------------------------------------------------

    def submit(self, text: str) -> Feedback:
        """Check an answer, show the feedback and record progress when it is right."""
        feedback = self.problem.check(text)
        if feedback.correct:
            if not self.solved and self._rng is None:
                progress.next_draw(self.lesson, self.exercise_id)  # a reload brings a new one
            self.solved = True
            progress.mark_solved(self.lesson, self.exercise_id)
        elif feedback.kind == "wrong":
            self.wrong_tries += 1
        message = feedback.message
        if feedback.kind == "wrong" and self.wrong_tries == 1:
            message += " A hint is available now."
        self._say(feedback.kind, message)
        return feedback

    def new_problem(self) -> None:
        """Draw fresh numbers (different from the last ones when possible) and reset."""
        previous = self.problem.prompt
        for _ in range(5):
            if self._rng is None and not self.solved:
                progress.next_draw(self.lesson, self.exercise_id)
            self.solved = False
            self.problem = self._draw()
            if self.problem.prompt != previous:
                break
        self.param.update(wrong_tries=0, solved=False, show_hint=False, show_solution=False)
        if isinstance(self._answer, pn.widgets.TextInput):
            self._answer.param.update(value="", value_input="")
        else:
            self._answer.value = ""
        self._say("", "")

    def _draw(self) -> Problem:
        if self._rng is not None:
            return self.generate(self._rng)
        draw = progress.draw(self.lesson, self.exercise_id)
        return self.generate(np.random.default_rng(_seed(self.lesson, self.exercise_id, draw)))

    def _heading(self, problem: Problem) -> str:
        return f"### {self.title}\n\n{problem.text}"

    @staticmethod
    def _extra(problem: Problem, show_hint: bool, show_solution: bool) -> str:
        parts = [f"**Hint.** {problem.hint}"] if show_hint else []
        if show_solution:
            parts.append(f"**Worked solution.** {problem.solution}")
        return "\n\n".join(parts)

    def _typed(self) -> str:
        # A text box's ``value`` syncs only on blur or Enter, and a click on Check can reach
        # Python before that blur does; ``value_input`` follows every keystroke.
        if isinstance(self._answer, pn.widgets.TextInput):
            return self._answer.value_input or self._answer.value or ""
        return self._answer.value or ""

    def _say(self, kind: str, message: str) -> None:
        show(self._feedback, message, kind)

    # -- layout --------------------------------------------------------------------------------

    def _answer_widget(self) -> pn.widgets.Widget:
        label = f"{self.problem.answer_label} ({self.title})"
        if self.options:
            # A Select with an empty first entry: button groups in Panel always have one
            # option chosen, which would submit an answer the student never picked.
            return pn.widgets.Select(
                label=label, options={"Choose…": "", **{o: o for o in self.options}}, value=""
            )
        return pn.widgets.TextInput(
            label=label,
            placeholder=self.problem.placeholder,
            sizing_mode="stretch_width",
            max_width=320,
        )

    def _build(self) -> pn.viewable.Viewable:
        check = pn.widgets.Button(label="Check", color="primary", width=90)
        hint = pn.widgets.Button(label="Hint", width=80, visible=self.param.wrong_tries.rx() > 0)
        solution = pn.widgets.Button(label="Show solution", width=130)
        again = pn.widgets.Button(label="New problem", width=120)

        on_click_after_input(check, lambda: self.submit(self._typed()))
        if isinstance(self._answer, pn.widgets.TextInput):
            self._answer.param.watch(lambda _: self.submit(self._typed()), "enter_pressed")
        hint.on_click(lambda _: setattr(self, "show_hint", True))
        solution.on_click(lambda _: setattr(self, "show_solution", True))
        again.on_click(lambda _: self.new_problem())

        # Few panes per card on purpose: every pane is a Bokeh model that Pyodide must build
        # each time the lesson is shown, so the title shares the prompt's pane and the hint
        # shares the worked solution's.
        prompt = Text(self.param.problem.rx.pipe(self._heading))
        extra = Text(
            pn.bind(
                self._extra, self.param.problem, self.param.show_hint, self.param.show_solution
            ),
            visible=self.param.show_hint.rx.or_(self.param.show_solution),
            # A pane that starts hidden lost its margin when shown; padding survives.
            margin=0,
            styles={"padding": "5px 10px"},
        )
        return pn.Column(
            prompt,
            self._answer,
            pn.FlexBox(check, hint, solution, again, gap="4px"),
            self._feedback,
            extra,
            css_classes=["exercise", f"exercise-{self.exercise_id}"],
            styles={"border": "1px solid var(--line)", "border-radius": "8px"},
            sizing_mode="stretch_width",
            margin=(8, 0),
        )


@dataclass(frozen=True)
class ExerciseInfo:
    """One exercise of a lesson, as data: lessons list these in their ``EXERCISES``."""

    exercise_id: str  # stable: progress is stored under it
    title: str
    generate: Callable[[np.random.Generator], Problem]
    options: tuple[str, ...] | None = None  # a choice instead of a typed answer

    def build(self, lesson: str) -> Exercise:
        """The exercise card for ``lesson`` (a fresh widget each time the lesson is shown)."""
        return Exercise(
            lesson=lesson,
            exercise_id=self.exercise_id,
            title=self.title,
            generate=self.generate,
            options=list(self.options) if self.options else None,
        )


def exercise_section(lesson: str, exercises: Sequence[ExerciseInfo]) -> pn.Column:
    """A lesson's "Exercises" section: a card per exercise, after any warning about damaged
    saved progress (each warning is shown once per page load)."""
    cards = [item.build(lesson) for item in exercises]  # reading progress may raise a warning
    notes = [notice(message) for message in progress.take_warnings()]
    return pn.Column(
        pn.pane.HTML("<h2>Exercises</h2>", margin=(0, 10)),
        *notes,
        *cards,
        sizing_mode="stretch_width",
        css_classes=["exercises"],
    )
