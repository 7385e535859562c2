"""Stride and padding lesson: where the kernel lands, how big the output is, what it never sees.

The output size comes from ``engine.functional.output_size`` and every example map from
``engine.functional.correlate2d``; this module only works out window positions for drawing.
"""

from __future__ import annotations

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource
from bokeh.plotting import figure

from app.components.code import ShowCode
from app.components.exercise import ExerciseInfo, Problem, check_number
from app.components.formula import Formula, Text
from app.components.layout import lesson_step, notice, read_input, redraw_on, row
from app.components.shared_link import share
from app.components.slip import LectureSlip
from app.lecture_examples import PADDING_IMAGE, STRIDE_GRID, VERTICAL_EDGE
from app.lessons._conv_common import Stepper, grid
from engine import functional as F

#: The 2×2 corner of the stride-2 output that the slide shows.
STRIDE_SLIDE_CORNER = np.array([[108, 126], [288, 306]], dtype=float)

#: The entries the slide fills in (row, column) -> value; the rest of its 6×6 output is blank.
PADDING_SLIDE_VALUES: dict[tuple[int, int], float] = {
    (0, 0): -10,
    (0, 1): -13,
    (0, 2): 1,
    (1, 0): -9,
    (1, 1): 3,
    (1, 2): 0,
}


def window_starts(n: int, k: int, s: int, p: int) -> np.ndarray:
    """Top (or left) edge of every window along one axis, in padded coordinates."""
    return np.arange(F.output_size(n, k, s, p)) * s


def line_coverage(n: int, k: int, s: int, p: int) -> np.ndarray:
    """How many windows cover each row of the padded grid (columns behave the same)."""
    counts = np.zeros(n + 2 * p, dtype=int)
    for start in window_starts(n, k, s, p):
        counts[start : start + k] += 1
    return counts


def coverage(n: int, k: int, s: int, p: int) -> np.ndarray:
    """How many windows cover each cell of the padded (n+2p)×(n+2p) grid.

    A cell of the image with count 0 is never seen by the kernel: the stride jumped over it.
    """
    counts = line_coverage(n, k, s, p)
    return np.outer(counts, counts)


def unvisited_lines(n: int, k: int, s: int, p: int) -> list[int]:
    """Image rows (1-based, as a student counts them) that no window touches; columns alike."""
    counts = line_coverage(n, k, s, p)
    return [i - p + 1 for i in range(p, p + n) if counts[i] == 0]


def same_padding(k: int) -> int:
    """Padding that keeps the size at stride 1: (k − 1)/2, defined for odd k."""
    if k % 2 == 0:
        raise ValueError(f"'same' padding needs an odd kernel size; {k} is even.")
    return (k - 1) // 2


def stride_example() -> np.ndarray:
    """The lecture's stride example computed by the engine: 3×3 ones, stride 2."""
    return F.correlate2d(STRIDE_GRID, np.ones((3, 3)), stride=2)


def padding_example() -> np.ndarray:
    """The lecture's padding example computed by the engine: zero padding 1 keeps 6×6."""
    return F.correlate2d(PADDING_IMAGE, VERTICAL_EDGE, padding=1)


def padding_slips() -> list[tuple[int, int, float, float]]:
    """Slide entries that disagree with the computed map: (row, col, slide, correct)."""
    correct = padding_example()
    return [
        (r, c, value, float(correct[r, c]))
        for (r, c), value in PADDING_SLIDE_VALUES.items()
        if correct[r, c] != value
    ]


# --- exercises ---------------------------------------------------------------------------------
def output_size_problem(rng: np.random.Generator) -> Problem:
    """Output size for random n, k, s, p (always a valid setting)."""
    while True:
        n, k = int(rng.integers(5, 33)), int(rng.choice([1, 2, 3, 5, 7]))
        s, p = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        if n + 2 * p >= k:
            break
    answer = F.output_size(n, k, s, p)
    exact = (n + 2 * p - k) / s + 1
    # Forgetting the padding only gives a number to recognise when the kernel fits without it.
    unpadded = (
        [(F.output_size(n, k, s, 0), "you forgot the padding: it adds p on both sides.")]
        if n >= k
        else []
    )
    return Problem(
        prompt=(
            f"An $n = {n}$ pixel wide image, kernel $k = {k}$, stride $s = {s}$, padding "
            f"$p = {p}$. How many output columns are there?"
        ),
        check=check_number(
            answer,
            places=0,
            mistakes=[
                *unpadded,
                (n - k + 1, "that ignores stride and padding."),
                (answer + 1, "the window must fit entirely; round (n + 2p − k)/s down, then + 1."),
            ],
        ),
        hint=r"Use $\lfloor (n + 2p - k)/s \rfloor + 1$: round the division down before adding 1.",
        solution=(
            rf"$\lfloor ({n} + 2\cdot{p} - {k})/{s} \rfloor + 1 = "
            rf"\lfloor {exact - 1:.4g} \rfloor + 1 = {answer}$."
        ),
        placeholder="e.g. 13",
    )


