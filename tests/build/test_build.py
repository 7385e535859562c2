"""The build (build.py, sitebuild/) natively: what the site contains, and that every failure
keeps the previous site.

One real build per session into a temp folder (downloads come from the shared cache, so it takes
seconds); the failure cases replace the registry client with a local stand-in, so they never
touch the network.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import pickle
import re
import sys
import tarfile
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import build  # noqa: E402
from app import catalog  # noqa: E402
from sitebuild import BuildError, assembly, fetch, mnist, pins, pyodide, wheels  # noqa: E402
from sitebuild.pins import Pin  # noqa: E402


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return assembly.build_site(tmp_path_factory.mktemp("build") / "site")


@pytest.fixture(scope="session")
def info(site: Path) -> dict:
    return json.loads((site / "build-info.json").read_text())


def test_manifest_lists_every_file_with_its_real_size_and_hash(site: Path, info: dict) -> None:
    listed = {entry["path"]: entry for entry in info["files"]}
    on_disk = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert set(listed) == on_disk - {"build-info.json"}
    for path, entry in listed.items():
        data = (site / path).read_bytes()
        assert entry["size"] == len(data), path
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), path
    assert (site / info["app_wheel"]).is_file()
    shipped = [pin for pin in pins.RUNTIME_WHEELS if pin.name not in wheels.PAGE_LEFT_OUT]
    assert {pin.name: info["versions"].get(pin.name) for pin in shipped} == {
        pin.name: pin.version for pin in shipped
    }
    assert info["pyodide"]["version"] == pins.PYODIDE.version
    lock = json.loads((site / "pyodide/pyodide-lock.json").read_text())
    for name, pin in pins.PYODIDE_PACKAGES.items():
        assert info["pyodide"]["packages"][name] == lock["packages"][name]["version"]
        shipped = (site / "pyodide" / pin.file_name).read_bytes()
        assert hashlib.sha256(shipped).hexdigest() == lock["packages"][name]["sha256"]


def test_the_native_tests_run_the_versions_the_browser_runs() -> None:
    """.ci/run installs requirements/site.txt: a native test on another numpy or Panel would
    vouch for code the student's browser never runs."""
    installed = {name: _installed_version(name) for name in pins.NATIVE_VERSIONS}
    assert installed == pins.NATIVE_VERSIONS, (
        "run: python -m pip install --no-deps --require-hashes -r requirements/site.txt"
    )
    assert np.__version__ == pins.PYODIDE_PACKAGES["numpy"].version


def _installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def test_versions_are_written_only_in_requirements() -> None:
    """pyproject names the shipped packages the native tests need but pins none of them."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"].values()
    for requirement in [*project["dependencies"], *(r for extra in extras for r in extra)]:
        name = re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0]
        if name in pins.NATIVE_VERSIONS:
            assert "==" not in requirement, f"{requirement}: pin it in requirements/site.txt"


def test_a_requirement_without_an_exact_version_and_hash_is_refused() -> None:
    digest = "a" * 64
    parsed = pins.parse_requirements(
        f"# comment\nx==1.0 \\\n    --hash=sha256:{digest} --hash=sha256:{digest[::-1]}\n"
    )
    assert parsed == {"x": ("1.0", (digest, digest[::-1]))}
    for loose in ("x>=1.0 --hash=sha256:" + digest, "x==1.0", "x==1.0 --hash=md5:00"):
        with pytest.raises(ValueError, match="not an exact, hash-pinned requirement"):
            pins.parse_requirements(loose)


def test_a_pyodide_package_pin_must_be_the_official_locks_file() -> None:
    numpy = pins.PYODIDE_PACKAGES["numpy"]
    official = {"version": numpy.version, "file_name": numpy.file_name, "sha256": numpy.sha256}
    pyodide._check_against_lock(numpy, official)
    with pytest.raises(BuildError, match=r"pyodide-lock\.json lists"):
        pyodide._check_against_lock(numpy, {**official, "sha256": "0" * 64})
    newer = pins.PyodidePackage("numpy", "9.9.9", "numpy-9.9.9.whl", "0" * 64)
    with pytest.raises(BuildError, match=r"requirements/site\.txt pins numpy==.* make them equal"):
        pyodide._check_against_lock(
            newer,
            {**official, "version": "9.9.9", "file_name": "numpy-9.9.9.whl", "sha256": "0" * 64},
        )


def test_first_paint_html_carries_the_whole_catalog(site: Path) -> None:
    page = (site / "index.html").read_text()
    assert "{{" not in page, "a template placeholder was left unfilled"
    for lesson in catalog.LESSONS:
        assert f'href="#{lesson.slug}"' in page
        assert f'id="title-{lesson.slug}"' in page
        for goal in lesson.goals:
            assert goal.replace("'", "&#x27;") in page or goal in page
    for step, slug in catalog.PIPELINE:
        assert re.search(rf'href="#{slug}"[^>]*>.*?{re.escape(step)}</span>', page)


def test_every_url_in_the_shell_is_relative(site: Path) -> None:
    for name in ("index.html", "boot.js", "sw.js", "manifest.webmanifest", "style.css"):
        text = (site / name).read_text()
        # Absolute or root-relative references would break under a GitHub Pages sub-path.
        assert not re.search(r"""(?:src|href)=["']/""", text), name
        assert not re.search(r"""["'](?:https?:)?//""", text), name
    config = _boot_config(site)
    for url in [config["sitePackages"], *config["scripts"]]:
        assert (site / url).is_file(), url


