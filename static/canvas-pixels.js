// Pictures to numbers in the browser (the site ships no Pillow): one helper shared by the
// convolution lesson's image upload (app/components/image.py) and the trainer's drawing pad.
globalThis.cnnCanvasPixels = (() => {
  // RGBA bytes of `source` (a canvas, image or ImageBitmap) drawn scaled to width × height.
  function rgba(source, width, height) {
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(source, 0, 0, width, height);
    return ctx.getImageData(0, 0, width, height).data;
  }

  // Gray 0–255 per pixel: ITU-R 601 luma (the weights of Pillow's "L" mode), with transparent
  // areas counted as white paper, not black.
  function grayOnWhite(bytes) {
    const pixels = new Array(bytes.length / 4);
    for (let i = 0; i < pixels.length; i++) {
      const a = bytes[4 * i + 3] / 255;
      const gray = 0.299 * bytes[4 * i] + 0.587 * bytes[4 * i + 1] + 0.114 * bytes[4 * i + 2];
      pixels[i] = Math.round(gray * a + 255 * (1 - a));
    }
    return pixels;
  }

  // Opacity 0–255 per pixel: how much ink a drawing put there, whatever its colour.
  function alpha(bytes) {
    const pixels = new Array(bytes.length / 4);
    for (let i = 0; i < pixels.length; i++) pixels[i] = bytes[4 * i + 3];
    return pixels;
  }

  // A picture file as {name, width, height, pixels} (gray, row-major, longest side at most
  // maxSide), or {name, error} when the browser cannot decode it as a picture.
  async function decodeFile(file, maxSide) {
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch {
      return { name: file.name, error: "not an image" };
    }
    const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const pixels = grayOnWhite(rgba(bitmap, width, height));
    return { name: file.name, width, height, pixels };
  }

  return { rgba, grayOnWhite, alpha, decodeFile };
})();
