"""Two browser-side pieces of the trainer page: a drawing pad and a gallery of small gray images.

Both are ``JSComponent``s whose ES modules are the .js files beside this one (no CDN imports).
The pad sends Python the ink of a drawing; the gallery draws many small images on canvases in one
component, which is far cheaper for the page than one Bokeh figure per digit or filter.
"""

from __future__ import annotations

import numpy as np
import panel as pn
import param

#: Side of the pixel grid the pad sends to Python (the canvas is drawn larger, then shrunk).
PAD_GRID = 56


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
        .pad { border: 2px solid #334155; border-radius: 8px; background: #fff;
               touch-action: none; width: 100%; max-width: 280px; aspect-ratio: 1;
               cursor: crosshair; display: block; }
        .pad-wrap button { margin-top: 6px; padding: 6px 12px; font-size: 14px; }
        .pad-wrap button:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
        """
    ]

    def pixels(self) -> np.ndarray:
        """The drawing as a (grid, grid) float array, 1 = full ink."""
        if len(self.ink) != self.grid * self.grid:
            return np.zeros((self.grid, self.grid))
        return np.asarray(self.ink, dtype=float).reshape(self.grid, self.grid) / 255.0


class Gallery(pn.custom.JSComponent):
    """Small gray images with a caption under each.

    ``items`` is a list of ``{"pixels": 2-D list, "caption": str}``.  Each image is scaled to its
    own min…max (dark = low) because filters and feature maps have arbitrary ranges.
    """

    items = param.List(default=[])
    scale = param.Integer(default=3, bounds=(1, 12), doc="Screen pixels per image pixel.")
    label = param.String(default="Images")

    _esm = "gallery.js"  # next to this file

    _stylesheets = [  # noqa: RUF012 - Panel reads it from the class
        """
        .gallery { display: flex; flex-wrap: wrap; gap: 8px; }
        .gallery figure { margin: 0; text-align: center; font-size: 12px; max-width: 120px; }
        .gallery canvas { image-rendering: pixelated; border: 1px solid #cbd5e1; display: block;
                          margin: 0 auto 2px; }
        """
    ]