def _boot_config(site: Path) -> dict:
    page = (site / "index.html").read_text()
    return json.loads(re.search(r'id="boot-config"[^>]*>(.*?)</script>', page, re.S).group(1))


def test_python_packages_ship_as_one_slim_precompiled_archive(site: Path, info: dict) -> None:
    archive = info["site_packages"]["archive"]
    with tarfile.open(site / archive) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert all(m.isfile() for m in members), "the browser-side unpacker writes regular files only"
    assert len(names) == len(set(names))
    assert not [n for n in names if not wheels.shipped(n)]
    for left_out in wheels.PAGE_LEFT_OUT:
        assert not [n for n in names if n.startswith((f"{left_out}/", f"{left_out}-"))]
    # Libraries ship as bytecode alone, where the source would be (Python imports it from there).
    for package in ("panel", "bokeh", "param", "numpy", "packaging"):
        modules = [n for n in names if n.startswith(f"{package}/") and n.endswith((".py", ".pyc"))]
        assert modules and all(n.endswith(".pyc") and "__pycache__" not in n for n in modules)
    # The app keeps its sources (tracebacks, inspect.getsource) beside their bytecode.
    for package in ("app", "engine"):
        sources = [n for n in names if n.startswith(f"{package}/") and n.endswith(".py")]
        compiled = [s for s in sources if _pyc_for(s) in names]
        assert sources and len(compiled) >= 0.9 * len(sources), f"{package}: few .py have bytecode"
    # NumPy's compiled extension modules travel in the archive: boot.js links them itself.
    assert "numpy/_core/_multiarray_umath.cpython-312-wasm32-emscripten.so" in names
    assert {"app/shell.py", "app/prelude.py", "engine/__init__.py", "panel/__init__.pyc"} <= set(
        names
    )
    distributions = set(info["site_packages"]["distributions"])
    assert {"numpy", "panel", "bokeh", "cnn_classroom"} <= distributions
    # The trainer's worker loads only the app wheel; no other wheel is shipped twice.
    assert sorted(p.name for p in (site / "wheels").iterdir()) == sorted(
        [Path(archive).name, Path(info["app_wheel"]).name]
    )
    with zipfile.ZipFile(site / info["app_wheel"]) as zf:
        assert {"app/shell.py", "app/catalog.py", "engine/__init__.py"} <= set(zf.namelist())


def _pyc_for(source: str) -> str:
    folder, _, name = source.rpartition("/")
    return f"{folder}/__pycache__/{name[:-3]}.cpython-312.pyc".lstrip("/")


