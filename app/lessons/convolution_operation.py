"""Convolution as an operation on two functions: the lecture's four steps (dummy variable, reflect,
shift, integrate) on continuous signals, the discrete sum beside it, the five properties checked
on signals the student types, and blur as an application.

Every convolution on the page comes from ``engine.signals`` (1-D) or ``engine.functional``
(the 2-D blur); this module picks the signals and formats what the engine returns.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource

from app.components.answers import AnswerError, parse_vector
from app.components.charts import line_chart
from app.components.choices import ChangingSelect
from app.components.code import ShowCode
from app.components.exercise import ExerciseInfo, Problem, check_number
from app.components.formula import Formula, Text
from app.components.image import GrayImage
from app.components.layout import lesson_step, notice, read_input, redraw_on, row
from app.components.shared_link import share, shared
from app.components.slip import LectureSlip
from app.lessons._conv_common import Stepper, load_photo, num
from engine import functional as F
from engine import signals

Signal = Callable[[np.ndarray], np.ndarray]

#: Continuous signals the student can convolve, with their formula.
SIGNALS: dict[str, tuple[Signal, str]] = {
    "Box on [0, 1)": (lambda x: ((x >= 0) & (x < 1)).astype(float), r"\mathbb{1}_{[0,1)}(\tau)"),
    "Triangle": (lambda x: np.clip(1 - np.abs(x), 0, None), r"\max(0,\,1-|\tau|)"),
    "Decaying exponential": (
        lambda x: np.where(x >= 0, np.exp(-2 * np.clip(x, 0, None)), 0.0),
        r"e^{-2\tau}\ (\tau \ge 0)",
    ),
    "Gaussian": (lambda x: np.exp(-2 * x**2), r"e^{-2\tau^2}"),
}
#: The dummy variable's grid τ (midpoints of 800 cells of width 0.01, so a box's edges fall
#: between samples and its area comes out exact) and the shifts t the animation visits.
DT = 0.01
TAU = np.round(-4 + DT * (np.arange(800) + 0.5), 10)
SHIFTS = np.round(np.arange(-3, 3.01, 0.1), 10)
#: The lecture's steps, short enough for four buttons on a phone.
STEPS = {"1 · τ": 1, "2 · reflect": 2, "3 · shift": 3, "4 · area": 4}

#: The discrete example's default signals (typed by the student in the page).
DEFAULT_F = [1.0, 2.0, 3.0]
DEFAULT_G = [0.0, 1.0, 0.5]
DEFAULT_H = [2.0, -1.0]


@cache
def named_curve(f_name: str, g_name: str) -> tuple[np.ndarray, np.ndarray]:
    """``continuous_curve`` of two signals of ``SIGNALS``, computed once per pair (Play redraws
    the page several times a second, and only the shift changes then)."""
    return continuous_curve(SIGNALS[f_name][0], SIGNALS[g_name][0])


def continuous_curve(f: Signal, g: Signal) -> tuple[np.ndarray, np.ndarray]:
    """(t, (f * g)(t)) on the grid of ``TAU``, from the engine's sampled convolution."""
    full = signals.convolve_sampled(f(TAU), g(TAU), DT)
    t = 2 * TAU[0] + DT * np.arange(full.size)  # both signals start at TAU[0]
    keep = (t >= TAU[0] - DT / 2) & (t <= TAU[-1] + DT / 2)
    return t[keep], full[keep]


def step_curves(f: Signal, g: Signal, step: int, t: float) -> dict[str, np.ndarray]:
    """What the lecture's step ``step`` (1–4) draws at shift ``t``.

    1: f(τ) and g(τ); 2: g reflected, g(−τ); 3: g(t − τ); 4: also the product and its area.
    """
    if step == 1:
        second, product = g(TAU), np.zeros_like(TAU)
    elif step == 2:
        second, product = g(-TAU), np.zeros_like(TAU)
    else:
        current = signals.slide(f, g, t, TAU)
        second = current.g_shifted
        product = current.product if step == 4 else np.zeros_like(TAU)
    return {"tau": TAU, "f": f(TAU), "g": second, "product": product, "zero": np.zeros_like(TAU)}


