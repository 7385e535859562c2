"""Network layers: each a small class with ``forward`` and ``backward``.

``forward(x)`` remembers what ``backward`` needs; ``backward(grad_y)`` takes ∂L/∂y and returns
∂L/∂x, storing ∂L/∂param in ``grads`` under the same names as ``params``. With
``input_grad=False`` (the first layer of a network, whose input is the data) a layer may skip
∂L/∂x and return None. Layers with weights
compute in the dtype of their parameters (float64 by default, ``dtype=np.float32`` for speed).

Every layer can also describe itself: ``spec()`` gives the plain dict that
``engine.model.Sequential.from_spec`` accepts, ``describe()`` a short human name such as
"max pool 2×2", and ``output_shape(input_shape)`` the per-sample output shape (without N), raising
ValueError when the input cannot fit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import blas, conv, fastpath, pool

Shape = tuple[int, ...]


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _positive_int(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be a whole number ≥ {minimum}, got {value!r}")
    return int(value)


def _float_dtype(dtype: Any) -> np.dtype:
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise ValueError(f"dtype must be a floating type such as float32 or float64, got {dt}")
    return dt


class Layer:
    """Base class: no parameters, shape-preserving."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad_y: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        raise NotImplementedError

    def output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape)

    def spec(self) -> dict[str, Any]:
        raise NotImplementedError

    def describe(self) -> str:
        return self.spec()["type"]

    def num_params(self) -> int:
        return sum(int(p.size) for p in self.params.values())

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}>"

    def _need_forward(self, cache: Any) -> None:
        if cache is None:
            raise ValueError(f"{self.describe()}: call forward before backward")


class Conv2D(Layer):
    """2-D convolution: x (N, C, H, W) -> (N, F, OH, OW), OH = ⌊(H + 2p − KH)/s⌋ + 1.

    ``params["W"]`` (F, C, KH, KW) starts He-normal (std √(2 / (C·KH·KW)), suited to ReLU),
    ``params["b"]`` (F,) at zero. ``algorithm`` is "auto" or a name from ``engine.conv``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int = 1,
        padding: int = 0,
        rng: np.random.Generator | int | None = None,
        dtype: Any = np.float64,
        algorithm: str = "auto",
    ) -> None:
        super().__init__()
        if np.isscalar(kernel_size):
            kernel_size = (kernel_size, kernel_size)
        if len(kernel_size) != 2:
            raise ValueError(
                f"kernel size must be a number or a (height, width) pair, got {kernel_size}"
            )
        kh, kw = kernel_size
        self.in_channels = _positive_int(in_channels, "in_channels")
        self.out_channels = _positive_int(out_channels, "out_channels")
        self.kernel_size = (_positive_int(kh, "kernel size"), _positive_int(kw, "kernel size"))
        self.stride = _positive_int(stride, "stride")
        self.padding = _positive_int(padding, "padding", minimum=0)
        if algorithm != "auto":
            conv.get_algorithm(algorithm)  # fail now, not at the first batch
        self.algorithm = algorithm
        dtype = _float_dtype(dtype)
        fan_in = self.in_channels * kh * kw
        w = _rng(rng).standard_normal((self.out_channels, self.in_channels, kh, kw))
        self.params = {
            "W": (w * np.sqrt(2.0 / fan_in)).astype(dtype),
            "b": np.zeros(self.out_channels, dtype),
        }
        self._cache: Any = None

    def output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 3:
            raise ValueError(f"needs a (channels, height, width) input, got {input_shape}")
        w_shape = self.params["W"].shape
        return conv.output_shape((1, *input_shape), w_shape, self.stride, self.padding)[1:]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (N, C, H, W) -> (N, F, OH, OW)."""
        w, b = self.params["W"], self.params["b"]
        x = np.asarray(x, dtype=w.dtype)
        if x.ndim != 4:
            raise ValueError(f"needs an (N, C, H, W) batch, got {x.shape}")
        y, self._cache = conv.forward(x, w, b, self.stride, self.padding, self.algorithm)
        return y

    def backward(self, grad_y: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """grad_y (N, F, OH, OW) -> grad_x (N, C, H, W); fills grads["W"], grads["b"]."""
        self._need_forward(self._cache)
        dx, dw, db = conv.backward(grad_y, self._cache, need_dx=input_grad)
        self.grads = {"W": dw, "b": db}
        return dx

    def spec(self) -> dict[str, Any]:
        kh, kw = self.kernel_size
        return {
            "type": "conv",
            "filters": self.out_channels,
            "kernel": kh if kh == kw else [kh, kw],
            "stride": self.stride,
            "padding": self.padding,
        }

    def describe(self) -> str:
        kh, kw = self.kernel_size
        parts = [f"conv {kh}×{kw}×{self.out_channels}"]
        if self.stride != 1:
            parts.append(f"stride {self.stride}")
        if self.padding:
            parts.append(f"pad {self.padding}")
        return ", ".join(parts)


class ReLU(Layer):
    """max(x, 0) elementwise; the gradient passes only where the input was positive."""

    def __init__(self) -> None:
        super().__init__()
        self._mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        self._mask = x > 0
        return fastpath.keep_where(x, self._mask)

    def backward(self, grad_y: np.ndarray, input_grad: bool = True) -> np.ndarray:
        self._need_forward(self._mask)
        return fastpath.keep_where(grad_y, self._mask)

    def spec(self) -> dict[str, Any]:
        return {"type": "relu"}


class Pool2D(Layer):
    """Pooling over size×size windows: x (N, C, H, W) -> (N, C, OH, OW); stride defaults to size.

    ``mode`` is "max", "avg" or "sum".
    """

    def __init__(self, size: int = 2, stride: int | None = None, mode: str = "max") -> None:
        super().__init__()
        if mode not in pool.MODES:
            raise ValueError(f"pooling mode must be one of {', '.join(pool.MODES)}, got {mode!r}")
        self.size = _positive_int(size, "pooling size")
        self.stride = self.size if stride is None else _positive_int(stride, "pooling stride")
        self.mode = mode
        self._cache: Any = None

    def output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 3:
            raise ValueError(f"needs a (channels, height, width) input, got {input_shape}")
        c, h, w = input_shape
        return (c, *pool.output_hw(h, w, self.size, self.stride))

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim != 4:
            raise ValueError(f"needs an (N, C, H, W) batch, got {x.shape}")
        y, self._cache = pool.forward(x, self.size, self.stride, self.mode)
        return y

    def backward(self, grad_y: np.ndarray, input_grad: bool = True) -> np.ndarray:
        self._need_forward(self._cache)
        return pool.backward(grad_y, self._cache)

    def spec(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "pool", "mode": self.mode, "size": self.size}
        if self.stride != self.size:
            out["stride"] = self.stride
        return out

    def describe(self) -> str:
        stride = f", stride {self.stride}" if self.stride != self.size else ""
        return f"{self.mode} pool {self.size}×{self.size}{stride}"


class MaxPool2D(Pool2D):
    """Keeps the largest value of each window."""

    def __init__(self, size: int = 2, stride: int | None = None) -> None:
        super().__init__(size, stride, "max")


class AvgPool2D(Pool2D):
    """Keeps the mean of each window."""

    def __init__(self, size: int = 2, stride: int | None = None) -> None:
        super().__init__(size, stride, "avg")


class SumPool2D(Pool2D):
    """Keeps the sum of each window."""

    def __init__(self, size: int = 2, stride: int | None = None) -> None:
        super().__init__(size, stride, "sum")


class Flatten(Layer):
    """(N, C, H, W) -> (N, C·H·W), the bridge from feature maps to dense layers."""

    def __init__(self) -> None:
        super().__init__()
        self._shape: Shape | None = None

    def output_shape(self, input_shape: Shape) -> Shape:
        return (int(np.prod(input_shape)),)

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_y: np.ndarray, input_grad: bool = True) -> np.ndarray:
        self._need_forward(self._shape)
        return grad_y.reshape(self._shape)

    def spec(self) -> dict[str, Any]:
        return {"type": "flatten"}


