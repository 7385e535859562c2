// The trainer's drawing pad (app.trainer.widgets.DrawingPad): strokes on a canvas, sent to Python
// as a grid of ink values when a stroke ends.
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
    // The drawing scaled to grid × grid; its opacity is the ink (static/canvas-pixels.js).
    const pixels = globalThis.cnnCanvasPixels;
    model.ink = pixels.alpha(pixels.rgba(canvas, model.grid, model.grid));
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
