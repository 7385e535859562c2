"""Why convolutions: images as h × w × d arrays, the tasks, the weight count of a dense first
layer against a convolution's, and a convolution layer's local, sparse and shared connections.

The connections are read off the engine itself: ``conv_as_matrix`` runs ``engine.functional.conv2d``
on every one-pixel image, so each row of the matrix is exactly what one output unit computes.
"""

from __future__ import annotations

import html

import numpy as np
import panel as pn

from app.components.exercise import ExerciseInfo, Problem, check_number
from app.components.formula import Formula, Text
from app.components.image import GrayImage
from app.components.layout import lesson_step, notice, read_input, redraw_on, row
from app.components.shared_link import share, shared
from app.components.slip import LectureSlip
from app.lecture_examples import LECTURE_IMAGE, LECTURE_KERNEL
from app.lessons._conv_common import grid, load_mnist_digits, parse_count
from engine import functional as F
from engine.model import count_parameters

#: The lecture's 6 × 6 × 3 RGB example as a small picture: sky, a red house, a sun, grass.
SKY, RED, SUN, GRASS = (135, 206, 235), (220, 38, 38), (250, 204, 21), (22, 163, 74)
RGB_EXAMPLE = np.array(
    [
        [SKY, SKY, SKY, SKY, SKY, SUN],
        [SKY, RED, RED, RED, SKY, SKY],
        [SKY, RED, RED, RED, SKY, SKY],
        [SKY, RED, RED, RED, SKY, SKY],
        [GRASS, GRASS, GRASS, GRASS, GRASS, GRASS],
        [GRASS, GRASS, GRASS, GRASS, GRASS, GRASS],
    ],
    dtype=float,
)
#: The lecture's 4 × 4 × 1 grayscale example: a diagonal ramp from black to white.
GRAY_EXAMPLE = np.array(
    [[0, 40, 80, 120], [40, 80, 120, 160], [80, 120, 160, 200], [120, 160, 200, 255]],
    dtype=float,
)[:, :, None]

#: The connections demo's input: the lecture's 5 × 5 image with one more column and row, so that
#: its 3 × 3 "X" kernel gives a 4 × 4 feature map.
FIELD_IMAGE = np.block(
    [[LECTURE_IMAGE, np.array([[0], [0], [0], [0], [1]])], [np.array([1, 1, 0, 0, 1, 1])]]
)

#: The digits placed in the detection scene: (digit, top row, left column) on a 40 × 96 canvas.
SCENE = ((3, 2, 2), (7, 10, 34), (1, 4, 66))
SCENE_SHAPE = (40, 96)


def array_size(shape: tuple[int, ...]) -> int:
    """How many numbers an array of this shape holds (h · w · d for an image)."""
    return int(np.prod(shape))


def channels_first(image: np.ndarray) -> np.ndarray:
    """An h × w × d image as the engine stores it: d × h × w (channels first)."""
    return np.moveaxis(np.asarray(image), -1, 0)


def dense_weights(height: int, width: int, channels: int, hidden: int) -> int:
    """Weights of a fully connected first layer: every input number to every hidden unit."""
    spec = {"type": "dense", "units": hidden}
    return count_parameters(spec, (height * width * channels,)).weights


def conv_weights(kernel: int, channels: int, filters: int) -> int:
    """Weights of a convolution layer: one k × k × d kernel per filter, for any image size."""
    spec = {"type": "conv", "filters": filters, "kernel": kernel}
    return count_parameters(spec, (channels, kernel, kernel)).weights


