"""The page's line to the trainer's worker.

In the browser (Pyodide) :class:`WorkerLink` starts ``trainer-worker.js`` and passes messages both
ways.  Natively (``panel serve`` during development, and the native tests of the page logic)
:class:`LocalLink` runs the same :class:`~app.trainer.driver.Driver` in-process, one slice per
periodic callback, so the UI code is exercised identically.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import panel as pn

from app.trainer import protocol
from app.trainer.driver import Driver
from engine.data import load_mnist

OnMessage = Callable[[dict], None]
IN_BROWSER = sys.platform == "emscripten"


class Link(Protocol):
    def send(self, message: dict) -> None: ...

    def download(self, data: bytes, filename: str) -> None: ...


def coalesce(pending: dict | None, progress: dict) -> dict:
    """The progress message to draw instead of ``pending`` and ``progress``: the newer one,
    carrying the loss samples of both (each sample is a point of the loss curve)."""
    if pending is None:
        return progress
    losses = (pending.get("losses") or []) + (progress.get("losses") or [])
    return {**progress, "losses": losses}


class WorkerLink:
    """A Web Worker running ``trainer-worker.js`` (relative URL: works under any sub-path)."""

    def __init__(self, on_message: OnMessage, url: str = "trainer-worker.js") -> None:
        import js
        from pyodide.ffi import create_proxy

        self._on_message = on_message
        self._listener = create_proxy(self._receive)
        self._flush_proxy = create_proxy(self._flush)
        self._progress: dict | None = None
        self._worker = js.Worker.new(url)
        self._worker.addEventListener("message", self._listener)

    def _receive(self, event: object) -> None:
        """Progress is coalesced: when the page is busy, only the newest one gets drawn (with
        the loss samples of those it replaces)."""
        import js

        message = event.data.to_py()
        if message.get("type") == "progress":
            if self._progress is None:
                js.setTimeout(self._flush_proxy, 0)
            self._progress = coalesce(self._progress, message)
            return
        self._flush()
        self._on_message(message)

    def _flush(self) -> None:
        progress, self._progress = self._progress, None
        if progress is not None:
            self._on_message(progress)

    def send(self, message: dict) -> None:
        import js
        from pyodide.ffi import to_js

        payload = to_js(message, dict_converter=js.Object.fromEntries)
        self._worker.postMessage(payload)

    def download(self, data: bytes, filename: str) -> None:
        """Save ``data`` as a file through a temporary object URL (no server involved)."""
        import js
        from pyodide.ffi import create_once_callable, to_js

        blob = js.Blob.new(
            [to_js(data)],
            to_js({"type": "application/octet-stream"}, dict_converter=js.Object.fromEntries),
        )
        url = js.URL.createObjectURL(blob)
        anchor = js.document.createElement("a")
        anchor.href = url
        anchor.download = filename
        js.document.body.appendChild(anchor)
        anchor.click()
        anchor.remove()
        js.setTimeout(create_once_callable(lambda: js.URL.revokeObjectURL(url)), 1000)


class LocalLink:
    """The driver in this process; replies are delivered like the worker's, asynchronously."""

    def __init__(
        self,
        on_message: OnMessage,
        driver: Driver,
        period_ms: int = 20,
        auto: bool = True,
        slice_seconds: float = 0.1,
    ) -> None:
        """``auto=False`` leaves calling :meth:`tick` to the caller (tests without a server)."""
        self.driver = driver
        self._on_message = on_message
        self.downloads: list[tuple[str, bytes]] = []
        self._period_ms = period_ms
        self._auto = auto
        self._slice_seconds = slice_seconds
        self._callback = None

    def send(self, message: dict) -> None:
        self._deliver(self.driver.handle(message))
        if self._auto and self.driver.busy and self._callback is None:
            self._callback = pn.state.add_periodic_callback(self.tick, period=self._period_ms)

    def tick(self) -> None:
        """One slice of work (also called directly by tests, which have no event loop)."""
        self._deliver(self.driver.run_slice(self._slice_seconds))
        if not self.driver.busy and self._callback is not None:
            self._callback.stop()
            self._callback = None

    def _deliver(self, messages: list[dict]) -> None:
        for message in messages:
            self._on_message(message)

    def download(self, data: bytes, filename: str) -> None:
        self.downloads.append((filename, data))


class FailedLink:
    """Stands in when no worker can run: every request is answered by the reason."""

    def __init__(self, on_message: OnMessage, reason: str) -> None:
        self.reason = reason
        on_message({"type": "boot-failed", "message": reason})  # unversioned, as the worker's

    def send(self, message: dict) -> None:
        pass

    def download(self, data: bytes, filename: str) -> None:
        pass


def default_link(on_message: OnMessage) -> Link:
    """The worker in the browser; natively the driver in-process on the built site's MNIST."""
    if IN_BROWSER:
        return WorkerLink(on_message)
    path = Path(os.environ.get("CNN_CLASSROOM_MNIST", "site/data/mnist.npz"))
    if not path.is_file():
        return FailedLink(on_message, f"MNIST not found at {path} (run python build.py first)")
    link = LocalLink(on_message, Driver(load_mnist(path)))
    on_message(protocol.reply("ready", restoring=False))
    return link
