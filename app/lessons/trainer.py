"""Lesson route ``#trainer``: build, train and use a CNN on MNIST in the browser.

The page is made once and kept: coming back to the route shows the same run (training goes on
in the worker meanwhile) instead of starting a second worker and downloading MNIST again.
"""

from __future__ import annotations

import panel as pn

from app.trainer.link import default_link
from app.trainer.page import TrainerPage

_page: TrainerPage | None = None


def view() -> pn.viewable.Viewable:
    global _page
    if _page is None:
        _page = TrainerPage(default_link)
    return _page.__panel__()
