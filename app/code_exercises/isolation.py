"""Keeping one Run or Check from changing the next: what the student's code may change in the
code worker's interpreter is put back afterwards.

The student's module always gets a fresh namespace (``runner``); this covers what outlives it in
a shared interpreter: attributes of imported modules (``np.sum = ...``, ``del np.exp``,
``builtins.print = ...``) and of the classes they define, modules the code imported, NumPy's
error handling, print options and global random state, Python's ``random``, warning filters, the
recursion limit and the working directory. Objects changed in place (a module-level list
emptied) are not tracked: a student can only reach them on purpose.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np

_MISSING = object()
#: Packages whose classes are tracked too: the engine and checker, which compute the expected
#: answers. (NumPy's own types are built in and cannot be changed.)
CLASS_PACKAGES = ("engine", "app")


def _unchanged(now: dict[str, Any], saved: dict[str, Any]) -> bool:
    # Dict equality compares identical values by identity first, in C: a few ms for all modules.
    # A value put in place of another may compare equal, be an array, or raise: all harmless.
    try:
        return bool(now == saved)
    except Exception:
        return False


def _put_back(target: Any, now: dict[str, Any], saved: dict[str, Any]) -> None:
    for name in [name for name in now if name not in saved]:
        with contextlib.suppress(AttributeError, TypeError):
            delattr(target, name)
    for name, value in saved.items():
        if now.get(name, _MISSING) is not value:
            with contextlib.suppress(AttributeError, TypeError):
                setattr(target, name, value)


def _tracked_classes(modules: dict[str, Any]) -> Iterator[type]:
    for name, module in modules.items():
        if isinstance(module, ModuleType) and name.partition(".")[0] in CLASS_PACKAGES:
            for value in list(vars(module).values()):
                if isinstance(value, type) and value.__module__ == name:
                    yield value


class Saved:
    """The interpreter's state at one moment; ``restore()`` returns to it."""

    def __init__(self) -> None:
        self.modules = dict(sys.modules)
        self.module_dicts = {
            name: dict(vars(module))
            for name, module in self.modules.items()
            if isinstance(module, ModuleType)
        }
        self.class_dicts = {cls: dict(vars(cls)) for cls in _tracked_classes(self.modules)}
        self.numpy_errors = np.geterr()
        self.numpy_error_call = np.geterrcall()
        self.numpy_print = np.get_printoptions()
        self.numpy_random = np.random.get_state()
        self.python_random = random.getstate()
        self.warning_filters = list(warnings.filters)
        self.recursion_limit = sys.getrecursionlimit()
        self.cwd = os.getcwd()

    def restore(self) -> None:
        # Built-ins and `sys` first, with dict methods only: the rest calls built-in functions
        # (which the student may have replaced) and looks modules up in sys.modules.
        for name in ("builtins", "sys"):
            namespace = vars(self.modules[name])
            namespace.clear()
            namespace.update(self.module_dicts[name])
        modules = sys.modules
        for name in [name for name in modules if name not in self.modules]:
            del modules[name]  # imported by the student: a later import runs it afresh
        for name, module in self.modules.items():
            if modules.get(name, _MISSING) is not module:
                modules[name] = module
        for name, saved in self.module_dicts.items():
            namespace = vars(self.modules[name])
            if not _unchanged(namespace, saved):
                namespace.clear()
                namespace.update(saved)
        for cls, saved in self.class_dicts.items():
            now = dict(vars(cls))
            if not _unchanged(now, saved):
                _put_back(cls, now, saved)
        np.seterr(**self.numpy_errors)
        np.seterrcall(self.numpy_error_call)
        np.set_printoptions(**self.numpy_print)
        np.random.set_state(self.numpy_random)
        random.setstate(self.python_random)
        warnings.filters[:] = self.warning_filters
        # As catch_warnings does on exit: modules' warning registries drop cached decisions.
        warnings._filters_mutated()
        sys.setrecursionlimit(self.recursion_limit)
        if os.getcwd() != self.cwd:
            os.chdir(self.cwd)


@contextlib.contextmanager
def isolated() -> Iterator[None]:
    """Run the block, then put back whatever it changed of the state listed above."""
    saved = Saved()
    try:
        yield
    finally:
        saved.restore()
