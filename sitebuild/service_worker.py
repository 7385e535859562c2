"""The service worker's manifest: which files to precache, under which cache version.

``static/sw.js`` is plain JavaScript copied as it is; it reads this generated data file with
``importScripts("sw-manifest.js")``. A new build has a new version (the hash of every file's
hash), so the browser installs the worker again and the old cache is replaced.
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
    """Write ``site/sw-manifest.js`` listing every file so far; return the cache version."""
    files = file_list(site)
    version = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]
    manifest = {"cacheVersion": version, "precache": ["./", *(f["path"] for f in files)]}
    text = f"self.cnnServiceWorkerManifest = {json.dumps(manifest, indent=None)};\n"
    (site / MANIFEST).write_text(text)
    return version
