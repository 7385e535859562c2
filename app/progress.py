"""Which exercises a student has solved, kept across reloads.

In the browser (Pyodide) progress lives in ``localStorage`` under ``STORAGE_KEY`` as
``{"<slug>": {"solved": ["<exercise-id>", ...], "done": bool, "draws": {"<exercise-id>": n},
"solved_at": {"<exercise-id>": "<UTC time>"}, "done_at": "<UTC time>"}}`` (docs/ARCHITECTURE.md;
``draws`` numbers the problem an exercise shows, so a reload shows the same numbers until it is
solved; the times, ``YYYY-MM-DDTHH:MM:SSZ``, say when an exercise was first solved and the lesson
first completed, and are missing for progress saved before they were recorded). After every
write the ``cnn-progress`` event tells the page's lesson list to redraw its check marks.
``STORAGE_KEY`` is defined here only: the build hands it to ``static/boot.js``. Natively
(tests, ``panel serve``) an in-memory store stands in for localStorage. A browser that blocks
storage (privacy settings, a sandboxed frame) gets an in-memory store for the page and one
notice that progress will not be kept.

Storage can be damaged (an old version, a hand edit, a browser extension). Progress is never
thrown away silently: unreadable JSON is copied to ``BACKUP_KEY`` before anything is written,
bad entries are skipped, and ``take_warnings()`` says what happened so the page can tell the
student, once: the data is already backed up, and repeating it on every lesson only alarms.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Protocol

from app import catalog
from app.components.messages import literal
from app.js_calls import call_method

STORAGE_KEY = "cnn-classroom/progress/v1"
BACKUP_KEY = "cnn-classroom/progress/v1/unreadable-backup"
EVENT_NAME = "cnn-progress"
#: How completion times are written: UTC, to the second (``datetime.fromisoformat`` reads it).
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def now() -> str:
    """The current UTC time as progress records it."""
    return datetime.now(UTC).strftime(TIME_FORMAT)


def is_time(value: object) -> bool:
    """Whether ``value`` is a time written in ``TIME_FORMAT``."""
    if not isinstance(value, str):
        return False
    try:
        datetime.strptime(value, TIME_FORMAT)
    except ValueError:
        return False
    return True


class Storage(Protocol):
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str) -> None: ...
    def notify(self) -> None: ...


class MemoryStorage:
    """A dict standing in for localStorage outside the browser."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}
        self.notifications = 0

    def get(self, key: str) -> str | None:
        return self.items.get(key)

    def set(self, key: str, value: str) -> None:
        self.items[key] = value

    def notify(self) -> None:
        self.notifications += 1


BLOCKED_MESSAGE = (
    "This browser does not let the page save anything, so your progress lasts only until you "
    "close or reload the page. Everything else works as usual."
)


class BrowserStorage:
    """``window.localStorage`` through Pyodide's ``js`` module (``window`` is injectable for
    tests). When the browser refuses access, reads and writes go to memory for this page."""

    def __init__(self, window: object | None = None) -> None:
        if window is None:
            import js  # only exists inside Pyodide

            window = js
        self._window = window
        self._fallback: MemoryStorage | None = None

    def _blocked(self) -> MemoryStorage:
        if self._fallback is None:
            self._fallback = MemoryStorage()
            _warn(BLOCKED_MESSAGE)
        return self._fallback

    def get(self, key: str) -> str | None:
        if self._fallback is None:
            try:
                value = call_method(self._window.localStorage, "getItem", key)
            except Exception:  # a SecurityError from the browser, raised as a JsException
                return self._blocked().get(key)
            return None if value is None else str(value)
        return self._fallback.get(key)

    def set(self, key: str, value: str) -> None:
        if self._fallback is None:
            try:
                self._window.localStorage.setItem(key, value)
                return
            except Exception:  # blocked, or the storage quota is full
                pass
        self._blocked().set(key, value)

    def notify(self) -> None:
        self._window.window.dispatchEvent(self._window.Event.new(EVENT_NAME))


_storage: Storage | None = None
_warnings: list[str] = []
_shown: set[str] = set()


def storage() -> Storage:
    """The active store: localStorage in Pyodide, memory elsewhere (created on first use)."""
    global _storage
    if _storage is None:
        _storage = BrowserStorage() if sys.platform == "emscripten" else MemoryStorage()
    return _storage


