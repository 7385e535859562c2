"""app.shell natively: lazy lesson loading reports missing, broken and working lessons without
raising, so one bad lesson never takes the page down; app.html_sanitizer keeps safe HTML only."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

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
    result, view, _rest = shell.load_view("pooling")
    assert result == {"status": "unavailable", "message": "", "notes": []} and view is None
    # The course map needs no module: its content is static HTML.
    result, view, _rest = shell.load_view("home")
    assert result["status"] == "static" and view is None


def test_a_working_lesson_gives_its_view(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_lesson(monkeypatch, "softmax", lambda: pn.widgets.FloatSlider(label="Temperature"))
    result, view, _rest = shell.load_view("softmax")
    assert result["status"] == "ok"
    assert isinstance(view, pn.widgets.FloatSlider)


def test_a_lesson_whose_view_raises_reports_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken():
        raise ValueError("kernel must be odd\nsecond line")

    _fake_lesson(monkeypatch, "convolution", broken)
    result, view, _rest = shell.load_view("convolution")
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
    result, _view, _rest = shell.load_view("entropy")
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


def _section_lesson(monkeypatch: pytest.MonkeyPatch, slug_module: str, built: list[str]) -> None:
    """A lesson of one step whose builds are counted in ``built``."""

    def step():
        built.append(slug_module)
        return pn.Column(pn.widgets.FloatSlider(label="Temperature"))

    module = types.ModuleType(f"app.lessons.{slug_module}")
    module.SECTIONS = (step,)
    monkeypatch.setitem(sys.modules, module.__name__, module)


@pytest.fixture
def page_stand_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[list]:
    """show() natively: progress in memory, and the page's embedding replaced by a list of the
    documents put on it."""
    from app import progress

    monkeypatch.setattr(progress, "_storage", progress.MemoryStorage())
    shown: list = []

    async def render(pydoc, item):
        shown.append((pydoc, item))
        return types.SimpleNamespace(close=lambda: None)  # stands in for the DocumentLink

    monkeypatch.setattr(shell, "_render", render)
    monkeypatch.setattr(shell, "write_hash", lambda _hash: None)
    monkeypatch.setattr(shell, "_prepared", {})
    monkeypatch.setattr(shell, "_shown", None)
    yield shown
    shell.unmount()


def test_the_next_lesson_is_built_ahead_and_shown_without_building_again(
    monkeypatch: pytest.MonkeyPatch, page_stand_in: list
) -> None:
    import asyncio

    built: list[str] = []
    _section_lesson(monkeypatch, "entropy", built)
    _section_lesson(monkeypatch, "cross_entropy", built)
    asyncio.run(shell.show("entropy"))
    asyncio.run(shell.prepare_next("entropy"))
    assert built == ["entropy", "cross_entropy"]
    result = asyncio.run(shell.show("cross-entropy"))
    assert result["status"] == "ok"
    assert built == ["entropy", "cross_entropy"]  # not built a second time
    pydoc, item = page_stand_in[-1]
    assert item["root_id"] == pydoc.roots[0].id and item["target_id"] == "lesson-app"


@pytest.mark.parametrize("change", ["a link's values", "progress", "another lesson"])
def test_a_lesson_built_ahead_is_built_again_when_it_would_differ(
    monkeypatch: pytest.MonkeyPatch, page_stand_in: list, change: str
) -> None:
    import asyncio

    from app import progress

    built: list[str] = []
    for module in ("entropy", "cross_entropy", "softmax"):
        _section_lesson(monkeypatch, module, built)
    asyncio.run(shell.prepare_next("entropy"))
    slug, query = "cross-entropy", ""
    if change == "a link's values":
        query = "temperature=2"
    elif change == "progress":
        progress.next_draw("cross-entropy", "some-exercise")
    else:
        slug = "softmax"
    asyncio.run(shell.show(slug, query))
    assert built == ["cross_entropy", slug.replace("-", "_")]


def test_a_lesson_the_pointer_rests_on_is_built_ahead_beside_the_next_one(
    monkeypatch: pytest.MonkeyPatch, page_stand_in: list
) -> None:
    import asyncio

    built: list[str] = []
    for module in ("entropy", "cross_entropy", "softmax", "encoding"):
        _section_lesson(monkeypatch, module, built)
    asyncio.run(shell.show("entropy"))
    asyncio.run(shell.prepare_next("entropy"))  # cross-entropy, the next one
    asyncio.run(shell.prepare("softmax"))  # the pointer rests on these two in turn
    asyncio.run(shell.prepare("encoding"))
    asyncio.run(shell.prepare("entropy"))  # on the page already: nothing to build
    assert built == ["entropy", "cross_entropy", "softmax", "encoding"]
    # Two are kept: the next one, and the latest the pointer rested on.
    assert list(shell._prepared) == ["cross-entropy", "encoding"]

    asyncio.run(shell.show("encoding"))
    asyncio.run(shell.show("cross-entropy"))
    assert built == ["entropy", "cross_entropy", "softmax", "encoding"]  # neither built again
    asyncio.run(shell.show("softmax"))  # released when encoding was built: built on its click
    assert built[-1] == "softmax" and len(built) == 5


def test_pages_with_their_own_view_are_not_built_ahead(
    monkeypatch: pytest.MonkeyPatch, page_stand_in: list
) -> None:
    import asyncio

    calls: list[str] = []
    _fake_lesson(monkeypatch, "trainer", lambda: calls.append("trainer") or pn.Column())
    asyncio.run(shell.prepare_next("explorer"))
    assert calls == [] and shell._prepared == {}
    assert catalog.following(catalog.SLUGS[-1]) is None


def _step_titles(shown: list) -> list[str]:
    """The h2 headings of the steps in the documents put on the page, in page order."""
    import html
    import re

    texts = (  # Panel's HTML panes send their text escaped
        html.unescape(str(getattr(model, "text", "")))
        for pydoc, _item in shown
        for root in pydoc.roots
        for step in root.children
        for model in step.references()
    )
    return [title for text in texts for title in re.findall(r"<h2>(.*?)</h2>", text)]


ENTROPY_STEPS = [
    "1 · Three containers",
    "2 · The formula",
    "3 · The binary entropy curve",
    "4 · More than two classes",
]


def test_a_lesson_shows_its_first_step_then_the_rest(page_stand_in: list) -> None:
    import asyncio

    from bokeh.models import TextInput

    async def visit() -> None:
        result = await shell.show("entropy", "probabilities=0.5,0.5")
        assert result["status"] == "ok"
        assert _step_titles(page_stand_in) == ENTROPY_STEPS[:1]
        assert (await shell.show_rest(lambda: True))["status"] == "ok"

    asyncio.run(visit())
    first, rest = page_stand_in
    assert _step_titles([first]) == ENTROPY_STEPS[:1]
    assert _step_titles([rest])[:3] == ENTROPY_STEPS[1:]  # then its exercises
    # A shared link's value for a control of step 4 was applied before that step was shown.
    values = [model.value for model in rest[0].roots[0].select({"type": TextInput})]
    assert "0.5,0.5" in [value.replace(" ", "") for value in values]


def test_the_rest_is_not_shown_once_the_student_goes_elsewhere(page_stand_in: list) -> None:
    import asyncio

    async def visit() -> None:
        await shell.show("entropy")
        assert await shell.show_rest(lambda: False) is None
        assert _step_titles(page_stand_in) == ENTROPY_STEPS[:1]
        page_stand_in.clear()
        await shell.show("pooling")
        assert (await shell.show_rest(lambda: True))["status"] == "ok"

    asyncio.run(visit())
    titles = _step_titles(page_stand_in)
    assert len(page_stand_in) == 2 and len(titles) > 1
    assert not set(titles) & set(ENTROPY_STEPS)


def test_a_lesson_built_ahead_shows_both_parts_it_built(page_stand_in: list) -> None:
    import asyncio

    async def visit() -> None:
        await shell.prepare("entropy")
        ready = shell._prepared["entropy"]
        assert ready.rest is not None
        await shell.show("entropy")
        await shell.show_rest(lambda: True)
        shown = [pydoc for pydoc, _item in page_stand_in]
        assert shown == [ready.first.document, ready.rest.document]  # nothing built again

    asyncio.run(visit())
    assert _step_titles(page_stand_in)[:4] == ENTROPY_STEPS


def test_a_lesson_saved_built_shows_that_first_step_and_builds_its_rest(
    page_stand_in: list,
) -> None:
    import asyncio

    shell.prepare_saved("entropy")
    saved = shell._prepared["entropy"]
    assert _step_titles([(saved.first.document, saved.first.item)]) == ENTROPY_STEPS[:1]

    async def visit() -> None:
        result = await shell.show("entropy")
        assert result["built_ahead"] is True
        assert (await shell.show_rest(lambda: True))["status"] == "ok"

    asyncio.run(visit())
    first, rest = page_stand_in
    assert first[0] is saved.first.document  # not built again
    assert _step_titles([rest])[:3] == ENTROPY_STEPS[1:]
    shell.prepare_saved("home")  # the course map builds its own view(): left to show()
    assert shell._prepared == {}
    assert asyncio.run(shell.show("pooling"))["built_ahead"] is False


def test_forgetting_the_lessons_built_ahead_releases_their_models(page_stand_in: list) -> None:
    shell.prepare_saved("pooling")
    document = shell._prepared["pooling"].first.document
    assert document.roots
    shell.forget_prepared()
    assert shell._prepared == {} and not document.roots


#: Lessons made of steps (the course map, the explorer and the trainer build their own view).
STEP_LESSONS = [
    info.slug for info in catalog.LESSONS if hasattr(catalog.module(info.slug), "SECTIONS")
]


@pytest.mark.parametrize("slug", STEP_LESSONS)
def test_every_lesson_of_steps_renders_in_two_parts(slug: str) -> None:
    # Two documents: a Bokeh model that two steps shared would be refused by the second one.
    first, build_rest = shell.build_parts(slug, catalog.module(slug))
    rest = build_rest()
    assert rest is not None
    whole = shell.build_view(slug, catalog.module(slug))
    assert len(first.objects) + len(rest.objects) == len(whole.objects)
    first_doc, _ = shell.build_document("lesson-app", first)
    rest_doc, _ = shell.build_document("lesson-app", rest)
    assert not {m.id for m in first_doc.models} & {m.id for m in rest_doc.models}


def test_a_lesson_builds_its_later_sections_for_the_rest_only(
    monkeypatch: pytest.MonkeyPatch, page_stand_in: list
) -> None:
    import asyncio

    from app.components.shared_link import shared

    built: dict[str, pn.widgets.IntSlider] = {}
    hashes: list[str] = []
    monkeypatch.setattr(shell, "write_hash", hashes.append)

    def section(key: str):
        def build() -> pn.Column:
            built[key] = shared(key, pn.widgets.IntSlider(label=key, start=0, end=9, value=1))
            return pn.Column(built[key])

        return build

    module = types.ModuleType("app.lessons.softmax")
    module.SECTIONS = (section("first"), section("later"))
    monkeypatch.setitem(sys.modules, module.__name__, module)

    async def visit() -> None:
        await shell.show("softmax")
        assert list(built) == ["first"]
        assert (await shell.show_rest(lambda: True))["status"] == "ok"
        assert list(built) == ["first", "later"]

    asyncio.run(visit())
    # The later step's control is in the lesson's link like the first one's.
    built["later"].value = 5
    assert hashes[-1] == "softmax?later=5"
    built["first"].value = 2
    assert hashes[-1] == "softmax?first=2&later=5"
