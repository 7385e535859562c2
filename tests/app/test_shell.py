"""app.shell natively: lazy lesson loading reports missing, broken and working lessons without
raising, so one bad lesson never takes the page down; app.html_sanitizer keeps safe HTML only."""

from __future__ import annotations

import sys
import types

import panel as pn
import pytest

from app import catalog, html_sanitizer, shell


def _fake_lesson(monkeypatch: pytest.MonkeyPatch, slug_module: str, view) -> None:
    module = types.ModuleType(f"app.lessons.{slug_module}")
    module.view = view
    monkeypatch.setitem(sys.modules, module.__name__, module)


def test_a_lesson_without_a_module_is_not_yet_available(monkeypatch: pytest.MonkeyPatch) -> None:
    def import_module(name: str):
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr(catalog.importlib, "import_module", import_module)
    result, view = shell.load_view("pooling")
    assert result == {"status": "unavailable", "message": "", "notes": []} and view is None
    # The course map needs no module: its content is static HTML.
    result, view = shell.load_view("home")
    assert result["status"] == "static" and view is None


def test_a_working_lesson_gives_its_view(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_lesson(monkeypatch, "softmax", lambda: pn.widgets.FloatSlider(label="Temperature"))
    result, view = shell.load_view("softmax")
    assert result["status"] == "ok"
    assert isinstance(view, pn.widgets.FloatSlider)


def test_a_lesson_whose_view_raises_reports_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken():
        raise ValueError("kernel must be odd\nsecond line")

    _fake_lesson(monkeypatch, "convolution", broken)
    result, view = shell.load_view("convolution")
    assert result == {"status": "error", "message": "ValueError: kernel must be odd", "notes": []}
    assert view is None
    assert "Traceback" in capsys.readouterr().out  # full traceback for developers


def test_a_lesson_that_fails_to_import_reports_the_missing_dependency(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A lesson importing something absent is an error, not "not yet available".
    def import_module(name: str):
        raise ModuleNotFoundError("No module named 'scipy'", name="scipy")

    monkeypatch.setattr(catalog.importlib, "import_module", import_module)
    result, _ = shell.load_view("entropy")
    assert result == {
        "status": "error",
        "message": "ModuleNotFoundError: No module named 'scipy'",
        "notes": [],
    }


def test_unknown_slugs_load_the_course_map(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    monkeypatch.setattr(catalog.importlib, "import_module", lambda name: seen.append(name))
    shell.load_view("no-such-lesson")
    assert seen == ["app.lessons.home"]


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<b>bold</b> & <i>it</i>", "<b>bold</b> &amp; <i>it</i>"),
        ("<script>alert(1)</script>ok", "ok"),
        ('<img src="x.png" onerror="alert(1)" alt="pic">', '<img src="x.png" alt="pic">'),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        (
            '<a href="https://example.org/a">x</a>',
            '<a href="https://example.org/a" rel="noopener noreferrer">x</a>',
        ),
        ("<custom-tag>text</custom-tag><style>p{}</style>", "text"),
        ('<div class="x" style="color:red">2 < 3</div>', "<div>2 &lt; 3</div>"),
    ],
)
def test_the_sanitizer_keeps_only_safe_html(dirty: str, clean: str) -> None:
    assert html_sanitizer.clean(dirty) == clean
