"""Pyodide's core from npm and its wasm packages, each checked against the official lock."""

from __future__ import annotations

import gzip
import json
import tarfile
import zipfile
from pathlib import Path

from sitebuild import BuildError
from sitebuild.bytecode import precompile_stdlib
from sitebuild.fetch import fetch, sha256_bytes
from sitebuild.pins import (
    NATIVE_VERSIONS,
    PYODIDE,
    PYODIDE_PACKAGE_DIR,
    PYODIDE_PACKAGE_SOURCE,
    PYODIDE_PACKAGES,
    PYODIDE_VERSION,
    PyodidePackage,
)

CORE_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm")
#: Pyodide's WebAssembly, which the site ships gzip'd (static/pyodide-wasm.js reads it).
WASM = "pyodide.asm.wasm"


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
        for name, pin in PYODIDE_PACKAGES.items():
            _check_against_lock(pin, lock["packages"].get(name))
            try:
                data = zf.read(PYODIDE_PACKAGE_DIR + pin.file_name)
            except KeyError as exc:
                raise BuildError(f"{PYODIDE_PACKAGE_SOURCE.spec} lacks {pin.file_name}") from exc
            if sha256_bytes(data) != pin.sha256:
                raise BuildError(
                    f"{pin.file_name} from {PYODIDE_PACKAGE_SOURCE.spec} does not have the sha256 "
                    f"pinned in requirements/assets.toml (and Pyodide {PYODIDE_VERSION}'s lock)"
                )
            (dest / pin.file_name).write_bytes(data)
            packages[name] = pin.version
            files[name] = pin.file_name
    return {
        "version": PYODIDE_VERSION,
        "python": lock["info"]["python"],
        "packages": packages,
        "files": files,
    }


def _check_against_lock(pin: PyodidePackage, entry: dict | None) -> None:
    """The pin must be the official lock's file, and a package the native tests also install
    (numpy) must be the same version there."""
    official = entry and (entry["version"], entry["file_name"], entry["sha256"])
    if official != (pin.version, pin.file_name, pin.sha256):
        raise BuildError(
            f"requirements/assets.toml pins {pin.name} as {pin.file_name} {pin.sha256}, but "
            f"Pyodide {PYODIDE_VERSION}'s pyodide-lock.json lists {official or 'no such package'}"
        )
    native = NATIVE_VERSIONS.get(pin.name)
    if native not in (None, pin.version):
        raise BuildError(
            f"requirements/site.txt pins {pin.name}=={native} for the native tests, but the "
            f"browser runs Pyodide's {pin.name} {pin.version}: make them equal"
        )


def compress_wasm(site: Path) -> None:
    """Replace ``site/pyodide/pyodide.asm.wasm`` by ``pyodide.asm.wasm.gz`` (10.1 -> 3.1 MB),
    reproducibly. Called after the build's last run of Pyodide under Node, which reads the file
    as it is."""
    wasm = site / "pyodide" / WASM
    with (
        (site / "pyodide" / f"{WASM}.gz").open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
    ):
        gz.write(wasm.read_bytes())
    wasm.unlink()
