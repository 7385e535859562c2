"""Convolution kernels and whole nets timed inside Pyodide (numpy without BLAS); prints JSON.

Native timings mislead here: natively numpy's matmul runs on BLAS, in Pyodide it does not. So by
default this script re-runs itself inside Pyodide 0.27.7 under Node (``pyodide_node.mjs``) and
measures there; ``--native`` measures in the current interpreter for comparison.

    python benchmarks/pyodide_kernels.py [--pyodide DIR] [--native] [--repeats 7] [--scipy]
        [--sweep] [--train PRESET --data mnist.npz [--seconds S]] [--against DIR [--steps N]]

DIR holds the Pyodide core, pyodide-lock.json and the numpy wheel: the built site's
``site/pyodide`` (the default) or ``$CNN_PYODIDE_DIR``. ``--scipy`` also loads Pyodide's scipy
package (it must be in DIR: Pyodide's scipy and openblas files, checked against the lock) and
registers its BLAS gemms with ``engine.blas``, so im2col and dense layers run their products on
OpenBLAS.

Output: ``layers`` — ms per batch of 64, forward + backward, median of ``--repeats``, per
algorithm, for the reference layer shapes (single-channel ones also without the input gradient,
as training runs a first layer); ``nets`` — training images/s (``engine.train``:
normalize, forward, backward, optimizer step) of the presets in ``engine.recipes`` with the
automatic kernel choice, and which kernel each conv layer got. ``--sweep`` adds the layer grid
behind ``engine.conv.choose_algorithm``. ``--train PRESET`` trains that preset on MNIST exactly
as the trainer would and reports test accuracy at checkpoints (evaluation off the clock): time
to 97/98/99%, seconds per epoch, final accuracy. ``--against DIR`` loads a second engine from
DIR (another checkout, e.g. ``git worktree add /tmp/before main``) into the same process and
trains the convnetjs preset with both, one step each in turn (which goes first alternates), on
the same random batches: per step and per layer (forward, backward), the medians of both and
their ratio, so a busy machine slows both sides alike.

Every time is the process's CPU time (Node's ``process.cpuUsage()`` inside Pyodide,
``time.process_time()`` natively), not wall-clock time: on a shared, busy machine wall time
measured other people's work too. The workload is single-threaded, so on an idle machine the two
agree; the browser's training clock is wall time. (Natively, set OPENBLAS_NUM_THREADS=1 so
that BLAS threads do not add their CPU time.)
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from itertools import product
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BATCH = 64

# name: (C, H, F, kernel, padding) of one conv layer on a batch of 64 C×H×H inputs.
LAYERS = {
    "tiny": (1, 28, 8, 3, 0),
    "convnetjs-1": (1, 28, 8, 5, 2),
    "convnetjs-2": (8, 14, 16, 5, 2),
}


def cpu_seconds() -> float:
    """CPU time of this process: under Node the whole Node process, natively this interpreter.

    A browser page exposes no CPU time, so in Chromium this is wall time (``performance.now``).
    """
    if sys.platform == "emscripten":
        import js  # Pyodide's bridge to the JavaScript globals

        if hasattr(js, "process"):  # Node
            usage = js.process.cpuUsage()
            return (usage.user + usage.system) / 1e6
        return time.perf_counter()
    return time.process_time()


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm up: FFT plans, allocations
    times = []
    for _ in range(repeats):
        start = cpu_seconds()
        fn()
        times.append(cpu_seconds() - start)
    return round(1000 * sorted(times)[len(times) // 2], 2)


def _clocked(events: Iterator[dict]) -> Iterator[tuple[float, dict]]:
    """(CPU seconds spent inside the training generator so far, event) for each event."""
    spent = 0.0
    while True:
        start = cpu_seconds()
        event = next(events, None)
        spent += cpu_seconds() - start
        if event is None:
            return
        yield spent, event


def _forward_backward(fwd, bwd, x, w, b, padding, grad_y, need_dx: bool = True) -> None:
    cache = fwd(x, w, b, 1, padding)[1]
    bwd(grad_y, cache) if need_dx else bwd(grad_y, cache, need_dx=False)


def measure_layers(repeats: int) -> dict[str, dict[str, float]]:
    import numpy as np

    from engine import conv

    rng = np.random.default_rng(0)
    results: dict[str, dict[str, float]] = {}
    for name, (c, h, f, k, p) in LAYERS.items():
        x = rng.standard_normal((BATCH, c, h, h)).astype(np.float32)
        w = rng.standard_normal((f, c, k, k)).astype(np.float32)
        b = np.zeros(f, np.float32)
        row: dict[str, float] = {}
        for algo in conv.FAST_ALGORITHMS:
            fwd, bwd = conv.get_algorithm(algo)
            grad_y = rng.standard_normal(fwd(x, w, b, 1, p)[0].shape).astype(np.float32)
            step = partial(_forward_backward, fwd, bwd, x, w, b, p, grad_y)
            row[algo] = _median_ms(step, repeats)
            if c == 1 and algo in conv.SKIPS_DX:  # a first layer: training skips its dx
                step = partial(_forward_backward, fwd, bwd, x, w, b, p, grad_y, need_dx=False)
                row[f"{algo} without dx"] = _median_ms(step, repeats)
        row["auto"] = conv.choose_algorithm(x.shape, w.shape, 1, p)
        results[name] = row
    return results


def sweep(repeats: int) -> list[dict[str, object]]:
    """fft vs im2col over channels, kernel, map size and filters (same-padding, stride 1)."""
    import numpy as np

    from engine import conv

    rng = np.random.default_rng(0)
    rows = []
    for c, k, h, f in product((1, 4, 8, 16), (3, 5, 7), (7, 14, 28), (8, 16, 32)):
        x = rng.standard_normal((BATCH, c, h, h)).astype(np.float32)
        w = rng.standard_normal((f, c, k, k)).astype(np.float32)
        b = np.zeros(f, np.float32)
        row: dict[str, object] = {"C": c, "kernel": k, "H": h, "F": f}
        for algo in conv.FAST_ALGORITHMS:
            fwd, bwd = conv.get_algorithm(algo)
            grad_y = np.ones(fwd(x, w, b, 1, k // 2)[0].shape, np.float32)
            step = partial(_forward_backward, fwd, bwd, x, w, b, k // 2, grad_y)
            row[algo] = _median_ms(step, repeats)
        row["auto"] = conv.choose_algorithm(x.shape, w.shape, 1, k // 2)
        rows.append(row)
    return rows


def _model(preset: dict):
    import numpy as np

    from engine.model import Sequential
    from engine.recipes import INPUT_SHAPE

    return Sequential.from_spec(preset["layers"], INPUT_SHAPE, rng=0, dtype=np.float32)


def _optimizer(preset: dict):
    from engine.optim import SGD, Adam

    name, lr = preset["optimizer"], preset["lr"]
    return Adam(lr) if name == "adam" else SGD(lr, momentum=0.9 if name == "momentum" else 0.0)


def _kernels(model, batch: int) -> list[str]:
    """The algorithm ``choose_algorithm`` gives each conv layer of ``model``."""
    from engine import conv
    from engine.layers import Conv2D
    from engine.recipes import INPUT_SHAPE

    shape, chosen = INPUT_SHAPE, []
    for layer in model.layers:
        if isinstance(layer, Conv2D):
            w = layer.params["W"]
            algo = conv.choose_algorithm((batch, *shape), w.shape, layer.stride, layer.padding)
            chosen.append(f"{layer.describe()}: {algo}")
        shape = layer.output_shape(shape)
    return chosen


def measure_nets(batches: int) -> dict[str, dict[str, object]]:
    """Training images/s of every preset at its own batch size, on random uint8 images."""
    import numpy as np

    from engine.losses import SoftmaxCrossEntropy
    from engine.recipes import PRESETS
    from engine.train import train

    rng = np.random.default_rng(0)
    results = {}
    for name, preset in PRESETS.items():
        batch = preset["batch_size"]
        n = batch * (batches + 5)
        x = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, n)
        model = _model(preset)
        events = train(model, SoftmaxCrossEntropy(), _optimizer(preset), x, y, batch_size=batch)
        seconds = {e["batch"]: t for t, e in _clocked(events) if e["type"] == "batch"}
        # The first 5 batches warm up FFT plans and allocations.
        per_image = (seconds[batches + 5] - seconds[5]) / (batch * batches)
        results[name] = {
            "batch_size": batch,
            "images_per_second": round(1 / per_image),
            "epoch_seconds_50000": round(50_000 * per_image, 1),
            "conv_kernels": _kernels(model, batch),
        }
    return results


def _load_engine(root: str) -> dict[str, Any]:
    """The engine package under ``root``, imported afresh: the modules are dropped from
    ``sys.modules`` first, and what an earlier call returned keeps its own modules."""
    for name in [m for m in sys.modules if m == "engine" or m.startswith("engine.")]:
        del sys.modules[name]
    sys.path.insert(0, root)
    try:
        names = ("blas", "data", "losses", "model", "optim", "recipes")
        return {name: importlib.import_module(f"engine.{name}") for name in names}
    finally:
        sys.path.remove(root)


def _clocked_method(method: Callable, seconds: list[float]) -> Callable:
    """``method``, adding the CPU seconds of each call to ``seconds``."""

    def timed(*args, **kwargs):
        start = cpu_seconds()
        out = method(*args, **kwargs)
        seconds.append(cpu_seconds() - start)
        return out

    return timed


def _clock_layers(model, times: dict[str, list[float]]) -> None:
    """Wrap each layer's forward and backward so their CPU seconds add to ``times``."""
    for i, layer in enumerate(model.layers, start=1):
        for kind in ("forward", "backward"):
            seconds = times.setdefault(f"{i} {layer.describe()}: {kind}", [])
            setattr(layer, kind, _clocked_method(getattr(layer, kind), seconds))