def test_the_standard_library_ships_as_bytecode_zipimport_reads(site: Path, info: dict) -> None:
    with zipfile.ZipFile(site / "pyodide/python_stdlib.zip") as zf:
        names = set(zf.namelist())
        # zipimport reads x.pyc where x.py would be, never __pycache__/.
        assert "json/__init__.pyc" in names and "os.pyc" in names
        assert not [n for n in names if n.endswith(".py") and f"{n}c" in names]
        header = zf.read("json/__init__.pyc")[:8]
    with tarfile.open(site / info["site_packages"]["archive"]) as tar:
        panel_pyc = tar.extractfile("panel/__init__.pyc").read(8)
    assert header[:4] == panel_pyc[:4], "not compiled by the browser's CPython"
    assert int.from_bytes(header[4:8], "little") == 0b01, "must be an unchecked-hash pyc"


def test_pyodide_webassembly_ships_gzipped(site: Path) -> None:
    assert not (site / "pyodide" / pyodide.WASM).exists()
    with gzip.open(site / "pyodide" / f"{pyodide.WASM}.gz") as wasm:
        assert wasm.read(4) == b"\0asm"


def test_the_archive_names_the_browser_snapshot(site: Path, info: dict) -> None:
    archive = site / info["site_packages"]["archive"]
    key = _boot_config(site)["snapshotKey"]
    assert key == hashlib.sha256(archive.read_bytes()).hexdigest()[:16]


def test_packing_is_byte_reproducible_ships_bytecode_alone_and_refuses_clashes(
    tmp_path: Path,
) -> None:
    def wheel(name: str, files: dict[str, bytes], date: tuple) -> Path:
        path = tmp_path / f"{name}-1-py3-none-any.whl"
        with zipfile.ZipFile(path, "w") as zf:
            for file, data in files.items():
                zf.writestr(zipfile.ZipInfo(file, date_time=date), data)
        return path

    a_files = {
        "a/x.py": b"x = 1\n",
        "a/__pycache__/x.cpython-312.pyc": b"pyc",
        "a/__init__.py": b"",
    }
    first = [wheel("a", a_files, (2020, 1, 1, 0, 0, 0))]
    b_files = {"b/y.py": b"y = 2\n", "b/__pycache__/y.cpython-312.pyc": b"pyc"}
    first.append(wheel("b", b_files, (2021, 5, 5, 5, 5, 5)))
    wheels.pack_site_packages(first, tmp_path / "one.tar.gz", with_sources=(first[1],))
    for path in first:  # same contents, other timestamps
        with zipfile.ZipFile(path) as zf:
            files = {n: zf.read(n) for n in zf.namelist()}
        wheel(path.name.split("-")[0], files, (2024, 2, 2, 2, 2, 2))
    wheels.pack_site_packages(first, tmp_path / "two.tar.gz", with_sources=(first[1],))
    assert (tmp_path / "one.tar.gz").read_bytes() == (tmp_path / "two.tar.gz").read_bytes()
    with tarfile.open(tmp_path / "one.tar.gz") as tar:
        # a's module as its bytecode alone, where its source was; b with its source, as asked;
        # a module without bytecode keeps its source.
        assert sorted(tar.getnames()) == [
            "a/__init__.py",
            "a/x.pyc",
            "b/__pycache__/y.cpython-312.pyc",
            "b/y.py",
        ]

    clash = wheel("c", {"a/__init__.py": b"x = 3\n"}, (2020, 1, 1, 0, 0, 0))
    with pytest.raises(BuildError, match=r"a/__init__\.py is in two wheels"):
        wheels.pack_site_packages([*first, clash], tmp_path / "three.tar.gz")


def test_panel_and_katex_resources_are_served_locally(site: Path) -> None:
    panel_dist = site / "static/panel" / pins.runtime_pin("panel").version / "dist"
    assert (panel_dist / "css/katex.css").is_file()
    assert (panel_dist / "bundled/theme/default.css").is_file()
    katex_dir = site / f"vendor/katex-{pins.KATEX.version}"
    katex_css = (katex_dir / "katex.min.css").read_text()
    fonts = set(re.findall(r"url\((fonts/[^)]+\.woff2)\)", katex_css))
    assert fonts and all((katex_dir / font).is_file() for font in fonts)