def use_storage(store: Storage) -> None:
    """Swap the store (tests use a fresh ``MemoryStorage`` each)."""
    global _storage
    _storage = store
    _warnings.clear()
    _shown.clear()


def take_warnings() -> list[str]:
    """Student-facing messages about damaged progress not shown yet; each is handed out once."""
    messages = list(_warnings)
    _shown.update(messages)
    _warnings.clear()
    return messages


def _warn(message: str) -> None:
    # Damaged storage stays as it is until the next write, so every read finds it again.
    if message not in _warnings and message not in _shown:
        _warnings.append(message)


def read_object(key: str, backup_key: str) -> dict | None:
    """The JSON object stored under ``key``; ``{}`` when nothing is stored. Stored text that is
    not a JSON object is copied to ``backup_key`` (once) and ``None`` is returned."""
    store = storage()
    raw = store.get(key)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        if store.get(backup_key) != raw:
            store.set(backup_key, raw)
        return None
    return data


def load() -> dict[str, dict]:
    """All progress, cleaned: ``{slug: {"solved": [ids], "done": bool}}`` plus ``draws``,
    ``solved_at`` and ``done_at`` where they were stored and are well-formed."""
    data = read_object(STORAGE_KEY, BACKUP_KEY)
    if data is None:
        _warn(
            "Your saved progress could not be read, so this page starts afresh. "
            f"The old data was kept in localStorage under “{BACKUP_KEY}”."
        )
        return {}
    clean: dict[str, dict] = {}
    for slug, entry in data.items():
        solved = entry.get("solved") if isinstance(entry, dict) else None
        if not isinstance(solved, list):
            _warn(f"Saved progress for “{literal(slug)}” was damaged and has been skipped.")
            continue
        ids = [item for item in solved if isinstance(item, str)]
        if len(ids) != len(solved):
            _warn(f"Some saved exercises for “{literal(slug)}” were damaged and have been skipped.")
        clean[slug] = {"solved": list(dict.fromkeys(ids)), "done": entry.get("done") is True}
        draws = entry.get("draws")
        if isinstance(draws, dict):
            clean[slug]["draws"] = {
                key: value
                for key, value in draws.items()
                if isinstance(value, int) and not isinstance(value, bool) and value >= 0
            }
        times = entry.get("solved_at")
        if isinstance(times, dict):
            clean[slug]["solved_at"] = {
                key: value for key, value in times.items() if key in ids and is_time(value)
            }
        if clean[slug]["done"] and is_time(entry.get("done_at")):
            clean[slug]["done_at"] = entry["done_at"]
    return clean


def save_all(data: dict[str, dict]) -> None:
    """Replace all progress with ``data`` (``load()``'s shape) and notify the page. Callers
    load() first, and load() has already backed up unreadable storage."""
    store = storage()
    store.set(STORAGE_KEY, json.dumps(data, separators=(",", ":")))
    store.notify()


def solved(slug: str) -> set[str]:
    return set(load().get(slug, {}).get("solved", []))


def is_done(slug: str) -> bool:
    return bool(load().get(slug, {}).get("done"))


def mark_solved(slug: str, exercise_id: str) -> bool:
    """Record a solved exercise (and when, the first time), write it to storage and notify the
    page; returns lesson done."""
    data = load()
    entry = data.setdefault(slug, {"solved": [], "done": False})
    time = now()
    if exercise_id not in entry["solved"]:
        entry["solved"].append(exercise_id)
        entry.setdefault("solved_at", {})[exercise_id] = time
    required = catalog.exercise_ids(slug)
    if not entry["done"] and bool(required) and required <= set(entry["solved"]):
        entry["done"] = True
        entry["done_at"] = time
    save_all(data)
    return entry["done"]


def draw(slug: str, exercise_id: str) -> int:
    """Which problem the exercise shows: 0 at first, one more after each solve or new problem."""
    return int(load().get(slug, {}).get("draws", {}).get(exercise_id, 0))


def next_draw(slug: str, exercise_id: str) -> int:
    """Move the exercise on to its next problem (kept across reloads); returns its number."""
    data = load()
    entry = data.setdefault(slug, {"solved": [], "done": False})
    draws = entry.setdefault("draws", {})
    draws[exercise_id] = draws.get(exercise_id, 0) + 1
    save_all(data)
    return draws[exercise_id]