def discrete_terms(f: np.ndarray, g: np.ndarray, n: int) -> list[tuple[int, float, float]]:
    """The nonzero-index terms (k, f[k], g[n − k]) of (f * g)[n] = Σ_k f[k] g[n − k]."""
    return [(k, float(f[k]), float(g[n - k])) for k in range(len(f)) if 0 <= n - k < len(g)]


def _factor(value: float) -> str:
    """A number as a factor in a product: negative ones in parentheses."""
    return f"({num(value)})" if value < 0 else num(value)


def discrete_sum_latex(f: np.ndarray, g: np.ndarray, n: int) -> str:
    """(f * g)[n] written out term by term, with the engine's value at the end."""
    terms = discrete_terms(f, g, n)
    value = signals.convolve1d(f, g)[n]
    written = " + ".join(rf"{_factor(a)}\cdot{_factor(b)}" for _, a, b in terms)
    # One step per line: the written-out sum alone nearly fills a phone's width.
    return (
        rf"\begin{{aligned}} (f*g)[{n}] &= \textstyle\sum_k f[k]\,g[{n}-k] \\ &= {written} "
        rf"\\ &= {num(value)} \end{{aligned}}"
    )


def _pad_to(a: np.ndarray, size: int) -> np.ndarray:
    return np.pad(a, (0, size - a.size))


def properties(f: np.ndarray, g: np.ndarray, h: np.ndarray) -> list[tuple[str, str, float]]:
    """The lecture's five properties on these signals: (name, equation, largest |left − right|).

    Signals of different lengths are padded with zeros at the end, which does not change them.
    """
    conv = signals.convolve1d

    def gap(left: np.ndarray, right: np.ndarray) -> float:
        size = max(left.size, right.size)
        return float(np.max(np.abs(_pad_to(left, size) - _pad_to(right, size))))

    size = max(g.size, h.size)
    g_plus_h = _pad_to(g, size) + _pad_to(h, size)
    return [
        ("Commutativity", r"f*g = g*f", gap(conv(f, g), conv(g, f))),
        ("Associativity", r"f*(g*h) = (f*g)*h", gap(conv(f, conv(g, h)), conv(conv(f, g), h))),
        (
            "Distributivity",
            r"f*(g+h) = f*g + f*h",
            gap(
                conv(f, g_plus_h),
                _pad_to(conv(f, g), size + f.size - 1) + conv(f, _pad_to(h, size)),
            ),
        ),
        ("Zero absorbs", r"f*0 = 0", gap(conv(f, np.zeros(1)), np.zeros(1))),
        ("Identity", r"f*\delta = f", gap(conv(f, np.ones(1)), f)),
    ]


def properties_table(f: np.ndarray, g: np.ndarray, h: np.ndarray) -> str:
    """The properties as a Markdown table with the engine's largest difference."""
    lines = [
        f"| {name}: ${equation}$ | {gap:.2g} {'✓ holds' if gap < 1e-9 else '✗ fails'} |"
        for name, equation, gap in properties(f, g, h)
    ]
    conv = signals.convolve1d
    shown = ", ".join(num(v) for v in conv(f, g))
    both = ", ".join(num(v) for v in conv(f, conv(g, h)))
    return (
        "| property | largest difference |\n|---|---|\n"
        + "\n".join(lines)
        + f"\n\nFor these signals the engine computed f \\* g = [{shown}] and "
        f"f \\* (g \\* h) = [{both}], among others."
    )


def parse_signal(text: str, name: str) -> np.ndarray:
    """A signal typed as numbers (``1, 2, 3``); ``ValueError`` says what to fix."""
    try:
        values = np.asarray(parse_vector(text), dtype=float)
    except AnswerError as error:
        raise ValueError(f"Signal {name}: {error}") from None
    if not 1 <= values.size <= 12:
        raise ValueError(f"Signal {name} needs between 1 and 12 numbers.")
    if np.max(np.abs(values)) > 1e6:
        raise ValueError(f"Signal {name}: keep the numbers between -1,000,000 and 1,000,000.")
    return values