def same_padding_problem(rng: np.random.Generator) -> Problem:
    """The zero padding that keeps the size at stride 1."""
    k = int(rng.choice([3, 5, 7, 9, 11]))
    n = int(rng.integers(8, 65))
    p = same_padding(k)
    return Problem(
        prompt=(
            f"A {n}×{n} image and a {k}×{k} kernel at stride 1. How many rings of zeros "
            "(padding $p$) keep the output the same size as the input?"
        ),
        check=check_number(
            p,
            places=0,
            mistakes=[(k - 1, "that is the total; padding goes on both sides, so halve it.")],
        ),
        hint=r"Set $n + 2p - k + 1 = n$ and solve for $p$.",
        solution=rf"$n + 2p - {k} + 1 = n \Rightarrow p = ({k} - 1)/2 = {p}$.",
        placeholder="e.g. 2",
    )


def unvisited_problem(rng: np.random.Generator) -> Problem:
    """How many image rows a strided kernel never touches (no padding)."""
    while True:
        n, k, s = int(rng.integers(6, 16)), int(rng.integers(1, 5)), int(rng.integers(2, 5))
        if n >= k and unvisited_lines(n, k, s, 0):
            break
    missed = unvisited_lines(n, k, s, 0)
    windows = F.output_size(n, k, s, 0)
    return Problem(
        prompt=(
            f"A {n}×{n} image, kernel {k}×{k}, stride {s}, no padding. How many of the "
            f"{n} rows does the kernel **never** touch?"
        ),
        check=check_number(len(missed), places=0),
        hint=(
            f"The windows start at rows 1, {1 + s}, {1 + 2 * s}, … and each covers {k} rows. "
            "Mark the covered rows and count the others."
        ),
        solution=(
            f"There are {windows} window positions (starting rows "
            f"{', '.join(str(1 + s * i) for i in range(windows))}), covering {k} rows each. "
            f"Never touched: rows {', '.join(map(str, missed))} — **{len(missed)}** rows."
        ),
        placeholder="e.g. 1",
    )


# --- the page ----------------------------------------------------------------------------------
PAD_COLOR, MISSED_COLOR = "#e5e7eb", "#fecaca"
COVER_PALETTE = ("#eff6ff", "#bfdbfe", "#93c5fd", "#60a5fa", "#3b82f6", "#2563eb", "#1d4ed8")


def coverage_cells(n: int, k: int, s: int, p: int) -> dict[str, list]:
    """Cells of the padded grid for drawing: position, fill, hatch and the count written in."""
    counts = coverage(n, k, s, p)
    size = n + 2 * p
    r, c = np.divmod(np.arange(size * size), size)
    inside = (r >= p) & (r < p + n) & (c >= p) & (c < p + n)
    flat = counts.ravel()
    fill = [
        (COVER_PALETTE[min(v, len(COVER_PALETTE) - 1)] if v else MISSED_COLOR) if ins else PAD_COLOR
        for v, ins in zip(flat, inside, strict=True)
    ]
    # Padding cells are hatched and still show how often windows cover them; only an image
    # pixel that no window reaches gets the ×.
    label = [str(v) if v or not ins else "×" for v, ins in zip(flat, inside, strict=True)]
    return {
        "x": (c + 0.5).tolist(),
        "y": (r + 0.5).tolist(),
        "fill": fill,
        "hatch": [" " if ins else "/" for ins in inside],  # " " is Bokeh's blank pattern
        "label": label,
    }


