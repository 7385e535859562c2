"""scipy's BLAS in the trainer's worker, and only there: a lesson never requests Pyodide's scipy
or OpenBLAS files, while the trainer's worker loads them, registers scipy's gemms with the engine
and trains through them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_trainer import WORKER_TIMEOUT_MS, start_short_run, wait_finished

pytestmark = pytest.mark.browser

SCIPY_FILES = re.compile(r"/pyodide/(scipy|openblas)-[^/]*$")

# Runs in the trainer's worker (its `pyodide`): wraps the registered float32 gemm with a counter,
# so the test can tell the training that follows went through it.
COUNT_GEMM_CALLS = """() => pyodide.runPython(`
import numpy as np
from engine import blas
_registered = blas._GEMMS.get(np.dtype(np.float32))
_gemm_calls = [0]
if _registered is not None:
    def _counted(*args, **kwargs):
        _gemm_calls[0] += 1
        return _registered(*args, **kwargs)
    blas.register_gemm(np.float32, _counted)
[_registered is not None, repr(_registered)]
`).toJs()"""


def test_only_the_trainer_worker_loads_scipy_and_trains_through_its_blas(new_page) -> None:
    page = new_page()
    requested: list[str] = []
    page.context.on("request", lambda request: requested.append(request.url))
    page.open_lesson("entropy")
    assert not [url for url in requested if SCIPY_FILES.search(url)]

    page.open_lesson("trainer")
    expect(page.get_by_text("Ready: MNIST")).to_be_visible(timeout=WORKER_TIMEOUT_MS)
    worker = next(w for w in page.workers if w.url.endswith("/trainer-worker.js"))
    registered, gemm = worker.evaluate(COUNT_GEMM_CALLS)
    assert registered, "the trainer's worker did not register scipy's gemm with the engine"
    assert "sgemm" in gemm  # scipy.linalg.blas.sgemm, an f2py Fortran routine
    assert sorted({SCIPY_FILES.search(u).group(1) for u in requested if SCIPY_FILES.search(u)}) == [
        "openblas",
        "scipy",
    ]

    start_short_run(page, images=640, preset="recommended")
    wait_finished(page, 640)
    expect(page.get_by_text(re.compile(r"Test accuracy: \d")).first).to_be_visible()
    calls = worker.evaluate("() => pyodide.runPython('_gemm_calls[0]')")
    assert calls > 0, "training did not use scipy's gemm"
