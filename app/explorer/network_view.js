// The explorer's overview: every layer's output for one image, each unit clickable.
//
// Python (app/explorer/network_view.py) sends `layers` (one entry per layer: title, kind, shape,
// parameter count, values), `selected` ([layer, ...unit] shown in the detail panel) and
// `sources` (windows of other layers to outline). A click, or Enter/Space on a focused map after
// moving its cursor with the arrow keys, outlines the unit at once and sends
// {layer, unit} to Python with model.send_msg, which explains it.

const MAP_PX = 72; // about how wide a feature map is drawn
const CELL_PX = 8; // cell size of the flattened vector
const POS = [37, 99, 235]; // positive values: blue
const NEG = [234, 88, 12]; // negative values: orange

function rgb(value, top, signed) {
  const t = Math.min(1, Math.abs(value) / (top || 1));
  const ink = signed && value < 0 ? NEG : signed ? POS : [17, 24, 39];
  return ink.map((c) => Math.round(255 + (c - 255) * t));
}

function shade(value, top, signed) {
  return `rgb(${rgb(value, top, signed).join(",")})`;
}

function fmt(value) {
  const text = value.toFixed(3);
  return text === "-0.000" ? "0.000" : text.replace("-", "\u2212");
}

// Geometry of one layer's drawing: grids of rows × cols cells of `px` pixels, one per channel.
function geometry(layer) {
  const shape = layer.shape;
  if (shape.length === 3) {
    const [channels, rows, cols] = shape;
    return { channels, rows, cols, px: Math.max(2, Math.round(MAP_PX / cols)) };
  }
  if (layer.kind === "flatten") {
    const per = layer.group || shape[0];
    return { channels: 1, rows: per, cols: shape[0] / per, px: CELL_PX, columnMajor: true };
  }
  return null; // a short vector: drawn as a list of bars
}

// The flat index of cell (channel, row, col) in the layer's values, and back.
function flatIndex(g, c, r, col) {
  if (g.columnMajor) return col * g.rows + r;
  return (c * g.rows + r) * g.cols + col;
}

function unitOf(g, c, r, col) {
  return g.columnMajor ? [flatIndex(g, c, r, col)] : [c, r, col];
}

function cellOf(g, unit) {
  if (g.columnMajor) return [0, unit[0] % g.rows, Math.floor(unit[0] / g.rows)];
  return unit;
}