def lens_kernel(radius: int) -> np.ndarray:
    """An out-of-focus lens's blur: a disk of the given radius, weights adding up to 1."""
    y, x = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    disk = (x**2 + y**2 <= radius**2 + 0.5).astype(float)
    return disk / disk.sum()


def defocus(image: np.ndarray, radius: int) -> np.ndarray:
    """The image convolved with a lens kernel (zero padding keeps its size)."""
    return F.convolve2d(np.asarray(image, dtype=float), lens_kernel(radius), padding=radius)


def box_overlap(a: float, b: float, t: float) -> float:
    """(f * g)(t) for unit boxes f on [0, a) and g on [0, b): the length where they overlap."""
    return max(0.0, min(t, a) - max(0.0, t - b))


# --- exercises ---------------------------------------------------------------------------------
def discrete_value_problem(rng: np.random.Generator) -> Problem:
    """One entry (f * g)[n] of a discrete convolution."""
    f = rng.integers(-2, 4, size=3).astype(float)
    g = rng.integers(-2, 4, size=3).astype(float)
    n = int(rng.integers(1, 4))
    answer = float(signals.convolve1d(f, g)[n])
    unreflected = float(signals.convolve1d(f, g[::-1])[n])
    mistakes = (
        [(unreflected, "that is g without the reflection (a cross-correlation).")]
        if unreflected != answer
        else []
    )
    return Problem(
        prompt=(
            f"$f = [{', '.join(num(v) for v in f)}]$ and $g = [{', '.join(num(v) for v in g)}]$, "
            f"indexed from 0. What is $(f*g)[{n}] = \\sum_k f[k]\\,g[{n}-k]$?"
        ),
        check=check_number(answer, places=0, mistakes=mistakes),
        hint=f"Pair f[k] with g[{n} − k] for every k where both exist, multiply, add.",
        solution=f"$${discrete_sum_latex(f, g, n)}$$\n\nSo the answer is {num(answer)}.",
        placeholder="e.g. 4",
    )


def length_problem(rng: np.random.Generator) -> Problem:
    """How many entries the full convolution of two finite signals has."""
    m, k = (int(v) for v in rng.integers(2, 30, size=2))
    answer = signals.convolve1d(np.ones(m), np.ones(k)).size
    return Problem(
        prompt=(
            f"A signal f has {m} samples and g has {k}. How many entries does the full "
            "convolution $f*g$ have (every shift where they overlap at all)?"
        ),
        check=check_number(
            answer,
            places=0,
            mistakes=[(m + k, "the first and last shifts overlap by just one sample: one less.")],
        ),
        hint="g starts overlapping f with its last sample on f's first one, and stops after its "
        "first sample passes f's last one.",
        solution=f"$M + K - 1 = {m} + {k} - 1 = {answer}$, so the answer is {answer}.",
        placeholder="e.g. 12",
    )


def box_problem(rng: np.random.Generator) -> Problem:
    """The area of overlap of two boxes at one shift: a point of the trapezoid f * g."""
    a, b = (float(v) for v in rng.choice([1.0, 1.5, 2.0, 3.0], size=2, replace=False))
    t = float(rng.choice(np.arange(0.5, a + b, 0.5)))
    answer = box_overlap(a, b, t)
    return Problem(
        prompt=(
            f"$f$ is 1 on $[0, {num(a)})$ and $g$ is 1 on $[0, {num(b)})$, both 0 elsewhere. "
            f"What is $(f*g)({num(t)}) = \\int f(\\tau)\\,g({num(t)}-\\tau)\\,d\\tau$?"
        ),
        check=check_number(
            answer,
            places=2,
            mistakes=[
                (min(a, b), "that is the most overlap there can be, not the overlap at this t.")
            ]
            if answer != min(a, b)
            else [],
        ),
        hint=(
            f"$g({num(t)}-\\tau)$ is 1 for $\\tau$ in $({num(t - b)}, {num(t)}]$. The integral is "
            "the length of the part of that interval inside f's box."
        ),
        solution=(
            f"The reflected, shifted box covers $({num(t - b)}, {num(t)}]$; it meets "
            f"$[0, {num(a)})$ on a length of {num(answer)}, so the answer is {num(answer)}."
        ),
        placeholder="e.g. 1.5",
    )