def compare_engines(against: str, steps: int, scipy_gemms: dict | None) -> dict[str, object]:
    """The convnetjs preset's training step with this tree's engine and with the one in
    ``against``, a step of each in turn; per-layer and per-step median CPU ms."""
    import numpy as np

    sides = {}
    for name, root in (("this", str(ROOT)), ("against", against)):
        engine = _load_engine(root)
        for dtype, gemm in (scipy_gemms or {}).items():
            engine["blas"].register_gemm(dtype, gemm)
        preset = engine["recipes"].PRESETS["convnetjs"]
        model = engine["model"].Sequential.from_spec(
            preset["layers"], engine["recipes"].INPUT_SHAPE, rng=0, dtype=np.float32
        )
        times: dict[str, list[float]] = {"step": []}
        _clock_layers(model, times)
        loss = engine["losses"].SoftmaxCrossEntropy()
        sides[name] = (engine, model, loss, engine["optim"].Adam(preset["lr"]), times)
    rng = np.random.default_rng(0)
    warm_up = 10
    for step in range(warm_up + steps):
        x = rng.integers(0, 256, (BATCH, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, BATCH)
        for name in ("this", "against") if step % 2 else ("against", "this"):
            engine, model, loss, optimizer, times = sides[name]
            start = cpu_seconds()
            loss.forward(model.forward(engine["data"].normalize(x, dtype=np.float32)), y)
            model.backward(loss.backward(), input_grad=False)
            optimizer.step(model.parameters())
            times["step"].append(cpu_seconds() - start)

    def median_ms(values: list[float]) -> float:
        return round(1000 * float(np.median(values[warm_up:])), 2)

    this, other = sides["this"][4], sides["against"][4]
    rows = {
        key: {"this": median_ms(this[key]), "against": median_ms(other[key])}
        for key in this
        if key in other
    }
    for row in rows.values():
        row["ratio"] = round(row["this"] / row["against"], 3) if row["against"] else None
    return {"against": against, "steps": steps, "cpu_ms_median": rows}


_NOT_SETTINGS = ("label", "description", "layers")


def train_preset(name: str, data_path: str, every: int, seconds_limit: float) -> dict:
    """Train a preset as the trainer does; test accuracy every ``every`` images, off the clock."""
    from engine import data
    from engine.losses import SoftmaxCrossEntropy
    from engine.recipes import PRESETS, lr_schedule
    from engine.train import evaluate, train

    preset = PRESETS[name]
    mnist = data.load_mnist(data_path)
    n = preset["train_size"]
    model = _model(preset)
    events = train(
        model,
        SoftmaxCrossEntropy(),
        _optimizer(preset),
        mnist.x_train[:n],
        mnist.y_train[:n],
        epochs=preset["epochs"],
        batch_size=preset["batch_size"],
        lr_schedule=lr_schedule(preset),
        rng=0,
    )
    checkpoints, reached, epochs = [], {}, []
    next_check = every
    for clock, event in _clocked(events):
        if event["type"] == "epoch":
            epochs.append(round(clock, 1))
        if event["type"] != "batch":
            continue
        out_of_time = clock >= seconds_limit
        if event["images"] >= next_check or event["batch"] == event["batches"] or out_of_time:
            next_check += every
            accuracy = evaluate(model, mnist.x_test, mnist.y_test).accuracy
            checkpoints.append((event["images"], round(clock, 1), round(100 * accuracy, 2)))
            print(f"{name}: {checkpoints[-1]} (images, s, test %)", file=sys.stderr, flush=True)
            for target in (97, 98, 99):
                if 100 * accuracy >= target and str(target) not in reached:
                    reached[str(target)] = round(clock, 1)
        if out_of_time:
            break
    return {
        "preset": name,
        "layers": [layer.describe() for layer in model.layers],
        "settings": {k: v for k, v in preset.items() if k not in _NOT_SETTINGS},
        "conv_kernels": _kernels(model, preset["batch_size"]),
        "seconds_to_test_accuracy": reached,
        "epoch_seconds": epochs,
        "final": {
            "images": checkpoints[-1][0],
            "seconds": checkpoints[-1][1],
            "test_accuracy": checkpoints[-1][2],
        },
        "checkpoints_images_seconds_accuracy": checkpoints,
    }


def run(args: argparse.Namespace) -> dict[str, object]:
    import numpy as np

    out: dict[str, object] = {
        "platform": sys.platform,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "dtype": "float32",
    }
    gemms = None
    if args.scipy:
        import scipy
        from scipy.linalg.blas import dgemm, sgemm

        from engine import blas

        gemms = {np.float32: sgemm, np.float64: dgemm}
        for dtype, gemm in gemms.items():
            blas.register_gemm(dtype, gemm)
        out["scipy_blas"] = scipy.__version__
    if args.against:
        out["compare"] = compare_engines(args.against, args.steps, gemms)
        return out
    if args.train:
        out["train"] = train_preset(args.train, args.data, args.every, args.seconds)
        return out
    out["layers_ms_forward_backward_batch_64"] = measure_layers(args.repeats)
    out["nets"] = measure_nets(args.batches)
    if args.sweep:
        out["sweep_ms_forward_backward_batch_64"] = sweep(args.repeats)
    return out


def _in_pyodide(args: argparse.Namespace, argv: list[str]) -> int:
    pyodide = Path(args.pyodide or os.environ.get("CNN_PYODIDE_DIR") or ROOT / "site" / "pyodide")
    if not (pyodide / "pyodide.mjs").exists():
        print(
            f"no Pyodide at {pyodide}: build the site (python build.py) or pass --pyodide DIR",
            file=sys.stderr,
        )
        return 2
    runner = Path(__file__).with_name("pyodide_node.mjs")
    if args.chromium:
        return _in_chromium(args, argv, pyodide)
    cmd = ["node", str(runner), str(pyodide), str(Path(__file__).resolve()), "--native", *argv]
    env = os.environ | ({"CNN_PYODIDE_PACKAGES": "scipy"} if args.scipy else {})
    if args.against:
        env["CNN_PYODIDE_MOUNTS"] = args.against
    return subprocess.call(cmd, env=env)


#: The page loads Pyodide and runs the benchmark with js/pyodide-kernels-page.js.
PAGE = """<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script src="pyodide/pyodide.js"></script>
<script src="pyodide-wasm.js"></script>
<script src="pyodide-kernels-page.js"></script>"""


def _in_chromium(args: argparse.Namespace, argv: list[str], pyodide: Path) -> int:
    """Serve Pyodide, the engine and this script from a temporary folder to headless Chromium
    and run the measurement in the page (wall-clock time, as the trainer's clock)."""
    import tempfile

    from bench_browser import SiteServer, chromium
    from playwright.sync_api import sync_playwright

    files = [p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "engine").rglob("*.py"))]
    files.append("benchmarks/pyodide_kernels.py")
    argv = [a for a in argv if a != "--chromium"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "index.html").write_text(PAGE)
        (root / "pyodide").symlink_to(pyodide.resolve())
        (root / "pyodide-kernels-page.js").symlink_to(
            ROOT / "benchmarks/js/pyodide-kernels-page.js"
        )
        (root / "pyodide-wasm.js").symlink_to(ROOT / "static/pyodide-wasm.js")
        for name in files:
            (root / "files" / name).parent.mkdir(parents=True, exist_ok=True)
            (root / "files" / name).symlink_to(ROOT / name)
        if args.train:
            (root / "files" / "mnist.npz").symlink_to(Path(args.data).resolve())
            files.append("mnist.npz")
            argv += ["--data", "/bench/mnist.npz"]
        with (
            SiteServer(root, sub_path="/") as server,
            sync_playwright() as pw,
            chromium(pw) as context,
        ):
            page = context.new_page()
            page.set_default_timeout(0)
            page.goto(server.url + "index.html")
            out = page.evaluate("([f, a]) => window.runBenchmark(f, a)", [files, argv])
    result = json.loads(out)
    result["runtime"] = "headless Chromium (wall-clock time)"
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyodide", help="directory with the Pyodide core and numpy wheel")
    parser.add_argument("--native", action="store_true", help="measure in this interpreter")
    parser.add_argument("--chromium", action="store_true", help="in headless Chromium, not Node")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--batches", type=int, default=30, help="timed batches per net")
    parser.add_argument("--sweep", action="store_true", help="also time the layer grid")
    parser.add_argument("--scipy", action="store_true", help="products on scipy's BLAS")
    parser.add_argument("--train", metavar="PRESET", help="train a preset from engine.recipes")
    parser.add_argument("--data", default=str(ROOT / "site" / "data" / "mnist.npz"))
    parser.add_argument("--every", type=int, default=5000, help="images between test checks")
    parser.add_argument("--seconds", type=float, default=600, help="stop training after this")
    parser.add_argument("--against", help="another checkout whose engine to compare with")
    parser.add_argument("--steps", type=int, default=200, help="steps per engine (--against)")
    args = parser.parse_args(argv)
    if args.against:  # absolute, for Pyodide's file system (argparse keeps the last one)
        args.against = str(Path(args.against).resolve())
        argv = [*argv, "--against", args.against]
    if not args.native and sys.platform != "emscripten":
        return _in_pyodide(args, argv)
    sys.path.insert(0, str(ROOT))
    print(json.dumps(run(args), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
