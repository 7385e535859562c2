"""``site/`` assembled from every step, atomically: a failed build keeps the previous site."""

from __future__ import annotations

import json
import shutil
import tempfile
from importlib import import_module
from pathlib import Path

from sitebuild import DEFAULT_OUT
from sitebuild.editor import add_code_editor
from sitebuild.fetch import sha256_file
from sitebuild.mnist import add_mnist
from sitebuild.packages import SITE_PACKAGES_ARCHIVE, add_python_packages
from sitebuild.page import add_static, load_catalog, render_index
from sitebuild.pins import KATEX
from sitebuild.pyodide import add_pyodide, compress_wasm
from sitebuild.service_worker import add_service_worker_manifest, file_list
from sitebuild.vendor import add_frontend_vendor


def assemble(site: Path) -> dict:
    """Write every part of the site into the empty folder ``site``; return build-info.json."""
    catalog = load_catalog()
    pyodide = add_pyodide(site)
    distributions, versions, app_wheel = add_python_packages(site, pyodide)
    compress_wasm(site)
    scripts = add_frontend_vendor(site)
    add_mnist(site)
    add_static(site)
    add_code_editor(site)
    versions.update({"numpy": pyodide["packages"]["numpy"], "katex": KATEX.version})
    boot_config = {
        "scripts": scripts,
        "sitePackages": SITE_PACKAGES_ARCHIVE,
        # Names the browser's saved Python state (static/boot.js): new packages, new snapshot.
        "snapshotKey": sha256_file(site / SITE_PACKAGES_ARCHIVE)[:16],
        "panelCdnRoot": "static/panel/",
        "slugs": list(catalog.SLUGS),
        "progressKey": import_module("app.progress").STORAGE_KEY,  # defined once, in Python
        "defaultSlug": catalog.DEFAULT_SLUG,
        "versions": versions,
    }
    (site / "index.html").write_text(render_index(catalog, boot_config))
    cache_version = add_service_worker_manifest(site)
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
