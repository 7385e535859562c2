// The trainer's image gallery (app.trainer.widgets.Gallery): sections of small gray images on
// canvases, each section a labelled group under an optional title, a caption under each image.
// Images arrive as base64 gray bytes already scaled by Python (gallery_item).
function gray(item) {
  const bytes = atob(item.gray);
  const data = new ImageData(item.width, item.height);
  for (let i = 0; i < bytes.length; i++) {
    const g = bytes.charCodeAt(i);
    data.data[4 * i] = g;
    data.data[4 * i + 1] = g;
    data.data[4 * i + 2] = g;
    data.data[4 * i + 3] = 255;
  }
  return data;
}

function figure(item, scale) {
  const canvas = document.createElement("canvas");
  canvas.width = item.width;
  canvas.height = item.height;
  canvas.style.width = item.width * scale + "px";
  canvas.style.height = item.height * scale + "px";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", item.caption);
  canvas.getContext("2d").putImageData(gray(item), 0, 0);
  const caption = document.createElement("figcaption");
  caption.textContent = item.caption;
  const out = document.createElement("figure");
  out.append(canvas, caption);
  return out;
}

function draw(model, root) {
  const parts = [];
  for (const section of model.sections) {
    if (section.title) {
      const title = document.createElement("p");
      title.className = "title";
      title.textContent = section.title;
      parts.push(title);
    }
    const group = document.createElement("div");
    group.className = "gallery";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", section.label);
    group.append(...section.items.map((item) => figure(item, section.scale)));
    parts.push(group);
  }
  root.replaceChildren(...parts);
}

export function render({ model }) {
  const root = document.createElement("div");
  draw(model, root);
  model.on("sections", () => draw(model, root));
  return root;
}