# --- the page ----------------------------------------------------------------------------------
def _four_steps() -> pn.Column:
    f_name = pn.widgets.Select(
        label="Function f", options=list(SIGNALS), value="Box on [0, 1)", width=200
    )
    g_name = pn.widgets.Select(
        label="Function g", options=list(SIGNALS), value="Decaying exponential", width=200
    )
    step = pn.widgets.RadioButtonGroup(label="Step", options=STEPS, value=4, variant="outline")
    shift = Stepper(
        "Jump to shift t", lambda i: f"t = {SHIFTS[i]:+.1f}", end=len(SHIFTS) - 1, interval=250
    )
    shift.value = int(np.argmin(np.abs(SHIFTS - 0.5)))
    curves = ColumnDataSource(
        step_curves(SIGNALS["Box on [0, 1)"][0], SIGNALS["Box on [0, 1)"][0], 1, 0)
    )
    traced = ColumnDataSource({"t": [], "y": []})
    whole = ColumnDataSource({"t": [], "y": []})
    now = ColumnDataSource({"t": [], "y": []})
    top = line_chart(title="The integrand over τ", x_label="τ", y_label="", x_range=(-4, 4))
    top.varea(
        "tau",
        "zero",
        "product",
        source=curves,
        color="#16a34a",
        alpha=0.35,
        legend_label="f(τ)·g(t−τ)",
    )
    top.line("tau", "f", source=curves, line_width=2, color="#2563eb", legend_label="f(τ)")
    top.line("tau", "g", source=curves, line_width=2, color="#f97316", legend_label="g, moved")
    top.legend.location = "top_left"
    top.legend.label_text_font_size = "11px"
    out = line_chart(title="The result (f * g)(t)", x_label="t", y_label="", x_range=(-4, 4))
    # Half-transparent gray is faint on either scheme's background; violet reads on both.
    out.line("t", "y", source=whole, color="#94a3b8", alpha=0.6, line_width=2)
    out.line("t", "y", source=traced, color="#8b5cf6", line_width=2)
    out.scatter("t", "y", source=now, size=9, color="#dc2626")
    readout = Text("")
    formula = Formula("")

    def refresh(*_: object) -> None:
        f, f_tex = SIGNALS[f_name.value]
        g, g_tex = SIGNALS[g_name.value]
        t = float(SHIFTS[shift.value])
        curves.data = step_curves(f, g, step.value, t)
        ts, ys = named_curve(f_name.value, g_name.value)
        whole.data = {"t": ts, "y": ys}
        shown = ts <= t + DT / 2 if step.value == 4 else np.zeros_like(ts, dtype=bool)
        traced.data = {"t": ts[shown], "y": ys[shown]}
        value = signals.slide(f, g, t, TAU).value
        now.data = {"t": [t], "y": [value]} if step.value == 4 else {"t": [], "y": []}
        formula.object = rf"f(\tau) = {f_tex},\quad g(\tau) = {g_tex}"
        readout.object = {
            1: "**Step 1.** Write both signals with the dummy variable τ: they are the same "
            "curves, just named differently.",
            2: "**Step 2.** Reflect g: $g(\\tau) \\to g(-\\tau)$, the orange curve flipped "
            "left to right around τ = 0.",
            3: f"**Step 3.** Shift the reflected g by t = {t:+.1f}: $g(t-\\tau)$ slides right as "
            "t grows. Step through t with Next or Play.",
            4: f"**Step 4.** At t = {t:+.1f} the green area under $f(\\tau)\\,g(t-\\tau)$ is "
            f"**{value:.3f}**: that is $(f*g)({t:+.1f})$, the red dot. Play to slide t and trace "
            "the whole result.",
        }[step.value]

    share(f=f_name, g=g_name, step=step, shift=shift)
    redraw_on(refresh, f_name, g_name, step, shift)
    return lesson_step(
        "1 · The four steps, on continuous signals",
        "Convolution combines two functions into a third that says how the shape of one is "
        "changed by the other:\n\n"
        r"$$(f*g)(t) = \int_{-\infty}^{\infty} f(\tau)\,g(t-\tau)\,d\tau$$"
        "\n\nThe lecture computes it in four steps: (1) write both functions in a dummy "
        "variable τ; (2) reflect one of them, $g(-\\tau)$; (3) shift it by t, $g(t-\\tau)$; "
        "(4) for each t, integrate the product: the area where they overlap. Pick two signals, "
        "a step, and slide t.",
        row(f_name, g_name),
        formula,
        step,
        shift,
        readout,
        row(top, out),
        ShowCode(signals.slide),
    )