export function render({ model }) {
  const root = document.createElement("div");
  root.className = "net";
  let cards = [];
  let pending = null; // a unit clicked but not yet explained by Python

  function pick(layerIndex, unit) {
    pending = [layerIndex, ...unit];
    schedule();
    model.send_msg({ layer: layerIndex, unit });
  }

  function build() {
    root.replaceChildren();
    cards = model.layers.map((layer, index) => {
      const card = document.createElement("section");
      card.className = `layer layer-${layer.kind}`;
      card.setAttribute("aria-label", `${layer.title}, output ${layer.shape.join("×")}`);
      const head = document.createElement("div");
      head.className = "head";
      const name = document.createElement("strong");
      name.textContent = layer.title;
      const facts = document.createElement("span");
      facts.textContent = `${layer.shape.join("×")}` + (layer.params ? ` · ${layer.params.toLocaleString("en")} params` : "");
      head.append(name, facts);
      card.append(head);
      const g = geometry(layer);
      const entry = { layer, g, maps: [], bars: [] };
      if (g) {
        const box = document.createElement("div");
        box.className = "maps";
        for (let c = 0; c < g.channels; c++) entry.maps.push(makeMap(index, layer, g, c, box));
        card.append(box);
      } else {
        const list = document.createElement("div");
        list.className = "bars";
        layer.values.forEach((value, k) => {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "bar";
          // The name is the visible text (digit and value), after a hidden layer name.
          button.innerHTML =
            `<span class="sr-only">${layer.title}, digit </span><span class="digit">${k}</span>` +
            `<span class="track"><span class="fill"></span></span><span class="num"></span>`;
          button.addEventListener("click", () => pick(index, [k]));
          list.append(button);
          entry.bars.push(button);
        });
        card.append(list);
      }
      root.append(card);
      if (g) bake(entry);
      return entry;
    });
    paint();
  }

  function makeMap(index, layer, g, c, box) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "map";
    const canvas = document.createElement("canvas");
    canvas.width = g.cols * g.px;
    canvas.height = g.rows * g.px;
    button.append(canvas);
    box.append(button);
    const map = { button, canvas, channel: c, cursor: [0, 0] };
    const label = () => {
      const [r, col] = map.cursor;
      const what = g.columnMajor ? `element ${flatIndex(g, c, r, col)}` : `row ${r + 1}, column ${col + 1}`;
      const channel = g.channels > 1 ? `, channel ${c + 1} of ${g.channels}` : "";
      button.setAttribute("aria-label", `${layer.title}${channel}: ${what}. Arrow keys move, Enter explains it.`);
    };
    label();
    button.addEventListener("click", (event) => {
      if (event.detail === 0) return; // Enter/Space on the button: handled by keydown
      const rect = canvas.getBoundingClientRect();
      const col = Math.floor(((event.clientX - rect.left) / rect.width) * g.cols);
      const r = Math.floor(((event.clientY - rect.top) / rect.height) * g.rows);
      if (r < 0 || r >= g.rows || col < 0 || col >= g.cols) return;
      map.cursor = [r, col];
      label();
      pick(index, unitOf(g, c, r, col));
    });
    button.addEventListener("keydown", (event) => {
      const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      if (moves[event.key]) {
        event.preventDefault();
        const [dr, dc] = moves[event.key];
        map.cursor = [
          Math.min(g.rows - 1, Math.max(0, map.cursor[0] + dr)),
          Math.min(g.cols - 1, Math.max(0, map.cursor[1] + dc)),
        ];
        label();
        schedule();
      } else if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        pick(index, unitOf(g, c, ...map.cursor));
      }
    });
    button.addEventListener("focus", schedule);
    button.addEventListener("blur", schedule);
    return map;
  }

  // Each map's colours at one pixel per cell, made once per image; a paint scales it up.
  function bake(entry) {
    const { layer, g } = entry;
    for (const map of entry.maps) {
      const small = document.createElement("canvas");
      small.width = g.cols;
      small.height = g.rows;
      const ctx = small.getContext("2d");
      const image = ctx.createImageData(g.cols, g.rows);
      for (let r = 0; r < g.rows; r++) {
        for (let col = 0; col < g.cols; col++) {
          const value = layer.values[flatIndex(g, map.channel, r, col)];
          image.data.set([...rgb(value, layer.top, layer.signed), 255], 4 * (r * g.cols + col));
        }
      }
      ctx.putImageData(image, 0, 0);
      map.baked = small;
    }
  }

  // Several changes in one frame (a click, then Python's answer) cost one paint.
  let frame = 0;
  function schedule() {
    if (!frame) frame = requestAnimationFrame(() => { frame = 0; paint(); });
  }

  function outlines(index) {
    const boxes = [];
    const chosen = pending || model.selected;
    if (chosen && chosen[0] === index) boxes.push({ unit: chosen.slice(1), color: "#dc2626", width: 3 });
    if (!pending) {
      for (const s of model.sources) {
        if (s.layer === index) boxes.push({ window: s, color: "#dc2626", width: 2 });
      }
    }
    return boxes;
  }

  function paint() {
    cards.forEach((entry, index) => {
      const { layer, g } = entry;
      const top = layer.top;
      const boxes = outlines(index);
      if (!g) {
        entry.bars.forEach((button, k) => {
          const value = layer.values[k];
          const width = Math.round(100 * Math.min(1, Math.abs(value) / (top || 1)));
          const color = shade(value, top, layer.signed);
          const chosen = boxes.some((b) => (b.unit ? b.unit[0] === k : b.window.top === k));
          button.classList.toggle("chosen", chosen);
          const fill = button.querySelector(".fill");
          fill.style.width = `${width}%`;
          fill.style.background = color;
          button.querySelector(".num").textContent = fmt(value);
        });
        return;
      }
      for (const map of entry.maps) {
        const ctx = map.canvas.getContext("2d");
        const { rows, cols, px } = g;
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(map.baked, 0, 0, cols * px, rows * px);
        const rect = (r, col, h, w, color, width) => {
          const r0 = Math.max(0, r);
          const c0 = Math.max(0, col);
          const r1 = Math.min(rows, r + h);
          const c1 = Math.min(cols, col + w);
          if (r1 <= r0 || c1 <= c0) return;
          ctx.strokeStyle = color;
          ctx.lineWidth = width;
          ctx.strokeRect(c0 * px + width / 2, r0 * px + width / 2, (c1 - c0) * px - width, (r1 - r0) * px - width);
        };
        for (const b of boxes) {
          if (b.unit) {
            const [c, r, col] = cellOf(g, b.unit);
            if (c === map.channel) rect(r, col, 1, 1, b.color, Math.min(b.width, px / 2));
          } else if (g.columnMajor) {
            const [, r, col] = cellOf(g, [b.window.top]);
            rect(r, col, 1, 1, b.color, Math.min(b.width, px / 2));
          } else if (b.window.channels.includes(map.channel)) {
            rect(b.window.top, b.window.left, b.window.height, b.window.width, b.color, b.width);
          }
        }
        if (map.button.matches(":focus")) {
          const [r, col] = map.cursor;
          rect(r, col, 1, 1, "#111827", Math.min(2, px / 2));
        }
      }
    });
  }

  // A new image keeps the layers' shapes: repaint in place so keyboard focus stays put.
  function update() {
    const same =
      cards.length === model.layers.length &&
      cards.every((entry, i) => entry.layer.title === model.layers[i].title &&
        entry.layer.shape.join() === model.layers[i].shape.join());
    if (!same) return build();
    cards.forEach((entry, i) => {
      entry.layer = model.layers[i];
      if (entry.g) bake(entry);
    });
    schedule();
  }

  build();
  model.on("layers", update);
  model.on(["selected", "sources"], () => {
    pending = null;
    schedule();
  });
  return root;
}
