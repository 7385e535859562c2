"""Two browser-side pieces of the trainer page: a drawing pad and a gallery of small gray images.

Both are ``JSComponent``s whose ES modules are the .js files beside this one (no CDN imports).
The pad sends Python the ink of a drawing; the gallery draws many small images on canvases in one
component, which is far cheaper for the page than one Bokeh figure per digit or filter.
"""

from __future__ import annotations

import base64

import numpy as np
import panel as pn
import param

#: Side of the pixel grid the pad sends to Python (the canvas is drawn larger, then shrunk).
PAD_GRID = 56
#: Screen pixels per image pixel that a gallery section may use.
SCALES = (1, 12)


class DrawingPad(pn.custom.JSComponent):
    """Draw with the mouse, a pen or a finger; ``ink`` is a PAD_GRID² list of 0–255 values.

    ``ink`` is sent when a stroke ends; ``Clear`` empties the pad and sends an all-zero ``ink``.
    ``strokes`` counts finished strokes so Python can tell a new drawing from a repeated one.
    """

    ink = param.List(default=[], doc="Row-major PAD_GRID×PAD_GRID ink values, 0 = paper.")
    strokes = param.Integer(default=0)
    grid = param.Integer(default=PAD_GRID, constant=True)

    _esm = "drawing_pad.js"  # next to this file

    _stylesheets = [  # noqa: RUF012 - Panel reads it from the class
        """
        /* Paper in both colour schemes: the ink is black, as MNIST's digits are dark on light. */
        .pad { border: 2px solid var(--line-strong); border-radius: 8px; background: #fff;
               touch-action: none; width: 100%; max-width: 280px; aspect-ratio: 1;
               cursor: crosshair; display: block; }
        .pad-wrap button { margin-top: 6px; padding: 6px 12px; font-size: 14px; }
        .pad-wrap button:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
        """
    ]

    def pixels(self) -> np.ndarray:
        """The drawing as a (grid, grid) float array, 1 = full ink."""
        if len(self.ink) != self.grid * self.grid:
            return np.zeros((self.grid, self.grid))
        return np.asarray(self.ink, dtype=float).reshape(self.grid, self.grid) / 255.0


def gallery_item(pixels: object, caption: str) -> dict:
    """One gallery image: ``pixels`` (a 2-D array or nested list) scaled to its own min…max,
    dark = high, as base64 gray bytes, which cross to the browser far cheaper than nested lists
    of floats (filters and feature maps have arbitrary ranges, so each image gets its own)."""
    values = np.atleast_2d(np.asarray(pixels, dtype=np.float64))
    low, high = float(values.min()), float(values.max())
    span = high - low if high > low else 1.0
    gray = np.rint(255 - 255 * (values - low) / span).astype(np.uint8)
    return {
        "gray": base64.b64encode(gray.tobytes()).decode("ascii"),
        "width": int(values.shape[1]),
        "height": int(values.shape[0]),
        "caption": caption,
    }


def gallery_section(label: str, items: list[dict], scale: int, title: str = "") -> dict:
    """A labelled group of ``gallery_item``s drawn ``scale`` screen pixels per image pixel,
    under an optional visible ``title``."""
    scale = int(np.clip(scale, *SCALES))
    return {"label": label, "title": title, "scale": scale, "items": items}


class Gallery(pn.custom.JSComponent):
    """Sections of small gray images with a caption under each (see ``gallery_section``).

    All sections arrive in one change and are drawn by one component: a feature-map view of
    ten layers is one update of one model, not twenty new Bokeh models.
    """

    sections = param.List(default=[], doc="gallery_section dicts, drawn in order.")

    _esm = "gallery.js"  # next to this file

    _stylesheets = [  # noqa: RUF012 - Panel reads it from the class
        """
        .title { margin: 4px 5px 0; font-size: 14px; }
        .gallery { display: flex; flex-wrap: wrap; gap: 8px; }
        .gallery figure { margin: 0; text-align: center; font-size: 12px; max-width: 120px; }
        .gallery canvas { image-rendering: pixelated; border: 1px solid var(--line); display: block;
                          margin: 0 auto 2px; }
        """
    ]
