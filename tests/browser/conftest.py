"""Browser test harness: the built site in Debian's Chromium, driven by Playwright.

How to write a lesson test (``tests/browser/test_<lesson>.py``)::

    import pytest
    from playwright.sync_api import expect

    pytestmark = pytest.mark.browser   # (added automatically too; lets `-m "not browser"` skip)

    def test_entropy_lesson(page, axe):
        page.open_lesson("entropy")                  # boots Python, waits for body[data-ready=true]
        before = page.locator("#entropy-bits").inner_text()   # locators pierce Bokeh shadow roots
        page.get_by_role("slider", name="Triangles").press("ArrowRight")
        after = page.changed_text("#entropy-bits", before)    # waits for the Python round trip
        assert after != before
        axe(page)                                     # 0 serious/critical axe-core violations

A lesson page boot costs several seconds, so put the assertions about one page into one test (or
use ``shared_page``, below) instead of one tiny test per assertion.

Fixtures
- ``site_dir`` (session): the built site folder. ``CNN_SITE_DIR=/path/to/site`` reuses an existing
  build (CI builds once and sets it); otherwise ``python build.py --out <temp dir>`` runs once per
  session (downloads are cached, so that takes seconds, not minutes).
- ``site_url`` (session): ``http://127.0.0.1:<port>/cnn-classroom/``, the site served under a
  sub-path by a quiet threaded server (proves every URL is relative; nothing is served at ``/``).
- ``browser`` (session): one Chromium for the whole session (``CHROMIUM_PATH`` or
  ``/usr/bin/chromium``; never a Playwright browser download).
- ``page`` (function): a fresh, guarded ``ClassroomPage`` in its own browser context (fresh
  storage, service workers blocked so every request is visible to the guard).
- ``new_page`` (function): a factory for more guarded pages, e.g. ``new_page(service_workers=
  "allow")`` for the offline test, or two pages to compare.
- ``shared_page`` (module): one guarded page kept alive for every test of a module; switch
  lessons with ``shared_page.open_lesson(slug)`` (hash navigation, Python is not reloaded).
- ``axe``: ``axe(page, exclude=[...])`` injects axe-core (pinned, installed by ``.ci/run`` into a
  cache folder, not shipped in the site; ``AXE_CORE_JS`` overrides the path) and fails on any
  serious or critical violation, listing rule, help and elements; ``axe(page, fail=False)``
  returns that list as text ("" if clean) to report several routes at once.

Every guarded page fails its test on ANY console error, uncaught page error, or request to an
origin other than the test server (such requests are aborted and recorded). A test that provokes
errors on purpose calls ``page.allow_console_errors(regex)`` first. When a test fails, every page
it used is screenshotted into ``test-artifacts/<test name>-<n>.png``.

``ClassroomPage`` is a Playwright ``Page`` (every Page method works on it; its ``goto`` and
``reload`` wait only for the document, with ``BOOT_TIMEOUT_MS`` like every navigation of its
context: readiness is ``wait_ready``'s job, so one boot timeout covers a loaded machine) plus:
``open_lesson(slug)``, ``wait_ready(slug)``, ``changed_text(selector_or_locator, before)``,
``deep_text(within=None)`` (visible text including open shadow roots, unlike ``innerText``),
``problems`` and ``allow_console_errors(regex)``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from harness import (
    BOOT_TIMEOUT_MS,
    CHROMIUM_ARGS,
    DEEP_TEXT_JS,
    SiteServer,
    chromium_executable,
)
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Route,
    sync_playwright,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
AXE_VERSION = "4.14.1"  # keep equal to the version .ci/run installs
DEFAULT_AXE_JS = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    / "cnn-classroom"
    / f"axe-core-{AXE_VERSION}"
    / "node_modules/axe-core/axe.min.js"
)
ROUND_TRIP_TIMEOUT_MS = 10_000
_POLL_MS = 25
# The shell's error panels (static/index.html): boot failed, or this lesson's view failed.
_ERROR_PANELS = "#boot-error:not([hidden]), #lesson-error:not([hidden])"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark everything under tests/browser as ``browser`` so ``-m "not browser"`` skips it."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


_REPORTS = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    """Remember each phase's report so fixtures can tell whether the test failed."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


