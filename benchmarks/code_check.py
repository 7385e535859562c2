"""Code exercise benchmark: Check latency and the endless-loop stop, clicked in Debian's Chromium.

    python benchmarks/code_check.py [--site site] [--checks 5]

Opens the stride & padding lesson of the built site, pastes the model solution of the
cross-correlation exercise into its editor and clicks Check: once cold (the code worker's Pyodide
starts), then ``--checks`` times warm (its hidden cases run in the worker). Then it runs an
endless loop and times the stop message and the replacement worker (from the stop until it is
ready: its start begins before the stop), and clicks Run once more; last it reloads the page (a
second visit) and times that visit's worker start. Prints JSON (milliseconds): each time is
measured from the click to the feedback in the page (Playwright's round trips add a few ms),
worker times in the page by the runner itself, and the longest main-thread task the browser
reported from the first warm check to the Run after the stop.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_browser import REPO_ROOT, SiteServer, chromium, open_page, script
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(REPO_ROOT))
from app.code_exercises.registry import get

ENDLESS = "def correlate2d(image, kernel, stride=1, padding=0):\n    while True:\n        pass\n"
CARD = ".exercise-code-correlate2d"
WAIT_MS = 120_000


def _paste(page, code: str) -> None:
    editor = page.locator(f"{CARD} .cm-content")
    editor.click()
    editor.press("Control+a")
    page.keyboard.insert_text(code)


def _click_and_wait(page, button: str, text: str) -> float:
    """Milliseconds from clicking ``button`` until the card's feedback shows ``text``."""
    # The feedback pane's shadow root survives its redraws (its empty status starts hidden).
    root = page.locator(f"{CARD} div.feedback").evaluate_handle("el => el.getRootNode()")
    start = time.perf_counter()
    page.locator(CARD).get_by_role("button", name=button, exact=True).click()
    page.wait_for_function(
        script("feedback-shows"),
        arg=[root, text],
        polling="raf",
        timeout=WAIT_MS,
    )
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=REPO_ROOT / "site", help="built site folder")
    parser.add_argument("--checks", type=int, default=5, help="warm checks to time")
    args = parser.parse_args()
    solution = get("code-correlate2d").solution

    with (
        SiteServer(args.site) as server,
        sync_playwright() as playwright,
        tempfile.TemporaryDirectory(
            prefix="cnn-code-bench-", ignore_cleanup_errors=True
        ) as profile,
        chromium(playwright, profile) as context,
    ):
        page = open_page(context, f"{server.url}index.html?nosw#stride-padding")
        page.locator(CARD).scroll_into_view_if_needed()
        _paste(page, solution)
        cold = _click_and_wait(page, "Check", "Correct!")
        boot = page.evaluate("window.cnnCodeRunner.bootMs")
        page.evaluate(script("long-tasks"))
        warm = [_click_and_wait(page, "Check", "Correct!") for _ in range(args.checks)]
        warm_long_tasks = page.evaluate("window.benchLongTasks")
        _paste(page, ENDLESS)
        stopped = _click_and_wait(page, "Run", "Stopped after")
        page.wait_for_function("window.cnnCodeRunner.readyAfterStopMs !== null", timeout=WAIT_MS)
        restart = page.evaluate("window.cnnCodeRunner.readyAfterStopMs")
        _paste(page, solution)
        next_run = _click_and_wait(page, "Run", "returned")
        long_tasks = page.evaluate("window.benchLongTasks")
        page.reload()
        page.wait_for_selector('body[data-ready="true"]', state="attached", timeout=WAIT_MS)
        page.wait_for_function(
            "window.cnnCodeRunner && window.cnnCodeRunner.bootMs", timeout=WAIT_MS
        )
        second_visit = page.evaluate("window.cnnCodeRunner.bootMs")

    print(
        json.dumps(
            {
                "check_cold_ms": round(cold),
                "worker_boot_ms": round(boot),
                "check_warm_ms": {
                    "median": round(statistics.median(warm)),
                    "each": [round(t) for t in warm],
                },
                "longest_main_thread_task_during_warm_checks_ms": round(
                    max(warm_long_tasks, default=0)
                ),
                "longest_main_thread_task_warm_checks_to_run_after_stop_ms": round(
                    max(long_tasks, default=0)
                ),
                "endless_loop_stop_message_ms": round(stopped),
                "replacement_worker_ready_ms": round(restart),
                "run_after_stop_ms": round(next_run),
                "second_visit_worker_boot_ms": round(second_visit),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
