"""Race: the trainer, clicked on the real page, against TF.js 4.22 (WebAssembly, SIMD) in one run.

    python benchmarks/tfjs_race.py [--site site] [--runs 3] [--with-default]

Both sides train the ConvNetJS MNIST net (the trainer's "convnetjs" preset: conv 5×5×8 pad 2 →
ReLU → max-pool 2 → conv 5×5×16 pad 2 → ReLU → max-pool 3 → dense 10) for one epoch of the
50,000 training images, batch 64, Adam at the preset's rate, in the same headless Debian
Chromium, on the same MNIST: the built site's ``data/mnist.npz``, served by the same local
server. Nothing is installed in the site: the TF.js page (``benchmarks/tfjs_race.html`` and
``.js``) and the npm packages pinned in ``package-lock.json`` (``npm ci`` first) are served under
the site's origin by Playwright's request routing.

- Trainer: ``benchmarks/browser_train.py``'s click path — choose the preset in the trainer page,
  click Train, read the training clock, wall clock and test accuracy the page shows at the end.
- TF.js: ``tfjsRaceEpoch`` in ``tfjs_race.js`` — a fresh model, one shuffled epoch of
  ``trainOnBatch`` steps; its training clock adds up the batch steps as the engine's does, its
  wall clock is the whole loop; test accuracy on the 10,000 test images afterwards.

The sides take turns (trainer first in odd runs, TF.js first in even ones), each in its own
browser context, so neither holds the CPU while the other trains. ``--with-default`` also clicks
the default preset each run (issue 20: at ≥98% in ≤0.5× TF.js's epoch). Prints JSON: every run,
the medians over ``--runs``, the ratios of the medians, and the load average around each side.
Each side also lists the three Chromium threads that used the most CPU during it, with how long
each waited for a core (``thread_cpu.py``, Linux): the trainer's worker ("DedicatedWorker") and
TF.js's page ("chromium", the renderer's main thread) time their steps on the wall clock, so
that wait is what the machine's other jobs added to a clock.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Route, sync_playwright

BENCHMARKS = Path(__file__).resolve().parent
REPO_ROOT = BENCHMARKS.parent
sys.path.insert(0, str(BENCHMARKS))
# The student's click path is the trainer benchmark's (it also puts tests/browser on the path).
from bench_browser import script  # noqa: E402
from browser_train import clicked_presets  # noqa: E402
from harness import CHROMIUM_ARGS, SiteServer, chromium_executable  # noqa: E402
from thread_cpu import busiest, snapshot  # noqa: E402

from app.trainer.settings import DEFAULT_PRESET, PRESETS  # noqa: E402

RACED_PRESET = "convnetjs"
TFJS_VERSION = "4.22.0"
NODE_TF = REPO_ROOT / "node_modules" / "@tensorflow"
RACE_PATH = "tfjs-race/"
#: What the TF.js page may request under RACE_PATH, and where each file comes from.
RACE_FILES = {
    "index.html": BENCHMARKS / "tfjs_race.html",
    "tfjs_race.js": BENCHMARKS / "tfjs_race.js",
    "tf-core.min.js": NODE_TF / "tfjs-core" / "dist" / "tf-core.min.js",
    "tf-layers.min.js": NODE_TF / "tfjs-layers" / "dist" / "tf-layers.min.js",
    "tf-backend-wasm.min.js": NODE_TF / "tfjs-backend-wasm" / "dist" / "tf-backend-wasm.min.js",
}
for _flavour in ("", "-simd", "-threaded-simd"):
    _name = f"tfjs-backend-wasm{_flavour}.wasm"
    RACE_FILES[_name] = NODE_TF / "tfjs-backend-wasm" / "dist" / _name
CONTENT_TYPES = {".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm"}


def load_average() -> list[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]


def check_packages() -> dict[str, str]:
    """The installed TF.js packages' versions; exits with a hint if any is missing or not 4.22."""
    versions = {}
    for package in ("tfjs-core", "tfjs-layers", "tfjs-backend-wasm"):
        manifest = NODE_TF / package / "package.json"
        if not manifest.is_file():
            sys.exit(f"{manifest} is missing: run `npm ci` in {REPO_ROOT} first")
        versions[package] = json.loads(manifest.read_text())["version"]
        if versions[package] != TFJS_VERSION:
            sys.exit(f"@tensorflow/{package} is {versions[package]}, not {TFJS_VERSION}: npm ci")
    return versions


