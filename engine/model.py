"""``Sequential``: a stack of layers that can describe, summarize, save and load itself.

Layer spec format (plain JSON-able dicts; what ``Sequential.from_spec`` reads, ``to_spec`` writes
and ``save`` stores). Keys not listed are rejected, so a typo does not pass silently::

    {"type": "conv", "filters": F, "kernel": k or [kh, kw], "stride": 1, "padding": 0}
        padding is a whole number of zeros per side, or "valid" (0) or "same" (odd kernel,
        stride 1: output as large as the input)
    {"type": "relu"}
    {"type": "pool", "mode": "max" | "avg" | "sum", "size": 2, "stride": size}
    {"type": "flatten"}
    {"type": "dense", "units": U}

Input channels and features are inferred from ``input_shape`` (C, H, W), so a spec list reads
like the architecture diagrams in the lecture::

    Sequential.from_spec(
        [{"type": "conv", "filters": 8, "kernel": 3}, {"type": "relu"},
         {"type": "pool", "mode": "max", "size": 2}, {"type": "flatten"},
         {"type": "dense", "units": 10}],
        input_shape=(1, 28, 28),
    )
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO, NamedTuple

import numpy as np

from engine import functional
from engine.layers import Conv2D, Dense, Flatten, Layer, Pool2D, ReLU, Shape

FORMAT = "cnn-classroom-model"
FORMAT_VERSION = 1

_SPEC_KEYS: dict[str, tuple[set[str], set[str]]] = {
    # type: (required keys, optional keys)
    "conv": ({"filters", "kernel"}, {"stride", "padding"}),
    "relu": (set(), set()),
    "pool": (set(), {"mode", "size", "stride"}),
    "flatten": (set(), set()),
    "dense": ({"units"}, set()),
}


class Parameter(NamedTuple):
    """One trainable array, its gradient from the last ``backward`` (None before), and a name
    such as "1.W" (layer number, 1-based, and the layer's parameter name)."""

    name: str
    value: np.ndarray
    grad: np.ndarray | None


def _spec_label(spec: Any) -> str:
    return str(spec.get("type", "?")) if isinstance(spec, dict) else "?"


def _same_padding(kernel: Any, stride: Any) -> int:
    kernels = kernel if isinstance(kernel, list | tuple) else [kernel]
    if stride not in (1, None) or any(not isinstance(k, int) or k % 2 == 0 for k in kernels):
        raise ValueError('"same" padding needs an odd kernel size and stride 1')
    return (max(kernels) - 1) // 2


def _layer_from_spec(
    spec: dict[str, Any], input_shape: Shape, rng: np.random.Generator, dtype: Any, algorithm: str
) -> Layer:
    """Build one layer for an input of ``input_shape`` (per sample)."""
    kind = spec.get("type")
    if kind not in _SPEC_KEYS:
        raise ValueError(f"unknown layer type {kind!r}; choose one of {', '.join(_SPEC_KEYS)}")
    required, optional = _SPEC_KEYS[kind]
    missing = sorted(required - spec.keys())
    if missing:
        raise ValueError(f"missing setting {', '.join(missing)}")
    unknown = sorted(spec.keys() - required - optional - {"type"})
    if unknown:
        allowed = ", ".join(sorted(required | optional)) or "none"
        raise ValueError(f"unknown setting {', '.join(unknown)} (allowed: {allowed})")
    if kind == "conv":
        if len(input_shape) != 3:
            raise ValueError(f"needs (channels, height, width) feature maps, got {input_shape}")
        padding = spec.get("padding", 0)
        if padding == "valid":
            padding = 0
        elif padding == "same":
            padding = _same_padding(spec["kernel"], spec.get("stride", 1))
        kernel = spec["kernel"]
        return Conv2D(
            input_shape[0],
            spec["filters"],
            tuple(kernel) if isinstance(kernel, list | tuple) else kernel,
            stride=spec.get("stride", 1),
            padding=padding,
            rng=rng,
            dtype=dtype,
            algorithm=algorithm,
        )
    if kind == "relu":
        return ReLU()
    if kind == "pool":
        return Pool2D(spec.get("size", 2), spec.get("stride"), spec.get("mode", "max"))
    if kind == "flatten":
        return Flatten()
    if len(input_shape) != 1:
        dims = "×".join(map(str, input_shape))
        raise ValueError(f"needs a flat input but gets {dims} feature maps; add a flatten layer")
    return Dense(input_shape[0], spec["units"], rng=rng, dtype=dtype)


class ParameterCount(NamedTuple):
    """Trainable numbers of one layer: its weights and its biases."""

    weights: int
    biases: int

    @property
    def total(self) -> int:
        return self.weights + self.biases


def count_parameters(spec: dict[str, Any], input_shape: Sequence[int]) -> ParameterCount:
    """Weights and biases the layer of ``spec`` has for an input of ``input_shape`` per sample,
    without building it: a conv layer k_h·k_w·C·F weights and F biases whatever H and W are, a
    dense layer N·U weights and U biases, other layers none.

    Equal to the built layer's ``num_params()`` (tested). Raises ValueError for a conv or dense
    spec it cannot read (a missing or non-numeric setting, an input of the wrong rank).
    """
    kind = spec.get("type")
    if kind not in ("conv", "dense"):
        return ParameterCount(0, 0)
    try:
        if kind == "conv" and len(input_shape) == 3:
            kernel = spec["kernel"]
            kh, kw = kernel if isinstance(kernel, list | tuple) else (kernel, kernel)
            filters = int(spec["filters"])
            return ParameterCount(int(kh) * int(kw) * int(input_shape[0]) * filters, filters)
        if kind == "dense" and len(input_shape) == 1:
            units = int(spec["units"])
            return ParameterCount(int(input_shape[0]) * units, units)
    except (KeyError, TypeError, ValueError):
        pass
    dims = "×".join(map(str, input_shape))
    raise ValueError(f"cannot count the parameters of {spec!r} for a {dims} input")


def _shape_text(shape: Sequence[int]) -> str:
    return "×".join(str(int(d)) for d in shape)


class Sequential:
    """Layers applied one after the other: ``forward`` runs them in order, ``backward`` in
    reverse. ``input_shape`` (C, H, W) per sample is optional but needed for ``summary``.

    One reordering that changes no result: a ReLU directly followed by a max pooling layer runs
    after it (``_run_order``). The two commute exactly: the largest of a window's values after
    ReLU is ReLU of its largest value, and both orders send the window's gradient to the same
    input (its first largest), or to none when that value is ≤ 0. ReLU then touches one value
    per window instead of every input (a quarter of them after a 2×2 pool)."""

    def __init__(self, layers: Sequence[Layer], input_shape: Sequence[int] | None = None) -> None:
        self.layers = list(layers)
        if not self.layers:
            raise ValueError("a network needs at least one layer")
        self.input_shape = None if input_shape is None else tuple(int(d) for d in input_shape)
        #: JSON-able notes saved with the model (e.g. the settings it was trained with).
        self.metadata: dict[str, Any] = {}
        if self.input_shape is not None:
            self.summary()  # raises if the layers cannot take this input

    @classmethod
    def from_spec(
        cls,
        specs: Sequence[dict[str, Any]],
        input_shape: Sequence[int],
        *,
        rng: np.random.Generator | int | None = None,
        dtype: Any = np.float64,
        algorithm: str = "auto",
        max_params: int | None = None,
    ) -> Sequential:
        """Build a network from layer specs (format in the module docstring).

        An impossible architecture raises ValueError naming the layer, e.g.
        "layer 3 (max pool 3×3): input is 2×2, smaller than the 3×3 window". With
        ``max_params``, a network that would have more parameters raises ValueError before the
        layer that crosses the limit allocates its weights.
        """
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        if isinstance(specs, dict) or not isinstance(specs, Sequence) or not specs:
            raise ValueError("a network needs a non-empty list of layer specs")
        shape = tuple(int(d) for d in input_shape)
        layers = []
        total = 0
        for i, spec in enumerate(specs, start=1):
            label = _spec_label(spec)
            try:
                if not isinstance(spec, dict):
                    raise ValueError(f"a layer spec must be a dict, got {spec!r}")
                # A spec it cannot count fails below, where building the layer says why.
                with contextlib.suppress(ValueError):
                    total += count_parameters(spec, shape).total
                if max_params is not None and total > max_params:
                    raise ValueError(
                        f"the network reaches {total:,} parameters here, more than the "
                        f"{max_params:,} allowed"
                    )
                layer = _layer_from_spec(spec, shape, rng, dtype, algorithm)
                label = layer.describe()
                shape = layer.output_shape(shape)
            except ValueError as err:
                raise ValueError(f"layer {i} ({label}): {err}") from None
            layers.append(layer)
        return cls(layers, input_shape=input_shape)

    def to_spec(self) -> list[dict[str, Any]]:
        """The layer specs that ``from_spec`` turns back into this architecture."""
        return [layer.spec() for layer in self.layers]

    @property
    def dtype(self) -> np.dtype:
        """dtype of the parameters (float64 for a network without any)."""
        for p in self.parameters():
            return p.value.dtype
        return np.dtype(np.float64)

    def _run_order(self) -> list[int]:
        """Indices of the layers in the order ``forward`` runs them: as listed, except that a
        ReLU directly followed by a max pooling layer swaps places with it (see the class)."""
        order = list(range(len(self.layers)))
        i = 0
        while i < len(order) - 1:
            first, second = self.layers[order[i]], self.layers[order[i + 1]]
            if isinstance(first, ReLU) and isinstance(second, Pool2D) and second.mode == "max":
                order[i], order[i + 1] = order[i + 1], order[i]
                i += 1
            i += 1
        return order

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (N, C, H, W) -> logits (N, K)."""
        for i in self._run_order():
            layer = self.layers[i]
            try:
                x = layer.forward(x)
            except ValueError as err:
                raise ValueError(f"layer {i + 1} ({layer.describe()}): {err}") from None
        return x

    def backward(self, grad: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """∂L/∂logits -> ∂L/∂x, filling every layer's ``grads`` on the way.

        Training needs no gradient for the images themselves: ``input_grad=False`` lets the
        layer that received them skip it (and returns None), which saves a fifth of a small
        net's backward.
        """
        first, *rest = self._run_order()
        for i in reversed(rest):
            grad = self.layers[i].backward(grad)
        return self.layers[first].backward(grad, input_grad=input_grad)

    def predict_proba(self, x: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Softmax probabilities (N, K), computed batch by batch to bound memory."""
        if len(x) == 0:
            raise ValueError("no images to predict")
        chunks = [
            functional.softmax(self.forward(x[i : i + batch_size]))
            for i in range(0, len(x), batch_size)
        ]
        return np.concatenate(chunks)

    def predict(self, x: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Predicted class (N,) = the index of the largest output."""
        if len(x) == 0:
            raise ValueError("no images to predict")
        return np.concatenate(
            [
                self.forward(x[i : i + batch_size]).argmax(axis=1)
                for i in range(0, len(x), batch_size)
            ]
        )

    def parameters(self) -> Iterator[Parameter]:
        """Every trainable array with its gradient, named "<layer number>.<param>"."""
        for i, layer in enumerate(self.layers, start=1):
            for key, value in layer.params.items():
                yield Parameter(f"{i}.{key}", value, layer.grads.get(key))

    def num_params(self) -> int:
        return sum(layer.num_params() for layer in self.layers)

    def summary(self, input_shape: Sequence[int] | None = None) -> list[dict[str, Any]]:
        """One dict per layer: "index" (1-based), "layer", "output_shape" (per sample), "params"."""
        shape = input_shape if input_shape is not None else self.input_shape
        if shape is None:
            raise ValueError("summary needs the input shape (channels, height, width)")
        shape = tuple(int(d) for d in shape)
        rows = []
        for i, layer in enumerate(self.layers, start=1):
            try:
                shape = layer.output_shape(shape)
            except ValueError as err:
                raise ValueError(f"layer {i} ({layer.describe()}): {err}") from None
            rows.append(
                {
                    "index": i,
                    "layer": layer.describe(),
                    "output_shape": shape,
                    "params": layer.num_params(),
                }
            )
        return rows

    def summary_text(self, input_shape: Sequence[int] | None = None) -> str:
        """The summary as an aligned text table with the total parameter count."""
        rows = self.summary(input_shape)
        lines = [f"{'#':>2}  {'layer':<22} {'output':<12} {'params':>8}"]
        for r in rows:
            shape = _shape_text(r["output_shape"])
            lines.append(f"{r['index']:>2}  {r['layer']:<22} {shape:<12} {r['params']:>8,}")
        lines.append(f"{'':>2}  {'total':<22} {'':<12} {self.num_params():>8,}")
        return "\n".join(lines)

    # ---- saving and loading -------------------------------------------------------------

    def _architecture(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "input_shape": None if self.input_shape is None else list(self.input_shape),
            "dtype": self.dtype.name,
            "layers": self.to_spec(),
            "metadata": self.metadata,
        }

    def save(self, file: str | os.PathLike | BinaryIO) -> None:
        """Write the architecture (JSON, no pickle) and all parameters to an ``.npz`` file."""
        arrays = {f"param/{p.name}": p.value for p in self.parameters()}
        np.savez_compressed(file, architecture=np.array(json.dumps(self._architecture())), **arrays)

    def load(self, file: str | os.PathLike | BinaryIO | bytes) -> None:
        """Replace this model's parameters with those saved in ``file``.

        The file must hold the same architecture. Anything wrong raises ValueError with the
        reason, and the model keeps its current parameters (nothing is assigned until every
        array has been checked).
        """
        self._assign_saved(*_read_model_file(file))

    def _assign_saved(self, arch: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        if arch["layers"] != self.to_spec():
            raise ValueError(
                "the saved model has a different architecture: "
                f"file has {_describe_specs(arch['layers'])}, this model has "
                f"{_describe_specs(self.to_spec())}"
            )
        saved_shape = arch["input_shape"]
        if self.input_shape is not None and saved_shape and tuple(saved_shape) != self.input_shape:
            raise ValueError(
                f"the saved model takes {_shape_text(saved_shape)} inputs, "
                f"this model takes {_shape_text(self.input_shape)}"
            )
        expected = {p.name: p.value for p in self.parameters()}
        missing = sorted(expected.keys() - arrays.keys())
        extra = sorted(arrays.keys() - expected.keys())
        if missing or extra:
            raise ValueError(
                f"the saved weights do not match the layers (missing {missing or 'none'}, "
                f"unexpected {extra or 'none'})"
            )
        for name, value in expected.items():
            saved = arrays[name]
            if saved.shape != value.shape:
                raise ValueError(
                    f"saved weights {name} have shape {saved.shape}, the model needs {value.shape}"
                )
            if saved.dtype.kind != "f" or not np.all(np.isfinite(saved)):
                raise ValueError(f"saved weights {name} are not finite numbers")
        for name, value in expected.items():
            value[...] = arrays[name]

    @classmethod
    def from_file(
        cls,
        file: str | os.PathLike | BinaryIO | bytes,
        *,
        dtype: Any = None,
        algorithm: str = "auto",
    ) -> Sequential:
        """A new model with the architecture and parameters saved in ``file``."""
        arch, arrays = _read_model_file(file)
        if arch["input_shape"] is None:
            raise ValueError("the saved model does not record its input shape; cannot rebuild it")
        model = cls.from_spec(
            arch["layers"], arch["input_shape"], dtype=dtype or arch["dtype"], algorithm=algorithm
        )
        model._assign_saved(arch, arrays)
        metadata = arch.get("metadata")
        model.metadata = metadata if isinstance(metadata, dict) else {}
        return model


def _describe_specs(specs: list[dict[str, Any]]) -> str:
    def one(spec: dict[str, Any]) -> str:
        settings = ", ".join(f"{k} {v}" for k, v in spec.items() if k != "type")
        return f"{spec.get('type')} ({settings})" if settings else str(spec.get("type"))

    return " → ".join(one(spec) for spec in specs)


def _read_model_file(file: str | os.PathLike | BinaryIO | bytes) -> tuple[dict[str, Any], dict]:
    """(architecture, {param name: array}) from a saved model, or a ValueError that says why not."""
    if isinstance(file, bytes | bytearray):
        file = io.BytesIO(file)
    if isinstance(file, str | os.PathLike) and not os.path.exists(file):
        raise FileNotFoundError(f"no saved model at {os.fspath(file)!r}")
    unreadable = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, KeyError)
    try:
        npz = np.load(file, allow_pickle=False)
    except unreadable as err:
        # np.load treats any unknown bytes as a pickle, which it refuses: say what that means.
        reason = "it is not a NumPy .npz archive" if "pickle" in str(err) else str(err)
        raise ValueError(f"this is not a readable saved model file: {reason}") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise ValueError("this file holds a single array, not a saved model (.npz)")
    try:
        with npz:
            contents = {key: npz[key] for key in npz.files}
    except unreadable as err:
        raise ValueError(f"this saved model file is damaged: {err}") from None
    if "architecture" not in contents:
        raise ValueError("this .npz file holds no model architecture; save models with model.save")
    try:
        arch = json.loads(str(contents.pop("architecture")))
    except json.JSONDecodeError as err:
        raise ValueError(f"the model architecture in this file is damaged: {err}") from None
    layers = arch.get("layers") if isinstance(arch, dict) else None
    if (
        not isinstance(arch, dict)
        or arch.get("format") != FORMAT
        or not isinstance(layers, list)
        or not all(isinstance(spec, dict) for spec in layers)
    ):
        raise ValueError("this .npz file was not saved by CNN Classroom's model.save")
    if arch.get("version") != FORMAT_VERSION:
        raise ValueError(f"saved model format version {arch.get('version')} is not supported")
    if arch.get("dtype") not in ("float32", "float64"):
        raise ValueError(f"saved model has an unsupported number type {arch.get('dtype')!r}")
    arch.setdefault("input_shape", None)
    arrays = {key.removeprefix("param/"): value for key, value in contents.items()}
    return arch, arrays
