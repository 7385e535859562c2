"""The explorer's interactive part: pick or draw a digit, see every layer, open any unit.

State lives in one place, ``Explorer``: the network, the current trace and the selected unit.
Computation is ``app.explorer.trace`` (the engine); this file only turns it into panes.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import numpy as np
import panel as pn

from app.components.formula import Formula
from app.components.layout import notice, row, show
from app.components.matrix import STYLE as MATRIX_STYLE
from app.components.matrix import grid_html
from app.components.style import SR_ONLY
from app.explorer import recipe
from app.explorer.kept_model import KeptModel, read_kept
from app.explorer.network_view import NetworkView, outlines, overview
from app.explorer.trace import Explanation, Trace, explain, trace
from app.trainer import digit
from app.trainer.driver import to_input as trainer_input
from app.trainer.widgets import DrawingPad
from engine.model import Sequential

TEST_DIGIT = "A test digit"
DRAWING = "My drawing"
SITE_NETWORK = "This site's network"
YOUR_NETWORK = "Your trained network"
SUBJECT = {SITE_NETWORK: "The network", YOUR_NETWORK: "Your network"}

#: uint8 images (N, 28, 28) -> the network's input (N, 1, 28, 28).
Inputs = Callable[[np.ndarray], np.ndarray]


def digit_choices(
    model: Sequential, digits: dict[str, np.ndarray], inputs: Inputs = recipe.pixels
) -> dict[str, int]:
    """Select options for the shipped test digits, flagging those the network gets wrong."""
    predicted = model.predict(inputs(digits["images"]))
    options = {}
    for position, (index, label, guess) in enumerate(
        zip(digits["test_index"], digits["labels"], predicted, strict=True)
    ):
        wrong = f" (the network reads {guess})" if guess != label else ""
        options[f"test #{index}: a {label}{wrong}"] = position
    return options


def strongest_unit(tr: Trace) -> tuple[int, tuple[int, ...]]:
    """The first convolution's most active unit: a good first computation to show."""
    values = tr.outputs[1].values
    return 1, tuple(int(i) for i in np.unravel_index(int(np.argmax(values)), values.shape))


class Explorer(pn.viewable.Viewer):
    """The digit picker, the drawing pad, the overview and the detail of the selected unit."""

    def __init__(self, model: Sequential | None = None) -> None:
        super().__init__()
        #: name -> (network, how it wants its input): the site's and, if kept, the student's.
        self.networks: dict[str, tuple[Sequential, Inputs]] = {
            SITE_NETWORK: (model or recipe.load_model(), recipe.pixels)
        }
        self.model, self.inputs = self.networks[SITE_NETWORK]
        self.digits = recipe.load_digits()
        self.which = pn.widgets.RadioButtonGroup(
            label="Network", options=[SITE_NETWORK], value=SITE_NETWORK, variant="outline",
            visible=False,
        )  # fmt: skip
        self.source = pn.widgets.RadioButtonGroup(
            label="Show", options=[TEST_DIGIT, DRAWING], value=TEST_DIGIT, variant="outline"
        )
        choices = digit_choices(self.model, self.digits, self.inputs)
        self.picker = pn.widgets.Select(label="Test digit", options=choices, width=260)
        self.pad = DrawingPad(width=290, height=330)
        self.kept = KeptModel(on_found=self._kept, width=0, height=0, margin=0)
        self.message = notice()
        self.verdict = pn.pane.HTML("", sizing_mode="stretch_width")
        self.network = NetworkView(on_pick=self.select, sizing_mode="stretch_width")
        self._build_detail()
        self.image = self.digits["images"][0]
        self.trace = trace(self.model, self.inputs(self.image[None])[0])
        self.unit = strongest_unit(self.trace)
        self.picker.param.watch(lambda _e: self._use(TEST_DIGIT), "value")
        self.source.param.watch(lambda e: self._use(e.new), "value")
        self.pad.param.watch(lambda _e: self._use(DRAWING), "ink")
        self.which.param.watch(lambda e: self._switch(e.new), "value")
        self._show_trace()

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            self.which,
            row(pn.Column(self.source, self.picker, self.verdict, width=300), self.pad),
            self.kept,
            self.message,
            self.network,
            self.detail,
            sizing_mode="stretch_width",
        )

    # ---- the network ---------------------------------------------------------------------
    def _kept(self, message: Any) -> None:
        """The browser's answer about a model kept by the trainer: offer it, or say why not."""
        try:
            kept = read_kept(message)
        except ValueError as error:
            show(self.message, f"Your trained network cannot be shown: {error}.", "info")
            return
        if kept is None:
            return
        self.networks[YOUR_NETWORK] = (kept, trainer_input)
        self.which.param.update(options=[SITE_NETWORK, YOUR_NETWORK], visible=True)

    def _switch(self, name: str) -> None:
        """Show another network on the same image, from its strongest first-layer unit."""
        self.model, self.inputs = self.networks[name]
        self.picker.options = digit_choices(self.model, self.digits, self.inputs)
        self.trace = trace(self.model, self.inputs(self.image[None])[0])
        self.unit = strongest_unit(self.trace)
        self._show_trace()

    # ---- input ---------------------------------------------------------------------------
    def _use(self, source: str) -> None:
        """Trace the chosen test digit or the drawing (a bad drawing keeps the last trace)."""
        if source == DRAWING:
            try:
                drawn = digit.preprocess(self.pad.pixels())
            except ValueError as error:  # EmptyDrawing is one
                show(self.message, f"{error} The network still shows the last digit.", "info")
                if self.source.value != DRAWING:
                    self.source.value = DRAWING
                return
            # The 0-255 scale of MNIST, as the trainer reads a drawing.
            image = np.rint(drawn * 255).astype(np.uint8)
        else:
            image = self.digits["images"][self.picker.value]
        show(self.message, "")
        if self.source.value != source:
            self.source.value = source  # runs _use again, for the same image
            return
        self.image = image
        self.trace = trace(self.model, self.inputs(image[None])[0])
        self._show_trace()

    def _show_trace(self) -> None:
        tr = self.trace
        p = tr.probabilities
        position = self.picker.value
        what = (
            "your drawing"
            if self.source.value == DRAWING
            else f"test digit #{self.digits['test_index'][position]} "
            f"(a {self.digits['labels'][position]})"
        )
        self.verdict.object = (
            f"<p>{SUBJECT[self.which.value]} reads "
            f"{what} as a <strong>{tr.prediction}</strong> "
            f"(probability {p[tr.prediction]:.1%}).</p>"
        )
        self.network.layers = overview(tr)
        self.select(*self.unit)

    # ---- the selected unit ----------------------------------------------------------------
    def select(self, layer: int, unit: tuple[int, ...]) -> None:
        """Explain ``unit`` of output ``layer`` in the detail panel and outline its sources."""
        try:
            explanation = explain(self.trace, layer, unit)
        except ValueError as error:
            show(self.message, str(error))
            return
        self.unit = (layer, tuple(unit))
        self._show_detail(explanation)
        self.network.param.update(selected=[layer, *unit], sources=outlines(explanation))

    def _build_detail(self) -> None:
        # One HTML pane for the heading, the note and every grid, and the formula: two updates
        # per click (a pane per grid cost ~5 ms of Python each, twelve for a 6-channel window).
        self.explained = pn.pane.HTML(
            "", stylesheets=[SR_ONLY, MATRIX_STYLE, DETAIL_STYLE], sizing_mode="stretch_width"
        )
        self.formula = Formula("")
        self.detail = pn.Column(
            self.explained,
            self.formula,
            sizing_mode="stretch_width",
            css_classes=["explorer-detail"],
        )

    def _show_detail(self, e: Explanation) -> None:
        self.explained.object = detail_html(e)
        self.formula.object = e.latex


