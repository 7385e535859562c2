"""The course map's "Your progress" area: download a progress file, import one (merged, with a
summary of what changed, or refused with the reason), a printable completion page, and a reset
that asks first.

The rules live in :mod:`app.progress_file` and :mod:`app.components.completion_sheet`; this file
only wires widgets to them. Every message goes through :mod:`app.components.messages`, so nothing
read from a file or typed by the student is rendered as HTML.
"""

from __future__ import annotations

import io

import panel as pn

from app import catalog, progress, progress_file
from app.components.completion_sheet import STYLE as SHEET_STYLE
from app.components.completion_sheet import readable_time, sheet_html
from app.components.messages import literal, markdown_with_math
from app.components.style import FEEDBACK, WRAPPING_BUTTON, WRAPPING_LABEL

#: On paper only the completion sheet is printed; the controls around it are hidden.
PRINT_STYLE = """
@media print { .no-print { display: none !important; } }
"""

TEXT_STYLE = """
:host { font-size: 15px; line-height: 1.5; color: var(--text); max-width: 100%; }
h2 { margin: 0.6em 0 0.2em; font-size: 1.3em; }
h3 { margin: 0.5em 0 0.1em; font-size: 1.1em; }
p { margin: 0.3em 0; }
"""

RESET_WARNING = (
    "**Reset all progress in this browser?** Every completed lesson and exercise and all the code "
    "you wrote in the code exercises will be forgotten; the code exercises show their starter "
    "code again. Download a progress file first if you may want it back."
)


def _feedback(kind: str, lines: list[str]) -> str:
    body = "".join(markdown_with_math(literal(line, limit=600)) for line in lines)
    return f'<div class="feedback {kind}" role="status" aria-live="polite">{body}</div>'


def _overview(data: dict[str, dict]) -> str:
    lessons = [info for info in catalog.LESSONS if info.slug != catalog.DEFAULT_SLUG]
    done = sum(1 for info in lessons if data.get(info.slug, {}).get("done"))
    solved = sum(len(entry["solved"]) for entry in data.values())
    return (
        "## Your progress\n\n"
        f"You have completed **{done} of {len(lessons)} lessons** and solved **{solved} "
        f"{'exercise' if solved == 1 else 'exercises'}** in this browser. Download your progress "
        "as a file to hand it in or to carry on in another browser, where you import it: "
        "it is merged with what is there, never overwriting it."
    )