def serve_race_file(route: Route) -> None:
    name = route.request.url.split(RACE_PATH, 1)[1].split("?")[0]
    path = RACE_FILES.get(name)
    if path is None:
        route.fulfill(status=404, body=f"{name} is not part of the TF.js race page")
        return
    route.fulfill(path=path, content_type=CONTENT_TYPES[path.suffix])


def open_tfjs(context: BrowserContext, server: SiteServer) -> tuple[Page, dict]:
    page = context.new_page()
    page.route(server.url + RACE_PATH + "**", serve_race_file)
    page.goto(server.url + RACE_PATH + "index.html")
    options = {"mnistUrl": server.url + "data/mnist.npz", "wasmPath": server.url + RACE_PATH}
    return page, page.evaluate("(o) => tfjsRaceSetup(o)", options)


def tfjs_epoch(page: Page, seed: int) -> dict:
    settings = PRESETS[RACED_PRESET]
    options = {"trainSize": settings.train_size, "batchSize": settings.batch_size,
               "lr": settings.lr, "seed": seed}  # fmt: skip
    run = page.evaluate("(o) => tfjsRaceEpoch(o)", options)
    return {
        "images": run["images"],
        "test_accuracy": round(100 * run["testAccuracy"], 1),
        "training_clock_s": round(run["trainingClockS"], 2),
        "epoch_wall_s": round(run["epochWallS"], 2),
        "tensors_left": run["tensorsLeft"],
    }


def clicked(page: Page, preset: str) -> dict:
    return clicked_presets(page, [preset], 1)[0]["runs"][0]


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=REPO_ROOT / "site", help="a built site")
    parser.add_argument("--runs", type=int, default=3, help="epochs per side (medians)")
    also = f"also click the default preset ({DEFAULT_PRESET}) each run"
    parser.add_argument("--with-default", action="store_true", help=also)
    args = parser.parse_args()
    settings = PRESETS[RACED_PRESET]
    report: dict = {
        "net": RACED_PRESET,
        "settings": settings.to_dict(),
        "tfjs_packages": check_packages(),
        "load_average_start": load_average(),
        "runs": [],
    }
    with SiteServer(args.site) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
        report["chromium"] = browser.version
        trainer = browser.new_context(service_workers="block").new_page()
        # The click path reads when the worker reported "finished" from this recorder.
        trainer.add_init_script(script("trainer-clicked-run"))
        trainer.goto(server.url + "index.html#trainer")
        tfjs, report["tfjs"] = open_tfjs(browser.new_context(), server)
        for run in range(args.runs):
            sides = ["trainer", "tfjs"] if run % 2 == 0 else ["tfjs", "trainer"]
            if args.with_default:
                sides.append("default")
            row: dict = {}
            for side in sides:
                before, threads_before = load_average(), snapshot()
                if side == "tfjs":
                    result = tfjs_epoch(tfjs, seed=run)
                else:
                    result = clicked(trainer, RACED_PRESET if side == "trainer" else DEFAULT_PRESET)
                threads = busiest(threads_before, snapshot())
                row[side] = result | {"load_average": [before, load_average()], "threads": threads}
                print(json.dumps({"run": run + 1, side: row[side]}), file=sys.stderr)
            report["runs"].append(row)
        browser.close()
    runs = report["runs"]
    trainer_runs = [r["trainer"] for r in runs]
    tfjs_runs = [r["tfjs"] for r in runs]
    median = {
        "trainer_training_clock_s": median_of(trainer_runs, "training_clock_s"),
        "trainer_wall_clock_s": median_of(trainer_runs, "wall_clock_s"),
        "trainer_test_accuracy": median_of(trainer_runs, "test_accuracy"),
        "tfjs_training_clock_s": median_of(tfjs_runs, "training_clock_s"),
        "tfjs_epoch_wall_s": median_of(tfjs_runs, "epoch_wall_s"),
        "tfjs_test_accuracy": median_of(tfjs_runs, "test_accuracy"),
    }
    report["median"] = median
    report["ratio_training_clock_trainer_to_tfjs"] = round(
        median["trainer_training_clock_s"] / median["tfjs_training_clock_s"], 2
    )
    if args.with_default:
        default_runs = [r["default"] for r in runs]
        median["default_training_clock_s"] = median_of(default_runs, "training_clock_s")
        median["default_test_accuracy"] = median_of(default_runs, "test_accuracy")
        report["ratio_default_training_clock_to_tfjs_epoch"] = round(
            median["default_training_clock_s"] / median["tfjs_training_clock_s"], 2
        )
    report["load_average_end"] = load_average()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