def conv_as_matrix(kernel: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The convolution layer written as a dense matrix (outputs × inputs).

    Column ``j`` is the engine's output for the image that is 1 at pixel ``j`` and 0 elsewhere,
    so row ``i`` holds the weight output unit ``i`` gives every input pixel.
    """
    h, w = shape
    basis = np.eye(h * w).reshape(h * w, 1, h, w)
    out = F.conv2d(basis, np.asarray(kernel, dtype=float)[None, None])
    return out.reshape(h * w, -1).T


def unit_weights(kernel: np.ndarray, shape: tuple[int, int], r: int, c: int) -> np.ndarray:
    """The weights output unit (r, c) gives each input pixel, laid out as the input image."""
    matrix = conv_as_matrix(kernel, shape)
    out_w = shape[1] - kernel.shape[1] + 1
    return matrix[r * out_w + c].reshape(shape)


def units_reading(shape: tuple[int, int], k: int, r: int, c: int) -> int:
    """How many output units of a k × k convolution read input pixel (r, c)."""
    column = conv_as_matrix(np.ones((k, k)), shape)[:, r * shape[1] + c]
    return int(np.count_nonzero(column))


def bounding_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the True cells of a 2-D mask, inclusive."""
    rows, cols = np.nonzero(mask)
    return int(rows.min()), int(cols.min()), int(rows.max()), int(cols.max())


def detection_scene() -> tuple[np.ndarray, list[tuple[int, tuple[int, int, int, int]]]]:
    """Three MNIST digits on one canvas and, for each, its label and bounding box."""
    digits = load_mnist_digits().astype(float)
    canvas = np.zeros(SCENE_SHAPE)
    found = []
    for digit, top, left in SCENE:
        canvas[top : top + 28, left : left + 28] = np.maximum(
            canvas[top : top + 28, left : left + 28], digits[digit]
        )
        mask = np.zeros(SCENE_SHAPE, dtype=bool)
        mask[top : top + 28, left : left + 28] = digits[digit] > 60
        found.append((digit, bounding_box(mask)))
    return canvas, found


def draw_boxes(canvas: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
    """The canvas with each box's outline drawn in mid gray."""
    out = canvas.copy()
    for top, left, bottom, right in boxes:
        out[top, left : right + 1] = out[bottom, left : right + 1] = 128
        out[top : bottom + 1, left] = out[top : bottom + 1, right] = 128
    return out


def swatch_html(image: np.ndarray, title: str, cell: int = 30) -> str:
    """An h × w × d picture (d = 3 colour, d = 1 gray) as a table of coloured cells."""
    rgb = np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td style="background:rgb({int(r)},{int(g)},{int(b)});width:{cell}px;'
            f'height:{cell}px"></td>'
            for r, g, b in line
        )
        + "</tr>"
        for line in rgb
    )
    h, w, d = image.shape
    return (
        f'<figure style="margin:4px"><table role="img" aria-label="{html.escape(title)}: a '
        f'{h} by {w} picture with {d} channel{"s" if d > 1 else ""}" '
        'style="border-collapse:collapse">'
        f'{rows}</table><figcaption style="font:600 13px system-ui">{html.escape(title)}'
        "</figcaption></figure>"
    )


def _tex(count: int) -> str:
    """A whole number with thousands separators that KaTeX does not space as a list: 65{,}536."""
    return f"{count:,}".replace(",", "{,}")


def weight_report(height: int, width: int, channels: int, hidden: int, k: int, filters: int) -> str:
    """The two weight counts, written out with the numbers the student chose."""
    pixels = height * width
    dense = dense_weights(height, width, channels, hidden)
    conv = conv_weights(k, channels, filters)
    return (
        f"The image has {height}×{width} = **{pixels:,} pixels** and "
        f"{height}·{width}·{channels} = {pixels * channels:,} input numbers.\n\n"
        f"A **fully connected** first layer with {hidden:,} hidden units: "
        f"${_tex(pixels * channels)} \\cdot {_tex(hidden)}$ = **{dense:,} weights**.\n\n"
        f"A **convolution** layer with {filters:,} filters of {k}×{k}×{channels}: "
        f"${k}\\cdot{k}\\cdot{channels}\\cdot{_tex(filters)}$ = **{conv:,} weights**, the same for "
        f"any image size ({dense / conv:,.0f} times fewer here)."
    )


# --- exercises ---------------------------------------------------------------------------------
def _weights_problem(
    spec: dict[str, object],
    image: tuple[int, int],
    prompt: str,
    hint: str,
    factors: tuple[int, ...],
    slips: tuple[tuple[float, str], tuple[float, str]],
    placeholder: str,
) -> Problem:
    """How many weights the layer of ``spec`` has on a side × side × d ``image``: the engine
    counts them. ``slips`` are the layer's typical wrong answer and one that only exists with
    several channels (left out when d = 1); counting the biases too is a slip every such question
    shares."""
    side, channels = image
    shape = (side * side * channels,) if spec["type"] == "dense" else (channels, side, side)
    weights, biases = count_parameters(spec, shape)
    layer_slip, channel_slip = slips
    mistakes = [
        layer_slip,
        (weights + biases, "the question asks for weights only, without the biases."),
    ]
    if channels > 1:
        mistakes.append(channel_slip)
    product = r"\cdot".join(map(str, factors))
    return Problem(
        prompt=f"{prompt} How many **weights** (not counting biases) does it have?",
        check=check_number(weights, places=0, mistakes=mistakes),
        hint=hint,
        solution=f"${product} = {weights}$, so the answer is {weights}.",
        placeholder=placeholder,
    )