class ClassroomPage:
    """A Playwright page on the site that records console errors, page errors and off-origin
    requests, with helpers for the shell's contract (see the module docstring)."""

    def __init__(self, page: Page, site_url: str) -> None:
        self._page = page
        self.site_url = site_url
        self.problems: list[str] = []
        self._allowed: list[re.Pattern[str]] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("websocket", lambda ws: self.problems.append(f"websocket opened: {ws.url}"))

    def __getattr__(self, name: str) -> object:
        return getattr(self._page, name)

    # One boot timeout everywhere: a navigation waits only for the document (its scripts then
    # boot Python, which ``wait_ready`` waits for with the same BOOT_TIMEOUT_MS). Playwright's
    # default waited 30 s for ``load``, which a loaded machine can miss while the page is fine.
    def goto(self, url: str, **options: object) -> object:
        options.setdefault("wait_until", "domcontentloaded")
        return self._page.goto(url, **options)

    def reload(self, **options: object) -> object:
        options.setdefault("wait_until", "domcontentloaded")
        return self._page.reload(**options)

    @property
    def raw(self) -> Page:
        """The underlying Playwright page (for APIs that need a real ``Page``, e.g. ``expect``)."""
        return self._page

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        text = message.text
        if any(pattern.search(text) for pattern in self._allowed):
            return
        location = message.location
        where = f" ({location['url']}:{location['lineNumber']})" if location.get("url") else ""
        self.problems.append(f"console error: {text}{where}")

    def allow_console_errors(self, pattern: str) -> None:
        """Accept console errors matching ``pattern`` (for tests that provoke failures)."""
        self._allowed.append(re.compile(pattern))

    def open_lesson(self, slug: str, *, timeout: float = BOOT_TIMEOUT_MS) -> ClassroomPage:
        """Show lesson ``slug`` and wait until it is interactive (``body[data-ready=true]``).

        The first call loads the page and boots Python; later calls on the same page change only
        the hash, as a student clicking the lesson list does, so Python is not reloaded.
        """
        index = self.site_url + "index.html"
        if self._page.url.split("#", 1)[0] in (index, self.site_url):
            if self._page.evaluate("document.body.dataset.route") != slug:
                self._page.evaluate("(slug) => { window.location.hash = slug; }", slug)
        else:
            self.goto(f"{index}#{slug}")
        return self.wait_ready(slug, timeout=timeout)

    def wait_ready(
        self, slug: str | None = None, *, timeout: float = BOOT_TIMEOUT_MS
    ) -> ClassroomPage:
        """Wait for ``body[data-ready=true]`` (and ``data-route=slug``); fail fast with the
        error panel's text if the boot or the lesson fails instead."""
        route = f'[data-route="{slug}"]' if slug else ""
        ready = f'body{route}[data-ready="true"]'
        self._page.wait_for_selector(f"{ready}, {_ERROR_PANELS}", state="attached", timeout=timeout)
        shown = self._page.locator(_ERROR_PANELS)
        if shown.count():
            raise AssertionError(f"the page shows an error: {shown.first.inner_text()}")
        self.raise_problems()
        return self

    def changed_text(
        self, target: str | Locator, before: str, *, timeout: float = ROUND_TRIP_TIMEOUT_MS
    ) -> str:
        """Wait until ``target``'s text differs from ``before`` (a Python round trip) and
        return the new text."""
        locator = self._page.locator(target) if isinstance(target, str) else target
        waited_ms = 0.0
        while waited_ms <= timeout:
            text = locator.inner_text()
            if text != before:
                return text
            self._page.wait_for_timeout(_POLL_MS)
            waited_ms += _POLL_MS
        raise AssertionError(f"{target!r} still reads {before!r} after {timeout} ms")

    def deep_text(self, within: Locator | None = None) -> str:
        """All visible text on the page (or ``within`` one element), including inside open
        shadow roots."""
        if within is not None:
            return within.evaluate(DEEP_TEXT_JS)
        return self._page.evaluate(DEEP_TEXT_JS)

    def raise_problems(self) -> None:
        """Fail now if the page logged errors or tried to leave the site's origin."""
        if self.problems:
            found, self.problems = self.problems, []
            raise AssertionError("the page misbehaved:\n  " + "\n  ".join(found))


class _Pages:
    """Creates guarded pages: each in its own browser context, watched for off-origin requests."""

    def __init__(self, browser: Browser, site_url: str) -> None:
        self.browser = browser
        self.site_url = site_url
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(site_url))

    def new(self, *, service_workers: str = "block", **context_options: object) -> ClassroomPage:
        context = self.browser.new_context(service_workers=service_workers, **context_options)
        context.set_default_navigation_timeout(BOOT_TIMEOUT_MS)
        page = ClassroomPage(context.new_page(), self.site_url)
        self._guard_origin(context, page, service_workers == "allow")
        return page

    def _guard_origin(
        self, context: BrowserContext, page: ClassroomPage, context_uses_service_worker: bool
    ) -> None:
        def route(route: Route) -> None:
            url = route.request.url
            if url.startswith(self.origin + "/"):
                route.fallback()
            else:
                page.problems.append(f"off-origin request (aborted): {url}")
                route.abort("blockedbyclient")

        context.route("**/*", route)
        if context_uses_service_worker:
            # Requests a service worker answers bypass routing; the request log still sees them.
            context.on("request", lambda request: self._log_off_origin(request.url, page))

    def _log_off_origin(self, url: str, page: ClassroomPage) -> None:
        if not url.startswith((self.origin + "/", "data:", "blob:")):
            page.problems.append(f"off-origin request: {url}")


