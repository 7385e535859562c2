"""Calling a JavaScript object's method from Python without leaving a reference behind.

In Pyodide 0.27, ``obj.method(arg)`` written as one expression keeps a reference to ``obj`` (or
to the method) after the call returns; ``method = obj.method`` then ``method(arg)`` does not. A
leftover reference is harmless to a running page, but a memory snapshot must find every
JavaScript object Python holds again on the next page, and cannot: code that runs before
Python's state is saved (:func:`app.shell.prepare_saved`) calls JavaScript through here.
"""

from __future__ import annotations


def call_method(target: object, name: str, *args: object) -> object:
    """``target.<name>(*args)`` for a JavaScript object ``target``, leaving no reference behind."""
    method = getattr(target, name)
    return method(*args)