def dense_count_problem(rng: np.random.Generator) -> Problem:
    """Weights of a fully connected first layer for an h × w × d image."""
    side = int(rng.choice([16, 28, 32, 64]))
    channels = int(rng.choice([1, 3]))
    hidden = int(rng.choice([10, 30, 50, 100]))
    return _weights_problem(
        {"type": "dense", "units": hidden},
        (side, channels),
        f"An image of {side}×{side}×{channels} (h × w × d) feeds a fully connected layer with "
        f"{hidden} hidden units.",
        "Every one of the h·w·d input numbers connects to every hidden unit.",
        (side, side, channels, hidden),
        (
            (side * side * channels, "that is the number of inputs; each hidden unit has its own."),
            (side * side * hidden, "every colour channel is an input of its own."),
        ),
        "e.g. 23520",
    )


def conv_count_problem(rng: np.random.Generator) -> Problem:
    """Weights of a convolution layer: independent of the image size."""
    side = int(rng.choice([28, 64, 256]))
    channels = int(rng.choice([1, 3, 8]))
    k = int(rng.choice([3, 5]))
    filters = int(rng.choice([4, 8, 16, 32]))
    return _weights_problem(
        {"type": "conv", "filters": filters, "kernel": k},
        (side, channels),
        f"A convolution layer with {filters} filters of size {k}×{k} reads a "
        f"{side}×{side}×{channels} image.",
        "One filter is a k × k × d block of weights; the image size does not enter.",
        (k, k, channels, filters),
        (
            (side * side * channels * filters, "a convolution does not connect every pixel."),
            (k * k * filters, "each kernel spans all the input channels."),
        ),
        "e.g. 72",
    )


def reach_problem(rng: np.random.Generator) -> Problem:
    """How many output units read one input pixel (overlapping receptive fields)."""
    n = int(rng.choice([5, 6, 7]))
    k = int(rng.choice([2, 3]))
    r, c = (int(v) for v in rng.integers(0, n, size=2))
    answer = units_reading((n, n), k, r, c)
    rows = min(r, n - k) - max(0, r - k + 1) + 1
    cols = min(c, n - k) - max(0, c - k + 1) + 1
    return Problem(
        prompt=(
            f"A {k}×{k} kernel slides over a {n}×{n} image with stride 1 and no padding. How "
            f"many output units have the input pixel in row {r + 1}, column {c + 1} in their "
            "local receptive field?"
        ),
        check=check_number(
            answer,
            places=0,
            mistakes=[(k * k, "pixels near an edge are read by fewer windows.")]
            if answer != k * k
            else [],
        ),
        hint=(
            "Count the window positions whose rows include the pixel's row, do the same for "
            "columns, and multiply."
        ),
        solution=(
            f"{rows} window rows × {cols} window columns cover that pixel: "
            f"${rows}\\cdot{cols} = {answer}$, so the answer is {answer}."
        ),
        placeholder="e.g. 9",
    )


# --- the page ----------------------------------------------------------------------------------
def _arrays() -> pn.Column:
    names = ("Red", "Green", "Blue")
    pixel = pn.widgets.Select(
        label="Pixel of the colour picture",
        options={f"row {r + 1}, column {c + 1}": (r, c) for r in range(6) for c in range(6)},
        value=(1, 1),
        width=220,
    )
    channels = [grid(RGB_EXAMPLE[:, :, i], f"{names[i]} channel", cell_size=30) for i in range(3)]
    readout = Text("")

    def pick(*_: object) -> None:
        r, c = pixel.value
        red, green, blue = (int(v) for v in RGB_EXAMPLE[r, c])
        for view in channels:
            view.highlight = (r, c, 1, 1)
        readout.object = (
            f"Pixel (row {r + 1}, column {c + 1}) is three numbers, one per channel: "
            f"**(R, G, B) = ({red}, {green}, {blue})**."
        )

    share(pixel=pixel)
    pixel.param.watch(pick, "value")
    pick()
    h, w, d = RGB_EXAMPLE.shape
    gh, gw, gd = GRAY_EXAMPLE.shape
    engine_shape = "×".join(map(str, channels_first(RGB_EXAMPLE).shape))
    return lesson_step(
        "1 · A picture is an array of numbers",
        "A computer sees an image as a grid of numbers, $h \\times w \\times d$: height, width "
        "and depth, the number of **channels**. A colour picture has $d = 3$ (red, green and "
        "blue, each from 0 to 255); a grayscale picture has $d = 1$. The lecture's examples: "
        f"a ${h}\\times{w}\\times{d}$ RGB image holds ${h}\\cdot{w}\\cdot{d} = "
        f"{array_size(RGB_EXAMPLE.shape)}$ numbers, a ${gh}\\times{gw}\\times{gd}$ grayscale "
        f"image ${array_size(GRAY_EXAMPLE.shape)}$. (The engine stores channels first, "
        f"$d\\times h\\times w$ = {engine_shape}; the numbers are the same.)",
        row(
            pn.pane.HTML(swatch_html(RGB_EXAMPLE, "6×6×3 colour image")),
            pn.pane.HTML(swatch_html(GRAY_EXAMPLE, "4×4×1 grayscale image")),
            grid(GRAY_EXAMPLE[:, :, 0], "Grayscale values", cell_size=36),
        ),
        pixel,
        readout,
        row(*channels),
    )


