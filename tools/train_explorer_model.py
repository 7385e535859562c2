"""Train the explorer lesson's network and write its files into ``app/assets``.

    python tools/train_explorer_model.py           # train, measure, write the three files
    python tools/train_explorer_model.py --check   # train again; compare with the shipped files

MNIST comes from the build's pinned source (the same ``data/mnist.npz`` the site ships). The
network, its settings and the seed are in ``app/explorer/recipe.py``; training is seeded, so a
rerun on the same machine writes the same weights (``--check`` says whether it did).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.explorer import recipe  # noqa: E402
from engine import data  # noqa: E402
from sitebuild.mnist import add_mnist  # noqa: E402


def pinned_mnist() -> data.Mnist:
    """MNIST exactly as the site ships it (packed by the build from its pinned source)."""
    with tempfile.TemporaryDirectory() as tmp:
        add_mnist(Path(tmp))
        return data.load_mnist(Path(tmp) / "data" / "mnist.npz")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    mnist = pinned_mnist()
    start = time.perf_counter()
    model = recipe.train(mnist)
    seconds = time.perf_counter() - start
    facts = recipe.facts(model, mnist)
    digits = recipe.pick_digits(model, mnist)
    print(json.dumps({**facts, "train_seconds": round(seconds, 1)}, indent=1))
    if args.check:
        shipped = recipe.load_model()
        same = all(
            np.array_equal(a.value, b.value)
            for a, b in zip(model.parameters(), shipped.parameters(), strict=True)
        )
        same = same and recipe.load_facts() == json.loads(json.dumps(facts))
        print("the shipped weights are reproduced exactly" if same else "DIFFERENT weights")
        return 0 if same else 1
    model.save(recipe.MODEL_FILE)
    recipe.FACTS_FILE.write_text(json.dumps(facts, indent=1) + "\n", encoding="utf-8")
    np.savez_compressed(recipe.DIGITS_FILE, **digits)
    for path in (recipe.MODEL_FILE, recipe.FACTS_FILE, recipe.DIGITS_FILE):
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
