"""Convolution lesson: a kernel slides over an image and sums products into a feature map.

Every number the lesson shows comes from ``engine.functional``; the helpers below only pick
which window to show and format it, so they stay cheap enough for Pyodide on every click.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import panel as pn
import param

from app.components.code import ShowCode
from app.components.exercise import ExerciseInfo, Problem, check_number
from app.components.formula import Formula, Text
from app.components.image import GrayImage, ImageUpload, decoded_to_array
from app.components.layout import (
    lesson_step,
    notice,
    read_input,
    redraw_button,
    redraw_on,
    row,
    show,
)
from app.components.messages import literal
from app.components.shared_link import share, shared
from app.lecture_examples import LECTURE_IMAGE, LECTURE_KERNEL
from app.lessons._conv_common import (
    Stepper,
    bmatrix,
    grid,
    load_mnist_digits,
    load_photo,
    matrix_box,
    num,
    parse_matrix,
)
from engine import functional as F
from engine.conv import reference_forward
from engine.model import count_parameters

#: The lecture's kernel table (slide "Introduction XXXII"), in its order.
KERNELS: dict[str, np.ndarray] = {
    "Identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float),
    "Edge detection (diagonal)": np.array([[1, 0, -1], [0, 0, 0], [-1, 0, 1]], dtype=float),
    "Edge detection (4-neighbour Laplacian)": np.array(
        [[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float
    ),
    "Edge detection (8-neighbour Laplacian)": np.array(
        [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float
    ),
    "Sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "Box blur": np.ones((3, 3)) / 9,
    "Gaussian blur (approximation)": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=float) / 16,
}

#: The kernels as the slide writes them (LaTeX), so the table reads like the lecture.
KERNEL_LATEX: dict[str, str] = {
    "Identity": r"\begin{bmatrix}0&0&0\\0&1&0\\0&0&0\end{bmatrix}",
    "Edge detection (diagonal)": r"\begin{bmatrix}1&0&-1\\0&0&0\\-1&0&1\end{bmatrix}",
    "Edge detection (4-neighbour Laplacian)": r"\begin{bmatrix}0&1&0\\1&-4&1\\0&1&0\end{bmatrix}",
    "Edge detection (8-neighbour Laplacian)": (
        r"\begin{bmatrix}-1&-1&-1\\-1&8&-1\\-1&-1&-1\end{bmatrix}"
    ),
    "Sharpen": r"\begin{bmatrix}0&-1&0\\-1&5&-1\\0&-1&0\end{bmatrix}",
    "Box blur": r"\tfrac19\begin{bmatrix}1&1&1\\1&1&1\\1&1&1\end{bmatrix}",
    "Gaussian blur (approximation)": r"\tfrac1{16}\begin{bmatrix}1&2&1\\2&4&2\\1&2&1\end{bmatrix}",
}

#: What each kernel of the table does, in a few words for the table on the page.
KERNEL_EFFECT: dict[str, str] = {
    "Identity": "copies the image",
    "Edge detection (diagonal)": "diagonal changes of brightness",
    "Edge detection (4-neighbour Laplacian)": "a pixel unlike its 4 neighbours",
    "Edge detection (8-neighbour Laplacian)": "a pixel unlike its 8 neighbours",
    "Sharpen": "identity + edges: crisper edges",
    "Box blur": "plain average of 9 pixels",
    "Gaussian blur (approximation)": "average weighted to the centre",
}


@dataclass(frozen=True)
class WindowStep:
    """One position of the sliding window: what the student sees multiplied and summed."""

    row: int
    col: int
    window: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    total: float


def window_step(image: np.ndarray, kernel: np.ndarray, step: int) -> WindowStep:
    """The window at animation step ``step`` (row-major over the valid output positions)."""
    kh, kw = kernel.shape
    out_w = image.shape[1] - kw + 1
    row, col = divmod(step, out_w)
    window = image[row : row + kh, col : col + kw]
    products = window * kernel
    return WindowStep(row, col, window, kernel, products, float(products.sum()))


def partial_feature_map(image: np.ndarray, kernel: np.ndarray, step: int) -> np.ndarray:
    """The feature map as filled in after ``step`` (inclusive); later cells are NaN."""
    full = F.correlate2d(image, kernel)
    shown = np.full(full.shape, np.nan)
    flat = shown.reshape(-1)
    flat[: step + 1] = full.reshape(-1)[: step + 1]
    return shown


def filtered(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """A whole image filtered with a kernel; padding keeps its size so both can sit side by side."""
    return F.correlate2d(np.asarray(image, dtype=float), kernel, padding=kernel.shape[0] // 2)


def product_expression(step: WindowStep) -> str:
    """The sum of products in LaTeX, one kernel row per line so it fits a phone screen."""
    lines = [
        " + ".join(rf"{num(a)}\cdot{num(b)}" for a, b in zip(wrow, krow, strict=True))
        for wrow, krow in zip(step.window, step.kernel, strict=True)
    ]
    body = r" \\ &+ ".join(lines)
    return rf"\begin{{aligned}} &{body} \\ &= {num(step.total)} \end{{aligned}}"


def kernel_table() -> str:
    """The lecture's kernel table as Markdown with KaTeX matrices."""
    rows = "\n".join(
        f"| {name} | ${KERNEL_LATEX[name]}$ | {KERNEL_EFFECT[name]} |" for name in KERNELS
    )
    return "| Operation | Kernel | Responds to |\n|---|---|---|\n" + rows


