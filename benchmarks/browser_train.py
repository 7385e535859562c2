"""Trainer benchmark: what a student gets by clicking Train, in Debian's Chromium.

    python benchmarks/browser_train.py [--site DIR] [--presets recommended long-run convnetjs]
                                       [--runs 3]
    python benchmarks/browser_train.py --side-door [--every 5000] [--memory-runs 5]
    python benchmarks/browser_train.py --ui

Builds the site (or uses ``--site``) and serves it under a sub-path as the tests do.

Default (the student's path): opens the trainer page, and for each preset ``--runs`` times
chooses it in "Preset network", clicks Train and reads the page when the run has finished: test
accuracy, training clock and wall clock, and the training-clock seconds at which validation
accuracy first reached 97/98/99% (as the page marks them). It also counts the main thread's long
tasks, split into those while the run trained (click to the worker's report) and those drawing
the report, and records the load average before and after each run. Prints JSON with every run
and the medians per preset.

``--side-door`` is a diagnostic that skips the page: it posts the page's own train request to
``trainer-worker.js`` with the test images scored every ``--every`` training images (off the
training clock), for a finer accuracy-versus-time curve; ``--memory-runs N`` then trains the tiny
preset N times in one worker and reports the wasm heap after each run (it must not keep growing).
``--ui`` clicks a tiny-preset run and times how long Pause and Stop take to show on the page.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_browser import REPO_ROOT, SiteServer, chromium, script
from playwright.sync_api import Page, expect, sync_playwright

sys.path.insert(0, str(REPO_ROOT))
from app.trainer import protocol, spec
from app.trainer.settings import PRESETS
from engine import recipes
from engine.conv import choose_algorithm
from engine.layers import Conv2D
from engine.model import Sequential

TARGETS = (0.97, 0.98, 0.99)


def wait_for(page: Page, kind: str, since: int, timeout_s: float) -> tuple[dict, int]:
    """The first message of type ``kind`` at index ≥ ``since`` (and the index after it)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        messages = page.evaluate("(i) => window.bench.messages.slice(i)", since)
        for offset, message in enumerate(messages):
            if message["type"] in ("error", "boot-failed"):
                raise RuntimeError(f"the worker reported: {message['message']}")
            if message["type"] == kind:
                return message, since + offset + 1
        page.wait_for_timeout(250)
    raise TimeoutError(f"no '{kind}' message within {timeout_s} s")


def train_message(key: str, **overrides: object) -> dict:
    """The page's own train request for a preset (settings fields overridable)."""
    settings = PRESETS[key].to_dict()
    settings.update({k: v for k, v in overrides.items() if k in settings})
    extra = {k: v for k, v in overrides.items() if k not in settings}
    return protocol.request("train", settings=settings, **extra)


def conv_algorithms(key: str) -> list[str]:
    """What ``engine.conv.choose_algorithm`` picks for each conv layer inside Pyodide."""
    model = Sequential.from_spec(PRESETS[key].layers, spec.INPUT_SHAPE)
    shape, picks = spec.INPUT_SHAPE, []
    for layer, row in zip(model.layers, model.summary(), strict=True):
        if isinstance(layer, Conv2D):
            w = layer.params["W"].shape
            algorithm = choose_algorithm((64, *shape), w, layer.stride, layer.padding, "emscripten")
            picks.append(f"{layer.describe()}: {algorithm}")
        shape = row["output_shape"]
    return picks


def run_preset(page: Page, key: str, every: int, cursor: int) -> tuple[dict, int]:
    message = train_message(key, track_test=True, checkpoint_every=every)
    page.evaluate("(m) => window.bench.worker.postMessage(m)", message)
    done, cursor_after = wait_for(page, "finished", cursor, timeout_s=1800)
    history = done["history"]
    points = [(p["seconds"], p["test_acc"]) for p in history if "test_acc" in p]
    points.append((done["seconds"], done["test_acc"]))
    result = {
        "preset": key,
        "settings": message["settings"],
        "conv_algorithms_in_pyodide": conv_algorithms(key),
        "train_seconds": round(done["seconds"], 2),
        "images": done["images"],
        "images_per_second": round(done["images"] / done["seconds"], 1),
        "epoch_seconds": round(done["seconds"] * 50_000 / done["images"], 2),
        "test_accuracy": round(done["test_acc"], 4),
        "curve": [{"seconds": round(s, 2), "test_accuracy": round(a, 4)} for s, a in points],
    }
    for target in TARGETS:
        reached = [s for s, a in points if a >= target]
        result[f"seconds_to_{round(target * 100)}"] = round(reached[0], 2) if reached else None
    return result, cursor_after