def test_mnist_is_packed_as_the_architecture_promises(site: Path) -> None:
    path = site / "data" / "mnist.npz"
    assert path.stat().st_size <= mnist.MNIST_MAX_BYTES
    with np.load(path) as data:
        shapes = {key: (data[key].shape, data[key].dtype) for key in data.files}
        assert data["y_train"].max() == 9 and data["x_train"].max() == 255
    assert shapes == {
        "x_train": ((50000, 28, 28), np.uint8),
        "y_train": ((50000,), np.uint8),
        "x_valid": ((10000, 28, 28), np.uint8),
        "y_valid": ((10000,), np.uint8),
        "x_test": ((10000, 28, 28), np.uint8),
        "y_test": ((10000,), np.uint8),
    }


def test_the_mnist_pickle_is_read_with_arrays_allowed_and_nothing_else() -> None:
    arrays = ((np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1, 2], np.int64)),)
    loaded = mnist.load_arrays_pickle(pickle.dumps(arrays, protocol=4))
    np.testing.assert_array_equal(loaded[0][0], arrays[0][0])
    assert loaded[0][1].dtype == np.int64

    class Payload:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    with pytest.raises(BuildError, match=r"refers to (posix|os)\.system"):
        mnist.load_arrays_pickle(pickle.dumps([np.zeros(2), Payload()], protocol=4))


def test_service_worker_precaches_the_site_under_a_content_versioned_cache(
    site: Path, info: dict
) -> None:
    assert (site / "sw.js").read_bytes() == (ROOT / "static" / "sw.js").read_bytes()
    manifest_js = (site / "sw-manifest.js").read_text()
    prefix, suffix = "self.cnnServiceWorkerManifest = ", ";\n"
    assert manifest_js.startswith(prefix) and manifest_js.endswith(suffix)
    manifest = json.loads(manifest_js.removeprefix(prefix).removesuffix(suffix))
    assert manifest["cacheVersion"] == info["cache_version"]
    expected = {e["path"]: e["sha256"] for e in info["files"] if e["path"] != "sw-manifest.js"}
    assert manifest["files"] == {"./": expected["index.html"], **expected}


# ----------------------------------------------------------------------------- failures


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CNN_CLASSROOM_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _fake_registry(monkeypatch: pytest.MonkeyPatch, payload: bytes) -> list[str]:
    calls: list[str] = []

    def download(pin: Pin, dest: Path) -> Path:
        calls.append(pin.spec)
        (dest / f"{pin.name}-{pin.version}.whl").write_bytes(payload)
        return dest / f"{pin.name}-{pin.version}.whl"

    monkeypatch.setattr(fetch, "_download", download)
    return calls


def test_a_hash_mismatch_stops_with_a_clear_message_and_caches_nothing(
    private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_registry(monkeypatch, b"tampered")
    pin = Pin("demo", "1.0", hashlib.sha256(b"genuine").hexdigest())
    with pytest.raises(BuildError, match=r"sha256 mismatch for demo==1\.0"):
        fetch.fetch(pin)
    assert not [p for p in private_cache.rglob("*") if p.is_file()]


def test_a_verified_download_is_cached_and_reused_without_the_registry(
    private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _fake_registry(monkeypatch, b"genuine")
    pin = Pin("demo", "1.0", hashlib.sha256(b"genuine").hexdigest())
    first = fetch.fetch(pin)
    second = fetch.fetch(pin)
    assert first == second and first.read_bytes() == b"genuine"
    assert calls == ["demo==1.0"]


def test_an_unreachable_registry_is_reported_with_the_command(
    private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pip pointed at a closed local port stands in for a registry that cannot be reached.
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_TIMEOUT", "2")
    pin = Pin("param", pins.runtime_pin("param").version, "0" * 64)
    with pytest.raises(BuildError, match=rf"pip download {re.escape(pin.spec)} failed"):
        fetch.fetch(pin)


def test_a_failed_build_leaves_the_previous_site_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("previous build")

    def failing_assemble(staging: Path) -> dict:
        (staging / "index.html").write_text("half-built")
        raise BuildError("registry unreachable")

    monkeypatch.setattr(assembly, "assemble", failing_assemble)
    assert build.main(["--out", str(out)]) == 1
    assert (out / "index.html").read_text() == "previous build"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"], "staging folder left behind"
