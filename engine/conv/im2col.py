"""Convolution as matrix products over unrolled patches ("im2col"): the native default.

Each window of the padded input becomes one column of a patch matrix with K = C·KH·KW rows, and
the layer is a matrix product of the (F, K) filter matrix with it. Filling the patches takes one
strided slice copy per kernel offset (KH·KW copies, each of a whole batch), never a loop over
pixels or images. Natively numpy's matmul runs on BLAS, which makes this the fastest algorithm
there.

How the patches lie in memory depends on whether the products run on BLAS (natively numpy's
matmul does; in Pyodide only through a gemm registered with ``engine.blas``):
- Natively, a stride-1 layer with C·KW ≥ 16 (the trainer's second conv) runs channels-last
  (``_channels_last``): patches (N·OH·OW, K) with K ordered (KH, KW, C), filled from a
  channels-last padded input in runs of KW·C values, block by block of images
  (``BLOCK_BYTES``) so the product (N·OH·OW, K) @ (K, F) reads them from cache; y comes back
  as an (N, F, OH, OW) view of (N, OH, OW, F) memory. Its backward pass needs no patches:
  dW and dx both come from one smaller matrix of g (``_channels_last_backward``).
- Otherwise natively, (K, N·OH·OW): the whole batch is one BLAS product (F, K) @ (K, N·OH·OW),
  and the backward pass two more, instead of N small ones each. The input is read in
  (C, N, H, W) order so every copy writes contiguous rows; y comes back as an (N, F, OH, OW)
  view of an (F, N, OH, OW) array (NumPy's elementwise operations and the layers after them
  take such views as they are; reordering would cost a pass). Natively a batch whose patches
  outgrow one block is filled and multiplied block by block, and the backward pass fills each
  block's patches again for dW instead of keeping them. A stride-1 layer's dx is
  scattered back on rows as wide as the padded input (``_padded_input_grad_stride1``), in long
  runs instead of one short row at a time.
- In Pyodide with BLAS, (K, OH·OW·N), the images innermost (``_pixel_major_forward``): each
  kernel offset's copy moves runs of OW·N values, and y comes back as an (N, F, OH, OW) view of
  (F, OH, OW, N) memory, so the pooling and ReLU after the layer read runs of N values too.
- dx comes back as a view of a (C, N, H, W) array, or of a (C, H, W, N) one for the layout
  above.
- In Pyodide without BLAS, (N, K, OH·OW): one product per image. numpy's own matmul loops read
  the patch rows with a stride of the row length, and a whole batch's rows overflow the caches, so
  one product over the whole batch is slower there than one per image (the README's "Engine"
  benchmarks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine import blas, fastpath
from engine.conv.base import output_shape


def _per_image(dtype: Any) -> bool:
    """Whether the patches lie per image: in Pyodide, unless a BLAS gemm is registered for
    ``dtype`` (``engine.blas``), whose one product per batch beats 64 of numpy's own."""
    return fastpath.IN_PYODIDE and not blas.has_gemm(dtype)


def _allocate(
    shape: tuple[int, ...],
    batch_axis: int,
    make: Callable[..., np.ndarray],
    dtype: Any,
    per_image: bool,
) -> np.ndarray:
    """An array of ``shape``; with ``per_image`` its memory holds ``batch_axis`` outermost
    (returned as a view in ``shape``'s axis order), else it is laid out in ``shape``'s order."""
    if not per_image:
        return make(shape, dtype=dtype)
    stored = (shape[batch_axis], *shape[:batch_axis], *shape[batch_axis + 1 :])
    return np.moveaxis(make(stored, dtype=dtype), 0, batch_axis)


def _windows(a: np.ndarray, i: int, j: int, stride: int, oh: int, ow: int) -> np.ndarray:
    """a (C, N, H, W) -> view (C, N, OH, OW) of the elements at kernel offset (i, j)."""
    return a[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride]


