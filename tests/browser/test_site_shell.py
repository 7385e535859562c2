"""The page shell in Chromium: first paint, routing, Python round trip, offline, boot errors,
keyboard and accessibility.

Each test boots Python once (seconds; far more on a loaded machine), so assertions about one page
are grouped into one test. Every test also fails on any console error, page error or request that
leaves the site's origin (the ``page`` fixture's guard).
"""

from __future__ import annotations

import gzip
import html
import re
from pathlib import Path

import panel as pn
import pytest
from harness import BOOT_TIMEOUT_MS, PLOT_BACKGROUNDS_JS
from playwright.sync_api import Route, expect

from app.catalog import LESSONS, PIPELINE, lesson
from app.components import theme

pytestmark = pytest.mark.browser

# Switching lessons re-renders only the lesson's view: seconds at most, even on a busy machine.
SWITCH_TIMEOUT_MS = 30_000
#: An init script's function (tests/browser/js/): types into a text box at the first step.
TYPE_AT_FIRST_STEP_JS = (Path(__file__).with_name("js") / "type-at-first-step.js").read_text()
FAIL_FIRST_SNAPSHOT_JS = (Path(__file__).with_name("js") / "fail-first-snapshot.js").read_text()
#: Polls, 100 ms apart, for a Python round trip's result to show.
ROUND_TRIP_POLLS = 100
LESSON_DIR = Path(__file__).resolve().parents[2] / "app" / "lessons"


def _has_module(slug: str) -> bool:
    return (LESSON_DIR / f"{lesson(slug).module}.py").is_file()


def _map_link(page, step: str, slug: str):
    """The course map's link for a pipeline step (the lesson list has links to the same lessons)."""
    return page.get_by_role("main").locator(f'a[href$="#{slug}"]', has_text=step).first


def _nav(page):
    return page.get_by_role("navigation", name=re.compile("lesson", re.I))


