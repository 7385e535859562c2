"""Convolution kernels and whole nets timed inside Pyodide (numpy without BLAS); prints JSON.

Native timings mislead here: natively numpy's matmul runs on BLAS, in Pyodide it does not. So by
default this script re-runs itself inside Pyodide 0.27.7 under Node (``pyodide_node.mjs``) and
measures there; ``--native`` measures in the current interpreter for comparison.

    python benchmarks/pyodide_kernels.py [--pyodide DIR] [--native] [--repeats 7]

DIR holds the Pyodide core, pyodide-lock.json and the numpy wheel: the built site's
``site/pyodide`` (the default) or ``$CNN_PYODIDE_DIR``.

Output: ``layers`` — ms per batch of 64, forward + backward, median of ``--repeats``, per
algorithm, for the reference layer shapes; ``nets`` — training images/s (forward, backward,
Adam step) of the presets in ``engine.recipes`` with the automatic kernel choice, and which
kernel each conv layer got.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BATCH = 64

# name: (C, H, F, kernel, padding) of one conv layer on a batch of 64 C×H×H inputs.
LAYERS = {
    "tiny": (1, 28, 8, 3, 0),
    "convnetjs-1": (1, 28, 8, 5, 2),
    "convnetjs-2": (8, 14, 16, 5, 2),
}


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm up: FFT plans, allocations
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(1000 * sorted(times)[len(times) // 2], 2)


def _forward_backward(fwd, bwd, x, w, b, padding, grad_y) -> None:
    bwd(grad_y, fwd(x, w, b, 1, padding)[1])


def measure_layers(repeats: int) -> dict[str, dict[str, float]]:
    import numpy as np

    from engine import conv

    conv.get_algorithm("fft")  # importing engine.conv_fft registers it
    rng = np.random.default_rng(0)
    results: dict[str, dict[str, float]] = {}
    for name, (c, h, f, k, p) in LAYERS.items():
        x = rng.standard_normal((BATCH, c, h, h)).astype(np.float32)
        w = rng.standard_normal((f, c, k, k)).astype(np.float32)
        b = np.zeros(f, np.float32)
        row: dict[str, float] = {}
        for algo, (fwd, bwd) in sorted(conv.ALGORITHMS.items()):
            grad_y = rng.standard_normal(fwd(x, w, b, 1, p)[0].shape).astype(np.float32)
            step = partial(_forward_backward, fwd, bwd, x, w, b, p, grad_y)
            row[algo] = _median_ms(step, repeats)
        row["auto"] = conv.choose_algorithm(x.shape, w.shape, 1, p)
        results[name] = row
    return results


def run(args: argparse.Namespace) -> dict[str, object]:
    import numpy as np

    return {
        "platform": sys.platform,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "batch": BATCH,
        "dtype": "float32",
        "layers_ms_forward_backward": measure_layers(args.repeats),
    }


def _in_pyodide(args: argparse.Namespace, argv: list[str]) -> int:
    pyodide = Path(args.pyodide or os.environ.get("CNN_PYODIDE_DIR") or ROOT / "site" / "pyodide")
    if not (pyodide / "pyodide.mjs").exists():
        print(
            f"no Pyodide at {pyodide}: build the site (python build.py) or pass --pyodide DIR",
            file=sys.stderr,
        )
        return 2
    runner = Path(__file__).with_name("pyodide_node.mjs")
    cmd = ["node", str(runner), str(pyodide), str(Path(__file__).resolve()), "--native", *argv]
    return subprocess.call(cmd)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyodide", help="directory with the Pyodide core and numpy wheel")
    parser.add_argument("--native", action="store_true", help="measure in this interpreter")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    if not args.native and sys.platform != "emscripten":
        return _in_pyodide(args, argv)
    sys.path.insert(0, str(ROOT))
    print(json.dumps(run(args), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
