"""A local static server for the built site (``python build.py serve``)."""

from __future__ import annotations

import contextlib
import functools
import http.server
from pathlib import Path


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the MIME types the site needs and no HTTP caching."""

    extensions_map = {  # noqa: RUF012 - the stdlib's own class attribute, extended
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

    def log_message(self, format: str, *args: object) -> None:
        """Silent: a request log would bury the build's own output."""


def serve(site: Path, port: int, host: str = "127.0.0.1") -> None:
    """Serve ``site`` until Ctrl+C."""
    handler = functools.partial(SiteHandler, directory=str(site))
    with http.server.ThreadingHTTPServer((host, port), handler) as server:
        print(f"Serving {site} at http://{host}:{server.server_address[1]}/  (Ctrl+C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
