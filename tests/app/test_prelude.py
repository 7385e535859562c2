"""app.prelude: what the page imports before its Python state is saved, and how it saves time."""

from __future__ import annotations

import gc
import inspect

import pytest
from bokeh.core.properties import Int
from bokeh.model import Model
from jinja2 import DictLoader, Environment, Template

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


def test_templates_loaded_in_the_block_compile_when_first_rendered() -> None:
    loads: list[str] = []

    class CountingLoader(DictLoader):
        def get_source(self, environment: Environment, template: str) -> tuple:
            loads.append(template)
            return super().get_source(environment, template)

    sources = {"hello.html": "Hello {{ name }}!", "bye.html": "Bye!"}
    env = Environment(loader=CountingLoader(sources))
    with prelude.templates_compiled_on_first_use():
        hello = env.get_template("hello.html")
    assert loads == [] and isinstance(hello, Template)
    assert hello.render(name="Ada") == "Hello Ada!"
    assert hello.render(name="Alan") == "Hello Alan!"
    assert loads == ["hello.html"]
    # Outside the block templates load at once again.
    env.get_template("bye.html")
    assert loads == ["hello.html", "bye.html"]


def test_glyph_methods_documented_briefly_draw_what_bokehs_own_draw() -> None:
    from bokeh.models import Line
    from bokeh.plotting import figure
    from bokeh.plotting._decorators import glyph_method

    def line(self: object, *args: object, **kwargs: object) -> None:
        """Draw lines."""

    with prelude.glyph_methods_documented_briefly():
        brief = glyph_method(Line)(line)
    documented = glyph_method(Line)(line)  # outside the block: Bokeh's own

    drawn = [method(figure(), [1, 2, 3], [4, 6, 5], line_width=3) for method in (brief, documented)]
    glyphs = [renderer.glyph.properties_with_values() for renderer in drawn]
    data = [dict(renderer.data_source.data) for renderer in drawn]
    assert glyphs[0] == glyphs[1] and glyphs[0]["line_width"] == 3
    assert data[0] == data[1] == {"x": [1, 2, 3], "y": [4, 6, 5]}
    for method in (brief, documented):
        with pytest.raises(TypeError, match="takes 2 positional"):
            method(figure(), [1], [2], [3])
    # Only the documentation differs: the keyword arguments' part of it.
    assert list(inspect.signature(brief).parameters) == ["self", "x", "y", "kwargs"]
    assert "line_dash" in documented.__doc__ and "line_dash" not in brief.__doc__