#: Bytes of patches (or of a matrix of g) handled per block of images natively: small enough
#: to stay in the CPU's cache between being written and being read by the matrix product.
#: Over a whole batch of the convnetjs net's second conv the patches and their gradient were
#: 10-13 MB and went through main memory, which made its forward + backward ~1.2 ms (~10% of
#: a training step) slower; 1 MiB measured faster than 0.25-0.75 and 2-4 MiB
#: (benchmarks/engine_native.py).
BLOCK_BYTES = 1 << 20


def _image_blocks(n: int, bytes_per_image: int) -> list[slice]:
    """Consecutive slices of the batch's n images, each about BLOCK_BYTES of patches (only
    the native layouts use blocks; they were measured natively only)."""
    step = max(1, BLOCK_BYTES // max(1, bytes_per_image))
    return [slice(start, min(start + step, n)) for start in range(0, n, step)]


def _channels_last(w: np.ndarray, stride: int) -> bool:
    """Whether a layer runs channels-last (``_channels_last_forward``/``_backward``):
    natively, stride 1, and C·KW input values per kernel row making runs of at least 16
    floats. Its patches are (N·OH·OW, K) rows with K ordered (KH, KW, C), copied from a
    channels-last padded input in runs of KW·C values, and OpenBLAS runs the forward product
    as (N·OH·OW, K) @ (K, F) ~1.5× faster than (F, K) @ (K, N·OH·OW) (the convnetjs net's
    second conv, C·KW = 40). Its first conv (C·KW = 5) was ~2× slower channels-last and keeps
    the (K, N·OH·OW) layout, whose copies run longer; 16 (a 64-byte cache line of floats) is
    a dividing line between the two that no layer in between was measured at."""
    _, c, _, kw = w.shape
    return not fastpath.IN_PYODIDE and stride == 1 and c * kw >= 16


def _channels_last_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, padding: int) -> np.ndarray:
    """y (N, F, OH, OW) of a stride-1 layer, as a view of channels-last memory: a
    channels-last padded copy of x, then per block of images one copy of its windows into a
    patch buffer and one product, while the block's patches are in cache. The patches are not
    kept: the backward pass needs none (``_channels_last_backward``)."""
    n, f, oh, ow = output_shape(x.shape, w.shape, 1, padding)
    _, c, kh, kw = w.shape
    h, wd = x.shape[2:]
    p = padding
    k = c * kh * kw
    padded = np.zeros((n, h + 2 * p, wd + 2 * p, c), x.dtype)
    padded[:, p : p + h, p : p + wd] = x.transpose(0, 2, 3, 1)
    sn, sh, sw, sc = padded.strides
    windows = np.lib.stride_tricks.as_strided(
        padded, (n, oh, ow, kh, kw * c), (sn, sh, sw, sh, sc), writeable=False
    )
    y = np.empty((n, oh, ow, f), x.dtype)
    w_last = w.transpose(2, 3, 1, 0).reshape(k, f)
    blocks = _image_blocks(n, oh * ow * k * x.itemsize)
    patches = np.empty((blocks[0].stop, oh, ow, kh, kw * c), x.dtype)
    for block in blocks:
        block_patches = patches[: block.stop - block.start]
        block_patches[...] = windows[block]
        np.matmul(block_patches.reshape(-1, k), w_last, out=y[block].reshape(-1, f))
    y += b
    return y.transpose(0, 3, 1, 2)


