"""The service worker's manifest: which files to precache, with their sha256, under which version.

``static/sw.js`` is plain JavaScript copied as it is; it reads this generated data file with
``importScripts("sw-manifest.js")``. A new build has a new version (the hash of every file's
hash), so the browser installs the worker again; the per-file hashes let that install copy
unchanged files from the old cache and download only the changed ones.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sitebuild.fetch import sha256_file

MANIFEST = "sw-manifest.js"


def file_list(site: Path) -> list[dict]:
    """Path, size and sha256 of every file in the site, sorted by path."""
    files = []
    for path in sorted(site.rglob("*")):
        if path.is_file():
            rel = path.relative_to(site).as_posix()
            files.append({"path": rel, "size": path.stat().st_size, "sha256": sha256_file(path)})
    return files


def add_service_worker_manifest(site: Path) -> str:
    """Write ``site/sw-manifest.js`` mapping every file so far to its sha256; return the version.

    ``./`` (the address a visitor types) is index.html under another name, with its hash.
    """
    files = file_list(site)
    version = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]
    hashes = {f["path"]: f["sha256"] for f in files}
    manifest = {"cacheVersion": version, "files": {"./": hashes["index.html"], **hashes}}
    text = f"self.cnnServiceWorkerManifest = {json.dumps(manifest, indent=None)};\n"
    (site / MANIFEST).write_text(text)
    return version
