"""What the page's Python imports before its state is snapshotted (see ``static/boot.js``).

On a first visit the page imports this module, then saves Pyodide's memory in the browser's
cache; later visits restore that memory instead of starting Python and importing all this
again. Everything here is what Panel and Bokeh import that does not need NumPy: NumPy's compiled
extension modules are linked into Pyodide at run time, and Pyodide 0.27 cannot restore such
libraries from a snapshot, so NumPy (and everything that imports it) loads after the restore.
"""

from __future__ import annotations

import asyncio  # noqa: F401
import base64  # noqa: F401
import dataclasses  # noqa: F401
import datetime  # noqa: F401
import difflib  # noqa: F401
import html.parser  # noqa: F401
import importlib.metadata  # noqa: F401
import inspect  # noqa: F401
import json  # noqa: F401
import logging  # noqa: F401
import pathlib  # noqa: F401
import pprint  # noqa: F401
import sys
import textwrap  # noqa: F401
import urllib.parse  # noqa: F401
import uuid  # noqa: F401

import jinja2  # noqa: F401
import linkify_it  # noqa: F401
import markdown  # noqa: F401
import markdown_it  # noqa: F401
import markupsafe  # noqa: F401
import mdit_py_plugins  # noqa: F401
import packaging.version  # noqa: F401
import param  # noqa: F401
import pyviz_comms  # noqa: F401
import tqdm  # noqa: F401
import typing_extensions  # noqa: F401
import yaml  # noqa: F401

import app.shell  # noqa: F401

if "numpy" in sys.modules:
    raise ImportError("app.prelude must not import NumPy: a memory snapshot cannot hold it")


def reseed() -> None:
    """Fresh randomness after a restore: the snapshot holds the first visit's generator state."""
    import random

    random.seed()