def multi_channel(x: np.ndarray, w: np.ndarray, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel correlations (C, OH, OW) and the engine's conv2d output (OH, OW).

    Showing both lets the student check that the layer's output is the per-channel maps
    summed plus the bias.
    """
    per_channel = np.stack([F.correlate2d(x[c], w[c]) for c in range(x.shape[0])])
    out = F.conv2d(x[None], w[None], np.array([b], dtype=float))[0, 0]
    return per_channel, out


# --- exercises ---------------------------------------------------------------------------------
def feature_cell_problem(rng: np.random.Generator) -> Problem:
    """One output cell of a random binary image correlated with a small integer kernel."""
    image = rng.integers(0, 2, size=(4, 4)).astype(float)
    kernel = rng.integers(-1, 3, size=(3, 3)).astype(float)
    r, c = (int(v) for v in rng.integers(0, 2, size=2))
    out = F.correlate2d(image, kernel)
    answer = float(out[r, c])
    step = window_step(image, kernel, r * 2 + c)
    flipped = float(np.sum(step.window * np.rot90(kernel, 2)))
    return Problem(
        prompt=(
            f"Image $I = {bmatrix(image)}$ and kernel $K = {bmatrix(kernel)}$. "
            f"What is the feature-map entry in row {r + 1}, column {c + 1} (counting from 1)?"
        ),
        check=check_number(
            answer,
            places=0,
            mistakes=[(flipped, "that is the value with the kernel flipped; CNNs do not flip.")],
        ),
        hint=(
            f"Lay the kernel over the 3×3 block of $I$ whose top-left cell is row {r + 1}, "
            f"column {c + 1}; multiply cell by cell and add the nine products."
        ),
        solution=f"$${product_expression(step)}$$",
        placeholder="e.g. 3",
    )


def true_convolution_problem(rng: np.random.Generator) -> Problem:
    """A single true-convolution value, where forgetting the flip gives a different number."""
    while True:
        window = rng.integers(0, 4, size=(3, 3)).astype(float)
        kernel = rng.integers(-2, 3, size=(3, 3)).astype(float)
        true = float(F.convolve2d(window, kernel)[0, 0])
        cross = float(F.correlate2d(window, kernel)[0, 0])
        if true != cross:
            break
    flipped = np.rot90(kernel, 2)
    return Problem(
        prompt=(
            f"Window $W = {bmatrix(window)}$, kernel $K = {bmatrix(kernel)}$. "
            "Compute the **true convolution** $(W * K)$ at the centre: one number."
        ),
        check=check_number(
            true,
            places=0,
            mistakes=[(cross, "that is the cross-correlation; rotate the kernel by 180° first.")],
        ),
        hint="True convolution flips the kernel by 180° (upside down and left-right), then "
        "multiplies cell by cell and adds.",
        solution=(
            f"Cross-correlation would give {cross:g}. The flipped kernel is "
            f"${bmatrix(flipped)}$, and its sum of products with $W$ is **{true:g}**."
        ),
        placeholder="e.g. -4",
    )


def conv_parameters_problem(rng: np.random.Generator) -> Problem:
    """Parameters of a conv layer with C input channels, F filters, k×k kernels and biases."""
    k = int(rng.choice([3, 5, 7]))
    channels = int(rng.choice([1, 3, 8, 16]))
    filters = int(rng.choice([4, 8, 16, 32]))
    side = int(rng.choice([28, 64, 256]))
    weights, biases = count_parameters(
        {"type": "conv", "filters": filters, "kernel": k}, (channels, side, side)
    )
    return Problem(
        prompt=(
            f"A conv layer reads a {side}×{side} image with {channels} channel(s) and has "
            f"{filters} filters of size {k}×{k}, each with one bias. How many trainable "
            "parameters does it have?"
        ),
        check=check_number(
            weights + biases,
            places=0,
            mistakes=[
                (weights, "you counted the weights; each filter also has a bias."),
                (k * k * filters + filters, "each filter spans all the input channels."),
                (
                    side * side * filters,
                    "a conv layer's size does not depend on the image size.",
                ),
            ],
        ),
        hint="One filter has k·k·C weights and 1 bias; the image size does not matter.",
        solution=(
            f"$F\\,(k^2 C + 1) = {filters}\\cdot({k}^2\\cdot{channels} + 1) = {weights + biases}$."
        ),
        placeholder="e.g. 80",
    )


# --- the page ----------------------------------------------------------------------------------
#: Kernels for the flip demo: two that a 180° turn changes, and the lecture's, which it does not.
FLIP_KERNELS: dict[str, np.ndarray] = {
    "Sobel (vertical edges)": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float),
    "Top-left pixel (a shift)": np.array([[1, 0, 0], [0, 0, 0], [0, 0, 0]], dtype=float),
    "The lecture's kernel": LECTURE_KERNEL,
}


def _sliding_window() -> pn.Column:
    state = {"image": LECTURE_IMAGE, "kernel": LECTURE_KERNEL}
    image_text = shared(
        "image",
        matrix_box("input image", LECTURE_IMAGE),
        check=lambda text: parse_matrix(text, (5, 5), "input image"),
    )
    kernel_text = shared(
        "kernel",
        matrix_box("kernel", LECTURE_KERNEL),
        check=lambda text: parse_matrix(text, (3, 3), "kernel"),
    )
    message = notice()
    player = shared(
        "cell",
        Stepper("Jump to output cell", lambda i: f"row {i // 3 + 1}, column {i % 3 + 1}", end=8),
    )
    first = window_step(LECTURE_IMAGE, LECTURE_KERNEL, 0)
    input_view = grid(LECTURE_IMAGE, "Input image", highlight=(0, 0, 3, 3))
    kernel_view = grid(LECTURE_KERNEL, "Kernel")
    products_view = grid(first.products, "Window × kernel")
    fmap_view = grid(
        partial_feature_map(LECTURE_IMAGE, LECTURE_KERNEL, 0),
        "Feature map",
        highlight=(0, 0, 1, 1),
    )
    total = Formula(product_expression(first))

    def refresh(*_: object) -> None:
        current = window_step(state["image"], state["kernel"], player.value)
        input_view.highlight = (current.row, current.col, 3, 3)
        kernel_view.values = state["kernel"]
        products_view.values = current.products
        total.object = product_expression(current)
        fmap_view.param.update(
            values=partial_feature_map(state["image"], state["kernel"], player.value),
            highlight=(current.row, current.col, 1, 1),
        )

    def edit(*_: object) -> None:
        typed = read_input(
            message,
            lambda: (
                parse_matrix(image_text.value, (5, 5), "input image"),
                parse_matrix(kernel_text.value, (3, 3), "kernel"),
            ),
            "The grids keep your last valid numbers.",
        )
        if typed is None:
            return
        image, kernel = typed
        with np.errstate(over="ignore", invalid="ignore"):
            finite = np.all(np.isfinite(F.correlate2d(image, kernel)))
        if not finite:
            show(
                message,
                "These numbers are so large that their products overflow (a float holds at most "
                "about 1.8e308). Use smaller numbers; the grids keep your last valid numbers.",
            )
            return
        state.update(image=image, kernel=kernel)
        input_view.values = image
        refresh()

    image_text.param.watch(edit, "value")
    kernel_text.param.watch(edit, "value")
    player.param.watch(refresh, "value")
    return lesson_step(
        "1 · Slide the kernel over the image",
        "A **kernel** (or filter) is a small grid of weights. Place it on the top-left corner of "
        "the image, multiply each pixel by the weight lying on it, and add the nine products: "
        "that sum is one number of the **feature map**. Then move one pixel to the right and do it "
        "again; at the end of a row, go back left and one row down. Press Play, step with Back "
        "and Next, or jump to an output cell. You can also type your own numbers into the "
        "grids.\n\n"
        r"$$y_{ij} = \sum_{m=0}^{2}\sum_{n=0}^{2} I_{i+m,\,j+n}\,K_{m,n}$$"
        "\n\nWith the lecture's image and kernel the map comes out as "
        r"$\begin{bmatrix}4&3&4\\2&4&3\\2&3&4\end{bmatrix}$: the kernel's X shape scores highest "
        "where the image has diagonal lines of ones.",
        row(image_text, kernel_text, player),
        message,
        row(input_view, kernel_view, products_view, fmap_view),
        total,
        ShowCode(F.correlate2d),
    )


def _kernel_gallery() -> pn.Column:
    digits = load_mnist_digits()
    photo = load_photo()
    state = {"upload": None}
    source = pn.widgets.RadioButtonGroup(
        label="Picture",
        options=["MNIST digit", "Photograph", "Your image"],
        value="MNIST digit",
        variant="outline",
    )
    digit = pn.widgets.Select(label="Which digit", options=list(range(10)), value=3, width=120)
    kernel_name = pn.widgets.Select(
        label="Kernel", options=list(KERNELS), value="Sharpen", width=300
    )
    upload = ImageUpload(visible=False)
    message = notice()
    original = GrayImage(digits[3], title="Original")
    result = GrayImage(np.zeros((28, 28)), title="Filtered")
    kernel_formula = Formula(
        rf"K = {KERNEL_LATEX['Sharpen']}", sizing_mode="fixed", width=200, align="center"
    )

    def picture() -> np.ndarray:
        if source.value == "Photograph":
            return photo
        if source.value == "Your image":
            return digits[digit.value] if state["upload"] is None else state["upload"]
        return digits[digit.value]

    def refresh(*_: object) -> None:
        digit.visible = source.value == "MNIST digit"
        upload.visible = source.value == "Your image"
        if source.value == "Your image" and state["upload"] is None:
            show(
                message,
                "No picture uploaded yet: choose a PNG or JPEG file. Until then you see the digit.",
                "info",
            )
        elif source.value != "Your image":
            show(message, "")
        image = picture()
        original.values = image
        result.param.update(
            values=filtered(image, KERNELS[kernel_name.value]), title=f"After “{kernel_name.value}”"
        )
        kernel_formula.object = rf"K = {KERNEL_LATEX[kernel_name.value]}"

    def uploaded(event: param.parameterized.Event) -> None:
        try:
            state["upload"] = decoded_to_array(event.new)
        except ValueError as error:
            show(message, f"{error} The last picture stays on screen.")
            return
        source.value = "Your image"
        refresh()
        height, width = state["upload"].shape
        show(
            message,
            f"Showing “{literal(event.new.get('name', 'your image'))}” in gray, "
            f"{width}×{height} pixels.",
            "info",
        )

    upload.param.watch(uploaded, "decoded")
    share(picture=source, digit=digit, filter=kernel_name)
    redraw_on(refresh, source, digit, kernel_name)
    return lesson_step(
        "2 · The lecture's kernels on real pictures",
        "The numbers in a kernel decide what it looks for. The **identity** kernel copies the "
        "image. **Edge detectors** add up to 0, so on a flat patch they give 0 (mid gray here) "
        "and respond only where brightness changes. **Sharpen** is the identity plus an edge "
        "detector: edges get stronger. The **blurs** average neighbours (their weights add up to "
        "1), which smooths away detail. Pick a picture and a kernel and compare. The output "
        "keeps the picture's size because we pad it with one ring of zeros (the next lesson "
        "explains padding); the gray scale stretches from the smallest to the largest value.",
        row(source, digit, kernel_name),
        upload,
        message,
        row(original, kernel_formula, result),
        pn.Card(
            Text(kernel_table()),
            title="The lecture's kernel table",
            collapsed=True,
            sizing_mode="stretch_width",
        ),
        pn.pane.HTML(
            "<small>MNIST digits: Yann LeCun, Corinna Cortes and Christopher J. C. Burges, "
            "CC BY-SA 3.0. Photograph: astronaut Eileen Collins, NASA, public domain (from "
            "scikit-image). Your own picture never leaves your browser.</small>",
        ),
    )


def _flip() -> pn.Column:
    choice = pn.widgets.Select(
        label="Kernel", options=list(FLIP_KERNELS), value="Sobel (vertical edges)", width=260
    )
    kernel = FLIP_KERNELS[choice.value]
    kernel_view = grid(kernel, "Kernel K", cell_size=36)
    flipped_view = grid(np.rot90(kernel, 2), "K turned by 180°", cell_size=36)
    cross_view = grid(F.correlate2d(LECTURE_IMAGE, kernel), "Cross-correlation")
    true_view = grid(F.convolve2d(LECTURE_IMAGE, kernel), "True convolution")
    verdict = notice("", "info")

    def refresh(*_: object) -> None:
        k = FLIP_KERNELS[choice.value]
        cross, true = F.correlate2d(LECTURE_IMAGE, k), F.convolve2d(LECTURE_IMAGE, k)
        kernel_view.values = k
        flipped_view.values = np.rot90(k, 2)
        cross_view.values = cross
        true_view.values = true
        show(
            verdict,
            "The two maps are identical: this kernel looks the same after a 180° turn."
            if np.array_equal(cross, true)
            else "The two maps differ: the turned kernel is a different kernel.",
            "info",
        )

    share(flip=choice)
    redraw_on(refresh, choice)
    return lesson_step(
        "3 · Cross-correlation or convolution?",
        "What CNNs compute is, strictly speaking, **cross-correlation**: the kernel is laid on "
        "the image as it is. Mathematicians' **convolution** first turns the kernel by 180° "
        "(upside down and left to right):\n\n"
        r"$$(I \otimes K)_{ij} = \sum_{m,n} I_{i+m,\,j+n}\,K_{m,n}$$"
        r"$$(I * K)_{ij} = \sum_{m,n} I_{i-m,\,j-n}\,K_{m,n}$$"
        "\n\nSo a true convolution equals a cross-correlation with the turned kernel. The "
        "lecture's wording (\"the same as cross-correlation with a flipped kernel i.e. for a "
        'kernel where $K(-m,-n) = K(m,n)$") mixes two facts: the two operations give the '
        "*same result* only when the kernel is symmetric under that turn, like the lecture's X "
        "kernel. A network learns its kernels, so it does not matter which one it uses — it "
        "simply learns the turned weights. Shown on the lecture's 5×5 image:",
        choice,
        row(kernel_view, flipped_view, cross_view, true_view),
        verdict,
        ShowCode(F.convolve2d),
    )


def _channel_example(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A small random 3-channel 4×4 input and 3×2×2 kernel with easy integers."""
    return (
        rng.integers(0, 4, size=(3, 4, 4)).astype(float),
        rng.integers(-1, 2, size=(3, 2, 2)).astype(float),
    )


def _channels() -> pn.Column:
    rng = np.random.default_rng(7)
    state = dict(zip(("x", "w"), _channel_example(rng), strict=True))
    bias = pn.widgets.Select(
        label="Bias b", options=[v / 2 for v in range(-6, 7)], value=1.0, width=120
    )
    names = ("red", "green", "blue")
    inputs = [grid(state["x"][c], f"Input, {names[c]} channel", cell_size=32) for c in range(3)]
    kernels = [grid(state["w"][c], f"Kernel, {names[c]} slice", cell_size=32) for c in range(3)]
    maps = [grid(np.zeros((3, 3)), f"{names[c].capitalize()} map", cell_size=32) for c in range(3)]
    output = grid(np.zeros((3, 3)), "Output = sum of maps + b", cell_size=40)

    def refresh(*_: object) -> None:
        per_channel, out = multi_channel(state["x"], state["w"], bias.value)
        for c in range(3):
            inputs[c].values = state["x"][c]
            kernels[c].values = state["w"][c]
            maps[c].values = per_channel[c]
        output.values = out

    def new_example() -> None:
        state["x"], state["w"] = _channel_example(rng)

    share(bias=bias)
    redraw_on(refresh, bias)
    return lesson_step(
        "4 · Colour pictures: several channels",
        "A colour image has three channels (red, green, blue), so one filter is a stack of "
        r"three kernel slices, $C\times k\times k$ weights. Each slice is correlated with its own "
        "channel, the three maps are **added**, and the filter's single bias is added once. One "
        "filter therefore still makes *one* feature map; a layer with $D$ filters makes $D$ "
        "maps.\n\n"
        r"$$y_{ij} = \sum_{c=1}^{C}\sum_{m,n} K_{m,n,c}\, I_{i+m,\,j+n,\,c} + b$$"
        "\n\nThe output grid below comes from the engine's batched `conv2d` — check that each "
        "cell is the three maps' sum plus b.",
        row(bias, redraw_button("New random example", new_example, refresh, width=180)),
        row(*inputs),
        row(*kernels),
        row(*maps, output),
        ShowCode(reference_forward),
        ShowCode(F.conv2d),
    )


def _weight_count() -> pn.Column:
    return lesson_step(
        "5 · Why a convolution layer?",
        "A dense layer gives every hidden neuron its own weight for every pixel, so its size "
        "grows with the image; a conv layer reuses one small kernel at every position (**weight "
        "sharing**) and looks only at a small neighbourhood (the **local receptive field**), so "
        "its $k\\cdot k\\cdot C\\cdot F$ weights are the same for any image size. The lesson "
        "[Why convolutions?](#why-convolutions) counts both for sizes you type, with the "
        "lecture's numbers corrected, and lets you click a unit to see its connections.",
    )


SECTIONS = (_sliding_window, _kernel_gallery, _flip, _channels, _weight_count)

EXERCISES = (
    ExerciseInfo("feature-cell", "One cell of a feature map", feature_cell_problem),
    ExerciseInfo("true-convolution", "True convolution flips the kernel", true_convolution_problem),
    ExerciseInfo("conv-parameters", "Count a conv layer's parameters", conv_parameters_problem),
)
