// TF.js side of benchmarks/tfjs_race.py: trains the ConvNetJS MNIST net with TF.js's WebAssembly
// backend on the site's own MNIST archive (data/mnist.npz, fetched from the same server).
// The page exposes two functions the driver calls with page.evaluate:
//   tfjsRaceSetup(settings) -> what backend and WebAssembly flavour TF.js runs on
//   tfjsRaceEpoch(settings) -> one training run's clocks and test accuracy
// The clocks mirror the trainer's: the training clock adds up each batch's step (pixels
// normalized as engine.data.normalize does, forward, loss, backward, Adam), the wall clock is
// the whole epoch loop; test accuracy is scored afterwards, off both clocks.
"use strict";

const MNIST_MEAN = 0.1307; // engine.data.MNIST_MEAN
const MNIST_STD = 0.3081; // engine.data.MNIST_STD
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const CLASSES = 10;

let mnist = null;

// ---------------------------------------------------------------- the .npz archive
// np.savez_compressed writes a zip of .npy files, each deflated; the browser inflates them.

function zipEntries(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error("mnist.npz is not a zip archive");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true); // the central directory
  const entries = {};
  for (let i = 0; i < count; i += 1) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error("damaged zip directory");
    const method = view.getUint16(at + 10, true);
    const compressed = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    if (compressed === 0xffffffff || local === 0xffffffff) {
      throw new Error(`${name}: zip64 sizes are not read here`);
    }
    const dataStart =
      local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    entries[name] = { method, data: bytes.subarray(dataStart, dataStart + compressed) };
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

async function inflate(entry) {
  if (entry.method === 0) return entry.data;
  if (entry.method !== 8) throw new Error(`zip method ${entry.method} is not deflate`);
  const stream = new Blob([entry.data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// An .npy array of uint8: its shape and its bytes.
function readNpy(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  if (!header.includes("'|u1'")) throw new Error(`not a uint8 array: ${header}`);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(",").filter((s) => s.trim());
  return { shape: shape.map(Number), data: bytes.subarray(start + headerLength) };
}

async function loadMnist(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const entries = zipEntries(new Uint8Array(await response.arrayBuffer()));
  const out = {};
  for (const key of ["x_train", "y_train", "x_test", "y_test"]) {
    out[key] = readNpy(await inflate(entries[`${key}.npy`])).data;
  }
  return out;
}

// ---------------------------------------------------------------- the net and its training

// The trainer's "convnetjs" preset (engine.recipes), in TF.js layers: conv 5×5×8 pad 2 → ReLU →
// max-pool 2 → conv 5×5×16 pad 2 → ReLU → max-pool 3 → dense 10 (softmax in the loss).
function convnetjs() {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [SIDE, SIDE, 1],
        filters: 8,
        kernelSize: 5,
        padding: "same",
        activation: "relu",
      }),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: "same", activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 3, strides: 3 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: CLASSES, activation: "softmax" }),
    ],
  });
}

// TF.js 4.22's wasm backend has no Conv2DBackpropFilter kernel (training a conv layer fails with
// "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'"), and its
// Conv3DBackpropFilterV2 kernel, used with depth 1, took ~0.8 s per batch here. So the filter
// gradient is computed as the convolution it is, by the backend's own (XNNPACK) Conv2D kernel:
// dW[i, j, c, f] = Σ_{n, y, x} x[n, y + i − top, x + j − left, c] · dy[n, y, x, f], i.e. the
// input seen as C images of N channels, convolved with dy seen as an OH×OW filter from N to F.
function registerConv2DBackpropFilter() {
  const kernel = (name) => tf.getKernel(name, "wasm").kernelFunc;
  const [conv2d, transpose] = [kernel("Conv2D"), kernel("Transpose")];
  tf.registerKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs;
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
      const info = tf.backend_util.computeConv2DInfo(
        x.shape, filterShape, strides, 1, pad, dimRoundingMode
      );
      if (dataFormat !== "NHWC" || info.strideHeight !== 1 || info.strideWidth !== 1) {
        throw new Error("only NHWC stride-1 convolutions are raced");
      }
      const { top, bottom, left, right } = info.padInfo;
      const images = transpose({ inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } });
      const filter = transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } });
      const sums = conv2d({
        inputs: { x: images, filter },
        backend,
        attrs: {
          strides: 1,
          pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
          dataFormat: "NHWC",
          dilations: 1,
        },
      });
      const dw = transpose({ inputs: { x: sums }, backend, attrs: { perm: [1, 2, 0, 3] } });
      for (const t of [images, filter, sums]) backend.disposeData(t.dataId);
      return dw;
    },
  });
}

