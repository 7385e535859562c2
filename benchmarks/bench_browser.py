"""What the browser benchmarks share: the tests' static server and Chromium settings, a headless
Debian Chromium to drive, and their page-side JavaScript, kept in ``benchmarks/js/*.js`` where
ESLint reads it.

Each script in ``benchmarks/js/`` is one function expression (no trailing semicolon), handed to
Playwright's ``page.evaluate(script(name), arg)``, or a plain script for ``add_init_script``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Playwright

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests" / "browser"))
from harness import (  # noqa: E402 - shared with the browser tests
    BOOT_TIMEOUT_MS,
    CHROMIUM_ARGS,
    SiteServer,
    chromium_executable,
)

__all__ = ["BOOT_TIMEOUT_MS", "REPO_ROOT", "SiteServer", "chromium", "open_page", "script"]

JS_DIR = Path(__file__).with_name("js")


def script(name: str) -> str:
    """The JavaScript of ``benchmarks/js/<name>.js``."""
    return (JS_DIR / f"{name}.js").read_text(encoding="utf-8")


@contextlib.contextmanager
def chromium(
    playwright: Playwright, profile: str | Path | None = None, **options: object
) -> Iterator[BrowserContext]:
    """Debian's Chromium with the tests' flags: a context on the persistent ``profile`` folder
    (service worker and Cache Storage kept between visits), or a fresh one; closed on exit.
    ``options`` go to the context (``viewport``, ...)."""
    if profile is not None:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium_executable(),
            args=CHROMIUM_ARGS,
            headless=True,
            **options,
        )
        try:
            yield context
        finally:
            context.close()
        return
    browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
    try:
        yield browser.new_context(**options)
    finally:
        browser.close()


def open_page(
    context: BrowserContext,
    url: str,
    ready: str = 'body[data-ready="true"]',
    before: Callable[[Page], None] | None = None,
) -> Page:
    """A new page at ``url``, returned once ``ready`` (a CSS selector) is in the document:
    by default the tests' definition of a lesson being interactive. ``before(page)`` runs before
    the page navigates (to set up network conditions, say)."""
    page = context.new_page()
    if before is not None:
        before(page)
    page.goto(url)
    page.wait_for_selector(ready, state="attached", timeout=BOOT_TIMEOUT_MS)
    return page
