"""The PyTorch script export: valid Python that rebuilds the engine's network and weights.

CI has no torch (the PyPI wheel pulls gigabytes of CUDA libraries), so the script is checked
natively by reading it: its layer calls, parameter mapping and normalisation are executed with
PyTorch's documented semantics in NumPy (``nn.Linear``: x·Wᵀ + b; ``nn.Conv2d``: cross-correlation
of (F, C, kh, kw) kernels, as ``engine.functional.conv2d``) and compared with the engine's own
predictions. Where torch is installed, the script itself runs and must predict the same.
"""

from __future__ import annotations

import ast
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.trainer import spec
from app.trainer.settings import PRESETS
from app.trainer.torch_export import NPZ_NAME, SCRIPT_NAME, pytorch_script
from engine import functional
from engine.data import normalize
from engine.model import Sequential

NETWORKS = {key: settings.layers for key, settings in PRESETS.items()}
NETWORKS["avg-sum-strided"] = spec.to_engine(
    spec.parse_spec("conv 6 3 stride=2 padding=1\nrelu\navgpool 2\nsumpool 3 stride=2\ndense 10")
)


def _images(n: int = 16) -> np.ndarray:
    return np.random.default_rng(3).integers(0, 256, (n, 28, 28)).astype(np.uint8)


def _saved_model(layers: list[dict], folder: Path) -> Sequential:
    model = Sequential.from_spec(layers, (1, 28, 28), rng=11, dtype=np.float32)
    for p in model.parameters():  # biases start at 0: give them values so the mapping matters
        p.value[...] += np.random.default_rng(5).normal(0, 0.1, p.value.shape)
    model.save(folder / NPZ_NAME)
    return model


class ReadScript:
    """The parts of the generated script that need no torch, read from its syntax tree."""

    def __init__(self, text: str) -> None:
        self.tree = ast.parse(text)
        self.text = text
        constants = {}
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                constants[node.targets[0].id] = ast.literal_eval(node.value)
        self.weights = constants["WEIGHTS"]
        self.mean, self.std = constants["MNIST_MEAN"], constants["MNIST_STD"]
        build = self._function("build_model")
        sequential = build.body[-1].value
        assert ast.unparse(sequential.func) == "nn.Sequential"
        self.modules = [
            (
                ast.unparse(call.func),
                [ast.literal_eval(a) for a in call.args],
                {k.arg: ast.literal_eval(k.value) for k in call.keywords},
            )
            for call in sequential.args
        ]
        namespace = {"np": np, "WEIGHTS": self.weights}
        exec(ast.get_source_segment(text, self._function("state_dict")), namespace)
        self.state_dict = namespace["state_dict"]

    def _function(self, name: str) -> ast.FunctionDef:
        return next(n for n in self.tree.body if isinstance(n, ast.FunctionDef) and n.name == name)

    def forward(self, npz: Path, images: np.ndarray) -> np.ndarray:
        """The script's network applied with PyTorch's semantics, in NumPy."""
        state = self.state_dict(str(npz))
        x = ((images.astype(np.float32)[:, None] / 255.0) - self.mean) / self.std
        for index, (name, args, kwargs) in enumerate(self.modules):
            weight, bias = state.get(f"{index}.weight"), state.get(f"{index}.bias")
            if name == "nn.Conv2d":
                assert weight.shape == (
                    args[1],
                    args[0],
                    kwargs["kernel_size"],
                    kwargs["kernel_size"],
                )
                x = functional.conv2d(x, weight, bias, kwargs["stride"], kwargs["padding"])
            elif name in ("nn.MaxPool2d", "nn.AvgPool2d", "SumPool2d"):
                mode = {"nn.MaxPool2d": "max", "nn.AvgPool2d": "avg", "SumPool2d": "sum"}[name]
                x = functional.pool2d(x, kwargs["kernel_size"], kwargs["stride"], mode)
            elif name == "nn.ReLU":
                x = np.maximum(x, 0)
            elif name == "nn.Flatten":
                x = x.reshape(len(x), -1)
            elif name == "nn.Linear":
                assert weight.shape == (args[1], args[0])  # (out, in), as torch keeps it
                x = x @ weight.T + bias
            else:
                raise AssertionError(f"unexpected module {name}")
        return functional.softmax(x)


@pytest.mark.parametrize("key", list(NETWORKS))
def test_the_script_describes_the_same_layers_and_weights(key: str, tmp_path: Path) -> None:
    layers = NETWORKS[key]
    model = _saved_model(layers, tmp_path)
    text = pytorch_script(layers, "Adam, lr 0.004")
    compile(text, "cnn-classroom-model.py", "exec")
    script = ReadScript(text)
    assert len(script.modules) == len(model.layers)
    assert len(script.weights) == len(list(model.parameters()))
    images = _images()
    expected = model.predict_proba(normalize(images))
    np.testing.assert_allclose(script.forward(tmp_path / NPZ_NAME, images), expected, atol=1e-4)
    assert "Trained with: Adam, lr 0.004" in text


@pytest.mark.parametrize("key", NETWORKS)
def test_the_script_runs_in_pytorch_and_predicts_as_the_engine(key: str, tmp_path: Path) -> None:
    """The script as a student runs it, in PyTorch. CI has no torch: there this is skipped, and
    the test above checks the same script without it."""
    pytest.importorskip("torch", reason="PyTorch is not installed here (CI does not install it)")
    layers = NETWORKS[key]
    model = _saved_model(layers, tmp_path)
    script = tmp_path / SCRIPT_NAME
    script.write_text(pytorch_script(layers))
    namespace = runpy.run_path(str(script))
    torch_model = namespace["load_model"](str(tmp_path / NPZ_NAME))
    images = _images(64)
    probs = namespace["predict_proba"](torch_model, images)
    expected = model.predict_proba(normalize(images))
    np.testing.assert_allclose(probs, expected, atol=1e-5)
    # From the command line, in the folder holding both downloads, as the script's help says.
    np.save(tmp_path / "digits.npy", images)
    run = [sys.executable, SCRIPT_NAME, "digits.npy"]
    printed = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert f"{sum(p.value.size for p in model.parameters())} parameters loaded" in printed
    assert f"predicted digits: {expected.argmax(1).tolist()}" in printed