def memory_runs(page: Page, runs: int, cursor: int) -> tuple[list[float], int]:
    heaps = []
    for _ in range(runs):
        message = train_message("tiny", train_size=10_000)
        page.evaluate("(m) => window.bench.worker.postMessage(m)", message)
        _, cursor = wait_for(page, "finished", cursor, timeout_s=600)
        memory, cursor = wait_for(page, "memory", cursor, timeout_s=60)
        heaps.append(round(memory["heap"] / 2**20, 1))
    return heaps, cursor


def latencies(log: list) -> dict:
    """ms from the click to the page posting, and from the post to the worker's reply."""
    out = {}
    for action, reply in (("pause", "paused"), ("stop", "stopping")):
        post = next(t for name, t in log if name == f"post {action}")
        click = max(t for name, t in log if name == "click" and t <= post)
        answer = next(t for name, t in log if name == reply and t >= post)
        out[f"{action}_click_to_post_ms"] = round(post - click)
        out[f"{action}_post_to_worker_reply_ms"] = round(answer - post)
    return out


def ui_run(page: Page) -> dict:
    """Click through a tiny-preset run on the real page; measure main-thread blocking."""
    page.wait_for_selector('body[data-ready="true"]', state="attached", timeout=180_000)
    expect(page.get_by_text("Ready: MNIST")).to_be_visible(timeout=180_000)
    page.get_by_label("Preset network").select_option(label="Tiny")
    page.evaluate(script("long-tasks"))
    train = page.get_by_role("button", name="Train")
    train.click()
    expect(page.get_by_text("images/s")).to_be_visible(timeout=60_000)
    page.wait_for_timeout(3000)
    start = time.perf_counter()
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Resume")).to_be_visible(timeout=10_000)
    pause_ms = (time.perf_counter() - start) * 1000
    page.get_by_role("button", name="Resume").click()
    page.wait_for_timeout(3000)
    start = time.perf_counter()
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_role("button", name="Stop")).to_be_disabled(timeout=10_000)
    stop_ms = (time.perf_counter() - start) * 1000
    expect(page.get_by_text("Training stopped early").first).to_be_visible(timeout=120_000)
    tasks = page.evaluate("window.benchLongTasks")
    return latencies(page.evaluate("window.latency")) | {
        "pause_shown_ms": round(pause_ms),
        "stop_shown_ms": round(stop_ms),
        "long_tasks_over_50ms": len(tasks),
        "long_tasks_over_200ms": sum(1 for t in tasks if t > 200),
        "longest_task_ms": round(max(tasks, default=0)),
    }


CLOCKS = re.compile(
    r"after ([\d,]+) images: training clock (?P<train>[^·]+) · wall clock (?P<wall>.+?) \("
)
MILESTONE = re.compile(r"(\d\d)% at ([^,]+?)(?:,| of training)")
ACCURACY = re.compile(r"Test accuracy: (\d+\.\d)%")


def seconds(text: str) -> float:
    """The page's durations, "24.1 s" or "2 min 05 s", in seconds."""
    minutes = re.match(r"\s*(\d+) min (\d+) s", text)
    if minutes:
        return 60 * int(minutes[1]) + int(minutes[2])
    return float(text.strip().removesuffix("s").strip())