def _discrete() -> pn.Column:
    f_box = pn.widgets.TextInput(label="Discrete f", value="1, 2, 3", width=160)
    g_box = pn.widgets.TextInput(label="Discrete g", value="0, 1, 0.5", width=160)
    n_pick = ChangingSelect(label="Output index n", options=list(range(5)), value=2, width=140)
    message = notice()
    state = {"f": np.array(DEFAULT_F), "g": np.array(DEFAULT_G)}
    stems = ColumnDataSource({"k": [], "f": [], "g": []})
    chart = line_chart(title="f[k] (blue) and g[n − k] (orange)", x_label="k", y_label="")
    chart.vbar(x="k", top="f", width=0.25, source=stems, color="#2563eb")
    chart.vbar(x="k", top="g", width=0.12, source=stems, color="#f97316")
    result = Formula("")
    whole = Text("")

    def refresh(*_: object) -> None:
        f, g = state["f"], state["g"]
        n = n_pick.value
        ks = np.arange(-len(g), len(f) + len(g))
        g_moved = [float(g[n - k]) if 0 <= n - k < len(g) else 0.0 for k in ks]
        f_at = [float(f[k]) if 0 <= k < len(f) else 0.0 for k in ks]
        stems.data = {"k": ks, "f": f_at, "g": g_moved}
        result.object = discrete_sum_latex(f, g, n)
        out = signals.convolve1d(f, g)
        whole.object = (
            f"All of it: $f*g = [{', '.join(num(v) for v in out)}]$, {len(out)} = "
            f"{len(f)} + {len(g)} − 1 entries."
        )

    def edit(*_: object) -> None:
        signals = read_input(
            message,
            lambda: (parse_signal(f_box.value, "f"), parse_signal(g_box.value, "g")),
            "The chart keeps your last valid signals.",
        )
        if signals is None:
            return
        f, g = signals
        state.update(f=f, g=g)
        size = len(f) + len(g) - 1
        n_pick.param.update(options=list(range(size)), value=min(n_pick.value, size - 1))
        refresh()

    shared("discrete-f", f_box, check=partial(parse_signal, name="f"))
    shared("discrete-g", g_box, check=partial(parse_signal, name="g"))
    share(n=n_pick)
    for box in (f_box, g_box):
        box.param.watch(edit, "value")
    redraw_on(refresh, n_pick)
    return lesson_step(
        "2 · The discrete version: a sum instead of an integral",
        "Sampled signals are lists of numbers, and the integral becomes a sum over the dummy "
        "index k. Reflect-and-shift is the same: $g[n-k]$ runs backwards through g as k "
        "grows.\n\n"
        r"$$(f*g)[n] = \sum_{k} f[k]\,g[n-k]$$"
        "\n\nin place of\n\n"
        r"$$(f*g)(t) = \int f(\tau)\,g(t-\tau)\,d\tau$$"
        "\n\nSection 1's curve is this very sum (times the sample spacing dτ = 0.01) on "
        "800 samples.",
        row(f_box, g_box, n_pick),
        message,
        chart,
        result,
        whole,
        ShowCode(signals.convolve1d),
    )


