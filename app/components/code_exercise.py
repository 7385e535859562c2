"""A code exercise card: a CodeMirror editor, Run and Check, feedback, hints and the model
solution, for one ``app.code_exercises`` exercise.

The student's code never runs on the page's thread: the editor's JavaScript (bundled from
sitebuild/codemirror/ into ``vendor/code-editor.js``) hands each request to a Web Worker with its
own Pyodide (static/code-worker.js), which stops it after ``TIME_LIMIT_S``. The worker's reply
comes back here as ``CodeEditor.result`` and ``app.code_exercises.feedback`` renders it.
"""

from __future__ import annotations

import random

import panel as pn
import param

from app import progress
from app.code_exercises import feedback, saved_code
from app.code_exercises.spec import CodeExercise
from app.components.formula import Text
from app.components.style import CODE, FEEDBACK

#: Seconds a Run or Check may take before the worker is stopped and restarted.
TIME_LIMIT_S = 5
#: Failed checks after which the model solution is offered unasked.
TRIES_BEFORE_SOLUTION = 3

STYLE = """
.code-host { border: 1px solid var(--line-strong); border-radius: 6px; min-height: 10em;
  background: var(--surface); }
.code-host:focus-within { outline: 3px solid var(--focus); outline-offset: 1px; }
.code-host .cm-editor { max-height: 28em; font-size: 14px; }
.code-host .cm-editor.cm-focused { outline: none; }
.code-host .cm-scroller { font-family: "DejaVu Sans Mono", monospace; }
"""

RESULT_STYLE = """
.values { display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; align-items: flex-start; }
.value { display: flex; flex-direction: column; max-width: 100%; overflow-x: auto; }
.value .name { font-weight: 600; font-size: 0.9em; }
table.grid { border-collapse: collapse; font-family: "DejaVu Sans Mono", monospace;
  font-size: 0.85em; }
table.grid caption { caption-side: bottom; font-size: 0.8em; text-align: left; }
table.grid td { border: 1px solid var(--line-strong); padding: 0.1em 0.4em; text-align: right;
  background: var(--surface); color: var(--text); }
table.grid td.diff { outline: 3px solid var(--bad-line); outline-offset: -3px; }
table.grid td.diff mark { background: var(--bad-bg); color: var(--bad-ink); font-weight: 700; }
pre.stdout { background: var(--code-bg); border: 1px solid var(--line); padding: 0.4em;
  max-height: 12em; overflow: auto; white-space: pre-wrap; color: var(--text); margin: 0.2em 0; }
.diagnosis { font-weight: 600; }
p { margin: 0.35em 0; }
"""

KEYBOARD_NOTE = (
    "In the editor, Tab indents. To leave it with the keyboard, press Esc, then Tab (or Shift+Tab)."
)


class CodeEditor(pn.reactive.ReactiveHTML):
    """The CodeMirror editor. Python sets ``request`` ({id, action, exercise, seed}); the
    JavaScript adds the editor's current text, runs it in the code worker and sets ``result``
    (the runner's reply, or a timeout/crash/unavailable result, with the request's id)."""

    # A dict, not a string: Panel cleans every ReactiveHTML string as HTML, so `a < b` would come
    # back to the editor as `a &lt; b`.
    text = param.Dict(default={"code": ""}, doc="{'code': the editor's text}, synced after typing.")
    label = param.String(default="Your code")
    time_limit = param.Number(default=TIME_LIMIT_S)
    request = param.Dict(default={})
    result = param.Dict(default={})

    _template = '<div id="host" class="code-host"></div>'
    # One-line bridges only: the behaviour lives in sitebuild/codemirror/editor.js.
    _scripts = {  # noqa: RUF012 - ReactiveHTML's own class attribute
        "render": (
            "state.editor = import(new URL('vendor/code-editor.js', document.baseURI).href)"
            ".then((m) => m.mount(host, data))"
        ),
        "request": "state.editor.then((editor) => editor.submit(data.request))",
        "text": "state.editor.then((editor) => editor.show(data.text))",
        "remove": "state.editor.then((editor) => editor.destroy())",
    }

    @property
    def _linked_properties(self) -> tuple[str, ...]:
        # Panel syncs back to Python only what its scripts visibly assign (``data.x = ...``);
        # the bundle assigns these two.
        return (*super()._linked_properties, "text", "result")


def _feedback_html(kind: str, body: str) -> str:
    return f'<div class="feedback {kind}" role="status" aria-live="polite">{body}</div>'


