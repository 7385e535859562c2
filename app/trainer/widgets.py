"""Two browser-side pieces of the trainer page: a drawing pad and a gallery of small gray images.

Both are ``JSComponent``s with inline ES modules (no CDN imports).  The pad sends Python the ink
of a drawing; the gallery draws many small images on canvases in one component, which is far
cheaper for the page than one Bokeh figure per digit or filter.
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

    _esm = """
    export function render({ model }) {
      const wrap = document.createElement("div");
      wrap.className = "pad-wrap";
      const canvas = document.createElement("canvas");
      canvas.width = 280;
      canvas.height = 280;
      canvas.className = "pad";
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", "Drawing pad: draw one digit with the mouse or a finger");
      const clear = document.createElement("button");
      clear.type = "button";
      clear.textContent = "Clear drawing";
      const ctx = canvas.getContext("2d");
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.lineWidth = 20;
      ctx.strokeStyle = "#000";
      let drawing = false;
      let last = null;
      const point = (event) => {
        const r = canvas.getBoundingClientRect();
        return [(event.clientX - r.left) * canvas.width / r.width,
                (event.clientY - r.top) * canvas.height / r.height];
      };
      const send = () => {
        const n = model.grid;
        const small = document.createElement("canvas");
        small.width = n;
        small.height = n;
        const sctx = small.getContext("2d");
        sctx.drawImage(canvas, 0, 0, n, n);
        const rgba = sctx.getImageData(0, 0, n, n).data;
        const ink = new Array(n * n);
        for (let i = 0; i < n * n; i++) ink[i] = rgba[4 * i + 3];
        model.ink = ink;
      };
      canvas.addEventListener("pointerdown", (event) => {
        event.preventDefault();
        canvas.setPointerCapture(event.pointerId);
        drawing = true;
        last = point(event);
        ctx.beginPath();
        ctx.arc(last[0], last[1], ctx.lineWidth / 2, 0, 2 * Math.PI);
        ctx.fill();
      });
      canvas.addEventListener("pointermove", (event) => {
        if (!drawing) return;
        const p = point(event);
        ctx.beginPath();
        ctx.moveTo(last[0], last[1]);
        ctx.lineTo(p[0], p[1]);
        ctx.stroke();
        last = p;
      });
      const end = () => {
        if (!drawing) return;
        drawing = false;
        send();
        model.strokes += 1;
      };
      canvas.addEventListener("pointerup", end);
      canvas.addEventListener("pointercancel", end);
      clear.addEventListener("click", () => {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        send();
      });
      wrap.append(canvas, clear);
      return wrap;
    }
    """

    _stylesheets = [
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

    _esm = """
    function draw(model, root) {
      root.replaceChildren();
      root.setAttribute("aria-label", model.label);
      for (const item of model.items) {
        const figure = document.createElement("figure");
        const rows = item.pixels.length;
        const cols = rows ? item.pixels[0].length : 0;
        const canvas = document.createElement("canvas");
        canvas.width = cols;
        canvas.height = rows;
        canvas.style.width = cols * model.scale + "px";
        canvas.style.height = rows * model.scale + "px";
        canvas.setAttribute("role", "img");
        canvas.setAttribute("aria-label", item.caption);
        const flat = item.pixels.flat();
        const lo = Math.min(...flat);
        const hi = Math.max(...flat);
        const span = hi > lo ? hi - lo : 1;
        const ctx = canvas.getContext("2d");
        const data = ctx.createImageData(cols, rows);
        flat.forEach((v, i) => {
          const g = 255 - Math.round(255 * (v - lo) / span);
          data.data.set([g, g, g, 255], 4 * i);
        });
        ctx.putImageData(data, 0, 0);
        const caption = document.createElement("figcaption");
        caption.textContent = item.caption;
        figure.append(canvas, caption);
        root.append(figure);
      }
    }
    export function render({ model }) {
      const root = document.createElement("div");
      root.className = "gallery";
      root.setAttribute("role", "group");
      draw(model, root);
      model.on("items", () => draw(model, root));
      return root;
    }
    """

    _stylesheets = [
        """
        .gallery { display: flex; flex-wrap: wrap; gap: 8px; }
        .gallery figure { margin: 0; text-align: center; font-size: 12px; max-width: 120px; }
        .gallery canvas { image-rendering: pixelated; border: 1px solid #cbd5e1; display: block;
                          margin: 0 auto 2px; }
        """
    ]