def _build_site(scratch: Path) -> Path:
    preset = os.environ.get("CNN_SITE_DIR")
    if preset:
        site = Path(preset).resolve()
        if not (site / "index.html").is_file():
            raise pytest.UsageError(f"CNN_SITE_DIR={preset} has no index.html; build it first")
        return site
    # A private output folder: never swap out a site/ that someone is serving meanwhile.
    site = scratch / "site"
    command = [sys.executable, str(REPO_ROOT / "build.py"), "--out", str(site)]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise pytest.UsageError(f"python build.py failed:\n{result.stdout}\n{result.stderr}")
    return site


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_site(tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def site_url(site_dir: Path) -> Iterator[str]:
    with SiteServer(site_dir) as server:
        yield server.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        executable = chromium_executable()
    except FileNotFoundError as error:
        raise pytest.UsageError(str(error)) from error
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _pages(browser: Browser, site_url: str) -> _Pages:
    return _Pages(browser, site_url)


def _finish(request: pytest.FixtureRequest, pages: list[ClassroomPage]) -> None:
    """Screenshot the pages of a failed test, then fail the test on any recorded problem."""
    reports = request.node.stash.get(_REPORTS, {})
    if any(report.failed for report in reports.values()):
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        for number, page in enumerate(pages):
            if not page.is_closed():
                page.screenshot(path=ARTIFACTS / f"{name}-{number}.png", full_page=True)
    for page in pages:
        page.raise_problems()


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest, _pages: _Pages
) -> Iterator[Callable[..., ClassroomPage]]:
    created: list[ClassroomPage] = []

    def factory(**options: object) -> ClassroomPage:
        page = _pages.new(**options)
        created.append(page)
        return page

    yield factory
    try:
        _finish(request, created)
    finally:
        for page in created:
            page.context.close()


@pytest.fixture
def page(new_page: Callable[..., ClassroomPage]) -> ClassroomPage:
    return new_page()


@pytest.fixture(scope="module")
def shared_page(_pages: _Pages) -> Iterator[ClassroomPage]:
    page = _pages.new()
    yield page
    page.context.close()


@pytest.fixture(autouse=True)
def _check_shared_page(request: pytest.FixtureRequest) -> Iterator[None]:
    """Give tests on ``shared_page`` the same failure checks and screenshots as ``page``."""
    yield
    if "shared_page" in request.fixturenames:
        _finish(request, [request.getfixturevalue("shared_page")])


def _axe_script() -> str:
    path = Path(os.environ.get("AXE_CORE_JS", DEFAULT_AXE_JS))
    if not path.is_file():
        raise pytest.UsageError(
            f"axe-core not found at {path}. Install it with: npm install --prefix "
            f"{DEFAULT_AXE_JS.parents[2]} axe-core@{AXE_VERSION} (bash .ci/run does this)"
        )
    return path.read_text(encoding="utf-8")


def _last_selector(target: str | list) -> str:
    return target if isinstance(target, str) else _last_selector(target[-1])


def _describe_violations(violations: list[dict]) -> str:
    """One line per rule: id, impact, help, how many elements and the first few of them."""
    lines = []
    for violation in violations:
        # A target inside shadow roots is a list of selectors (host, ..., element): keep the last.
        elements = [_last_selector(node["target"]) for node in violation["nodes"]]
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{len(elements)} element(s), e.g. {', '.join(map(str, elements[:3]))}]"
        )
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe() -> Callable[..., str]:
    """``axe(page, exclude=[css, ...])`` fails on serious/critical axe-core violations.

    ``axe(page, fail=False)`` returns their description instead ("" when there are none), so a
    test that visits several routes can report all of them at once.
    """
    script = _axe_script()

    def check(
        page: ClassroomPage | Page, *, exclude: list[str] | tuple[str, ...] = (), fail: bool = True
    ) -> str:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(content=script)
        violations = page.evaluate(
            """async (exclude) => {
                 const context = exclude.length ? {exclude: exclude.map((s) => [s])} : document;
                 return (await axe.run(context, {resultTypes: ['violations']})).violations;
               }""",
            list(exclude),
        )
        report = _describe_violations(
            [v for v in violations if v["impact"] in ("serious", "critical")]
        )
        assert not (fail and report), f"axe-core found serious/critical violations:\n{report}"
        return report

    return check
