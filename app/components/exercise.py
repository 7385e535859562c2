"""Checked exercises: a fresh randomized problem per attempt, tolerant answers, feedback that says
what went wrong, a hint after a wrong try, the worked solution on request, and progress recorded
when the answer is right.

A lesson supplies ``generate(rng) -> Problem``: it draws the numbers from ``rng``, asks the
engine for the right answer and builds ``check`` from it (usually with ``check_number``). The
widget never knows the subject; it only shows the problem and routes the student's text to
``check``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import panel as pn
import param

from app import progress
from app.components.answers import AnswerError, parse_number, parse_vector
from app.components.clicks import on_click_after_input
from app.components.formula import Text, markdown_with_math
from app.components.style import FEEDBACK


@dataclass(frozen=True)
class Feedback:
    """``kind`` is "correct", "wrong" (a readable answer that is not right) or "invalid"."""

    kind: str
    message: str

    @property
    def correct(self) -> bool:
        return self.kind == "correct"


@dataclass(frozen=True)
class Problem:
    prompt: str  # Markdown, may contain $...$ math
    check: Callable[[str], Feedback]
    hint: str
    solution: str  # Markdown; ends with the answer
    answer_label: str = "Your answer"
    placeholder: str = "e.g. 0.57"


def check_number(
    expected: float,
    *,
    places: int = 3,
    percent: bool = False,
    mistakes: Sequence[tuple[float, str]] = (),
) -> Callable[[str], Feedback]:
    """A checker for one number, right when it matches ``expected`` to ``places`` decimals.

    ``mistakes`` pairs a typical wrong value (computed by the caller, e.g. with ln instead of
    log₂) with the sentence that explains that slip.
    """
    tolerance = 0.6 * 10.0**-places

    def close(value: float, target: float) -> bool:
        return abs(value - target) <= tolerance

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
        if percent and close(value / 100, expected):
            return Feedback(
                "wrong", "That looks like a percentage: add the % sign or divide by 100."
            )
        if math.copysign(1, value) != math.copysign(1, expected) and expected != 0:
            return Feedback("wrong", f"Not quite: {value:g} has the wrong sign.")
        direction = "too large" if value > expected else "too small"
        return Feedback(
            "wrong",
            f"Not quite: {value:g} is {direction} (the check allows ±{tolerance:.1g}).",
        )

    return check


def check_vector(
    expected: Sequence[float],
    *,
    places: int = 3,
    mistakes: Sequence[tuple[Sequence[float], str]] = (),
) -> Callable[[str], Feedback]:
    """A checker for a list of numbers (``1, 0, 0`` or ``[1 0 0]``), entry by entry."""
    target = np.asarray(expected, dtype=float)
    tolerance = 0.6 * 10.0**-places

    def check(text: str) -> Feedback:
        try:
            values = np.asarray(parse_vector(text), dtype=float)
        except AnswerError as error:
            return Feedback("invalid", str(error))
        if values.shape != target.shape:
            return Feedback(
                "wrong", f"You typed {values.size} numbers; the answer has {target.size}."
            )
        off = np.flatnonzero(np.abs(values - target) > tolerance)
        if off.size == 0:
            shown = ", ".join(f"{v:g}" for v in target)
            return Feedback("correct", f"Correct! The answer is [{shown}].")
        for wrong, why in mistakes:
            if np.all(np.abs(values - np.asarray(wrong, dtype=float)) <= tolerance):
                return Feedback("wrong", f"Not quite: {why}")
        positions = ", ".join(str(i + 1) for i in off[:4])
        return Feedback("wrong", f"Not quite: entry {positions} is not right.")

    return check


def check_choice(expected: str, explanations: dict[str, str]) -> Callable[[str], Feedback]:
    """A checker for a choice among fixed options; ``explanations`` says why each wrong one is."""

    def check(text: str) -> Feedback:
        choice = (text or "").strip()
        if not choice:
            return Feedback("invalid", "Pick one of the options first.")
        if choice == expected:
            return Feedback("correct", f"Correct! {explanations.get(expected, '')}".strip())
        return Feedback("wrong", f"Not quite: {explanations.get(choice, 'that is not it.')}")

    return check


def _feedback_html(kind: str, message: str) -> str:
    return (
        f'<div class="feedback {kind}" role="status" aria-live="polite">'
        f"{markdown_with_math(message) if message else ''}</div>"
    )


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
        self._rng = np.random.default_rng(self.seed)
        self.problem = self.generate(self._rng)
        self._feedback = pn.pane.HTML(
            _feedback_html("", ""),
            stylesheets=[FEEDBACK],
            sizing_mode="stretch_width",
            margin=(5, 10),
        )
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
            self.problem = self.generate(self._rng)
            if self.problem.prompt != previous:
                break
        self.param.update(wrong_tries=0, solved=False, show_hint=False, show_solution=False)
        if isinstance(self._answer, pn.widgets.TextInput):
            self._answer.param.update(value="", value_input="")
        else:
            self._answer.value = ""
        self._say("", "")

    def _heading(self, prompt: str) -> str:
        return f"### {self.title}\n\n{prompt}"

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
        self._feedback.object = _feedback_html(kind, message)

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
        prompt = Text(self.param.problem.rx().prompt.rx.pipe(self._heading))
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
            styles={"border": "1px solid #d1d5db", "border-radius": "8px"},
            sizing_mode="stretch_width",
            margin=(8, 0),
        )


def exercise_group(lesson: str, exercises: Iterable[Exercise]) -> pn.Column:
    """The lesson's exercise section; registers the ids so progress knows when it is done."""
    items = list(exercises)
    progress.register(lesson, [item.exercise_id for item in items])
    notes = [
        pn.pane.HTML(_feedback_html("invalid", message), stylesheets=[FEEDBACK])
        for message in progress.take_warnings()
    ]
    return pn.Column(
        pn.pane.HTML("<h2>Exercises</h2>", margin=(0, 10)),
        *notes,
        *items,
        sizing_mode="stretch_width",
        css_classes=["exercises"],
    )
