"""CPU cost of each Python boot stage inside Pyodide, measured under Node on the built site.

    python benchmarks/boot_cpu.py [--site site] [--runs 3]

Wall-clock boot times in Chromium swing by 3x when other work shares the 2 cores; the CPU time a
stage consumes does not, so this is the number to compare before and after a boot optimisation.
It runs the same steps as static/boot.js: a first visit (Pyodide starts with the package archive
unpacked and NumPy linked, ``app.prelude.load`` imports NumPy, Panel and what lessons share, the
memory is snapshotted, without the first step ``app.shell.prepare_saved`` builds into it on a
page), then a later visit (the snapshot restored, ``app.shell.attach_to_page``), then builds
each lesson as ``app.shell.show`` and ``show_rest`` do for a lesson the snapshot does not
hold: imports its module, builds the view of its first step and turns that into Bokeh models
and the JSON BokehJS would draw (``first step:<module>``), then the same for the steps after
it (``rest:<module>``; ``lesson:<module>`` is the sum). Node has no DOM, so nothing is drawn,
and a lesson that needs the page, like the trainer's Web Worker, reports an ``error`` in
``each_run``.
``--collect-during-lessons`` lets the garbage collector run during those builds,
as it did before ``app.shell.no_collection_pauses``. Prints JSON: median CPU and wall
milliseconds per stage. Needs ``node`` (the build needs it too).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
from app import catalog  # noqa: E402

SCRIPT = Path(__file__).with_name("boot_cpu.mjs")


def run_once(
    site: Path, lessons: list[tuple[str, str]], collect: bool
) -> dict[str, dict[str, int]]:
    config = json.dumps({"site": str(site), "lessons": lessons, "collect": collect})
    proc = subprocess.run(
        ["node", str(SCRIPT), config], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        # Skip the minified Pyodide source line Node prints with an uncaught error.
        lines = [line for line in proc.stderr.splitlines() if len(line) < 400]
        raise SystemExit("boot_cpu: node failed:\n" + "\n".join(lines[-15:]))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=REPO_ROOT / "site", help="built site folder")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--collect-during-lessons",
        action="store_true",
        help="let the garbage collector run while a lesson is built (as before app.shell held it)",
    )
    args = parser.parse_args()
    lessons = [(info.slug, info.module) for info in catalog.LESSONS if info.slug != "home"]
    runs = [
        run_once(args.site.resolve(), lessons, args.collect_during_lessons)
        for _ in range(args.runs)
    ]
    median = {
        name: {
            key: statistics.median(run[name][key] for run in runs) for key in ("cpu_ms", "wall_ms")
        }
        for name in runs[0]
    }
    print(json.dumps({"runs": args.runs, "median": median, "each_run": runs}, indent=1))


if __name__ == "__main__":
    main()
