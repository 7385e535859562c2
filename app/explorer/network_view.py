"""The overview component: every layer's output for one image, any unit clickable.

The drawing and the keyboard handling are in ``network_view.js``. Python gives it the trace as
plain lists (``overview``) and the windows to outline; a picked unit comes back through
``on_pick`` straight away (a Bokeh message, not a debounced property change).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import panel as pn
import param

from app.components.style import SR_ONLY
from app.explorer.trace import Explanation, Trace


def overview(tr: Trace) -> list[dict[str, Any]]:
    """The trace as the JSON the component draws: one dict per layer, values rounded to 4 places.

    ``top`` is the largest size of a value in the layer (its colours share one scale, so
    channels compare), ``signed`` whether it has negative values, ``group`` the length of one
    channel in a flattened vector (drawn as one column per channel).
    """
    layers = []
    for i, out in enumerate(tr.outputs):
        values = np.asarray(out.values, dtype=float)
        entry = {
            "title": "input" if out.kind == "input" else f"{i} · {out.name}",
            "kind": out.kind,
            "shape": list(out.shape),
            "params": out.params,
            "values": np.round(values.ravel(), 4).tolist(),
            "top": float(np.abs(values).max()) or 1.0,
            "signed": bool((values < 0).any()),
        }
        if out.kind == "flatten":
            before = tr.outputs[i - 1].shape
            entry["group"] = int(np.prod(before[1:]))
        layers.append(entry)
    return layers


def outlines(explanation: Explanation) -> list[dict[str, Any]]:
    """The windows an explanation lights up in the overview, as the component reads them."""
    return [
        {
            "layer": w.layer,
            "channels": list(w.channels),
            "top": w.top,
            "left": w.left,
            "height": w.height,
            "width": w.width,
        }
        for w in explanation.sources
    ]


class NetworkView(pn.custom.JSComponent):
    """All layers of one trace; ``on_pick(layer, unit)`` runs when the student picks a unit."""

    layers = param.List(default=[], doc="overview(trace)")
    selected = param.List(default=[], doc="[layer, *unit] explained in the detail panel")
    sources = param.List(default=[], doc="outlines(explanation)")

    _esm = Path(__file__).with_name("network_view.js")

    _stylesheets: ClassVar[list[str]] = [
        SR_ONLY,
        """
        .net { display: flex; flex-wrap: wrap; gap: 14px 10px; align-items: flex-start; }
        .layer { display: flex; flex-direction: column; gap: 4px; width: min-content; }
        .head { display: flex; flex-direction: column; font-size: 12px; line-height: 1.3;
                color: var(--text); min-height: 64px; }
        .head strong { font-size: 13px; color: var(--text); }
        .maps { display: flex; flex-direction: column; gap: 4px; align-items: flex-start; }
        .layer-input .maps, .layer-flatten .maps { flex-direction: row; }
        button.map { padding: 0; border: 1px solid var(--line); background: var(--surface);
                     cursor: pointer; line-height: 0; border-radius: 2px; }
        button.map canvas { display: block; }
        button:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
        .bars { display: flex; flex-direction: column; gap: 2px; }
        button.bar { display: flex; align-items: center; gap: 4px; width: 108px; padding: 2px 4px;
                     min-height: 24px; /* WCAG 2.5.8 target size */
                     border: 1px solid transparent; background: var(--surface); cursor: pointer;
                     font: 12px system-ui, sans-serif; color: var(--text); border-radius: 3px; }
        button.bar.chosen { border-color: var(--mark); box-shadow: inset 0 0 0 1px var(--mark); }
        .bar .digit { width: 10px; font-weight: 600; }
        .bar .track { flex: 1; height: 10px; background: var(--surface-raised);
                       position: relative; }
        .bar .fill { position: absolute; left: 0; top: 0; bottom: 0; }
        .bar .num { width: 46px; text-align: right; font-variant-numeric: tabular-nums; }
        @media (max-width: 480px) {
          .maps { flex-direction: row; flex-wrap: wrap; }
          .head { max-width: none; min-height: 0; flex-direction: row; gap: 8px;
                  align-items: baseline; }
          .layer { width: 100%; }
        }
        """,
    ]

    def __init__(self, on_pick: Callable[[int, tuple[int, ...]], None], **params: Any) -> None:
        super().__init__(**params)
        self._on_pick = on_pick

    def _handle_msg(self, message: Any) -> None:
        """``{"layer": i, "unit": [...]}`` from a click or a key press in the browser."""
        try:
            layer = int(message["layer"])
            unit = tuple(int(u) for u in message["unit"])
        except (KeyError, TypeError, ValueError):
            return  # not a message this component sends
        self._on_pick(layer, unit)