def _tasks() -> pn.Column:
    digits = load_mnist_digits()
    canvas, found = detection_scene()
    task = pn.widgets.RadioButtonGroup(
        label="Vision task",
        options=["Classification", "Detection"],
        value="Classification",
        variant="outline",
    )
    picture = GrayImage(digits[7], title="Input", size=180)
    answer = Text("")

    def refresh(*_: object) -> None:
        if task.value == "Classification":
            picture.param.update(values=digits[7].astype(float), title="Input: one digit")
            answer.object = "**Output:** one label for the whole picture: **7**."
        else:
            picture.param.update(
                values=draw_boxes(canvas, [box for _, box in found]), title="Input: a scene"
            )
            lines = "\n".join(
                f"| {digit} | rows {top + 1}–{bottom + 1}, columns {left + 1}–{right + 1} |"
                for digit, (top, left, bottom, right) in found
            )
            answer.object = (
                "**Output:** every object found, each with a label and a box:\n\n"
                f"| label | box |\n|---|---|\n{lines}"
            )

    share(task=task)
    redraw_on(refresh, task)
    return lesson_step(
        "2 · What we ask of a picture",
        "The lecture opens with the problems of computer vision. **Classification** gives one "
        "label to a whole picture (its photo of a cat: “CAT”). **Object detection** finds every "
        "object, says what it is and draws a box around it (“CAT, DOG, DUCK”). (The third, "
        "neural style transfer, repaints one picture in the style of another.) Here with "
        "handwritten digits; the boxes come from the digits' ink.",
        task,
        row(picture, answer),
    )


def _weight_count() -> pn.Column:
    boxes = {
        "height": pn.widgets.TextInput(label="Image height h", value="28", width=120),
        "width": pn.widgets.TextInput(label="Image width w", value="28", width=120),
        "channels": pn.widgets.TextInput(label="Channels d", value="1", width=100),
        "hidden": pn.widgets.TextInput(label="Hidden units", value="30", width=110),
        "k": pn.widgets.TextInput(label="Kernel size k", value="3", width=110),
        "filters": pn.widgets.TextInput(label="Filters", value="30", width=90),
    }
    message = notice()
    report = Text(weight_report(28, 28, 1, 30, 3, 30))
    limits = {
        "height": ("The image height", 1, 100_000),
        "width": ("The image width", 1, 100_000),
        "channels": ("The number of channels", 1, 1_000),
        "hidden": ("The number of hidden units", 1, 100_000),
        "k": ("The kernel size", 1, 1_000),
        "filters": ("The number of filters", 1, 100_000),
    }

    def sizes() -> dict[str, int]:
        values = {key: parse_count(boxes[key].value, *limits[key]) for key in boxes}
        if values["k"] > min(values["height"], values["width"]):
            raise ValueError("The kernel size cannot exceed the image's height or width.")
        return values

    def refresh(*_: object) -> None:
        values = read_input(message, sizes, "The counts below are for your last valid numbers.")
        if values is not None:
            report.object = weight_report(**values)

    for key, box in boxes.items():
        shared(key, box, check=lambda text, limit=limits[key]: parse_count(text, *limit))
    for box in boxes.values():
        box.param.watch(refresh, "value")
    return lesson_step(
        "3 · Too many weights: count them",
        "A fully connected (dense) layer connects every input number to every hidden unit, so "
        "its weights grow with the image: $h\\cdot w\\cdot d\\cdot \\text{units}$. A convolution "
        "layer has one small kernel per filter, $k\\cdot k\\cdot d\\cdot \\text{filters}$ "
        "weights, whatever the size of the image. Type your own sizes (try 256 × 256):",
        row(*boxes.values()),
        message,
        report,
        LectureSlip(
            "$784 \\cdot 30 = 23{,}550$",
            "$23{,}520$",
            "$784 \\cdot 30 = 23{,}520$ (the default numbers above).",
        ),
        LectureSlip(
            "a 256 × 256 image has “56,000 pixels” (and a first layer of “560k parameters”)",
            "$256 \\cdot 256 = 65{,}536$ pixels",
            "$256^2 = 65{,}536$. The slide's “~78k” for MNIST fits 100 hidden units "
            "($784\\cdot100 = 78{,}400$); with the same 100 units a 256 × 256 image needs "
            "$65{,}536\\cdot 100 = 6{,}553{,}600$ weights, not 560k.",
        ),
    )


