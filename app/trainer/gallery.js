// The trainer's image gallery (app.trainer.widgets.Gallery): many small gray images on canvases,
// each scaled to its own min…max, with a caption under each.
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
