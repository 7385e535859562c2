"""app.prelude: what the page imports before its Python state is saved, and how it saves time."""

from __future__ import annotations

import gc
import inspect

import pytest
from bokeh.core.properties import Int
from bokeh.model import Model

from app import prelude


def _stand_in_model(name: str) -> type[Model]:
    """A Bokeh model class defined as ``bokeh.models`` defines its own."""

    class StandIn(Model):
        __module__ = "bokeh.models.stand_in"
        __qualname__ = name
        size = Int(3)

        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)

    return StandIn


def test_bokeh_models_defined_without_signatures_still_work_as_models() -> None:
    with prelude.bokeh_models_without_signatures():
        quick = _stand_in_model("Quick")
    model = quick(size=5)
    assert (model.size, quick().size) == (5, 3)
    assert "size" not in inspect.signature(quick.__init__).parameters
    # Outside the block Bokeh documents its classes again.
    assert "size" in inspect.signature(_stand_in_model("Documented").__init__).parameters


def test_the_collector_is_back_on_after_the_imports_even_if_one_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def failing_import(_root: str) -> None:
        assert not gc.isenabled()
        raise ImportError("no panel here")

    monkeypatch.setattr(prelude, "_import_all", failing_import)
    with pytest.raises(ImportError):
        prelude.load("https://example.invalid/static/panel/")
    assert gc.isenabled()