def _explorer() -> pn.Column:
    n = pn.widgets.Select(label="Image size n", options=list(range(1, 13)), value=7, width=110)
    k = pn.widgets.Select(label="Kernel size k", options=list(range(1, 8)), value=3, width=110)
    s = pn.widgets.Select(label="Stride s", options=[1, 2, 3, 4], value=2, width=110)
    p = pn.widgets.Select(label="Padding p", options=[0, 1, 2, 3], value=0, width=110)
    player = Stepper("Window position", lambda i: f"window {i + 1}", end=8)
    formula = Formula("")
    message = notice()
    cells = ColumnDataSource(coverage_cells(7, 3, 2, 0))
    window = ColumnDataSource({"x": [1.5], "y": [1.5], "w": [3], "h": [3]})
    fig = figure(
        width=340,
        height=340,
        x_range=(0, 7),
        y_range=(7, 0),
        tools="",
        toolbar_location=None,
        title="How many windows cover each pixel",
    )
    fig.rect(
        "x",
        "y",
        1,
        1,
        source=cells,
        fill_color="fill",
        line_color="white",
        hatch_pattern="hatch",
        hatch_color="#9ca3af",
        hatch_alpha=0.6,
    )
    fig.text(
        "x",
        "y",
        text="label",
        source=cells,
        text_align="center",
        text_baseline="middle",
        text_font_size="11px",
    )
    fig.rect("x", "y", "w", "h", source=window, fill_alpha=0, line_color="#dc2626", line_width=3)
    fig.axis.visible = False
    fig.grid.visible = False
    caption = Text("")

    def refresh(*_: object) -> None:
        out = read_input(
            message,
            lambda: F.output_size(n.value, k.value, s.value, p.value),
            "Make the kernel smaller or add padding.",
        )
        if out is None:
            return
        size = n.value + 2 * p.value
        player.end = out * out - 1
        formula.object = (
            rf"\left\lfloor \frac{{{n.value} + 2\cdot{p.value} - {k.value}}}{{{s.value}}}"
            rf"\right\rfloor + 1 = \lfloor {(size - k.value) / s.value:.4g} \rfloor + 1 = {out}"
        )
        cells.data = coverage_cells(n.value, k.value, s.value, p.value)
        fig.x_range.update(start=0, end=size)
        fig.y_range.update(start=size, end=0)
        row_i, col_i = divmod(player.value, out)
        window.data = {
            "x": [col_i * s.value + k.value / 2],
            "y": [row_i * s.value + k.value / 2],
            "w": [k.value],
            "h": [k.value],
        }
        missed = unvisited_lines(n.value, k.value, s.value, p.value)
        caption.object = (
            f"Output: **{out}×{out}**. Window {player.value + 1} of {out * out} is outlined in "
            "red. Gray hatched cells are padding zeros. "
            + (
                f"Rows and columns {', '.join(map(str, missed))} are never visited (×): their "
                "pixels cannot influence the output at all."
                if missed
                else "Every pixel is seen by at least one window."
            )
        )

    share(size=n, kernel=k, stride=s, padding=p, window=player)
    redraw_on(refresh, n, k, s, p, player)
    return lesson_step(
        "1 · Where does the kernel land?",
        "The **stride** $s$ is how many pixels the kernel jumps between positions; **padding** "
        "$p$ adds that many rings of zeros around the image. The window must fit inside the "
        "padded image of $n + 2p$ pixels, so along each axis it has "
        r"$\lfloor (n + 2p - k)/s \rfloor + 1$ positions. The floor $\lfloor\cdot\rfloor$ "
        "matters: when $(n + 2p - k)/s$ is not a whole number, the last few pixels are left over "
        "and never visited. Each cell below shows how many windows cover it.",
        row(n, k, s, p),
        row(player, formula),
        message,
        row(pn.pane.Bokeh(fig), caption),
        ShowCode(F.output_size),
    )


def _stride_example() -> pn.Column:
    out = stride_example()
    choices = {f"row {r + 1}, column {c + 1}": (r, c) for r in range(3) for c in range(3)}
    cell = pn.widgets.Select(label="Output cell (stride example)", options=choices, width=220)
    image = grid(STRIDE_GRID, "8×7 input", highlight=(0, 0, 3, 3), cell_size=36)
    result = grid(out, "Output, 3×3 ones, stride 2", highlight=(0, 0, 1, 1))
    total = Formula("")

    def refresh(*_: object) -> None:
        r, c = cell.value
        image.highlight = (2 * r, 2 * c, 3, 3)
        result.highlight = (r, c, 1, 1)
        block = STRIDE_GRID[2 * r : 2 * r + 3, 2 * c : 2 * c + 3]
        total.object = " + ".join(f"{v:g}" for v in block.ravel()) + f" = {out[r, c]:g}"

    share(**{"stride-cell": cell})
    redraw_on(refresh, cell)
    return lesson_step(
        "2 · The lecture's stride example",
        "The lecture convolves an 8×7 grid holding 1…77 with a 3×3 kernel of ones at stride 2, so "
        "each output is the sum of a 3×3 block and the blocks start two pixels apart. With "
        r"$\lfloor (8 - 3)/2 \rfloor + 1 = 3$ rows and $\lfloor (7 - 3)/2 \rfloor + 1 = 3$ "
        "columns the output is 3×3. Pick an output cell to see its block.",
        cell,
        row(image, result),
        total,
        LectureSlip(
            "a 2×2 output (108, 126, 288, 306)",
            "a 3×3 output",
            "those four numbers are only its top-left corner; the third row and column "
            "(144, 324, 468, 486, 504) are missing from the slide. The formula gives 3 "
            "positions along both axes.",
        ),
    )


