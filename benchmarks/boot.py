"""Boot benchmark: how long until a lesson is interactive, cold and warm, in Debian's Chromium.

    python benchmarks/boot.py [--site site] [--lesson home] [--runs 3]

Serves the built site under a sub-path (as the tests do) and, for each run, opens the lesson in a
fresh browser profile (cold: empty HTTP cache, no service worker), then opens it again in the same
profile (warm: the second visit of a student). Prints JSON: milliseconds since navigation start
for each boot stage, the median over runs, and the requests the server answered and the
files/bytes it sent in all (a 304 revalidation sends no body; the service worker's precache of
the whole site is included), and the bytes the page itself fetched before it was ready.

Stage times come from the ``performance.mark("cnn:<stage>")`` calls in ``static/boot.js``:
archive (the package archive downloaded and gunzipped), wheels (its files installed, before
Python starts), numpy (NumPy's extension modules linked), pyodide (Python started, or restored
from the snapshot a first visit saved), panel (on a first
visit ``app.prelude.load``: Panel and what lessons share imported, and the snapshot taken),
interactive (lesson rendered).
Two are measured here independently of boot.js:
first-paint (the browser's first-contentful-paint) and data-ready (when ``body[data-ready=true]``
first appears: the tests' definition of interactive).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from bench_browser import BOOT_TIMEOUT_MS, REPO_ROOT, SiteServer, chromium, open_page, script
from playwright.sync_api import BrowserContext, Playwright, sync_playwright

MARK_PREFIX = "cnn:"


def _visit(context: BrowserContext, url: str, server: SiteServer) -> dict[str, object]:
    server.stats.reset()
    page = open_page(context, url)
    collected = page.evaluate(script("collect-stages"), MARK_PREFIX)
    stages = {name: round(ms) for name, ms in collected["stages"].items()}
    # Let the service worker finish caching the site, and a first visit save Python's state,
    # before the profile is reused: a student's second visit comes later than a script's.
    page.evaluate(script("service-worker-ready"))
    if page.evaluate("window.cnnBoot.restored === false && 'caches' in window"):
        page.wait_for_function("window.cnnBoot.snapshotSaved === true", timeout=BOOT_TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    page.close()
    return {
        "stages_ms": dict(sorted(stages.items(), key=lambda item: item[1])),
        "requests": server.stats.requests,
        "files_sent": server.stats.files,
        "bytes_sent": server.stats.bytes,
        "page_bytes_until_ready": collected["bytes"],
    }


def _run_once(playwright: Playwright, url: str, server: SiteServer) -> dict:
    with (
        tempfile.TemporaryDirectory(prefix="cnn-boot-profile-") as profile,
        chromium(playwright, profile) as context,
    ):
        context.add_init_script(script("watch-ready"))
        return {"cold": _visit(context, url, server), "warm": _visit(context, url, server)}


def _median(runs: list[dict], visit: str) -> dict[str, object]:
    stage_names = {name for run in runs for name in run[visit]["stages_ms"]}
    stages = {
        name: round(
            statistics.median(
                r[visit]["stages_ms"][name] for r in runs if name in r[visit]["stages_ms"]
            )
        )
        for name in stage_names
    }
    return {
        "stages_ms": dict(sorted(stages.items(), key=lambda item: item[1])),
        "requests": round(statistics.median(r[visit]["requests"] for r in runs)),
        "files_sent": round(statistics.median(r[visit]["files_sent"] for r in runs)),
        "bytes_sent": round(statistics.median(r[visit]["bytes_sent"] for r in runs)),
        "page_bytes_until_ready": round(
            statistics.median(r[visit]["page_bytes_until_ready"] for r in runs)
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=REPO_ROOT / "site", help="built site folder")
    parser.add_argument("--lesson", default="home", help="lesson slug to open")
    parser.add_argument("--runs", type=int, default=3, help="cold+warm pairs to run")
    args = parser.parse_args()
    with SiteServer(args.site) as server, sync_playwright() as playwright:
        url = f"{server.url}index.html#{args.lesson}"
        runs = [_run_once(playwright, url, server) for _ in range(args.runs)]
    report = {
        "lesson": args.lesson,
        "runs": args.runs,
        "median": {"cold": _median(runs, "cold"), "warm": _median(runs, "warm")},
        "each_run": runs,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
