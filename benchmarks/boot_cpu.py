"""CPU cost of each Python boot stage inside Pyodide, measured under Node on the built site.

    python benchmarks/boot_cpu.py [--site site] [--runs 3]

Wall-clock boot times in Chromium swing by 3x when other work shares the 2 cores; the CPU time a
stage consumes does not, so this is the number to compare before and after a boot optimisation.
It runs the same steps as static/boot.js: a first visit (Pyodide starts with the package archive
unpacked and NumPy linked, ``app.prelude.load`` imports NumPy, Panel and what lessons share, the
memory is snapshotted), then a later visit (the snapshot restored, ``app.shell.attach_to_page``),
then builds each lesson as ``app.shell.show`` does: imports its module, calls its ``view()`` and
turns that into Bokeh models and the JSON BokehJS would draw (Node has no DOM, so nothing is drawn,
and a lesson that needs the page, like the trainer's Web Worker, reports an ``error`` in
``each_run``). ``--collect-during-lessons`` lets the garbage collector run during those builds,
as it did before ``app.shell.no_collection_pauses``. Prints JSON: median CPU and wall
milliseconds per stage. Needs ``node`` (the build needs it too).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
from app import catalog  # noqa: E402

SCRIPT = """
import {{ loadPyodide }} from {module};
import fs from "node:fs";
const site = {site};
const info = JSON.parse(fs.readFileSync(site + "build-info.json"));
// Panel's Pyodide module imports these browser globals at import time; lessons install scripts.
globalThis.XMLHttpRequest = function () {{}};
globalThis.window = globalThis;
globalThis.requestAnimationFrame = () => 0;
globalThis.dispatchEvent = () => true;
globalThis.addEventListener = () => {{}};
globalThis.document = {{ fonts: {{ addEventListener: () => {{}} }} }};
const store = new Map();
globalThis.localStorage = {{
  getItem: (key) => (store.has(key) ? store.get(key) : null),
  setItem: (key, value) => store.set(key, String(value)),
  removeItem: (key) => store.delete(key),
}};
const stages = {{}};
let cpu = process.cpuUsage(), wall = performance.now();
function stage(name) {{
  const used = process.cpuUsage(cpu);
  stages[name] = {{ cpu_ms: Math.round((used.user + used.system) / 1000),
                    wall_ms: Math.round(performance.now() - wall) }};
  cpu = process.cpuUsage(); wall = performance.now();
}}
await import({unpacker});
await import({state});
await import({a11y}); // the page's own script that app.components.a11y.install() calls
await import({factory}); // defines the module factory that startWith wraps, as boot.js does
const packed = fs.readFileSync(site + info.site_packages.archive);
const archive = cnnSitePackages.read(new Response(packed));
const start = (options) => cnnSitePackages.startWith(archive, () => loadPyodide(options));
// First visit: Python starts afresh with the packages installed and NumPy linked, imports the
// prelude (NumPy, Panel, ...), and its memory is saved.
const fresh = await start({{ indexURL: site + "pyodide/" }});
stage("pyodide");
fresh.runPython("import app.prelude; app.prelude.load('static/panel/')");
stage("prelude");
const snapshot = cnnPythonState.take(fresh);
stage("snapshot");
// Later visits (the rest of this run): restore that memory instead.
const {{ options, filled }} = cnnPythonState.restore(snapshot.length, Promise.resolve(snapshot));
const py = await cnnSitePackages.startWith(
  archive, () => loadPyodide({{ indexURL: site + "pyodide/", ...options }}), {{ ready: filled }});
stage("restore");
py.runPython("import app.prelude, app.shell; app.prelude.reseed(); app.shell.attach_to_page()");
// Each lesson as app.shell.show builds it (import, view, Bokeh models, the JSON for BokehJS),
// minus what happens in the browser (BokehJS drawing it).
py.runPython(`
import gc
from contextlib import nullcontext
def build(slug):
    with nullcontext() if {collect} else app.shell.no_collection_pauses():
        result, view = app.shell.load_view(slug)
        if result["status"] != "ok":
            raise RuntimeError(result["message"] or result["status"])
        app.shell.build_document("lesson-app", view)
    gc.collect()  # this lesson's garbage, so that the next one starts from the same state
`);
stage("attach (restored)");
for (const [slug, module] of {lessons}) {{
  try {{
    py.runPython(`build("${{slug}}")`);
    stage(`lesson:${{module}}`);
  }} catch (error) {{
    stage(`lesson:${{module}}`);
    stages[`lesson:${{module}}`].error = String(error.message).trim().split("\\n").pop();
  }}
}}
console.log(JSON.stringify(stages));
"""


def run_once(
    site: Path, lessons: list[tuple[str, str]], collect: bool
) -> dict[str, dict[str, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "boot_cpu.mjs"
        script.write_text(
            SCRIPT.format(
                module=json.dumps((site / "pyodide" / "pyodide.mjs").as_uri()),
                unpacker=json.dumps((site / "site-packages.js").as_uri()),
                state=json.dumps((site / "python-state.js").as_uri()),
                a11y=json.dumps((site / "a11y.js").as_uri()),
                factory=json.dumps((site / "pyodide" / "pyodide.asm.js").as_uri()),
                site=json.dumps(str(site) + "/"),
                lessons=json.dumps(lessons),
                collect="True" if collect else "False",
            )
        )
        proc = subprocess.run(["node", str(script)], capture_output=True, text=True, check=False)
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