DETAIL_STYLE = """
.explorer-detail-title { margin: 0.6em 0 0.2em; font-size: 1.15em; }
.grids { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: flex-start; }
.pair { display: flex; align-items: center; gap: 4px; flex-wrap: wrap; }
.op { font-size: 18px; color: var(--text); padding: 0 2px; }
"""


def _grid(values: np.ndarray, title: str, fmt: str = ".2f", **options: object) -> str:
    values = np.atleast_2d(values)
    rows, cols = values.shape
    settings = {
        "highlight": None,
        "row_labels": [str(r + 1) for r in range(rows)],
        "col_labels": [str(c + 1) for c in range(cols)],
        "cell_size": 34,
        "corner": "row \\ column",
        **options,
    }
    return grid_html(values, title=title, fmt=fmt, **settings)


def _named(what: str, label: str) -> str:
    return f"{what} ({label})" if label else what


def detail_html(e: Explanation) -> str:
    """The detail panel's heading, note and grids for one explanation (the formula is apart)."""
    parts = []
    if e.kind == "conv":
        for term in e.terms:
            parts.append(
                f'<div class="pair">{_grid(term.inputs, _named("window", term.label))}'
                f'<span class="op" aria-hidden="true">×</span>'
                f"{_grid(term.weights, _named('kernel', term.label))}"
                f'<span class="op">= {term.subtotal:.3f}</span></div>'
            )
    else:
        table = _table(e)
        if table is not None:
            parts.append(_grid(**table))
    return (
        f'<div aria-live="polite"><h3 class="explorer-detail-title">{html.escape(e.title)}</h3>'
        f"</div><p>{html.escape(e.note)}</p>"
        f'<div class="grids">{"".join(parts)}</div>'
    )


def _table(e: Explanation) -> dict | None:
    """The one grid a pool, dense or softmax unit shows, as ``_grid`` arguments."""
    if e.kind == "pool":
        (term,) = e.terms
        winner = (*e.winner, 1, 1) if e.winner else None
        title = f"{term.label}" + (" (winner outlined)" if winner else "")
        return {"values": term.inputs, "title": title, "highlight": winner}
    if e.kind == "dense":
        (term,) = e.terms
        return {
            "values": np.column_stack([term.inputs, term.weights, term.inputs * term.weights]),
            "title": "the largest products x_i · w_i",
            "fmt": ".3f",
            "row_labels": [f"i = {i}" for i in e.extra["indices"]],
            "col_labels": ["x_i", "w_i", "x_i·w_i"],
            "corner": "flattened index i",
        }
    if e.kind == "softmax":
        logits = e.extra["logits"]
        return {
            "values": np.column_stack([logits, e.extra["exponentials"], e.extra["probabilities"]]),
            "title": "scores, exponentials and probabilities",
            "fmt": ".3f",
            "highlight": (int(e.unit[0]), 0, 1, 3),
            "row_labels": [str(k) for k in range(len(logits))],
            "col_labels": ["z_j", "e^(z_j − max)", "p_j"],
            "corner": "digit j",
        }
    return None
