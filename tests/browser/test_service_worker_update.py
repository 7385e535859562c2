"""A new build reaches an open page: sw.js is the same file in every build, so the browser must
notice the new build through the manifest it imports (sw-manifest.js, written by the build).

The update downloads only the files whose sha256 changed, and the open page keeps running the
old build (the new worker waits) until the student clicks Reload in the update notice.

The test serves its own copy of the site (hard links, so it costs no disk) and "deploys" a new
build by changing one file of that copy and rewriting its sw-manifest.js as the build would.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from harness import BOOT_TIMEOUT_MS, SiteServer
from playwright.sync_api import Browser, expect

MANIFEST_PREFIX = "self.cnnServiceWorkerManifest = "
# What the browser fetches to check for, and install, a new service worker.
WORKER_SCRIPTS = {"sw.js", "sw-manifest.js", "site-packages.js"}
CHANGED = "style.css"
MARKER = "/* the second build */"

CACHE_NAMES_JS = (
    'async () => (await caches.keys()).filter((key) => key.startsWith("cnn-classroom-"))'
)
UPDATE_JS = "async () => { await (await navigator.serviceWorker.getRegistration()).update(); }"
CHANGED_TEXT_JS = f'async () => (await fetch("{CHANGED}")).text()'


def _read_manifest(site: Path) -> dict:
    text = (site / "sw-manifest.js").read_text()
    return json.loads(text.removeprefix(MANIFEST_PREFIX).rstrip().rstrip(";"))


def _write(path: Path, text: str) -> None:
    path.unlink()  # a hard link to the shared build: replace it, never write through it
    path.write_text(text)


def _deploy_second_build(site: Path, cache_version: str) -> None:
    """Change one file of ``site`` and write its manifest again as a build would."""
    changed = site / CHANGED
    _write(changed, changed.read_text() + MARKER + "\n")
    manifest = _read_manifest(site)
    manifest["cacheVersion"] = cache_version
    manifest["files"][CHANGED] = hashlib.sha256(changed.read_bytes()).hexdigest()
    _write(site / "sw-manifest.js", f"{MANIFEST_PREFIX}{json.dumps(manifest)};\n")


def test_an_update_fetches_only_changed_files_and_waits_for_reload(
    browser: Browser, site_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "site"
    shutil.copytree(site_dir, copy, copy_function=os.link)
    old_version = _read_manifest(copy)["cacheVersion"]
    errors: list[str] = []
    with SiteServer(copy) as server:
        context = browser.new_context(service_workers="allow")
        # Like every page the fixtures make: navigation waits for the document only, with the one
        # boot timeout (readiness is data-ready), so a loaded machine slows this test, not fails it.
        context.set_default_navigation_timeout(BOOT_TIMEOUT_MS)
        try:
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(server.url + "index.html#home", wait_until="domcontentloaded")
            page.wait_for_selector("body[data-ready=true]", timeout=BOOT_TIMEOUT_MS)
            page.evaluate("async () => { await navigator.serviceWorker.ready; }")
            page.reload(wait_until="domcontentloaded")  # now the worker controls the page
            page.wait_for_selector("body[data-ready=true]", timeout=BOOT_TIMEOUT_MS)
            assert page.evaluate("!!navigator.serviceWorker.controller")
            assert page.evaluate(CACHE_NAMES_JS) == [f"cnn-classroom-{old_version}"]

            # The same build again: the browser's update check finds nothing new.
            page.evaluate(UPDATE_JS)
            page.wait_for_timeout(1_000)
            expect(page.locator("#update-notice")).to_be_hidden()

            _deploy_second_build(copy, "0123456789abcdef")
            server.stats.reset()
            page.evaluate(UPDATE_JS)
            expect(page.locator("#update-notice")).to_be_visible(timeout=BOOT_TIMEOUT_MS)
            # Installed: only the changed file came from the network, the rest from the old cache.
            fetched = set(server.stats.paths)
            assert fetched - WORKER_SCRIPTS == {CHANGED}, fetched

            # The new build waits: this page is still served the old build, from the old cache.
            assert MARKER not in page.evaluate(CHANGED_TEXT_JS)
            assert sorted(page.evaluate(CACHE_NAMES_JS)) == sorted(
                [f"cnn-classroom-{old_version}", "cnn-classroom-0123456789abcdef"]
            )
            # A plain reload (not the notice's button) keeps the old build and offers it again.
            page.reload(wait_until="domcontentloaded")
            page.wait_for_selector("body[data-ready=true]", timeout=BOOT_TIMEOUT_MS)
            expect(page.locator("#update-notice")).to_be_visible(timeout=BOOT_TIMEOUT_MS)
            assert MARKER not in page.evaluate(CHANGED_TEXT_JS)

            with page.expect_navigation(wait_until="domcontentloaded", timeout=BOOT_TIMEOUT_MS):
                page.get_by_role("button", name="Reload").click()
            page.wait_for_selector("body[data-ready=true]", timeout=BOOT_TIMEOUT_MS)
            expect(page.locator("#update-notice")).to_be_hidden()
            assert MARKER in page.evaluate(CHANGED_TEXT_JS)
            assert page.evaluate(CACHE_NAMES_JS) == ["cnn-classroom-0123456789abcdef"]
        finally:
            context.close()
    assert not errors