def im2col_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, padding: int
) -> tuple[np.ndarray, Any]:
    """x (N, C, H, W), w (F, C, KH, KW), b (F,) -> y (N, F, OH, OW) as a product of the
    (F, K) filter matrix and the patches, K = C·KH·KW; the cache keeps the layout and what the
    backward pass needs: the patches, or for a channels-last layer x itself."""
    n, f, oh, ow = output_shape(x.shape, w.shape, stride, padding)
    _, c, kh, kw = w.shape
    h, wd = x.shape[2:]
    p = padding
    k = c * kh * kw
    if _channels_last(w, stride):
        y = _channels_last_forward(x, w, b, padding)
        return y, (x.shape, w, stride, padding, "channels_last", x)
    per_image = _per_image(x.dtype)
    if fastpath.IN_PYODIDE and not per_image:
        y, cols = _pixel_major_forward(x, w, b, stride, padding)
        return y, (x.shape, w, stride, padding, "pixel_major", cols)
    x_cn = x.transpose(1, 0, 2, 3)
    if p:
        padded = _allocate((c, n, h + 2 * p, wd + 2 * p), 1, np.zeros, x.dtype, per_image)
        padded[:, :, p : p + h, p : p + wd] = x_cn
    else:
        padded = x_cn
    w2 = w.reshape(f, k)
    if per_image:
        cols = _allocate((c, kh, kw, n, oh, ow), 3, np.empty, x.dtype, per_image)
        for i in range(kh):
            for j in range(kw):
                cols[:, i, j] = _windows(padded, i, j, stride, oh, ow)
        cols = np.moveaxis(cols, 3, 0).reshape(n, k, oh * ow)
        y = np.matmul(w2, cols).reshape(n, f, oh, ow)
        y += b.reshape(1, f, 1, 1)
        return y, (x.shape, w, stride, padding, "per_image", cols)
    blocks = _image_blocks(n, k * oh * ow * x.itemsize)
    buffer = np.empty((c, kh, kw, blocks[0].stop, oh, ow), x.dtype)
    if len(blocks) == 1:  # a small batch
        cols = _fill_patches(buffer, padded, blocks[0], stride)
        y_fn = blas.matmul(w2, cols).reshape(f, n, oh, ow)
        layout, kept = "batch", cols
    else:
        # Natively, block by block: the backward pass fills each block's patches again rather
        # than read a whole batch's back from main memory (the first convnetjs conv: 5 MB,
        # ~0.2-0.35 ms less per training step, benchmarks/engine_native.py).
        y_fn = np.empty((f, n, oh, ow), x.dtype)
        for block in blocks:
            patches = _fill_patches(buffer, padded, block, stride)
            np.matmul(w2, patches, out=y_fn[:, block].reshape(f, -1))
        layout, kept = "batch_blocks", padded
    y_fn += b.reshape(f, 1, 1, 1)
    return y_fn.transpose(1, 0, 2, 3), (x.shape, w, stride, padding, layout, kept)


def _pixel_windows(a: np.ndarray, i: int, j: int, stride: int, oh: int, ow: int) -> np.ndarray:
    """a (C, H, W, N) -> view (C, OH, OW, N) of the elements at kernel offset (i, j)."""
    return a[:, i : i + stride * oh : stride, j : j + stride * ow : stride]


def _pixel_major_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, padding: int
) -> tuple[np.ndarray, np.ndarray]:
    """y (N, F, OH, OW) as a view of (F, OH, OW, N) memory, and the patches (K, OH·OW·N):
    in Pyodide with a registered gemm, the images innermost. Each kernel offset's copy then
    moves runs of OW·N values (stride 1) or N (strided) instead of rows of OW, and the max
    pooling and ReLU after the layer read runs of N images where they read rows of a pooled
    map: in Pyodide every numpy loop pays ~20 ns per run, which made this layer's forward pass
    ~0.8 ms faster on the convnetjs net's first conv (3.5 -> 2.7 ms) and its pooling ~20%."""
    n, f, oh, ow = output_shape(x.shape, w.shape, stride, padding)
    _, c, kh, kw = w.shape
    h, wd = x.shape[2:]
    p = padding
    padded = np.zeros((c, h + 2 * p, wd + 2 * p, n), x.dtype)
    padded[:, p : p + h, p : p + wd] = x.transpose(1, 2, 3, 0)
    cols = np.empty((c, kh, kw, oh, ow, n), x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, i, j] = _pixel_windows(padded, i, j, stride, oh, ow)
    cols = cols.reshape(c * kh * kw, -1)
    y = blas.matmul(w.reshape(f, -1), cols)
    y += b.reshape(f, 1)
    return y.reshape(f, oh, ow, n).transpose(3, 0, 1, 2), cols