def _connections() -> pn.Column:
    out_h, out_w = (s - 2 for s in FIELD_IMAGE.shape)
    outputs = F.correlate2d(FIELD_IMAGE, LECTURE_KERNEL)
    buttons = [
        pn.widgets.Button(label=f"{outputs[r, c]:g}", width=46, height=40, margin=2)
        for r in range(out_h)
        for c in range(out_w)
    ]
    image_view = grid(FIELD_IMAGE, "Input image (6×6)", cell_size=32)
    weights_view = grid(
        np.zeros_like(FIELD_IMAGE), "This unit's weight on each pixel", cell_size=32
    )
    summary = Text("")

    def pick(index: int) -> None:
        r, c = divmod(index, out_w)
        for i, button in enumerate(buttons):
            button.color = "primary" if i == index else "default"
        image_view.highlight = (r, c, 3, 3)
        weights = unit_weights(LECTURE_KERNEL, FIELD_IMAGE.shape, r, c)
        weights_view.param.update(values=weights, highlight=(r, c, 3, 3))
        window = FIELD_IMAGE[r : r + 3, c : c + 3]
        summary.object = (
            f"Output unit (row {r + 1}, column {c + 1}) = {outputs[r, c]:g}. **Local receptive "
            f"field:** it reads only the 3×3 window outlined, rows {r + 1}–{r + 3} and columns "
            f"{c + 1}–{c + 3} (sum of the window × kernel = "
            f"{float(np.sum(window * LECTURE_KERNEL)):g}). **Sparse connectivity:** 9 of the "
            f"{FIELD_IMAGE.size} pixels are connected; the other {FIELD_IMAGE.size - 9} weights "
            "are 0. **Weight sharing:** the 9 weights are the kernel's, the same for all "
            f"{out_h * out_w} units: the layer has 9 weights where a dense layer with "
            f"{out_h * out_w} units would have {out_h * out_w}·{FIELD_IMAGE.size} = "
            f"{out_h * out_w * FIELD_IMAGE.size}."
        )

    for i, button in enumerate(buttons):
        button.on_click(lambda _, i=i: pick(i))
    pick(0)
    return lesson_step(
        "4 · Local, sparse, shared: click an output unit",
        "The lecture's three ideas, on a 6×6 image and its 3×3 “X” kernel. The grid of buttons is "
        "the 4×4 feature map: click a unit (or Tab to it and press Enter) and see which input "
        "pixels it reads and with which weights. The weights come from the engine: the layer is "
        "run on every one-pixel image, which reveals its connections as a matrix.",
        row(
            pn.Column(
                pn.pane.HTML("<strong>Feature map: click a unit</strong>", margin=(5, 5, 0, 5)),
                pn.GridBox(*buttons, ncols=out_w, width=out_w * 52, css_classes=["unit-grid"]),
            ),
            image_view,
            weights_view,
        ),
        summary,
        Formula(r"y_{ij} = \sum_{m=0}^{2}\sum_{n=0}^{2} K_{m,n}\, I_{i+m,\,j+n}"),
    )


SECTIONS = (_arrays, _tasks, _weight_count, _connections)

EXERCISES = (
    ExerciseInfo("dense-count", "Weights of a fully connected layer", dense_count_problem),
    ExerciseInfo("conv-count", "Weights of a convolution layer", conv_count_problem),
    ExerciseInfo("pixel-reach", "Overlapping receptive fields", reach_problem),
)
