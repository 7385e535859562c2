"""Native training-step throughput of the NumPy engine, beside PyTorch CPU when it is installed.

Forward + loss + backward (no optimizer step) on batches of 64 float32 images 1×28×28, for the
issue's two reference nets. Prints JSON: images/s (median of repeats) per net and framework,
and the engine's time relative to PyTorch's, for each thread count in ``--threads`` (default
1 and 2): each count runs in its own process, since OpenBLAS reads its thread count when numpy
is imported; engine and PyTorch get the same count (OPENBLAS_NUM_THREADS, torch.set_num_threads),
and the same malloc settings (``MALLOC_SETTINGS``).

    python benchmarks/engine_native.py [--threads 1 2] [--repeats 7] [--steps 20] [--algorithm auto]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

# One BLAS thread unless told otherwise: Pyodide has one thread, and on a shared 2-core machine
# OpenBLAS's spinning threads made the same step up to 10× slower under load. Must be set
# before numpy is imported.
THREADS = int(os.environ.setdefault("OPENBLAS_NUM_THREADS", "1"))

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.losses import SoftmaxCrossEntropy  # noqa: E402
from engine.model import Sequential  # noqa: E402
from engine.recipes import PRESETS  # noqa: E402

# glibc's malloc, for each measuring process: no trimming of the heap back to the system and
# no fresh mmap per large array. With its defaults, which of the two contenders ran just
# before changed the other's speed: after this engine's steps PyTorch's step page-faulted
# ~500 times and ran ~25% slower (7 Dec 2026: 8,839 against 11,354 images per CPU second),
# making the ratio look better than it is; with these settings neither contender's speed
# depended on the other's (other C libraries ignore them).
MALLOC_SETTINGS = {
    "MALLOC_TRIM_THRESHOLD_": str(1 << 30),
    "MALLOC_MMAP_THRESHOLD_": str(1 << 30),
    "MALLOC_TOP_PAD_": str(64 << 20),
}

BATCH = 64
INPUT_SHAPE = (1, 28, 28)
# The two reference nets; the trainer's presets define exactly these layers.
NETS = {name: PRESETS[name]["layers"] for name in ("tiny", "convnetjs")}


def images_per_second(
    steps_by_name: dict[str, Callable[[], None]], steps: int, repeats: int
) -> dict:
    """Median over ``repeats`` of BATCH·steps / seconds for each contender, after two warm-up
    steps, by the wall clock and by this process's CPU clock. The contenders take turns within
    every repeat, so a burst of load from other processes slows all of them alike; with one
    thread the CPU clock also leaves out the time other processes held the core."""
    for step in steps_by_name.values():
        step()
        step()
    wall: dict[str, list[float]] = {name: [] for name in steps_by_name}
    cpu: dict[str, list[float]] = {name: [] for name in steps_by_name}
    for _ in range(repeats):
        for name, step in steps_by_name.items():
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(steps):
                step()
            wall[name].append(BATCH * steps / (time.perf_counter() - start_wall))
            cpu[name].append(BATCH * steps / (time.process_time() - start_cpu))
    row = {name: round(statistics.median(r)) for name, r in wall.items()}
    row.update({f"{name}_per_cpu_second": round(statistics.median(r)) for name, r in cpu.items()})
    return row


def engine_step(specs: list[dict], algorithm: str) -> Callable[[], None]:
    model = Sequential.from_spec(specs, INPUT_SHAPE, rng=0, dtype=np.float32, algorithm=algorithm)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, *INPUT_SHAPE)).astype(np.float32)
    y = rng.integers(0, 10, BATCH)
    loss = SoftmaxCrossEntropy()

    def step() -> None:
        loss.forward(model.forward(x), y)
        # Like torch (the images do not require grad), no gradient for the input itself.
        model.backward(loss.backward(), input_grad=False)

    return step


def torch_step(specs: list[dict]) -> Callable[[], None]:
    import torch

    layers: list = []
    channels, size = INPUT_SHAPE[0], INPUT_SHAPE[1]
    for spec in specs:
        kind = spec["type"]
        if kind == "conv":
            k, p = spec["kernel"], spec.get("padding", 0)
            layers.append(torch.nn.Conv2d(channels, spec["filters"], k, padding=p))
            channels, size = spec["filters"], size + 2 * p - k + 1
        elif kind == "relu":
            layers.append(torch.nn.ReLU())
        elif kind == "pool":
            layers.append(torch.nn.MaxPool2d(spec["size"]))
            size = (size - spec["size"]) // spec["size"] + 1
        elif kind == "flatten":
            layers.append(torch.nn.Flatten())
        else:
            layers.append(torch.nn.Linear(channels * size * size, spec["units"]))
    model = torch.nn.Sequential(*layers)
    x = torch.randn(BATCH, *INPUT_SHAPE)
    y = torch.randint(0, 10, (BATCH,))
    loss_fn = torch.nn.CrossEntropyLoss()

    def step() -> None:
        model.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()

    return step


def measure(args: argparse.Namespace) -> dict:
    """Every net, engine beside PyTorch, at this process's THREADS."""
    try:
        import torch
    except ImportError:
        torch = None
    else:
        torch.set_num_threads(THREADS)
    report: dict = {
        "batch": BATCH,
        "dtype": "float32",
        "measure": "forward + loss + backward, images/s, median of interleaved repeats",
        "numpy": np.__version__,
        "python": platform.python_version(),
        "threads": THREADS,
        "torch": None if torch is None else torch.__version__,
        "algorithm": args.algorithm,
        "nets": {},
    }
    for name, specs in NETS.items():
        contenders = {"engine": engine_step(specs, args.algorithm)}
        if torch is not None:
            contenders["torch"] = torch_step(specs)
        row = images_per_second(contenders, args.steps, args.repeats)
        if torch is not None:
            row["engine_time_vs_torch"] = round(row["torch"] / row["engine"], 2)
            row["engine_cpu_time_vs_torch"] = round(
                row["torch_per_cpu_second"] / row["engine_per_cpu_second"], 2
            )
        report["nets"][name] = row
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--algorithm", default="auto", help="conv algorithm for the engine")
    args = parser.parse_args()
    if args.threads == [THREADS] and MALLOC_SETTINGS.items() <= os.environ.items():
        print(json.dumps(measure(args)))
        return
    load = {"start": Path("/proc/loadavg").read_text().split()[:3]}
    runs = []
    for threads in args.threads:
        env = os.environ | {"OPENBLAS_NUM_THREADS": str(threads)} | MALLOC_SETTINGS
        options = ["--repeats", str(args.repeats), "--steps", str(args.steps)]
        options += ["--algorithm", args.algorithm, "--threads", str(threads)]
        command = [sys.executable, __file__, *options]
        child = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        runs.append(json.loads(child.stdout))
    load["end"] = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps({"load_average": load, "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
