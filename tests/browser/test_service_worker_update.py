"""A new build reaches an open page: sw.js is the same file in every build, so the browser must
notice the new build through the manifest it imports (sw-manifest.js, written by the build).

The test serves its own copy of the site (hard links, so it costs no disk) and "deploys" a new
build by rewriting that copy's sw-manifest.js with another cache version.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from harness import BOOT_TIMEOUT_MS, SiteServer
from playwright.sync_api import Browser, expect

MANIFEST_PREFIX = "self.cnnServiceWorkerManifest = "

CACHE_NAMES_JS = (
    'async () => (await caches.keys()).filter((key) => key.startsWith("cnn-classroom-"))'
)
UPDATE_JS = "async () => { await (await navigator.serviceWorker.getRegistration()).update(); }"


def _redeploy(site: Path, cache_version: str) -> None:
    """Write ``site``'s sw-manifest.js again as a build with ``cache_version`` would."""
    path = site / "sw-manifest.js"
    manifest = json.loads(path.read_text().removeprefix(MANIFEST_PREFIX).rstrip().rstrip(";"))
    manifest["cacheVersion"] = cache_version
    path.unlink()  # a hard link to the shared build: replace it, never write through it
    path.write_text(f"{MANIFEST_PREFIX}{json.dumps(manifest)};\n")


def test_a_new_build_is_noticed_through_the_manifest_and_replaces_the_cache(
    browser: Browser, site_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "site"
    shutil.copytree(site_dir, copy, copy_function=os.link)
    old_version = json.loads(
        (copy / "sw-manifest.js").read_text().removeprefix(MANIFEST_PREFIX).rstrip().rstrip(";")
    )["cacheVersion"]
    errors: list[str] = []
    with SiteServer(copy) as server:
        context = browser.new_context(service_workers="allow")
        try:
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(server.url + "index.html#home")
            page.wait_for_selector("body[data-ready=true]", timeout=BOOT_TIMEOUT_MS)
            page.evaluate("async () => { await navigator.serviceWorker.ready; }")
            page.reload()  # now the worker controls the page
            page.wait_for_selector("body[data-ready=true]", timeout=BOOT_TIMEOUT_MS)
            assert page.evaluate("!!navigator.serviceWorker.controller")
            assert page.evaluate(CACHE_NAMES_JS) == [f"cnn-classroom-{old_version}"]

            # The same build again: the browser's update check finds nothing new.
            page.evaluate(UPDATE_JS)
            page.wait_for_timeout(1_000)
            expect(page.locator("#update-notice")).to_be_hidden()

            _redeploy(copy, "0123456789abcdef")
            page.evaluate(UPDATE_JS)
            expect(page.locator("#update-notice")).to_be_visible(timeout=BOOT_TIMEOUT_MS)
            # The new worker activated (that is what shows the notice) and dropped the old cache.
            assert page.evaluate(CACHE_NAMES_JS) == ["cnn-classroom-0123456789abcdef"]
        finally:
            context.close()
    assert not errors
