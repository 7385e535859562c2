"""Wheel files: writing them reproducibly, slimming the pinned ones, the app's own wheel, and
the page's package archive.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import shutil
import tarfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from sitebuild import ROOT, BuildError
from sitebuild.lazy_panel import LAZY_SUBMODULES, rewrite

#: Zip entries dropped from the wheels: JS/CSS that the site serves as static files instead,
#: and code the page never runs: command lines, build-time plugins, Fortran bindings, test
#: helpers, and the JupyterLab extension (each a few hundred kB the page would download).
SLIM_PREFIXES = (
    "panel/dist/",
    "panel/tests/",
    "panel/command/",
    "bokeh/server/static/",
    "bokeh/_testing/",
    "bokeh/command/",
    "bokeh/sphinxext/",
    "numpy/f2py/",
    "numpy/testing/",
    "numpy/_pyinstaller/",
    "pyviz_comms/labextension/static/",  # its package.json is read at import
)
#: Files in a wheel's own folders that nothing imports: type stubs, C/Cython headers and sources,
#: static libraries, TypeScript sources of Panel's models (compiled into panel.min.js already).
SLIM_SUFFIXES = (".pyi", ".pxd", ".h", ".c", ".a", ".ts", ".less", ".orig")
#: Distributions pinned for the native tests (their dependants require them) that the page never
#: imports, so its archive leaves them out. tests/app/conftest.py blocks their imports, so an app
#: test fails if a lesson starts to need one.
PAGE_LEFT_OUT = {
    "narwhals": "Bokeh imports it only to accept a DataFrame; the lessons pass dicts and arrays",
    "xyzservices": "Bokeh imports it only for map tile providers; no lesson draws a map",
}
APP_PACKAGES = ("engine", "app")
APP_DIST_NAME = "cnn_classroom"
APP_VERSION = "0.1.0"
#: The bytecode tag of Pyodide's CPython (``__pycache__/<module>.<tag>.pyc``).
PYC_TAG = "cpython-312"
#: Reproducible timestamps inside the zips we write (zip cannot store dates before 1980).
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def zip_write(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    """Add ``data`` as ``name`` with a fixed date and mode, so equal inputs give equal zips."""
    info = zipfile.ZipInfo(name, ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def _record(entries: Iterable[tuple[str, bytes]], record_name: str) -> bytes:
    lines = []
    for name, data in entries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{name},sha256={digest},{len(data)}")
    lines.append(f"{record_name},,")
    return ("\n".join(lines) + "\n").encode()


def write_wheel(path: Path, entries: list[tuple[str, bytes]], dist_info: str) -> None:
    """Write a wheel with a correct RECORD from (name, bytes) entries (RECORD itself excluded)."""
    record_name = f"{dist_info}/RECORD"
    entries = [(n, d) for n, d in entries if n != record_name]
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries:
            zip_write(zf, name, data)
        zip_write(zf, record_name, _record(entries, record_name))


def shipped(name: str) -> bool:
    """Whether the page's archive keeps the wheel entry ``name`` (see SLIM_PREFIXES)."""
    top = name.split("/")[0]
    return not (
        name.startswith(SLIM_PREFIXES)
        or name.endswith(SLIM_SUFFIXES)
        or "/tests/" in name
        # What pip would install outside site-packages (data files, scripts), never imported.
        or top.endswith(".data")
    )