// A seeded shuffle (mulberry32), so every run sees its own but reproducible order.
function permutation(n, seed) {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

// Images order[from, to) as normalized float pixels (engine.data.normalize) and one-hot labels.
function batch(x, y, order, from, to) {
  const size = to - from;
  const pixels = new Float32Array(size * PIXELS);
  const labels = new Int32Array(size);
  const scale = 1 / (255 * MNIST_STD);
  const shift = MNIST_MEAN / MNIST_STD;
  for (let i = 0; i < size; i += 1) {
    const image = order[from + i];
    const source = x.subarray(image * PIXELS, (image + 1) * PIXELS);
    for (let p = 0; p < PIXELS; p += 1) pixels[i * PIXELS + p] = source[p] * scale - shift;
    labels[i] = y[image];
  }
  return tf.tidy(() => [
    tf.tensor4d(pixels, [size, SIDE, SIDE, 1]),
    tf.cast(tf.oneHot(tf.tensor1d(labels, "int32"), CLASSES), "float32"),
  ]);
}

function testAccuracy(model) {
  const count = mnist.y_test.length;
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  let correct = 0;
  for (let from = 0; from < count; from += 1000) {
    const to = Math.min(from + 1000, count);
    const [xs, ys] = batch(mnist.x_test, mnist.y_test, order, from, to);
    correct += tf.tidy(() =>
      tf.sum(tf.equal(tf.argMax(model.predict(xs), -1), tf.argMax(ys, -1))).dataSync()[0]
    );
    tf.dispose([xs, ys]);
  }
  return correct / count;
}

// ---------------------------------------------------------------- what the driver calls

window.tfjsRaceSetup = async ({ mnistUrl, wasmPath }) => {
  tf.wasm.setWasmPaths(wasmPath);
  if (!(await tf.setBackend("wasm"))) throw new Error("TF.js could not start its wasm backend");
  await tf.ready();
  registerConv2DBackpropFilter();
  mnist = await loadMnist(mnistUrl);
  return {
    versions: { core: tf.version_core, layers: tf.version_layers, wasm: tf.wasm.version_wasm },
    backend: tf.getBackend(),
    simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"),
    threads: await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"),
    crossOriginIsolated: self.crossOriginIsolated,
    trainImages: mnist.y_train.length,
    testImages: mnist.y_test.length,
  };
};

window.tfjsRaceEpoch = async ({ trainSize, batchSize, lr, seed }) => {
  const model = convnetjs();
  model.compile({ optimizer: tf.train.adam(lr), loss: "categoricalCrossentropy" });
  const order = permutation(trainSize, seed);
  let trainMs = 0;
  let loss = NaN;
  const wallStart = performance.now();
  for (let from = 0; from < trainSize; from += batchSize) {
    const start = performance.now();
    const [xs, ys] = batch(mnist.x_train, mnist.y_train, order, from, Math.min(from + batchSize, trainSize));
    loss = await model.trainOnBatch(xs, ys); // reads the loss back: the step has run
    tf.dispose([xs, ys]);
    trainMs += performance.now() - start;
  }
  const wallMs = performance.now() - wallStart;
  const accuracy = testAccuracy(model);
  model.dispose();
  return {
    trainingClockS: trainMs / 1000,
    epochWallS: wallMs / 1000,
    images: trainSize,
    finalBatchLoss: loss,
    testAccuracy: accuracy,
    tensorsLeft: tf.memory().numTensors,
  };
};
