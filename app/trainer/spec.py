"""The student's layer list: parsing, validation and the live shape / parameter table.

A network is written one layer per line, e.g.::

    conv filters=8 kernel=3 padding=1
    relu
    maxpool size=2
    dense units=10

Everything here works on plain dicts so that the same spec travels to the Web Worker as JSON.
An impossible network is never an exception the page sees: ``analyse`` returns a row per layer
and a student-facing message for the first layer that cannot work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from engine.model import Sequential

INPUT_SHAPE = (1, 28, 28)
NUM_CLASSES = 10

# Limits that keep a network trainable in a browser tab; beyond them the student gets a message.
MAX_LAYERS = 12
MAX_FILTERS = 128
MAX_KERNEL = 11
MAX_PADDING = 10
MAX_UNITS = 2048
MAX_PARAMS = 3_000_000

#: Keys each layer kind accepts, with defaults (``None`` = required; pool stride 0 = its size).
_KEYS: dict[str, dict[str, int | None]] = {
    "conv": {"filters": None, "kernel": None, "stride": 1, "padding": 0},
    "relu": {},
    "maxpool": {"size": 2, "stride": 0},
    "avgpool": {"size": 2, "stride": 0},
    "sumpool": {"size": 2, "stride": 0},
    "dense": {"units": None},
}
_POSITIONAL = {"conv": ("filters", "kernel"), "dense": ("units",)}
_POSITIONAL |= {pool: ("size",) for pool in ("maxpool", "avgpool", "sumpool")}
_ALIASES = {"pad": "padding", "k": "kernel", "f": "filters", "s": "stride", "n": "units"}
_ALIASES.update({"pool": "maxpool", "max": "maxpool", "avg": "avgpool", "linear": "dense"})


class SpecError(ValueError):
    """A layer line that cannot be understood; the message is shown to the student."""


@dataclass
class Row:
    """One line of the live table."""

    index: int
    layer: str
    output: str
    params: int


@dataclass
class Analysis:
    """A checked layer list: the table rows, the total and what (if anything) is wrong."""

    rows: list[Row] = field(default_factory=list)
    total_params: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def format_spec(layers: list[dict]) -> str:
    """The text a student edits, one layer per line (inverse of :func:`parse_spec`)."""
    lines = []
    for layer in layers:
        defaults = _KEYS[layer["kind"]]
        parts = [layer["kind"]]
        for key, default in defaults.items():
            value = layer.get(key)
            shown = key in _POSITIONAL.get(layer["kind"], ())
            if value is not None and (shown or value != default):
                parts.append(f"{key}={value}")
        lines.append(" ".join(parts))
    return "\n".join(lines)


def _parse_int(text: str, key: str, lineno: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise SpecError(f"Line {lineno}: {key} must be a whole number, not '{text}'.") from None
    return value


def parse_line(line: str, lineno: int) -> dict:
    """One layer from a line such as ``conv filters=8 kernel=3`` or ``conv 8 3``."""
    words = line.replace(",", " ").split()
    kind = _ALIASES.get(words[0].lower(), words[0].lower())
    if kind not in _KEYS:
        known = ", ".join(_KEYS)
        raise SpecError(f"Line {lineno}: unknown layer '{words[0]}'. Use one of: {known}.")
    layer: dict = {"kind": kind, **_KEYS[kind]}
    positional = list(_POSITIONAL.get(kind, ()))
    for word in words[1:]:
        match = re.fullmatch(r"([a-zA-Z_]+)\s*=\s*(\S+)", word)
        if match:
            key = _ALIASES.get(match[1].lower(), match[1].lower())
            raw = match[2]
        elif positional:
            key, raw = positional[0], word
        else:
            raise SpecError(f"Line {lineno}: I don't understand '{word}' in '{line.strip()}'.")
        if key not in _KEYS[kind]:
            allowed = ", ".join(_KEYS[kind]) or "no settings"
            raise SpecError(f"Line {lineno}: a {kind} layer has {allowed}; '{key}' is not one.")
        if key in positional:
            positional.remove(key)
        layer[key] = _parse_int(raw, key, lineno)
    missing = [key for key, value in layer.items() if value is None and _KEYS[kind][key] is None]
    if missing:
        raise SpecError(f"Line {lineno}: a {kind} layer needs {' and '.join(missing)}.")
    return layer


def parse_spec(text: str) -> list[dict]:
    """All layers of the text; blank lines and ``#`` comments are ignored."""
    layers = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if line:
            layers.append(parse_line(line, lineno))
    if not layers:
        raise SpecError("The network is empty: add at least a 'dense units=10' layer.")
    if len(layers) > MAX_LAYERS:
        raise SpecError(f"{len(layers)} layers is more than this trainer allows ({MAX_LAYERS}).")
    return layers


def _check_range(value: int, name: str, low: int, high: int, where: str) -> None:
    if not low <= value <= high:
        raise SpecError(f"{where}: {name} {value} is outside {low}…{high}.")