class CodeExerciseCard(pn.viewable.Viewer):
    """One code exercise; ``exercise_id`` is what the lesson's progress records."""

    solved = param.Boolean(default=False)
    failed_checks = param.Integer(default=0)
    busy = param.Boolean(default=False)
    show_hint = param.Boolean(default=False)
    show_solution = param.Boolean(default=False)

    def __init__(self, exercise: CodeExercise, **params) -> None:
        super().__init__(**params)
        self.exercise = exercise
        self.lesson = exercise.lesson
        self.exercise_id = exercise.exercise_id
        self._requests = 0
        self._pending: int | None = None
        saved = saved_code.load(self.exercise_id)
        self.editor = CodeEditor(
            text={"code": exercise.starter if saved is None else saved},
            label=f"Python code: {exercise.title}",
            sizing_mode="stretch_width",
            stylesheets=[STYLE],
        )
        self.editor.param.watch(self._on_code, "text")
        self.editor.param.watch(self._on_result, "result")
        self._output = pn.pane.HTML(
            _feedback_html("", ""),
            stylesheets=[FEEDBACK, RESULT_STYLE],
            sizing_mode="stretch_width",
            margin=(5, 10),
        )
        if self.exercise_id in progress.solved(self.lesson):
            self._say("info", "<p>You solved this exercise before ✓</p>")
        self._layout = self._build()

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout

    # -- behaviour -----------------------------------------------------------------------------

    def run(self) -> None:
        """Run the code on the lecture's example in the worker (the reply arrives later)."""
        self._submit("run")

    def check(self) -> None:
        """Check the code against the engine in the worker (the reply arrives later)."""
        self._submit("check")

    def reset(self) -> None:
        """Put the starter back and forget the saved code."""
        self.editor.text = {"code": self.exercise.starter}
        saved_code.save(self.exercise_id, None)
        self._say("info", "<p>The starter code is back.</p>")

    def receive(self, result: dict) -> tuple[str, str]:
        """Show a worker result; a passing check records the exercise as solved."""
        kind, body = feedback.render(result)
        if result.get("kind") == "check" and kind != "invalid":
            if result.get("passed"):
                self.solved = True
                progress.mark_solved(self.lesson, self.exercise_id)
            else:
                self.failed_checks += 1
                if self.failed_checks == 1:
                    body += "<p>A hint is available now.</p>"
                if self.failed_checks == TRIES_BEFORE_SOLUTION:
                    body += "<p>Stuck? The model solution is one click away.</p>"
        self._say(kind, body)
        return kind, body

    def _submit(self, action: str) -> None:
        self._requests += 1
        self._pending = self._requests
        self.busy = True
        verb = "Running" if action == "run" else "Checking"
        self._say("info", f"<p>{verb} your code…</p>")
        self.editor.request = {
            "id": self._requests,
            "action": action,
            "exercise": self.exercise_id,
            "seed": random.randrange(2**31),
            "limit": self.editor.time_limit,
        }

    def _on_result(self, event: param.parameterized.Event) -> None:
        result = event.new or {}
        if result.get("id") != self._pending:
            return  # the answer to a request superseded by a newer one
        self._pending = None
        self.busy = False
        self.receive(result)

    @property
    def code(self) -> str:
        """The code in the editor (as last synced)."""
        return self.editor.text.get("code", "")

    def _on_code(self, event: param.parameterized.Event) -> None:
        code = (event.new or {}).get("code")
        if isinstance(code, str) and code != self.exercise.starter:
            saved_code.save(self.exercise_id, code)

    def _say(self, kind: str, body: str) -> None:
        self._output.object = _feedback_html(kind, body)

    # -- layout --------------------------------------------------------------------------------

    def _extra(self, show_hint: bool, show_solution: bool) -> str:
        parts = []
        if show_hint:
            hints = " ".join(self.exercise.hints)
            parts.append(f"**Hints.** {hints}")
        if show_solution:
            parts.append(f"**Model solution.**\n\n```python\n{self.exercise.solution}```")
        return "\n\n".join(parts)

    def _build(self) -> pn.viewable.Viewable:
        run = pn.widgets.Button(label="Run", width=80, disabled=self.param.busy)
        check = pn.widgets.Button(
            label="Check", color="primary", width=90, disabled=self.param.busy
        )
        hint = pn.widgets.Button(label="Hint", width=80, visible=self.param.failed_checks.rx() > 0)
        solution = pn.widgets.Button(label="Show model solution", width=170)
        reset = pn.widgets.Button(label="Restore starter", width=140)
        run.on_click(lambda _: self.run())
        check.on_click(lambda _: self.check())
        hint.on_click(lambda _: setattr(self, "show_hint", True))
        solution.on_click(lambda _: setattr(self, "show_solution", True))
        reset.on_click(lambda _: self.reset())
        exercise = self.exercise
        intro = Text(
            f"### {exercise.title}\n\n{exercise.prompt}\n\nWrite `{exercise.function}` below. "
            f"*{KEYBOARD_NOTE}*"
        )
        extra = Text(
            pn.bind(self._extra, self.param.show_hint, self.param.show_solution),
            visible=self.param.show_hint.rx.or_(self.param.show_solution),
            margin=0,
            styles={"padding": "5px 10px"},
            stylesheets=[CODE],
        )
        return pn.Column(
            intro,
            self.editor,
            pn.FlexBox(run, check, hint, solution, reset, gap="4px"),
            self._output,
            extra,
            css_classes=["exercise", "code-exercise", f"exercise-{self.exercise_id}"],
            styles={"border": "1px solid var(--line)", "border-radius": "8px"},
            sizing_mode="stretch_width",
            margin=(8, 0),
        )
