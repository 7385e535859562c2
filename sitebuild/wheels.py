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

#: Zip entries dropped from the wheels: JS/CSS that the site serves as static files instead,
#: and test suites nobody imports in the browser.
SLIM_PREFIXES = ("panel/dist/", "panel/tests/", "bokeh/server/static/", "bokeh/_testing/")
APP_PACKAGES = ("engine", "app")
APP_DIST_NAME = "cnn_classroom"
APP_VERSION = "0.1.0"
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


def slim_wheel(src: Path, dest_dir: Path) -> Path:
    """Copy a wheel without the entries in SLIM_PREFIXES (served as static files instead)."""
    with zipfile.ZipFile(src) as zf:
        names = zf.namelist()
        if not any(n.startswith(SLIM_PREFIXES) for n in names):
            return Path(shutil.copy2(src, dest_dir / src.name))
        dist_info = next(n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info"))
        entries = [(n, zf.read(n)) for n in names if not n.startswith(SLIM_PREFIXES)]
    out = dest_dir / src.name
    write_wheel(out, entries, dist_info)
    return out


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


def pack_site_packages(wheels: list[Path], out: Path) -> None:
    """Every file of ``wheels``, as installing them would lay it out, in one gzip'd ustar archive.

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
                for entry in sorted(zf.infolist(), key=lambda e: e.filename):
                    if entry.is_dir():
                        continue
                    if entry.filename in seen:
                        raise BuildError(f"{wheel.name}: {entry.filename} is in two wheels")
                    seen.add(entry.filename)
                    data = zf.read(entry)
                    member = tarfile.TarInfo(entry.filename)
                    member.size, member.mtime, member.mode = len(data), 0, 0o644
                    tar.addfile(member, io.BytesIO(data))
