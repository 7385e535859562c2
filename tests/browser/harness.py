"""Shared by the browser tests and the boot benchmark: how Chromium is launched, and a server
for a built site folder on 127.0.0.1 under a sub-path, in a background thread.

The site must work from any sub-path (GitHub Pages serves a project under ``/<repo>/``), so the
tests and the boot benchmark serve it under ``/cnn-classroom/`` and nothing at ``/``: a URL that
is not relative then fails loudly with a 404 instead of passing by luck.
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

SUB_PATH = "/cnn-classroom/"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
#: A function expression for Playwright's ``evaluate``: the visible text under an element (the
#: page's body when called without one), including open shadow roots (tests/browser/js/).
DEEP_TEXT_JS = (Path(__file__).with_name("js") / "deep-text.js").read_text(encoding="utf-8")
#: A function expression: the background colour of every Bokeh plot on the page.
PLOT_BACKGROUNDS_JS = (Path(__file__).with_name("js") / "plot-backgrounds.js").read_text(
    encoding="utf-8"
)

# A cold boot is ~8 s alone; two test suites sharing 2 cores can triple that.
BOOT_TIMEOUT_MS = int(os.environ.get("CNN_BOOT_TIMEOUT_MS", "90000"))


def chromium_executable() -> str:
    """Debian's Chromium (or ``CHROMIUM_PATH``); never a test tool's own browser download."""
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(executable).is_file():
        raise FileNotFoundError(
            f"Chromium not found at {executable}: apt-get install chromium or set CHROMIUM_PATH"
        )
    return executable


# Python's mimetypes table depends on the machine; these are the types the browser insists on
# (WebAssembly streaming compilation needs application/wasm, module scripts need a JS type).
MIME_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".css": "text/css",
    ".html": "text/html",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".npz": "application/octet-stream",
    ".tar": "application/x-tar",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".txt": "text/plain",
    ".py": "text/plain",
}


class TransferStats:
    """Requests answered, and files and bytes sent (bodies only; a 304 sends none)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.files = 0
        self.bytes = 0
        self.paths: list[str] = []  # of the files sent, relative to the site

    def add_request(self) -> None:
        with self._lock:
            self.requests += 1

    def add(self, size: int, path: str) -> None:
        with self._lock:
            self.files += 1
            self.bytes += size
            self.paths.append(path)

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.files = 0
            self.bytes = 0
            self.paths = []


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}  # noqa: RUF012
    protocol_version = "HTTP/1.1"  # keep-alive: ~40 requests per boot, don't reconnect each time

    def __init__(self, *args, sub_path: str, stats: TransferStats, **kwargs) -> None:
        self._sub_path = sub_path
        self._stats = stats
        super().__init__(*args, **kwargs)

    def send_head(self) -> BinaryIO | None:
        self._stats.add_request()
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == self._sub_path.rstrip("/"):
            self.send_response(301)
            self.send_header("Location", self._sub_path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if not path.startswith(self._sub_path):
            self.send_error(404, f"Only {self._sub_path} is served here")
            return None
        self.path = "/" + self.path[len(self._sub_path) :]
        return super().send_head()

    def copyfile(self, source: BinaryIO, outputfile: BinaryIO) -> None:
        self._stats.add(os.fstat(source.fileno()).st_size, self.path.lstrip("/"))
        super().copyfile(source, outputfile)

    def end_headers(self) -> None:
        # Revalidate every time: a rebuilt site must never be mixed with stale cached files.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: a boot makes dozens of requests and pytest output should stay readable."""


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: tuple) -> None:
        # A browser closing a connection mid-download (a page closed, a request aborted) is
        # normal here, not worth a traceback in the test output.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SiteServer:
    """A static server for ``root`` at ``http://127.0.0.1:<free port><sub_path>``.

    Use as a context manager, or call ``start()``/``stop()``. ``url`` ends with ``/``;
    ``stats`` counts what was sent (the boot benchmark reports it).
    """

    def __init__(self, root: Path, *, sub_path: str = SUB_PATH, port: int = 0) -> None:
        if not (root / "index.html").is_file():
            raise FileNotFoundError(f"{root} has no index.html: is it a built site?")
        self.stats = TransferStats()
        handler = functools.partial(
            _Handler, directory=str(root), sub_path=sub_path, stats=self.stats
        )
        self._httpd = _QuietServer(("127.0.0.1", port), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        host, bound_port = self._httpd.server_address[:2]
        self.origin = f"http://{host}:{bound_port}"
        self.url = self.origin + sub_path

    def start(self) -> SiteServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