class ProgressPanel(pn.viewable.Viewer):
    """The progress area (the course map's interactive part, ``app.lessons.home``)."""

    def __init__(self, **params) -> None:
        super().__init__(**params)
        widget_style = [WRAPPING_BUTTON, WRAPPING_LABEL]
        self.overview = pn.pane.Markdown(
            "", stylesheets=[TEXT_STYLE], sizing_mode="stretch_width", css_classes=["no-print"]
        )
        self.download = pn.widgets.FileDownload(
            callback=self._file,
            filename="cnn-classroom-progress.json",
            label="Download progress file",
            width=230,
            stylesheets=widget_style,
        )
        self.upload = pn.widgets.FileInput(
            accept=".json,application/json",
            label="Import a progress file",
            width=300,
            stylesheets=widget_style,
        )
        self.upload.param.watch(self._on_upload, "value")
        self.message = pn.pane.HTML(
            _feedback("", []),
            stylesheets=[FEEDBACK],
            sizing_mode="stretch_width",
            css_classes=["no-print", "progress-message"],
        )
        self.student_name = pn.widgets.TextInput(
            label="Your name, as it should appear on the completion page",
            placeholder="e.g. Ada Lovelace",
            max_length=200,
            max_width=340,
            sizing_mode="stretch_width",
            stylesheets=widget_style,
        )
        print_button = pn.widgets.Button(label="Print completion page", width=220)
        print_button.on_click(lambda _: self.print_page())
        self.sheet = pn.pane.HTML(
            "", stylesheets=[SHEET_STYLE], sizing_mode="stretch_width", css_classes=["sheet-pane"]
        )
        self.student_name.param.watch(lambda _: self.refresh(), "value_input")
        reset = pn.widgets.Button(label="Reset progress…", width=180, stylesheets=widget_style)
        reset.on_click(lambda _: self.ask_reset())
        confirm = pn.widgets.Button(
            label="Yes, reset my progress", width=220, stylesheets=widget_style
        )
        confirm.on_click(lambda _: self.reset())
        cancel = pn.widgets.Button(label="Cancel", width=100)
        cancel.on_click(lambda _: self.cancel_reset())
        # The two boxes shown on request get their contents then: fewer models to render with the
        # course map, the page most visits start on.
        self._confirm_parts = [
            pn.pane.Markdown(RESET_WARNING, stylesheets=[TEXT_STYLE], sizing_mode="stretch_width"),
            pn.FlexBox(confirm, cancel, gap="8px"),
        ]
        self.confirm_box = pn.Column(
            visible=False,
            css_classes=["no-print", "reset-confirm"],
            styles={"border": "2px solid #b91c1c", "border-radius": "8px", "padding": "4px 8px"},
            sizing_mode="stretch_width",
        )
        show_sheet = pn.widgets.Button(label="Make a completion page…", width=230)
        show_sheet.on_click(lambda _: self.show_sheet())
        self._sheet_parts = [
            pn.pane.Markdown(
                "Type your name, then print (or save as PDF): only the record below is printed, "
                "on one page.",
                stylesheets=[TEXT_STYLE],
                sizing_mode="stretch_width",
                css_classes=["no-print"],
            ),
            pn.FlexBox(
                self.student_name,
                print_button,
                gap="12px",
                align_items="flex-end",
                css_classes=["no-print"],
            ),
            self.sheet,
        ]
        self.sheet_box = pn.Column(
            visible=False,
            stylesheets=[PRINT_STYLE],
            sizing_mode="stretch_width",
        )
        self._layout = pn.Column(
            self.overview,
            pn.FlexBox(self.download, self.upload, gap="12px", css_classes=["no-print"]),
            self.message,
            pn.pane.Markdown(
                "### Completion page", stylesheets=[TEXT_STYLE], css_classes=["no-print"]
            ),
            pn.Row(show_sheet, css_classes=["no-print"]),
            self.sheet_box,
            pn.pane.Markdown("### Start again", stylesheets=[TEXT_STYLE], css_classes=["no-print"]),
            pn.Row(reset, css_classes=["no-print"]),
            self.confirm_box,
            css_classes=["progress-panel"],
            stylesheets=[PRINT_STYLE],
            sizing_mode="stretch_width",
        )
        self.refresh()

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout

    # -- behaviour -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Redraw the counts and the completion sheet from the stored progress."""
        data = progress.load()
        self.overview.object = _overview(data)
        today = readable_time(progress.now()).split(",")[0]
        self.sheet.object = sheet_html(
            self.student_name.value_input or "", data, today, progress_file.site_version()
        )

    def _file(self) -> io.StringIO:
        name, text = progress_file.download()
        self.download.filename = name
        return io.StringIO(text)

    def import_bytes(self, raw: bytes) -> None:
        """Import a progress file and say what changed, or why it was refused."""
        try:
            lines = progress_file.import_file(raw)
        except progress_file.RefusedFile as refusal:
            self.message.object = _feedback("wrong", [str(refusal)])
            return
        self.message.object = _feedback("correct", ["Progress imported.", *lines])
        self.refresh()

    def _on_upload(self, event: object) -> None:
        raw = self.upload.value
        if isinstance(raw, bytes):
            self.import_bytes(raw)

    def print_page(self) -> None:
        """Open the browser's print dialog (the print stylesheet keeps only the sheet)."""
        import js  # only in the browser, where the button is

        js.window.print()

    def show_sheet(self) -> None:
        self.refresh()
        if not self.sheet_box.objects:
            self.sheet_box.objects = self._sheet_parts
        self.sheet_box.visible = True

    def ask_reset(self) -> None:
        if not self.confirm_box.objects:
            self.confirm_box.objects = self._confirm_parts
        self.confirm_box.visible = True

    def cancel_reset(self) -> None:
        self.confirm_box.visible = False
        self.message.object = _feedback("info", ["Reset cancelled: your progress is unchanged."])

    def reset(self) -> None:
        """Forget all progress and code (after the student confirmed)."""
        progress_file.reset()
        self.confirm_box.visible = False
        self.message.object = _feedback(
            "info",
            [
                "Your progress was reset: no lesson is completed, and the code exercises show "
                "their starter code again."
            ],
        )
        self.refresh()
