"""The model-keeping part of the trainer page: export (.npz, PyTorch script) and import."""

from __future__ import annotations

import html
from collections.abc import Callable

import panel as pn

from app.components.layout import row
from app.trainer.status import html_pane, message_html


class KeepView:
    """Buttons and status for keeping a model: ``export()`` and ``load(bytes)`` ask the worker."""

    def __init__(
        self,
        export: Callable[[], None],
        export_script: Callable[[], None],
        load: Callable[[bytes], None],
    ) -> None:
        self._load = load
        self.export_button = pn.widgets.Button(
            label="Export model (.npz)", disabled=True, width=190
        )
        self.export_button.on_click(lambda _e: export())
        self.script_button = pn.widgets.Button(
            label="Export as PyTorch script (.py)", disabled=True, width=250
        )
        self.script_button.on_click(lambda _e: export_script())
        self.import_input = pn.widgets.FileInput(
            accept=".npz", label="Import a model (.npz)", width=280
        )
        # The browser sends the file's bytes and its name as two changes, in either order:
        # watching both keeps the status naming the file actually imported.
        self.import_input.param.watch(self._on_file, ["value", "filename"])
        self.importing = False
        self.text = html_pane(
            message_html(
                "Your last trained model is kept in this browser and restored when you come back. "
                "The PyTorch script rebuilds the same network in torch.nn and loads the weights "
                "from the exported .npz, to run it outside this site."
            )
        )
        self.memory = html_pane()
        self.view = pn.Column(
            self.text,
            row(self.export_button, self.script_button, self.import_input),
            self.memory,
            sizing_mode="stretch_width",
        )

    @property
    def filename(self) -> str:
        return html.escape(self.import_input.filename or "the file")

    def _on_file(self, event: object) -> None:
        if getattr(event, "name", "") == "filename":
            if self.importing:
                self.say(f"Importing {self.filename}…")
            return
        data = self.import_input.value
        if not data:
            return
        self.importing = True
        self.say(f"Importing {self.filename}…")
        self._load(bytes(data))

    def say(self, text: str, kind: str = "info", role: str = "status") -> None:
        self.text.object = message_html(text, kind, role)
