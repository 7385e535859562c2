"""The course map's interactive part: the student's progress area (the map itself, the pipeline
figure, is static HTML rendered by the build)."""

from __future__ import annotations

import panel as pn

from app.components.progress_panel import ProgressPanel


def view() -> pn.viewable.Viewable:
    return ProgressPanel().__panel__()