def _pixel_major_backward(
    grad_y: np.ndarray,
    cols: np.ndarray,
    x_shape: tuple[int, ...],
    w: np.ndarray,
    stride: int,
    padding: int,
    need_dx: bool,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """(dx, dw, db) of ``_pixel_major_forward``: g in (F, OH·OW·N) memory (no copy when grad_y
    lies as the forward pass's y does), dW and the patches' gradient as products, the latter
    added back with one add per kernel offset in runs of OW·N (stride 1) or N values. dx
    comes back as a view of (C, H, W, N) memory, the layout of the layer's input."""
    n, c, h, wd = x_shape
    f, _, kh, kw = w.shape
    oh, ow = grad_y.shape[2:]
    p = padding
    g = np.ascontiguousarray(grad_y.transpose(1, 2, 3, 0), dtype=w.dtype).reshape(f, -1)
    db = g.sum(axis=1)
    w2 = w.reshape(f, c * kh * kw)
    dw = np.ascontiguousarray(blas.matmul(cols, g.T).T).reshape(w.shape)
    if not need_dx:
        return None, dw, db
    dcols = blas.matmul(w2.T, g).reshape(c, kh, kw, oh, ow, n)
    dx_padded = np.zeros((c, h + 2 * p, wd + 2 * p, n), w.dtype)
    for i in range(kh):
        for j in range(kw):
            _pixel_windows(dx_padded, i, j, stride, oh, ow)[...] += dcols[:, i, j]
    return dx_padded[:, p : p + h, p : p + wd].transpose(3, 0, 1, 2), dw, db


def _fill_patches(buffer: np.ndarray, padded: np.ndarray, block: slice, stride: int) -> np.ndarray:
    """The patches (K, images·OH·OW) of one block of images of the padded input
    (C, N, H + 2p, W + 2p), copied into the start of ``buffer`` (C, KH, KW, images, OH, OW)
    with one strided copy per kernel offset."""
    c, kh, kw, _, oh, ow = buffer.shape
    patches = buffer[:, :, :, : block.stop - block.start]
    images = padded[:, block]
    for i in range(kh):
        for j in range(kw):
            patches[:, i, j] = _windows(images, i, j, stride, oh, ow)
    return patches.reshape(c * kh * kw, -1)


def im2col_backward(
    grad_y: np.ndarray, cache: Any, need_dx: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients of ``im2col_forward``: dW and the patches' gradient are matrix products, dx is
    scattered back with one add per kernel offset (skipped, dx None, when ``need_dx`` is
    False). dx comes back as a view of a contiguous array, so the layers before take it in
    long runs."""
    x_shape, w, stride, padding, layout, kept = cache
    if layout == "channels_last":
        return _channels_last_backward(grad_y, kept, w, padding, need_dx)
    if layout == "pixel_major":
        return _pixel_major_backward(grad_y, kept, x_shape, w, stride, padding, need_dx)
    cols = kept
    n, c, h, wd = x_shape
    f, _, kh, kw = w.shape
    oh, ow = grad_y.shape[2:]
    w2 = w.reshape(f, c * kh * kw)
    if layout == "per_image":
        g = np.ascontiguousarray(grad_y, dtype=w.dtype).reshape(n, f, oh * ow)
        db = g.sum(axis=(0, 2))
        # Pyodide: matmul with a long reduction over transposed patches falls off numpy's
        # fast path there, and einsum's own loops are faster (benchmarks/pyodide_kernels.py).
        dw = np.einsum("nfp,nkp->fk", g, cols)
    else:
        # (F, N, OH, OW): no copy when grad_y is the transposed view im2col_forward returned.
        g = np.ascontiguousarray(grad_y.transpose(1, 0, 2, 3), dtype=w.dtype)
        db = g.sum(axis=(1, 2, 3))
        # (K, F) and transposed back: OpenBLAS runs this long reduction faster with the patches
        # as the left operand than as g @ cols.T (benchmarks/engine_native.py).
        if layout == "batch":
            dw = blas.matmul(cols, g.reshape(f, -1).T).T
        else:  # "batch_blocks": cols is the padded input, the patches are filled again
            blocks = _image_blocks(n, c * kh * kw * oh * ow * w.itemsize)
            buffer = np.empty((c, kh, kw, blocks[0].stop, oh, ow), w.dtype)
            dw_t = np.zeros((c * kh * kw, f), w.dtype)
            for block in blocks:
                patches = _fill_patches(buffer, cols, block, stride)
                dw_t += blas.matmul(patches, g[:, block].reshape(f, -1).T)
            dw = dw_t.T
    dw = np.ascontiguousarray(dw).reshape(w.shape)
    if not need_dx:
        return None, dw, db
    p = padding
    per_image = layout == "per_image"
    if not per_image and stride == 1:
        dx_padded = _padded_input_grad_stride1(g, w2, (c, kh, kw))
    else:
        if per_image:
            dcols = np.moveaxis(np.matmul(w2.T, g).reshape(n, c, kh, kw, oh, ow), 0, 3)
        else:
            dcols = blas.matmul(w2.T, g.reshape(f, -1)).reshape(c, kh, kw, n, oh, ow)
        shape = (c, n, h + 2 * p, wd + 2 * p)
        dx_padded = _allocate(shape, 1, np.zeros, w.dtype, per_image)
        for i in range(kh):
            for j in range(kw):
                _windows(dx_padded, i, j, stride, oh, ow)[...] += dcols[:, i, j]
    dx = dx_padded
    if p:
        # Cropped into an array of its own: numpy's elementwise loops over a cropped view run
        # row by row, which made the max-pool backward after this layer several times slower.
        dx = dx_padded[:, :, p : p + h, p : p + wd].copy(order="K")
    return dx.transpose(1, 0, 2, 3), dw, db


def _padded_input_grad_stride1(
    g: np.ndarray, w2: np.ndarray, kernel: tuple[int, int, int]
) -> np.ndarray:
    """The padded input's gradient (C, N, H + 2p, W + 2p) of a stride-1 layer, natively.

    Scattering the patch gradients back with one strided add per kernel offset runs numpy's
    add over short rows (OW values each) and cost more than the three matrix products. Here
    g (F, N, OH, OW) is first widened to rows as wide as the padded input (zeros on the right),
    so the patches' gradient lies on that grid too: moving kernel column j is then a shift by
    j along one long flat run (the zeros absorb what crosses a row end), and only kernel row i
    needs a 2-D add, of whole padded rows. Blocks of images run one after the other, so each
    block's patch gradient stays in cache.
    """
    c, kh, kw = kernel
    f, n, oh, ow = g.shape
    wp = ow + kw - 1
    hp = oh + kh - 1
    dx_padded = np.zeros((c, n, hp, wp), g.dtype)
    for block in _image_blocks(n, c * kh * kw * oh * wp * g.itemsize):
        g_block = g[:, block]
        images = g_block.shape[1]
        g_wide = np.zeros((f, images, oh, wp), g.dtype)
        g_wide[..., :ow] = g_block
        length = images * oh * wp
        dcols = blas.matmul(w2.T, g_wide.reshape(f, length)).reshape(c, kh, kw, length)
        by_row = np.zeros((c, kh, length + kw - 1), g.dtype)
        for j in range(kw):
            by_row[:, :, j : j + length] += dcols[:, :, j]
        dx_block = dx_padded[:, block]
        for i in range(kh):
            dx_block[:, :, i : i + oh] += by_row[:, i, :length].reshape(c, images, oh, wp)
    return dx_padded


def _channels_last_backward(
    grad_y: np.ndarray, x: np.ndarray, w: np.ndarray, padding: int, need_dx: bool
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """(dx, dw, db) of ``_channels_last_forward``, from g = grad_y in (N, OH, OW, F) memory
    (no copy when grad_y is the view the forward pass returned) and the layer's input x.

    Both gradients come from one matrix per block of images: g is laid on rows as wide as the
    padded input (zeros on the right, KW - 1 zeros in front), so the KW kernel columns are KW
    shifts by one pixel along a flat run, and one copy puts them side by side as a
    (pixels, KW·F) matrix, for the columns of the unpadded input only; pixel (image, g row,
    column) there meets x's row g row + i - padding through kernel row i. Then
    - dW: x's rows for every kernel row i and channel, (KH·C, pixels), times that matrix;
    - dx, the transposed convolution: the flipped filters (KH·C, KW·F) times its transpose
      gives every kernel row's contribution in (C, N, H, W) order, each added to dx shifted
      down by its row index minus the padding (rows landing in the padding are dropped).
    That matrix has KW·F columns where the patches and their gradient have C·KH·KW (80
    against 200 in the convnetjs net's second conv), and keeping no patches saves writing
    and re-reading them; this replaced the patches' products and scatter (~1.5–2 ms less per
    training step of that net, benchmarks/engine_native.py). dx comes back as a view of
    (C, N, H, W) memory like the other layouts'.
    """
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh, ow = grad_y.shape[2:]
    p = padding
    wp = ow + kw - 1
    dtype = w.dtype
    size = dtype.itemsize
    g_last = np.ascontiguousarray(grad_y.transpose(0, 2, 3, 1), dtype=dtype)
    # A product with ones: numpy's sum down the (N·OH·OW, F) columns took ~0.17 ms here,
    # the BLAS product ~0.01 ms.
    db = np.ones(n * oh * ow, dtype) @ g_last.reshape(-1, f)
    # x channel-major with p zero rows above and below: row r + i there is x's row r + i - p.
    x_rows = np.zeros((c, n, oh + kh - 1, wd), dtype)
    x_rows[:, :, p : p + h] = x.transpose(1, 0, 2, 3)
    stride_c, stride_n, stride_row, stride_col = x_rows.strides
    # (KH·C, KW·F) on both sides: kernel row i and input channel; kernel column KW - 1 - j
    # (flipped), filter.
    dw_flipped = np.zeros((kh * c, kw * f), dtype)
    w_flipped = w[:, :, :, ::-1].transpose(2, 1, 3, 0).reshape(kh * c, kw * f)
    dx = np.zeros((c, n, h, wd), dtype) if need_dx else None
    for block in _image_blocks(n, oh * wp * kw * f * size):
        images = block.stop - block.start
        g_wide = np.zeros((kw - 1 + images * oh * wp, f), dtype)
        g_wide[kw - 1 :].reshape(images, oh, wp, f)[:, :, :ow] = g_last[block]
        # Window (image, row, column) holds g at columns column - KW + 1 .. column of that row.
        windows = np.lib.stride_tricks.as_strided(
            g_wide,
            (images, oh, wp, kw * f),
            (oh * wp * f * size, wp * f * size, f * size, size),
            writeable=False,
        )
        g_cols = windows[:, :, p : p + wd].reshape(-1, kw * f)
        x_by_kernel_row = np.lib.stride_tricks.as_strided(
            x_rows[:, block],
            (kh, c, images, oh, wd),
            (stride_row, stride_c, stride_n, stride_row, stride_col),
            writeable=False,
        )
        dw_flipped += x_by_kernel_row.reshape(kh * c, -1) @ g_cols
        if dx is None:
            continue
        by_kernel_row = (w_flipped @ g_cols.T).reshape(kh, c, images, oh, wd)
        dx_block = dx[:, block]
        for i in range(kh):
            first, stop = max(0, p - i), min(oh, h + p - i)
            if first < stop:
                dx_block[:, :, first + i - p : stop + i - p] += by_kernel_row[i, :, :, first:stop]
    dw = dw_flipped.reshape(kh, c, kw, f)[:, :, ::-1].transpose(3, 1, 0, 2)
    return (None if dx is None else dx.transpose(1, 0, 2, 3)), np.ascontiguousarray(dw), db