def _properties() -> pn.Column:
    boxes = [
        pn.widgets.TextInput(
            label=f"Signal {name}", value=", ".join(num(v) for v in default), width=160
        )
        for name, default in (("f", DEFAULT_F), ("g", DEFAULT_G), ("h", DEFAULT_H))
    ]
    message = notice()
    table = Text(properties_table(np.array(DEFAULT_F), np.array(DEFAULT_G), np.array(DEFAULT_H)))

    def refresh(*_: object) -> None:
        signals = read_input(
            message,
            lambda: [parse_signal(box.value, name) for box, name in zip(boxes, "fgh", strict=True)],
            "The table shows your last valid signals.",
        )
        if signals is not None:
            table.object = properties_table(*signals)

    for name, box in zip("fgh", boxes, strict=True):
        shared(f"signal-{name}", box, check=partial(parse_signal, name=name))
    for box in boxes:
        box.param.watch(refresh, "value")
    return lesson_step(
        "3 · Properties, checked by the engine",
        "For all f, g and h, convolution is commutative, associative and distributive; the "
        "zero signal turns everything into zero; and the unit impulse δ (here the one-sample "
        "signal [1]) leaves f unchanged. Type your own signals: the engine computes both sides "
        "of each equation and reports the largest difference (0 up to rounding).",
        row(*boxes),
        message,
        table,
        LectureSlip(
            "“Neutral element: $f*0 = 0$”",
            "*absorbing (or zero) element*",
            "a neutral element leaves f unchanged, as δ does ($f*\\delta = f$, the lecture's "
            "“identity element”); 0 instead swallows every f, like multiplying by 0.",
            what="name",
        ),
    )


def _blur() -> pn.Column:
    photo = load_photo()
    radius = pn.widgets.IntSlider(
        label="Lens blur radius (pixels)", start=0, end=6, value=3, width=240
    )
    sharp = GrayImage(photo, title="Sharp photograph", size=220)
    blurred = GrayImage(defocus(photo, 3), title="Out of focus, radius 3", size=220)
    kernel = GrayImage(lens_kernel(3), title="Lens, 7×7", size=150)

    def refresh(*_: object) -> None:
        r = radius.value
        blurred.param.update(values=defocus(photo, r), title=f"Out of focus, radius {r}")
        side = 2 * r + 1
        kernel.param.update(values=lens_kernel(r), title=f"Lens, {side}×{side}")

    share(radius=radius)
    radius.param.watch(refresh, "value")
    return lesson_step(
        "4 · An application: out of focus is a convolution",
        "In optics, an out-of-focus photograph is the sharp image convolved with the lens's "
        "blur: each point of light spreads into a small disk. The disk's weights add up to 1, "
        "so brightness is kept; a larger radius blurs more. Radius 0 is the 2-D δ: the photo "
        "unchanged.",
        radius,
        row(sharp, kernel, blurred),
        pn.pane.HTML(
            "<small>Photograph: astronaut Eileen Collins, NASA, public domain (from "
            "scikit-image).</small>"
        ),
    )


def _to_images() -> pn.Column:
    return lesson_step(
        "5 · From signals to images",
        "An image is a 2-D signal, and the same definition works with two indices:\n\n"
        r"$$(I*K)_{ij} = \sum_{m}\sum_{n} I_{i-m,\,j-n}\,K_{m,n}$$"
        "\n\nCNN layers slide the kernel *without* reflecting it, which is cross-correlation:\n\n"
        r"$$(I\otimes K)_{ij} = \sum_{m}\sum_{n} I_{i+m,\,j+n}\,K_{m,n}$$"
        "\n\nBoth give the same map when the kernel looks the same turned by 180°; a network "
        "learns its kernels, so it does not matter which it uses. The "
        "[Convolution lesson](#convolution) slides a kernel over the lecture's 5 × 5 image and "
        "shows the two side by side.",
    )


SECTIONS = (_four_steps, _discrete, _properties, _blur, _to_images)

EXERCISES = (
    ExerciseInfo("discrete-value", "One entry of a discrete convolution", discrete_value_problem),
    ExerciseInfo("conv-length", "How long is f * g?", length_problem),
    ExerciseInfo("box-overlap", "Two boxes, one shift", box_problem),
)
