"""sitebuild.lazy_panel: Panel as the page ships it imports its rarely used submodules on first
use, and every public name still resolves. Checked on the Panel pinned for the native tests (the
same version the site ships), imported in a fresh interpreter."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import panel
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from sitebuild import BuildError  # noqa: E402
from sitebuild.lazy_panel import LAZY_SUBMODULES, rewrite  # noqa: E402

INSTALLED = Path(panel.__file__).parents[1]

CHECK = """
import json, sys
import panel, panel.pane, panel.widgets
lazy = json.loads(sys.argv[1])
imported_with_panel = sorted(m for m in lazy if m in sys.modules)
from panel.pane import VTK
from panel.widgets import Terminal
names = {
    "Terminal": Terminal.__module__,
    "VTK": VTK.__module__,
    "SpeechToText": panel.widgets.SpeechToText.__module__,
    "ChatInterface": panel.chat.ChatInterface.__module__,
    "interact": panel.interact.__module__,
    "Template": panel.Template.__module__,
    "template": panel.template.__name__,
}
try:
    panel.widgets.NoSuchWidget
except AttributeError as error:
    missing = str(error)
print(json.dumps({"imported_with_panel": imported_with_panel, "names": names, "missing": missing}))
"""


@pytest.fixture(scope="module")
def shipped_panel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the installed Panel with its ``__init__`` files as the site ships them."""
    root = tmp_path_factory.mktemp("lazy")
    shutil.copytree(INSTALLED / "panel", root / "panel", ignore=shutil.ignore_patterns("tests"))
    for path in LAZY_SUBMODULES:
        (root / path).write_text(rewrite(path, (INSTALLED / path).read_text()))
    return root


def test_panel_imports_the_lazy_submodules_only_when_their_names_are_used(
    shipped_panel: Path,
) -> None:
    lazy = [
        f"{path.removesuffix('/__init__.py').replace('/', '.')}.{module}"
        for path, modules in LAZY_SUBMODULES.items()
        for module in modules
    ]
    run = subprocess.run(
        [sys.executable, "-c", CHECK, json.dumps(lazy)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(shipped_panel)},
        check=True,
    )
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["imported_with_panel"] == []
    assert result["names"] == {
        "Terminal": "panel.widgets.terminal",
        "VTK": "panel.pane.vtk.vtk",
        "SpeechToText": "panel.widgets.speech_to_text",
        "ChatInterface": "panel.chat.interface",
        "interact": "panel.interact",
        "Template": "panel.template.base",
        "template": "panel.template",
    }
    assert "NoSuchWidget" in result["missing"]


def test_a_panel_that_no_longer_imports_a_lazy_submodule_fails_the_build() -> None:
    source = (INSTALLED / "panel/widgets/__init__.py").read_text()
    with pytest.raises(BuildError, match="terminal"):
        rewrite(
            "panel/widgets/__init__.py", source.replace("from .terminal import", "from .x import")
        )
