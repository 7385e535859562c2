"""The messages between the trainer page and its worker, defined once.

Every message is a plain dict with a ``type`` and the protocol version ``v``; ``REQUESTS`` lists
what the page may send (the worker's :class:`~app.trainer.driver.Driver` answers them) and
``REPLIES`` what the worker sends back, each with its required fields and their types.
``trainer-worker.js`` only relays these dicts (and keeps the last model in IndexedDB); the two
``boot`` messages it sends before Python has started are the only ones without a version.

Both sides check what they receive with :func:`check`, so a malformed or unknown message gets a
clear error instead of a traceback.
"""

from __future__ import annotations

from typing import Any

VERSION = 1

Fields = dict[str, type | tuple[type, ...]]
_BYTES = (bytes, bytearray, memoryview)
_NUMBER = (int, float)

#: page → worker: type → required fields. ``train`` may also carry ``checkpoint_every`` (int)
#: and ``track_test`` (bool), used by the benchmark's diagnostic side door.
REQUESTS: dict[str, Fields] = {
    "train": {"settings": dict},
    "pause": {},
    "resume": {},
    "stop": {},
    "predict": {"image": list},
    "features": {"index": int},
    "export": {},
    "load": {"bytes": _BYTES, "source": str},
    "forget": {},
    "memory": {},
}

#: worker → page: type → required fields. ``progress`` also carries ``losses`` ([images, smoothed
#: loss] samples since the previous progress), ``images_per_s`` and ``remaining``.
REPLIES: dict[str, Fields] = {
    "boot": {"stage": str},
    "boot-failed": {"message": str},
    "ready": {"restoring": bool},
    "started": {"total": int, "settings": dict},
    "progress": {"state": str, "images": int, "total": int, "seconds": _NUMBER},
    "checkpoint": {"images": int, "seconds": _NUMBER, "val_acc": _NUMBER},
    "bench": {"images": int, "seconds": _NUMBER, "val_acc": _NUMBER, "test_acc": _NUMBER},
    "finished": {
        "source": str,
        "stopped": bool,
        "images": int,
        "seconds": _NUMBER,
        "test_acc": _NUMBER,
        "val_acc": _NUMBER,
        "confusion": list,
        "misclassified": list,
        "filters": list,
        "layers": list,
        "history": list,
    },
    "loaded": {"source": str},
    "prediction": {"probs": list},
    "features": {"index": int, "label": int, "image": list, "layers": list, "probs": list},
    "exported": {"bytes": _BYTES, "settings": (dict, type(None))},
    "memory": {"heap": int},
    "forgotten": {},
    "error": {"message": str},
}

#: Sent by trainer-worker.js before Python (and this module) has loaded.
UNVERSIONED = {"boot", "boot-failed"}


class ProtocolError(ValueError):
    """A message that does not follow the protocol; the text says what is wrong."""


def request(kind: str, **fields: Any) -> dict[str, Any]:
    """A versioned page → worker message (ProtocolError if it does not fit ``REQUESTS``)."""
    out = {"type": kind, "v": VERSION, **fields}
    check(out, REQUESTS)
    return out


def reply(kind: str, **fields: Any) -> dict[str, Any]:
    """A versioned worker → page message (ProtocolError if it does not fit ``REPLIES``)."""
    out = {"type": kind, "v": VERSION, **fields}
    check(out, REPLIES)
    return out


def error(text: str, request: str | None = None) -> dict[str, Any]:
    """The error reply, naming the request it answers when there is one."""
    return reply("error", message=text, **({"request": request} if request else {}))


def check(data: Any, table: dict[str, Fields]) -> str:
    """The type of ``data`` if it is a valid message of ``table``; ProtocolError otherwise."""
    if not isinstance(data, dict):
        raise ProtocolError(f"a message must be a dictionary, not {type(data).__name__}")
    kind = data.get("type")
    if kind not in table:
        known = ", ".join(sorted(table))
        raise ProtocolError(f"unknown message type {kind!r} (known: {known})")
    if kind not in UNVERSIONED and data.get("v") != VERSION:
        raise ProtocolError(
            f"'{kind}' message has protocol version {data.get('v')!r}, expected {VERSION}"
        )
    for name, kinds in table[kind].items():
        if name not in data:
            raise ProtocolError(f"'{kind}' message lacks its '{name}' field")
        value = data[name]
        wrong_bool = isinstance(value, bool) and bool not in _as_tuple(kinds)
        if wrong_bool or not isinstance(value, kinds):
            raise ProtocolError(
                f"'{kind}' message: '{name}' is {type(value).__name__}, "
                f"expected {' or '.join(t.__name__ for t in _as_tuple(kinds))}"
            )
    return kind


def _as_tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)
