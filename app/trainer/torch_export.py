"""A trained model as a PyTorch script a student can run outside the site.

``pytorch_script(layers)`` writes a ``torch.nn.Sequential`` with the same layers as the engine
network of ``layers`` (engine specs), the mapping from the exported ``.npz``'s arrays to PyTorch's
parameter names (dense weights transposed: the engine stores (in, out), ``nn.Linear`` (out, in)),
and the engine's input normalisation, so the script's predictions equal the engine's.
"""

from __future__ import annotations

from typing import Any

from engine.data import MNIST_MEAN, MNIST_STD
from engine.layers import Conv2D, Dense, Flatten, Layer, Pool2D, ReLU
from engine.model import Sequential

INPUT_SHAPE = (1, 28, 28)
NPZ_NAME = "cnn-classroom-model.npz"
SCRIPT_NAME = "cnn-classroom-model.py"

_SUM_POOL = '''

class SumPool2d(nn.AvgPool2d):
    """Sum over each window (the engine's "sum" pooling): the window's mean times its size."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x) * self.kernel_size**2
'''

_TEMPLATE = '''"""CNN Classroom model as PyTorch: the layers and weights trained in the browser.

Written by CNN Classroom's trainer. Put the exported {npz} beside this file, then:

    pip install torch numpy
    python {script}                 # prints the network and checks that the weights load
    python {script} digits.npy      # predicts (N, 28, 28) uint8 images saved with numpy.save
{trained}"""

import sys

import numpy as np
import torch
from torch import nn

#: The engine's input normalisation: pixels/255, then (x - mean) / std.
MNIST_MEAN = {mean!r}
MNIST_STD = {std!r}

#: The .npz's arrays: engine parameter name -> (PyTorch parameter name, transpose?). The engine
#: stores a dense layer's weights as (inputs, outputs); nn.Linear keeps (outputs, inputs).
WEIGHTS = {{
{weights}
}}
{extra}

def build_model() -> nn.Sequential:
    """The network, layer by layer (output shape per image in the comments)."""
    return nn.Sequential(
{modules}
    )


def state_dict(npz_path: str) -> dict[str, np.ndarray]:
    """The exported arrays under PyTorch's names and in PyTorch's layout."""
    arrays = {{}}
    with np.load(npz_path) as saved:
        for key, (name, transpose) in WEIGHTS.items():
            value = saved["param/" + key]
            arrays[name] = np.ascontiguousarray(value.T if transpose else value)
    return arrays


def load_model(npz_path: str = "{npz}") -> nn.Sequential:
    model = build_model()
    arrays = state_dict(npz_path)
    model.load_state_dict({{name: torch.from_numpy(a).float() for name, a in arrays.items()}})
    return model.eval()


def to_input(images: np.ndarray) -> torch.Tensor:
    """uint8 images (N, 28, 28) -> the normalised float tensor (N, 1, 28, 28) the model reads."""
    x = np.asarray(images, dtype=np.float32)[:, None] / 255.0
    return torch.from_numpy((x - MNIST_MEAN) / MNIST_STD)


def predict_proba(model: nn.Sequential, images: np.ndarray) -> np.ndarray:
    """Softmax probabilities (N, 10) for uint8 images (N, 28, 28)."""
    with torch.no_grad():
        return torch.softmax(model(to_input(images)), dim=1).numpy()


if __name__ == "__main__":
    model = load_model()
    print(model)
    print(sum(p.numel() for p in model.parameters()), "parameters loaded")
    if len(sys.argv) > 1:
        images = np.load(sys.argv[1])
        print("predicted digits:", predict_proba(model, images).argmax(axis=1).tolist())
'''


def _module(layer: Layer) -> str:
    """The ``torch.nn`` constructor call for one engine layer."""
    if isinstance(layer, Conv2D):
        kh, kw = layer.kernel_size
        kernel = kh if kh == kw else (kh, kw)
        return (
            f"nn.Conv2d({layer.in_channels}, {layer.out_channels}, kernel_size={kernel!r}, "
            f"stride={layer.stride}, padding={layer.padding})"
        )
    if isinstance(layer, Pool2D):
        name = {"max": "nn.MaxPool2d", "avg": "nn.AvgPool2d", "sum": "SumPool2d"}[layer.mode]
        return f"{name}(kernel_size={layer.size}, stride={layer.stride})"
    if isinstance(layer, ReLU):
        return "nn.ReLU()"
    if isinstance(layer, Flatten):
        return "nn.Flatten()"
    if isinstance(layer, Dense):
        return f"nn.Linear({layer.in_features}, {layer.out_features})"
    raise ValueError(f"no PyTorch layer for {layer.describe()}")


def pytorch_script(layers: list[dict[str, Any]], trained_with: str = "") -> str:
    """The script's text for the engine network of ``layers`` (see the module docstring)."""
    model = Sequential.from_spec(layers, INPUT_SHAPE)
    modules, weights = [], []
    for index, (layer, row) in enumerate(zip(model.layers, model.summary(), strict=True)):
        shape = "×".join(str(d) for d in row["output_shape"])
        modules.append(f"        {_module(layer)},  # {layer.describe()} -> {shape}")
        for key in layer.params:  # engine names "<layer number>.<W or b>"
            torch_name = {"W": "weight", "b": "bias"}[key]
            transpose = isinstance(layer, Dense) and key == "W"
            weights.append(f'    "{index + 1}.{key}": ("{index}.{torch_name}", {transpose}),')
    sum_pool = any(isinstance(layer, Pool2D) and layer.mode == "sum" for layer in model.layers)
    return _TEMPLATE.format(
        npz=NPZ_NAME,
        script=SCRIPT_NAME,
        trained=f"\nTrained with: {trained_with}\n" if trained_with else "",
        mean=MNIST_MEAN,
        std=MNIST_STD,
        weights="\n".join(weights),
        extra=_SUM_POOL if sum_pool else "",
        modules="\n".join(modules),
    )