def slim_wheel(src: Path, dest_dir: Path) -> Path:
    """Copy a wheel with only the entries the page ships (see ``shipped``), Panel's package
    ``__init__`` files as ``sitebuild.lazy_panel`` rewrites them."""
    with zipfile.ZipFile(src) as zf:
        names = zf.namelist()
        if all(shipped(n) for n in names) and not LAZY_SUBMODULES.keys() & set(names):
            return Path(shutil.copy2(src, dest_dir / src.name))
        dist_info = next(n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info"))
        entries = [(n, _as_shipped(n, zf.read(n))) for n in names if shipped(n)]
    out = dest_dir / src.name
    write_wheel(out, entries, dist_info)
    return out


def _as_shipped(name: str, data: bytes) -> bytes:
    if name in LAZY_SUBMODULES:
        return rewrite(name, data.decode()).encode()
    return data


def _app_sources() -> list[tuple[str, bytes]]:
    entries = []
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            rel = path.relative_to(ROOT).as_posix()
            if path.is_file() and "__pycache__" not in rel and not rel.endswith((".pyc", ".pyo")):
                entries.append((rel, path.read_bytes()))
    if not any(name == "app/shell.py" for name, _ in entries):
        raise BuildError("app/shell.py is missing: the page cannot boot without it")
    return entries


def build_app_wheel(dest_dir: Path) -> Path:
    """The project's ``engine`` + ``app`` packages as one wheel, named by its content hash.

    The hash in the (local) version makes every change a new URL, so no cache serves stale code.
    """
    sources = _app_sources()
    digest = hashlib.sha256()
    for name, data in sources:
        digest.update(name.encode() + b"\0" + data + b"\0")
    version = f"{APP_VERSION}+{digest.hexdigest()[:10]}"
    dist_info = f"{APP_DIST_NAME}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: cnn-classroom\nVersion: {version}\n"
    wheel_meta = "Wheel-Version: 1.0\nGenerator: cnn-classroom build.py\nRoot-Is-Purelib: true\n"
    entries = [
        *sources,
        (f"{dist_info}/METADATA", metadata.encode()),
        (f"{dist_info}/WHEEL", (wheel_meta + "Tag: py3-none-any\n").encode()),
        (f"{dist_info}/top_level.txt", "\n".join(APP_PACKAGES).encode() + b"\n"),
    ]
    out = dest_dir / f"{APP_DIST_NAME}-{version}-py3-none-any.whl"
    write_wheel(out, entries, dist_info)
    return out


def _sourceless(files: dict[str, bytes]) -> dict[str, bytes]:
    """``files`` with each module's bytecode moved from ``__pycache__`` to where its source was,
    and the source dropped: Python imports such a ``.pyc`` on its own (and only from there)."""
    legacy = {}  # __pycache__/<module>.<tag>.pyc -> <module>.pyc, for modules with a source
    for name in files:
        folder, _, file = name.rpartition("/")
        if folder.rpartition("/")[2] == "__pycache__" and file.endswith(f".{PYC_TAG}.pyc"):
            module = folder.removesuffix("__pycache__") + file.removesuffix(f".{PYC_TAG}.pyc")
            if f"{module}.py" in files:
                legacy[name] = f"{module}.pyc"
    sources = {pyc.removesuffix("c") for pyc in legacy.values()}
    return {legacy.get(name, name): data for name, data in files.items() if name not in sources}


def pack_site_packages(
    wheels: list[Path], out: Path, *, with_sources: tuple[Path, ...] = ()
) -> None:
    """Every file of ``wheels``, as installing them would lay it out, in one gzip'd ustar archive.

    A module that has bytecode ships as bytecode alone, except in the wheels ``with_sources``
    (the app's: its lessons show the engine's source, and its tracebacks matter): sources the
    browser never compiles would be a third of the download.
    ``static/site-packages.js`` gunzips it with the browser's own decompressor and writes the
    files straight into Pyodide's file system, with no Python unzip in the boot. Byte-for-byte
    reproducible (fixed times, owners and order); a file in two wheels is a BuildError.
    """
    seen: set[str] = set()
    with (
        out.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.USTAR_FORMAT) as tar,
    ):
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as zf:
                files = {e.filename: zf.read(e) for e in zf.infolist() if not e.is_dir()}
            if wheel not in with_sources:
                files = _sourceless(files)
            for name in sorted(files):
                if name in seen:
                    raise BuildError(f"{wheel.name}: {name} is in two wheels")
                seen.add(name)
                member = tarfile.TarInfo(name)
                member.size, member.mtime, member.mode = len(files[name]), 0, 0o644
                tar.addfile(member, io.BytesIO(files[name]))
