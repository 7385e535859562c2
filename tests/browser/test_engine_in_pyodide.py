"""The engine's smoke tests, run inside Pyodide in Chromium with the site's own numpy and wheel.

Native CPython passing says little about WebAssembly (no BLAS, 32-bit pointers, numpy 2.0.2), so
``tests/engine/test_smoke.py`` — written to need only numpy, the engine and the lecture's
matrices (``app.lecture_examples``, in the same wheel) — is executed again in the browser: every
``test_*`` function is called and each failure is reported with its traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SMOKE_TESTS = Path(__file__).resolve().parents[1] / "engine" / "test_smoke.py"

# Runs in Pyodide: executes the smoke-test module's source and calls each test function.
_RUNNER = """
import json, sys, traceback, types
import numpy

module = types.ModuleType("test_smoke")
module.__file__ = "test_smoke.py"
sys.modules["test_smoke"] = module
exec(compile(smoke_source, "tests/engine/test_smoke.py", "exec"), module.__dict__)
results = {}
for name, function in vars(module).items():
    if name.startswith("test_") and callable(function):
        try:
            function()
            results[name] = None
        except BaseException:
            results[name] = traceback.format_exc()
json.dumps({"platform": sys.platform, "numpy": numpy.__version__, "results": results})
"""

# Loads the site's Pyodide, its numpy and the project's wheel listed in build-info.json, the
# way the trainer's worker does, on a bare page of the site's origin.
_BOOT_AND_RUN = """
async ({source, runner}) => {
  const base = new URL('./', location.href);
  const {loadPyodide} = await import(new URL('pyodide/pyodide.mjs', base).href);
  await import(new URL('pyodide-wasm.js', base).href);  // the site ships the wasm gzip'd
  const indexURL = new URL('pyodide/', base).href;
  const pyodide = await cnnPyodideWasm.during(() => loadPyodide({indexURL}));
  const info = await (await fetch(new URL('build-info.json', base))).json();
  if (!info.app_wheel) throw new Error('build-info.json names no cnn_classroom wheel');
  const url = new URL(info.app_wheel, base).href;
  await pyodide.loadPackage(['numpy', url], {messageCallback: () => {}});
  pyodide.globals.set('smoke_source', source);
  return pyodide.runPython(runner);
}
"""


def test_engine_smoke_tests_pass_in_pyodide(page) -> None:
    assert SMOKE_TESTS.is_file(), f"{SMOKE_TESTS} is missing: the engine's smoke tests run here"
    blank = page.site_url + "engine-smoke.html"
    page.route(
        blank, lambda route: route.fulfill(content_type="text/html", body="<title>t</title>")
    )
    page.goto(blank)

    report = json.loads(
        page.evaluate(
            _BOOT_AND_RUN, {"source": SMOKE_TESTS.read_text(encoding="utf-8"), "runner": _RUNNER}
        )
    )

    assert report["platform"] == "emscripten"
    assert report["results"], "test_smoke.py defines no test_* functions"
    failures = {name: trace for name, trace in report["results"].items() if trace}
    assert not failures, f"{len(failures)} of {len(report['results'])} smoke tests failed in " + (
        f"Pyodide (numpy {report['numpy']}):\n" + "\n".join(failures.values())
    )