def _check_limits(layers: list[dict]) -> None:
    """The trainer's limits on each setting (the engine checks that the layers fit together)."""
    flat = False
    for i, layer in enumerate(layers, start=1):
        where = f"Layer {i} ({layer['kind']})"
        if flat and layer["kind"] not in ("dense", "relu"):
            raise SpecError(
                f"{where}: after a dense layer the data is a flat vector, not an image, so a "
                f"{layer['kind']} layer cannot follow. Put dense layers last."
            )
        flat = flat or layer["kind"] == "dense"
        for key, value in layer.items():
            if key in ("filters", "kernel", "size", "units"):
                high = {"filters": MAX_FILTERS, "units": MAX_UNITS}.get(key, MAX_KERNEL)
                _check_range(value, key, 1, high, where)
            elif key in ("stride", "padding"):
                high = MAX_PADDING if key == "padding" else MAX_KERNEL
                low = 1 if key == "stride" and layer["kind"] == "conv" else 0
                _check_range(value, key, low, high, where)


def format_shape(shape: tuple[int, ...]) -> str:
    return " × ".join(str(d) for d in shape)


def _build(specs: list[dict]) -> Sequential:
    return Sequential.from_spec(specs, INPUT_SHAPE, dtype=np.float32, max_params=MAX_PARAMS)


def _rows(model: Sequential) -> list[Row]:
    return [
        Row(row["index"], row["layer"], format_shape(row["output_shape"]), row["params"])
        for row in model.summary()
    ]


def analyse(layers: list[dict]) -> Analysis:
    """The engine's table of the network on a 1×28×28 digit, stopping at the first problem.

    Shapes, parameter counts and layer names all come from the engine's ``Sequential``.
    """
    result = Analysis(rows=[Row(0, "input image", format_shape(INPUT_SHAPE), 0)])
    specs = to_engine(layers)
    try:
        _check_limits(layers)
        model = _build(specs)
    except ValueError as exc:
        text = str(exc)
        result.error = text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
        # The rows up to the problem still help: the longest start of the list that builds.
        for end in range(len(specs) - 1, 0, -1):
            try:
                model = _build(specs[:end])
            except ValueError:
                continue
            result.rows += _rows(model)
            break
        return result
    result.rows += _rows(model)
    result.total_params = model.num_params()
    shape = model.summary()[-1]["output_shape"]
    if layers[-1]["kind"] != "dense" or shape != (NUM_CLASSES,):
        result.error = (
            f"The last layer must be 'dense units={NUM_CLASSES}': one score per digit 0–9 "
            f"(now the network ends with {format_shape(shape)})."
        )
    return result


def check_text(text: str) -> tuple[list[dict], Analysis]:
    """Parse and analyse the editor's text; parse errors come back as ``Analysis.error``."""
    try:
        layers = parse_spec(text)
    except SpecError as exc:
        return [], Analysis(
            rows=[Row(0, "input image", format_shape(INPUT_SHAPE), 0)], error=str(exc)
        )
    return layers, analyse(layers)


def to_engine(layers: list[dict]) -> list[dict]:
    """The engine's layer specs (``Sequential.from_spec``) for a checked layer list.

    The editor hides ``flatten``: it is inserted before the first dense layer that follows an image.
    """
    specs: list[dict] = []
    spatial = True
    for layer in layers:
        kind = layer["kind"]
        if kind == "conv":
            specs.append({"type": "conv", **{k: layer[k] for k in _KEYS["conv"]}})
        elif kind.endswith("pool"):
            specs.append(
                {
                    "type": "pool",
                    "mode": kind[:3],
                    "size": layer["size"],
                    "stride": layer["stride"] or layer["size"],
                }
            )
        elif kind == "dense":
            if spatial:
                specs.append({"type": "flatten"})
                spatial = False
            specs.append({"type": "dense", "units": layer["units"]})
        else:
            specs.append({"type": kind})
    return specs


def from_engine(specs: list[dict]) -> list[dict]:
    """The editor's layer list for engine specs (inverse of :func:`to_engine`)."""
    layers: list[dict] = []
    for item in specs:
        kind = item["type"]
        if kind == "conv":
            kernel = item["kernel"]
            kernel = kernel[0] if isinstance(kernel, list | tuple) else kernel
            padding = item.get("padding", 0)
            if isinstance(padding, str):  # the engine also accepts "valid" and "same"
                padding = (kernel - 1) // 2 if padding == "same" else 0
            layer = {"kind": "conv", "filters": item["filters"], "kernel": kernel}
            layers.append({**layer, "stride": item.get("stride", 1), "padding": padding})
        elif kind == "pool":
            size = item["size"]
            stride = 0 if item.get("stride", size) == size else item["stride"]
            layers.append({"kind": f"{item['mode']}pool", "size": size, "stride": stride})
        elif kind == "dense":
            layers.append({"kind": "dense", "units": item["units"]})
        elif kind == "relu":
            layers.append({"kind": "relu"})
        elif kind != "flatten":
            raise SpecError(f"This trainer cannot show a '{kind}' layer.")
    return layers
