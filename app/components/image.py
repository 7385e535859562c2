"""Grayscale pictures: drawing one, and reading one the student uploads.

``GrayImage`` draws a 2-D array as a grayscale picture (an MNIST digit, a photo, a filtered
feature map). ``ImageUpload`` lets the student pick an image file; the browser decodes it on a
canvas (the site ships no Pillow) and sends Python the grayscale pixels, shrunk so the longer
side is at most ``max_side`` — or a message when the file is not an image it can read.
"""

from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, LinearColorMapper
from bokeh.palettes import Greys256
from bokeh.plotting import figure

from app.components.messages import literal
from app.components.style import SR_ONLY


class GrayImage(pn.viewable.Viewer):
    """``GrayImage(array, title=...)``; set ``.values`` to redraw (dark = low, light = high)."""

    values = param.Array(doc="2-D array; the color scale stretches from its min to its max.")
    title = param.String(default="")
    size = param.Integer(default=260, bounds=(80, 600), doc="Width of the picture in pixels.")

    def __init__(self, values: np.ndarray, **params) -> None:
        super().__init__(values=np.asarray(values, dtype=float), **params)
        self._source = ColumnDataSource(self._data())
        # Greys256 runs from black to white: low values dark, as in the photograph itself.
        self._mapper = LinearColorMapper(palette=Greys256, **self._range())
        rows, cols = self.values.shape
        fig = figure(
            title=self.title or None,
            width=self.size,
            height=int(self.size * rows / cols) + 30,
            x_range=(0, cols),
            y_range=(rows, 0),
            toolbar_location=None,
            tools="",
        )
        # With the y axis running downwards, the image's first row lands on top.
        fig.image(
            "image", x=0, y=0, dw=cols, dh=rows, source=self._source, color_mapper=self._mapper
        )
        fig.axis.visible = False
        fig.grid.visible = False
        self._figure = fig
        self._caption = pn.pane.HTML(self._caption_html(), stylesheets=[SR_ONLY], margin=0)
        self._layout = pn.Column(self._caption, pn.pane.Bokeh(fig), width=self.size + 10)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout

    def _data(self) -> dict[str, list]:
        return {"image": [np.asarray(self.values, dtype=float)]}

    def _range(self) -> dict[str, float]:
        lo, hi = float(np.min(self.values)), float(np.max(self.values))
        return {"low": lo, "high": hi if hi > lo else lo + 1}

    def _caption_html(self) -> str:
        rows, cols = self.values.shape
        return (
            f'<p class="sr-only">{self.title}: a {rows} by {cols} grayscale picture, values '
            f"from {np.min(self.values):.3g} to {np.max(self.values):.3g}.</p>"
        )

    @param.depends("values", "title", watch=True)
    def _refresh(self) -> None:
        rows, cols = self.values.shape
        self._figure.x_range.update(start=0, end=cols)
        self._figure.y_range.update(start=rows, end=0)
        glyph = self._figure.renderers[0].glyph
        glyph.update(dw=cols, dh=rows)
        self._figure.height = int(self.size * rows / cols) + 30
        self._figure.title.text = self.title
        self._source.data = self._data()
        self._mapper.update(**self._range())
        self._caption.object = self._caption_html()


class ImageUpload(pn.reactive.ReactiveHTML):
    """A labelled file picker whose image is decoded in the browser and sent as gray pixels.

    ``decoded`` becomes ``{"name", "width", "height", "pixels"}`` (row-major 0–255 values) or
    ``{"name", "error"}`` for a file the browser cannot read as an image
    (``static/canvas-pixels.js`` does the decoding).
    """

    max_side = param.Integer(default=128, bounds=(8, 512))
    decoded = param.Dict(default={})

    _template = """
    <label id="upload_label" style="display:block">Upload your own image (PNG or JPEG)
      <input id="upload_input" type="file" accept="image/*" style="display:block;margin-top:4px"
             onchange="${script('decode')}"></input>
    </label>
    """

    _scripts = {  # noqa: RUF012 - ReactiveHTML's own class attribute
        # static/canvas-pixels.js decodes the picture; an empty file choice changes nothing.
        "decode": "const file = upload_input.files[0]; if (!file) return;"
        " cnnCanvasPixels.decodeFile(file, data.max_side).then((d) => { data.decoded = d; });",
    }


def decoded_to_array(decoded: dict) -> np.ndarray:
    """The uploaded picture as a 2-D float array; ``ValueError`` with a student-facing message."""
    name = decoded.get("name", "the file")
    if "error" in decoded:
        raise ValueError(
            f"“{literal(name)}” could not be read as an image. Please choose a PNG or JPEG picture."
        )
    try:
        width, height = int(decoded["width"]), int(decoded["height"])
        pixels = np.asarray(decoded["pixels"], dtype=float)
    except (KeyError, TypeError, ValueError):
        raise ValueError(
            f"“{literal(name)}” arrived incomplete; please try uploading it again."
        ) from None
    if pixels.size != width * height or width < 3 or height < 3:
        raise ValueError(
            f"“{literal(name)}” is too small to filter ({width}×{height}); "
            "use a picture at least 3×3."
        )
    return pixels.reshape(height, width)