def task_counts(durations: list[float], prefix: str) -> dict:
    return {
        f"{prefix}_tasks_over_200ms": sum(1 for t in durations if t > 200),
        f"{prefix}_longest_task_ms": round(max(durations, default=0)),
    }


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def clicked_run(page: Page, key: str) -> dict:
    """Choose ``key`` on the page, click Train and read what the page says at the end."""
    page.get_by_label("Preset network").select_option(label=recipes.PRESETS[key]["label"])
    expect(page.get_by_text(recipes.PRESETS[key]["description"][:30]).first).to_be_visible()
    page.wait_for_timeout(1000)  # as a student: the preset's values reach Python first
    load_before = load_average()
    clicked_at = page.evaluate("performance.now()")
    train = page.get_by_role("button", name=re.compile("^Train"))
    train.click()
    expect(train).to_be_disabled()  # begun: the previous run's "finished" line is gone
    done = page.get_by_text(re.compile("^Training finished after"))
    expect(done.first).to_be_visible(timeout=1_800_000)
    status = done.first.inner_text()
    clocks = CLOCKS.search(status)
    result = page.get_by_text(ACCURACY).first.inner_text()
    # The next click is "Train again": wait until the page allows it (the report is drawn).
    expect(page.get_by_role("button", name=re.compile("^Train"))).to_be_enabled()
    page.wait_for_timeout(3000)  # the feature maps, asked for after the report
    log = page.evaluate("window.clickedRun")
    reported_at = log["finished"][-1]
    tasks = [(start, ms) for start, ms in log["tasks"] if start >= clicked_at]
    run = {
        "images": int(clocks[1].replace(",", "")),
        "test_accuracy": float(ACCURACY.search(result)[1]),
        "training_clock_s": seconds(clocks["train"]),
        "wall_clock_s": seconds(clocks["wall"]),
        **task_counts([ms for start, ms in tasks if start < reported_at], "training"),
        **task_counts([ms for start, ms in tasks if start >= reported_at], "report"),
        "load_average": [load_before, load_average()],
    }
    reached = dict(MILESTONE.findall(status.split("Validation accuracy reached")[-1]))
    for goal in ("97", "98", "99"):
        run[f"val_{goal}_at_s"] = seconds(reached[goal]) if goal in reached else None
    return run


def medians(runs: list[dict]) -> dict:
    out = {}
    for name in runs[0]:
        values = [r[name] for r in runs if r[name] is not None]
        if values and isinstance(values[0], list):
            continue  # a per-run pair (the load average before and after): not a median
        out[name] = statistics.median(values) if len(values) == len(runs) else None
    return out


def clicked_presets(page: Page, presets: list[str], repeats: int) -> list[dict]:
    page.wait_for_selector('body[data-ready="true"]', state="attached", timeout=300_000)
    expect(page.get_by_text("Ready: MNIST")).to_be_visible(timeout=300_000)
    report = []
    for key in presets:
        runs = []
        for _ in range(repeats):
            runs.append(clicked_run(page, key))
            print(json.dumps({"preset": key, **runs[-1]}), file=sys.stderr)
        report.append({"preset": key, "settings": PRESETS[key].to_dict(), "runs": runs,
                       "median": medians(runs)})  # fmt: skip
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one)")
    parser.add_argument("--presets", nargs="*", default=["recommended", "long-run", "convnetjs"])
    parser.add_argument("--runs", type=int, default=3, help="clicked runs per preset")
    parser.add_argument("--side-door", action="store_true", help="diagnostic: skip the page")
    parser.add_argument("--every", type=int, default=5000, help="side door: test every N images")
    parser.add_argument("--memory-runs", type=int, default=0)
    parser.add_argument("--ui", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        site = args.site
        if site is None:
            import subprocess

            site = Path(scratch) / "site"
            build = [sys.executable, str(REPO_ROOT / "build.py"), "--out", str(site)]
            subprocess.run(build, check=True, stdout=subprocess.DEVNULL)
        report: dict = {"machine_load": Path("/proc/loadavg").read_text().split()[:3]}
        with (
            SiteServer(site) as server,
            sync_playwright() as p,
            chromium(p, service_workers="block") as context,
        ):
            page = context.new_page()
            if args.ui:
                page.add_init_script(script("pause-stop-latency"))
                page.goto(server.url + "index.html#trainer")
                report["ui"] = ui_run(page)
            elif args.side_door:
                report["note"] = "diagnostic side door: the page's messages, not its clicks"
                page.goto(server.url + "index.html?nosw#home")
                page.evaluate(script("trainer-worker-messages"))
                _, cursor = wait_for(page, "ready", 0, timeout_s=300)
                report["runs"] = []
                for key in args.presets:
                    result, cursor = run_preset(page, key, args.every, cursor)
                    report["runs"].append(result)
                    print(json.dumps(result), file=sys.stderr)
                if args.memory_runs:
                    heaps, cursor = memory_runs(page, args.memory_runs, cursor)
                    report["wasm_heap_mb_after_each_run"] = heaps
            else:
                page.add_init_script(script("trainer-clicked-run"))
                page.goto(server.url + "index.html#trainer")
                report["clicked"] = clicked_presets(page, args.presets, args.runs)
        report["machine_load_after"] = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