class Dense(Layer):
    """Fully connected layer: x (N, D) -> x·W + b (N, U).

    ``params["W"]`` (D, U) starts He-normal, ``params["b"]`` (U,) at zero.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        rng: np.random.Generator | int | None = None,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        self.in_features = _positive_int(in_features, "in_features")
        self.out_features = _positive_int(out_features, "out_features")
        dtype = _float_dtype(dtype)
        w = _rng(rng).standard_normal((self.in_features, self.out_features))
        self.params = {
            "W": (w * np.sqrt(2.0 / self.in_features)).astype(dtype),
            "b": np.zeros(self.out_features, dtype),
        }
        self._x: np.ndarray | None = None

    def output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 1:
            dims = "×".join(map(str, input_shape))
            raise ValueError(f"needs a flat input but gets {dims} feature maps; add a flatten")
        if input_shape[0] != self.in_features:
            raise ValueError(f"input has {input_shape[0]} features, expected {self.in_features}")
        return (self.out_features,)

    def forward(self, x: np.ndarray) -> np.ndarray:
        w = self.params["W"]
        x = np.asarray(x, dtype=w.dtype)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"needs an (N, {self.in_features}) batch, got {x.shape}")
        self._x = x
        return blas.matmul(x, w) + self.params["b"]

    def backward(self, grad_y: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        self._need_forward(self._x)
        self.grads = {"W": blas.matmul(self._x.T, grad_y), "b": grad_y.sum(axis=0)}
        return blas.matmul(grad_y, self.params["W"].T) if input_grad else None

    def spec(self) -> dict[str, Any]:
        return {"type": "dense", "units": self.out_features}

    def describe(self) -> str:
        return f"dense {self.out_features}"