def test_first_paint_shows_the_course_before_python_and_keyboard_reaches_the_nav(page) -> None:
    held: list[Route] = []
    # Hold back Python itself so the page stays in its pre-Python state while we look at it.
    page.route("**/pyodide.asm.wasm.gz", lambda route: held.append(route))
    page.goto(page.site_url + "index.html#convolution")

    convolution = lesson("convolution")
    expect(page.get_by_role("banner")).to_be_visible()
    nav = _nav(page)
    for info in LESSONS:
        # Nav labels are numbered ("5. Convolution"); anchoring at the end keeps "Entropy"
        # from also matching "Cross-entropy loss".
        title = re.compile(re.escape(info.title) + "$")
        expect(nav.get_by_role("link", name=title)).to_be_visible()
    expect(page.get_by_role("heading", level=1, name=convolution.title)).to_be_visible()
    expect(page.get_by_text(convolution.intro)).to_be_visible()
    expect(page.get_by_role("progressbar")).to_be_visible()

    for _ in range(SWITCH_TIMEOUT_MS // 100):  # the request comes once pyodide.js has loaded
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the boot never asked for pyodide.asm.wasm.gz"
    assert page.evaluate("document.body.dataset.ready") is None
    page.unroute("**/pyodide.asm.wasm.gz")
    for route in held:
        route.fallback()
    page.wait_ready("convolution")
    expect(page.get_by_role("progressbar")).to_be_hidden()
    _keyboard_opens_a_lesson_from_the_nav(page)


def _keyboard_opens_a_lesson_from_the_nav(page) -> None:
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('nav a')"):
            break
    else:
        raise AssertionError("15 Tab presses never reached a link in the lesson list")
    focus = page.evaluate(
        """() => {
             const style = getComputedStyle(document.activeElement);
             return {outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
                     shadow: style.boxShadow};
           }"""
    )
    outline = focus["outline"] != "none" and focus["width"] > 0
    assert outline or focus["shadow"] != "none", f"no visible focus indicator: {focus}"
    target = page.evaluate("document.activeElement.getAttribute('href')").rsplit("#", 1)[-1]
    page.keyboard.press("Enter")
    page.wait_ready(target, timeout=SWITCH_TIMEOUT_MS)


def test_every_route_reaches_ready_without_reloading_python(page, axe) -> None:
    page.open_lesson("home")
    page.evaluate("window.__bootMarker = 'set once'")

    # The course map links every pipeline step to its lesson.
    for step, slug in PIPELINE:
        expect(_map_link(page, step, slug)).to_be_visible()
    accessibility = {"home": axe(page, fail=False)}

    for info in LESSONS[1:]:
        page.open_lesson(info.slug, timeout=SWITCH_TIMEOUT_MS)
        expect(page.get_by_role("heading", level=1, name=info.title)).to_be_visible()
        if not _has_module(info.slug):
            expect(page.get_by_text("not yet available", exact=False)).to_be_visible()
            for goal in info.goals:
                expect(page.get_by_text(goal)).to_be_visible()
        if info.slug == "stride-padding":
            _a_widget_change_runs_through_python_and_the_engine(page)
        accessibility[info.slug] = axe(page, fail=False)

    assert page.evaluate("window.__bootMarker") == "set once", "Python was reloaded"

    # An unknown lesson falls back to the course map.
    page.evaluate("window.location.hash = 'no-such-lesson'")
    page.wait_ready("home", timeout=SWITCH_TIMEOUT_MS)
    assert page.evaluate("window.__bootMarker") == "set once"

    failing = {slug: report for slug, report in accessibility.items() if report}
    assert not failing, "serious/critical axe-core violations:\n" + "\n".join(
        f"#{slug}:\n{report}" for slug, report in failing.items()
    )


def _a_widget_change_runs_through_python_and_the_engine(page) -> None:
    # The stride/padding explorer prints engine.functional.output_size for its four inputs.
    caption = page.locator("#lesson-app").get_by_text(re.compile(r"^Output: \d")).first
    expect(caption).to_contain_text("Output: 3×3")  # n=7, k=3, s=2, p=0: ⌊(7 − 3)/2⌋ + 1 = 3
    page.get_by_label("Stride s", exact=True).select_option("1")
    expect(caption).to_contain_text("Output: 5×5")  # ⌊(7 − 3)/1⌋ + 1 = 5


def _shell_value(page, expression: str) -> object:
    """``expression`` evaluated in the page's Python with ``app.shell`` as ``shell`` (a side
    door for tests: what the page built, not what the student sees)."""
    code = f"import app.shell as shell\n{expression}"
    return page.evaluate("(code) => window.cnnBoot.pyodide.runPython(code)", code)


def test_the_next_lesson_built_ahead_works_like_one_built_on_its_click(page) -> None:
    page.open_lesson("relu")
    _wait_built_ahead(page, "stride-padding")
    _click_stride_padding_built_ahead(page)


def test_a_lesson_link_the_mouse_rests_on_is_built_ahead_and_works(page) -> None:
    page.open_lesson("entropy")
    _wait_built_ahead(page, "cross-entropy")  # the next one comes first, unasked
    link = page.locator('#lesson-nav a[href$="#stride-padding"]')
    link.hover()
    _wait_built_ahead(page, "stride-padding")
    assert _shell_value(page, "list(shell._prepared)") == ["cross-entropy", "stride-padding"]
    _click_stride_padding_built_ahead(page)


def _wait_built_ahead(page, slug: str) -> None:
    page.wait_for_function(
        "(code) => window.cnnBoot.pyodide.runPython(code) === true",
        arg=f"import app.shell as shell\n{slug!r} in shell._prepared",
        timeout=SWITCH_TIMEOUT_MS,
    )


def _click_stride_padding_built_ahead(page) -> None:
    slug = "stride-padding"
    built = _shell_value(page, f"id(shell._prepared[{slug!r}].first.view)")
    page.locator(f'#lesson-nav a[href$="#{slug}"]').click()
    page.wait_ready(slug, timeout=SWITCH_TIMEOUT_MS)
    assert _shell_value(page, "id(shell._mounted[0][0])") == built, "not the lesson built ahead"
    title = lesson(slug).title
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    # Its widgets reach Python and the engine, and its link follows them, as on a fresh build.
    _a_widget_change_runs_through_python_and_the_engine(page)
    page.wait_for_function("location.hash.includes('stride=1')", timeout=SWITCH_TIMEOUT_MS)


def test_a_lesson_can_be_used_while_its_later_steps_arrive(page) -> None:
    page.add_init_script(f"({TYPE_AT_FIRST_STEP_JS})('Triangles in Container 1', '4')")
    page.goto(page.site_url + "index.html#entropy")
    _wait_first_step(page, "entropy", BOOT_TIMEOUT_MS)
    typed = page.evaluate("window.cnnTypedAtFirstStep")
    assert typed == {"found": True, "ready": None, "steps": 1}, typed
    # Python ran the count typed while the rest of the lesson was still to come.
    _wait_for_text(page, page.locator(".container-1"), "Entropy = 1.0000 bits")
    page.wait_ready("entropy")
    assert _step_titles(page) == _built_step_titles("entropy")
    expect(page.get_by_role("textbox", name="Triangles in Container 1")).to_have_value("4")
    _wait_for_text(page, page.locator(".container-1"), "Entropy = 1.0000 bits")

    # A student who moves on before a lesson's later steps have arrived gets the new lesson only.
    page.evaluate("location.hash = 'pooling'")
    _wait_first_step(page, "pooling", SWITCH_TIMEOUT_MS)
    page.evaluate("location.hash = 'convolution'")
    page.wait_ready("convolution", timeout=SWITCH_TIMEOUT_MS)
    assert _step_titles(page) == _built_step_titles("convolution")

    _a_failing_step_is_reported_for_what_it_leaves_and_try_again_recovers(page)


def _a_failing_step_is_reported_for_what_it_leaves_and_try_again_recovers(page) -> None:
    # Fault injection through the page's Python: encoding gets a last step whose Bokeh model
    # cannot be built, as a bug in a lesson would.
    _shell_value(page, BREAK_ENCODINGS_LAST_STEP)
    page.evaluate("location.hash = 'encoding'")
    error = page.locator("#lesson-error")
    expect(error).to_be_visible(timeout=SWITCH_TIMEOUT_MS)
    expect(error).to_contain_text("RuntimeError: a step broke")
    # The panel says what still works: the first step, below it.
    part = error.get_by_role("heading", name="The rest of this lesson could not be shown")
    expect(part).to_be_visible()
    expect(error.get_by_text("Its first step, below, still works.")).to_be_visible()
    assert page.evaluate("document.body.dataset.ready") is None
    assert _step_titles(page)[0] == _built_step_titles("encoding")[0]  # the first step stays
    _shell_value(page, "module.SECTIONS = module.SECTIONS[:-1]")
    page.get_by_role("button", name="Try again").click()
    expect(error).to_be_hidden(timeout=SWITCH_TIMEOUT_MS)  # until then wait_ready would see it
    page.wait_ready("encoding", timeout=SWITCH_TIMEOUT_MS)
    assert _step_titles(page) == _built_step_titles("encoding")

    # A first step that fails leaves nothing of the lesson, and the panel says so.
    broken_first = "module.SECTIONS = module.SECTIONS[-1:] + module.SECTIONS[:-1]"
    _shell_value(page, BREAK_ENCODINGS_LAST_STEP + broken_first)
    page.evaluate("location.hash = 'pooling'")
    page.wait_ready("pooling", timeout=SWITCH_TIMEOUT_MS)
    page.evaluate("location.hash = 'encoding'")
    whole = error.get_by_role("heading", name="This lesson could not be opened")
    expect(whole).to_be_visible(timeout=SWITCH_TIMEOUT_MS)
    expect(error.get_by_text("Its first step, below, still works.")).to_be_hidden()
    assert _step_titles(page) == []
    _shell_value(page, "module.SECTIONS = module.SECTIONS[1:]")


BREAK_ENCODINGS_LAST_STEP = """
import panel as pn
from app import catalog

module = catalog.module("encoding")


class Broken(pn.pane.HTML):
    def _get_model(self, *args, **kwargs):
        raise RuntimeError("a step broke")


module.SECTIONS = (*module.SECTIONS, lambda: pn.Column(Broken("never shown")))
"""


def _wait_first_step(page, slug: str, timeout: float) -> None:
    first_step = f'body[data-route="{slug}"][data-first-step="interactive"]'
    page.wait_for_selector(first_step, state="attached", timeout=timeout)


def _wait_for_text(page, locator, text: str) -> None:
    for _ in range(ROUND_TRIP_POLLS):
        if text in page.deep_text(locator):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{text!r} never appeared in: {page.deep_text(locator)[:300]}")


def _step_titles(page) -> list[str]:
    """The headings of the steps on the page, in order (Playwright's CSS pierces shadow roots)."""
    return [title.strip() for title in page.locator("#lesson-app h2").all_inner_texts()]


def _built_step_titles(slug: str) -> list[str]:
    """The headings of lesson ``slug``'s steps, from its view built here (not in the page)."""
    from app import catalog, shell

    view = shell.build_view(slug, catalog.module(slug))
    return [
        html.unescape(title)
        for pane in view.select(pn.pane.HTML)
        for title in re.findall(r"<h2>(.*?)</h2>", str(pane.object))
    ]


def test_course_map_link_then_back_and_forward(page) -> None:
    page.open_lesson("home")
    step, slug = PIPELINE[-1]
    _map_link(page, step, slug).click()
    page.wait_ready(slug, timeout=SWITCH_TIMEOUT_MS)
    expect(page.get_by_role("heading", level=1, name=lesson(slug).title)).to_be_visible()

    route = ["home", slug, *(info.slug for info in LESSONS[3:5])]
    for later in route[2:]:
        page.open_lesson(later, timeout=SWITCH_TIMEOUT_MS)
    # One press of Back must go to the previous lesson, as on any web page.
    for earlier in reversed(route[:-1]):
        page.go_back()
        page.wait_ready(earlier, timeout=SWITCH_TIMEOUT_MS)
    page.go_forward()
    page.wait_ready(route[1], timeout=SWITCH_TIMEOUT_MS)


@pytest.mark.parametrize(
    ("download", "message"),
    [
        ("**/site-packages.tar.gz", "Could not download the Python packages"),
        ("**/pyodide.asm.wasm.gz", "Could not download Python itself"),
    ],
)
def test_boot_failure_shows_an_error_panel_and_retry_recovers(
    page, download: str, message: str
) -> None:
    page.allow_console_errors(r"packages|Python|ERR_FAILED|Failed to load resource|[Bb]oot|wasm")
    page.route(download, lambda route: route.abort("failed"))
    page.goto(page.site_url + "index.html#entropy")

    panel = page.get_by_role("alert")
    expect(panel).to_be_visible(timeout=60_000)
    expect(panel).to_contain_text(message)
    assert page.evaluate("document.body.dataset.ready") is None
    # The static lesson text stays readable behind the error.
    expect(page.get_by_role("heading", level=1, name=lesson("entropy").title)).to_be_visible()

    page.unroute(download)
    panel.get_by_role("button", name=re.compile("retry", re.I)).click()
    page.wait_ready("entropy")


def test_a_second_visit_restores_pythons_saved_state(page) -> None:
    page.open_lesson("stride-padding")
    assert page.evaluate("window.cnnBoot.restored") is False
    page.wait_for_function("window.cnnBoot.snapshotSaved === true")

    draws = []
    for _ in range(2):
        page.reload()
        page.wait_ready("stride-padding")
        assert page.evaluate("window.cnnBoot.restored") is True, "Python started afresh"
        _a_widget_change_runs_through_python_and_the_engine(page)
        draws.append(page.evaluate(_PYTHON_RANDOM))
        # The URL carries the change (stride=1) once the page writes it (debounced), and a
        # reload would reopen it: wait for that write, then start the next visit from the
        # lesson's own values (resetting earlier raced the write).
        page.wait_for_function("location.hash.includes('stride=')")
        page.evaluate("history.replaceState(null, '', '#stride-padding')")
    # The snapshot holds the first visit's random states; each visit must draw its own numbers,
    # from Python's generator and from NumPy's (whose compiled code the snapshot holds too).
    python_draws, numpy_draws = zip(*draws, strict=True)
    assert python_draws[0] != python_draws[1]
    assert numpy_draws[0] != numpy_draws[1]


def test_a_later_visit_to_the_first_lesson_opened_shows_its_saved_build(page) -> None:
    # A first visit saves Python's state with the lesson it opened built in (and shows that
    # build itself): a later visit to the lesson restores it built and only puts it on the page.
    page.open_lesson("entropy")
    assert page.evaluate("window.cnnBoot.builtAhead") is True
    page.wait_for_function("window.cnnBoot.snapshotSaved === true")
    page.reload()
    page.wait_ready("entropy")
    assert page.evaluate("[window.cnnBoot.restored, window.cnnBoot.builtAhead]") == [True, True]
    # That build is live: a count typed in runs through the lesson's Python.
    page.get_by_role("textbox", name="Triangles in Container 1").fill("15")
    page.keyboard.press("Enter")
    _wait_for_text(page, page.locator(".container-1"), "Entropy = 0.7425 bits")  # 15 of 19
    page.wait_for_function("location.hash.includes('triangles-1=15')")
    page.evaluate("history.replaceState(null, '', '#entropy')")  # the next visit: no values

    # Its plots were drawn in the light scheme: in the dark one the lesson is built afresh.
    page.get_by_role("combobox", name="Colours").select_option("dark")
    page.reload()
    page.wait_ready("entropy")
    assert page.evaluate("[window.cnnBoot.restored, window.cnnBoot.builtAhead]") == [True, False]
    assert set(page.evaluate(PLOT_BACKGROUNDS_JS)) == {theme.SURFACE}


def test_a_build_the_saved_state_cannot_hold_is_left_out_of_it(page) -> None:
    # Fault injection: the snapshot with the lesson built in fails. The state is then saved
    # without the build, so a later visit is still restored, and builds the lesson itself.
    page.add_init_script(f"({FAIL_FIRST_SNAPSHOT_JS})()")
    page.open_lesson("pooling")
    page.wait_for_function("window.cnnBoot.snapshotSaved === true")
    assert page.evaluate("window.cnnSnapshotTries") == 2
    page.reload()
    page.wait_ready("pooling")
    assert page.evaluate("[window.cnnBoot.restored, window.cnnBoot.builtAhead]") == [True, False]


_PYTHON_RANDOM = """window.cnnBoot.pyodide.runPython(
  'import random, numpy; [random.random(), float(numpy.random.random())]'
).toJs()"""


def test_a_damaged_saved_state_costs_one_fresh_start_not_the_page(page) -> None:
    page.open_lesson("home")
    page.wait_for_function("window.cnnBoot.snapshotSaved === true")
    page.evaluate(
        """async () => {
             const cache = await caches.open('cnn-classroom/python-snapshot');
             const [request] = await cache.keys();
             const response = await cache.match(request);
             const saved = new Uint8Array(await response.arrayBuffer());
             // Cut short, still labelled with its full size.
             await cache.put(request, new Response(saved.slice(0, 1 << 20), response));
           }"""
    )
    page.reload()
    page.open_lesson("stride-padding")
    assert page.evaluate("window.cnnBoot.restored") is False
    _a_widget_change_runs_through_python_and_the_engine(page)
    page.wait_for_function("window.cnnBoot.snapshotSaved === true")  # replaced by a good one
    page.reload()
    page.wait_ready("stride-padding")
    assert page.evaluate("window.cnnBoot.restored") is True


def test_a_host_that_gunzips_gz_files_still_boots(page, site_dir: Path) -> None:
    # Some static hosts send .gz files with "Content-Encoding: gzip": the page then receives the
    # package archive's tar and Pyodide's WebAssembly themselves, already decompressed.
    def decoded(gz: str):
        body = gzip.decompress((site_dir / gz).read_bytes())
        return lambda route: route.fulfill(body=body, content_type="application/gzip")

    for gz in ("wheels/site-packages.tar.gz", "pyodide/pyodide.asm.wasm.gz"):
        page.route(f"**/{gz}", decoded(gz))
    page.open_lesson("stride-padding")
    _a_widget_change_runs_through_python_and_the_engine(page)


def test_second_visit_works_offline(new_page) -> None:
    page = new_page(service_workers="allow")
    page.open_lesson("home")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")

    page.context.set_offline(True)
    page.reload()
    page.wait_ready("home")
    assert page.evaluate("!!navigator.serviceWorker.controller"), "page not served by the worker"
    page.open_lesson(LESSONS[1].slug)
