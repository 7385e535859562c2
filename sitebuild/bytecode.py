"""Bytecode for the standard library and the wheels, compiled by Pyodide's CPython under Node.

Pyodide ships the standard library as source only, and wheels carry no ``.pyc``: without them
the browser compiles every module it imports, on every first visit. The compiler is
``compile-pyc.mjs`` beside this file; its results are cached per input hash.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

from sitebuild.fetch import cache_dir, run, sha256_file
from sitebuild.pins import PYODIDE_VERSION
from sitebuild.wheels import write_wheel, zip_write

COMPILER = Path(__file__).with_name("compile-pyc.mjs")


def byte_compile(root: Path, pyodide_dir: Path, what: str, *, legacy: bool = False) -> None:
    """Add bytecode for every ``.py`` below ``root``, compiled by Pyodide's CPython under Node.

    ``legacy`` puts ``x.pyc`` beside ``x.py`` (the only layout zipimport reads) instead of in
    ``__pycache__``.
    """
    layout = "legacy" if legacy else "pycache"
    cmd = ["node", str(COMPILER), str(pyodide_dir), str(root), layout]
    run(cmd, f"byte-compiling {what} in Pyodide under Node")


def precompile_stdlib(pyodide_dir: Path) -> None:
    """Replace ``python_stdlib.zip`` by a copy with bytecode in place of each module's source
    (zipimport imports a lone ``x.pyc``): the browser compiles nothing, and the download is
    6.4 -> 4.0 MB."""
    stdlib = pyodide_dir / "python_stdlib.zip"
    key = f"stdlib-sourceless-{sha256_file(stdlib)[:16]}"
    cached = cache_dir() / "compiled" / key / stdlib.name
    if not cached.exists():
        with tempfile.TemporaryDirectory() as tmp:
            tree = Path(tmp) / "stdlib"
            with zipfile.ZipFile(stdlib) as zf:
                zf.extractall(tree)
            byte_compile(tree, pyodide_dir, "the standard library", legacy=True)
            staged = Path(tmp) / stdlib.name
            with zipfile.ZipFile(staged, "w") as zf:
                for path in sorted(tree.rglob("*")):
                    compiled = path.suffix == ".py" and path.with_suffix(".pyc").is_file()
                    if path.is_file() and not compiled:
                        zip_write(zf, path.relative_to(tree).as_posix(), path.read_bytes())
            cached.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(staged, cached)
    shutil.copy2(cached, stdlib)


def precompile_wheels(
    wheels: list[Path], pyodide_dir: Path, dest: Path, cache: set[Path]
) -> list[Path]:
    """Copies of ``wheels`` in ``dest`` with bytecode added in ``__pycache__``. Results for the
    wheels in ``cache`` (the pinned ones, not the app's) are kept in the download cache."""
    results, todo = [], []
    for wheel in wheels:
        key = f"{PYODIDE_VERSION}-{sha256_file(wheel)[:16]}"
        cached = cache_dir() / "compiled" / key / wheel.name
        results.append(dest / wheel.name)
        if wheel in cache and cached.exists():
            shutil.copy2(cached, dest / wheel.name)
        else:
            todo.append((wheel, cached if wheel in cache else None))
    if not todo:
        return results
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for index, (wheel, _) in enumerate(todo):
            with zipfile.ZipFile(wheel) as zf:
                zf.extractall(root / str(index))
        byte_compile(root, pyodide_dir, "the wheels")
        for index, (wheel, cached) in enumerate(todo):
            tree = root / str(index)
            entries = [
                (p.relative_to(tree).as_posix(), p.read_bytes())
                for p in sorted(tree.rglob("*"))
                if p.is_file()
            ]
            dist_info = next(p.name for p in tree.iterdir() if p.name.endswith(".dist-info"))
            write_wheel(dest / wheel.name, entries, dist_info)
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(dest / wheel.name, cached)
    return results
