"""Panel's package ``__init__`` files as the page ships them: the submodules no lesson uses
import on first use instead of with Panel.

``import panel`` imports every pane and widget Panel has (VTK, Vega, the terminal, the speech
widgets, the chat components...) and its page templates, on the path of every first visit. Each
package below keeps its public names, and ``panel.widgets.Terminal`` or ``from panel.pane import
VTK`` still work: a module ``__getattr__`` (PEP 562) imports the submodule then. What changes is
only that a pane type not yet imported takes no part in ``pn.panel(obj)``'s choice of pane; the
lessons name their panes, and the site is its own page, not a Panel template. Submodules that
Panel's own modules import by name (Tabulator, FileSelector, IPyWidget, Plotly) would be
imported with Panel anyway, so they are left as they are.
"""

from __future__ import annotations

import re

from sitebuild import BuildError

#: Per package ``__init__`` in Panel's wheel: the submodules it imports on first use.
LAZY_SUBMODULES = {
    "panel/__init__.py": ("chat", "interact", "pipeline", "template"),
    "panel/pane/__init__.py": (
        *("deckgl", "echarts", "perspective", "streamz"),
        *("textual", "vega", "vizzu", "vtk"),
    ),
    "panel/widgets/__init__.py": (
        *("codeeditor", "debugger", "speech_to_text"),
        *("terminal", "text_to_speech", "texteditor"),
    ),
}

# "from .tables import DataFrame, Tabulator  # (comment)", "from . import chat  # (comment)"
_IMPORT = re.compile(r"^from \.(?P<module>\w*) import (?P<names>[\w, ]+?)\s*(#.*)?\n", re.M)

_LOADER = """

# Added by CNN Classroom's build (sitebuild/lazy_panel.py): these names import their submodule
# the first time they are used. name -> (submodule, attribute; None: the submodule itself)
_ON_FIRST_USE = {lazy!r}


def __getattr__(name):
    if name not in _ON_FIRST_USE:
        raise AttributeError(f"module {{__name__!r}} has no attribute {{name!r}}")
    import importlib

    submodule, attribute = _ON_FIRST_USE[name]
    module = importlib.import_module(f"{{__name__}}.{{submodule}}")
    return module if attribute is None else getattr(module, attribute)
"""


def rewrite(path: str, source: str) -> str:
    """``source`` of ``path`` (a key of LAZY_SUBMODULES) with the imports of its lazy submodules
    replaced by a module ``__getattr__`` that imports them on first use."""
    submodules = set(LAZY_SUBMODULES[path])
    lazy: dict[str, tuple[str, str | None]] = {}

    def defer(match: re.Match) -> str:
        module, names = match["module"], [n.strip() for n in match["names"].split(",")]
        if module in submodules:  # from .tables import DataFrame, Tabulator
            lazy.update({name: (module, name) for name in names})
        elif not module and set(names) <= submodules:  # from . import chat
            lazy.update({name: (name, None) for name in names})
        else:
            return match[0]
        return ""

    rewritten = _IMPORT.sub(defer, source)
    # Each submodule must still be imported (``from . import chat`` or ``from .chat import``).
    missing = submodules - {submodule for submodule, _ in lazy.values()}
    if missing:
        raise BuildError(f"{path} no longer imports {sorted(missing)}: update sitebuild/lazy_panel")
    return rewritten + _LOADER.format(lazy=lazy)
