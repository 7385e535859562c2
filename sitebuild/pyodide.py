"""Pyodide's core from npm and its wasm packages, each checked against the official lock."""

from __future__ import annotations

import json
import tarfile
import zipfile
from pathlib import Path

from sitebuild import BuildError
from sitebuild.bytecode import precompile_stdlib
from sitebuild.fetch import fetch, sha256_bytes
from sitebuild.pins import PYODIDE, PYODIDE_PACKAGE_DIR, PYODIDE_PACKAGE_SOURCE, PYODIDE_VERSION

#: Pyodide packages shipped from the official distribution (checked against its lock file).
PYODIDE_PACKAGES = ("numpy", "packaging", "micropip")
CORE_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm")


def add_pyodide(site: Path) -> dict:
    """Write ``site/pyodide/``; return its version, Python version, packages and file names."""
    dest = site / "pyodide"
    dest.mkdir()
    with tarfile.open(fetch(PYODIDE)) as tar:
        for name in (*CORE_FILES, "python_stdlib.zip", "pyodide-lock.json"):
            member = tar.extractfile(f"package/{name}")
            if member is None:
                raise BuildError(f"npm {PYODIDE.spec} has no {name}")
            (dest / name).write_bytes(member.read())
    lock = json.loads((dest / "pyodide-lock.json").read_text())
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise BuildError(
            f"pyodide-lock.json is for {lock['info']['version']}, not {PYODIDE_VERSION}"
        )
    precompile_stdlib(dest)
    packages, files = {}, {}
    with zipfile.ZipFile(fetch(PYODIDE_PACKAGE_SOURCE)) as zf:
        for name in PYODIDE_PACKAGES:
            entry = lock["packages"][name]
            try:
                data = zf.read(PYODIDE_PACKAGE_DIR + entry["file_name"])
            except KeyError as exc:
                raise BuildError(
                    f"{PYODIDE_PACKAGE_SOURCE.spec} lacks {entry['file_name']} for {name}"
                ) from exc
            if sha256_bytes(data) != entry["sha256"]:
                raise BuildError(
                    f"{entry['file_name']} from {PYODIDE_PACKAGE_SOURCE.spec} does not match the "
                    f"sha256 in Pyodide {PYODIDE_VERSION}'s official pyodide-lock.json"
                )
            (dest / entry["file_name"]).write_bytes(data)
            packages[name] = entry["version"]
            files[name] = entry["file_name"]
    return {
        "version": PYODIDE_VERSION,
        "python": lock["info"]["python"],
        "packages": packages,
        "files": files,
    }