def _padding_example() -> pn.Column:
    out = padding_example()
    padded = np.pad(PADDING_IMAGE, 1)
    choices = {f"row {r + 1}, column {c + 1}": (r, c) for r in range(6) for c in range(6)}
    cell = pn.widgets.Select(label="Output cell (padding example)", options=choices, width=220)
    image = grid(padded, "6×6 image padded to 8×8", highlight=(0, 0, 3, 3), cell_size=34)
    kernel = grid(VERTICAL_EDGE, "Vertical-edge kernel", cell_size=34)
    result = grid(out, "Output (6×6)", highlight=(0, 0, 1, 1), cell_size=34)
    total = Formula("")

    def refresh(*_: object) -> None:
        r, c = cell.value
        image.highlight = (r, c, 3, 3)
        result.highlight = (r, c, 1, 1)
        block = padded[r : r + 3, c : c + 3]
        total.object = (
            f"({' + '.join(f'{v:g}' for v in block[:, 0])}) - "
            f"({' + '.join(f'{v:g}' for v in block[:, 2])}) = {out[r, c]:g}"
        )

    share(**{"padding-cell": cell})
    redraw_on(refresh, cell)
    slips = [
        LectureSlip(
            f"{slide:g} in row {r + 1}, column {c + 1}",
            f"{right:g}",
            "that is what the kernel gives at this position (pick the cell above to check "
            f"the sum); {slide:g} is the value of another window{_found_at(out, slide)}.",
        )
        for r, c, slide, right in padding_slips()
    ]
    return lesson_step(
        "3 · The lecture's padding example",
        "Without padding a 3×3 kernel shrinks a 6×6 image to 4×4, and the border pixels are "
        "visited fewer times than the centre ones. One ring of zeros ($p = 1$) gives "
        r"$\lfloor (6 + 2 - 3)/1 \rfloor + 1 = 6$: the output keeps the size. The kernel "
        "subtracts the right column of the window from the left one, so it answers strongly "
        "where brightness changes from left to right.",
        cell,
        row(image, kernel, result),
        total,
        *slips,
    )


def _found_at(values: np.ndarray, value: float) -> str:
    """Where a value occurs in the map, read down the columns (the slide seems to have)."""
    hits = np.argwhere(value == values.T)
    if not len(hits):
        return ""
    c, r = hits[0]
    return f", row {r + 1}, column {c + 1}"


def _valid_or_same() -> pn.Column:
    mode = pn.widgets.RadioButtonGroup(
        label="Padding mode",
        options=["valid", "same"],
        value="same",
        variant="outline",
    )
    n = pn.widgets.Select(
        label="Image size n (valid or same)",
        options=[5, 7, 14, 28, 32, 64, 256],
        value=28,
        width=140,
    )
    k = pn.widgets.Select(label="Kernel size k (odd)", options=[1, 3, 5, 7, 9], value=5, width=140)
    share(**{"mode": mode, "mode-size": n, "mode-kernel": k})

    def describe(mode: str, n: int, k: int) -> str:
        if k > n:
            return f"A {k}×{k} kernel does not fit a {n}×{n} image without padding."
        p = 0 if mode == "valid" else same_padding(k)
        out = F.output_size(n, k, 1, p)
        return f"**{mode}**: $p = {p}$, output ${out}\\times{out}$ " + (
            "(the image shrinks by $k - 1$)." if mode == "valid" else "(same size as input)."
        )

    return lesson_step(
        "4 · Valid or same?",
        "**Valid** padding means no padding: only windows that fit entirely inside the image "
        "count, so each layer shrinks the map by $k - 1$. **Same** padding adds "
        "$p = (k - 1)/2$ rings of zeros (for an odd kernel at stride 1) so the output keeps the "
        "input's size and the border pixels take part as often as the others.",
        row(mode, n, k),
        Text(pn.bind(describe, mode, n, k)),
    )


SECTIONS = (_explorer, _stride_example, _padding_example, _valid_or_same)

EXERCISES = (
    ExerciseInfo("output-size", "Output size", output_size_problem),
    ExerciseInfo("same-padding", "Padding for 'same' output", same_padding_problem),
    ExerciseInfo("unvisited-rows", "Rows the stride skips", unvisited_problem),
)
