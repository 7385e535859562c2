"""The page's Python packages as one archive, and the app wheel for the trainer's worker."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from sitebuild.bytecode import precompile_wheels
from sitebuild.fetch import fetch, pure_wheel_from_sdist
from sitebuild.pins import RUNTIME_WHEELS
from sitebuild.wheels import PAGE_LEFT_OUT, build_app_wheel, pack_site_packages, slim_wheel

#: The page's Python packages, unpacked into Pyodide by static/site-packages.js.
SITE_PACKAGES_ARCHIVE = "wheels/site-packages.tar.gz"
#: Pyodide packages the page needs; they go into its package archive (the trainer's worker and
#: the curious student's console load them from pyodide/ the usual way, as they do micropip).
PAGE_PYODIDE_PACKAGES = ("numpy", "packaging")


def add_python_packages(site: Path, pyodide: dict) -> tuple[list[str], dict[str, str], str]:
    """Slim runtime wheels (but those in PAGE_LEFT_OUT), the app wheel and the page's Pyodide
    packages (already verified against the lock by ``sitebuild.pyodide``), all byte-compiled, go
    into ``site/{SITE_PACKAGES_ARCHIVE}``; only the app wheel is also shipped as a wheel, because
    the worker needs nothing else.

    Returns (distribution names in the archive, package versions, app wheel path in the site).
    """
    dest = site / "wheels"
    dest.mkdir()
    versions = {}
    with tempfile.TemporaryDirectory() as tmp:
        slim = []
        for pin in RUNTIME_WHEELS:
            if pin.name in PAGE_LEFT_OUT:
                continue
            src = pure_wheel_from_sdist(pin) if pin.source == "pypi-sdist" else fetch(pin)
            slim.append(slim_wheel(src, Path(tmp)))
            versions[pin.name] = pin.version
        app = build_app_wheel(Path(tmp))
        from_pyodide = [
            slim_wheel(site / "pyodide" / pyodide["files"][name], Path(tmp))
            for name in PAGE_PYODIDE_PACKAGES
        ]
        compiled = Path(tmp) / "compiled"
        compiled.mkdir()
        cached = {*slim, *from_pyodide}
        wheels = precompile_wheels([*from_pyodide, *slim, app], site / "pyodide", compiled, cached)
        pack_site_packages(
            wheels, site / SITE_PACKAGES_ARCHIVE, with_sources=(compiled / app.name,)
        )
        shutil.copy2(compiled / app.name, dest / app.name)
    return [w.name.split("-")[0] for w in wheels], versions, f"wheels/{app.name}"
