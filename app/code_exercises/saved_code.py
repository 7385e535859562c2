"""The student's code for each exercise, kept beside the progress (localStorage in the browser).

Stored under ``CODE_KEY`` as ``{"<exercise-id>": "<code>"}`` through the progress module
(``progress.read_object``, ``progress.storage()``), so the page and the tests share its store.
Unreadable data is copied to ``BACKUP_KEY`` before it is replaced, never dropped silently.
"""

from __future__ import annotations

import json

from app import progress

CODE_KEY = "cnn-classroom/code/v1"
BACKUP_KEY = "cnn-classroom/code/v1/unreadable-backup"


def load_all() -> dict[str, str]:
    """Every exercise's saved code (exercise id → code); what a progress file carries."""
    data = progress.read_object(CODE_KEY, BACKUP_KEY)
    if data is None:
        return {}
    return {key: value for key, value in data.items() if isinstance(value, str)}


def load(exercise_id: str) -> str | None:
    """The saved code, or None when the student has not written any (or reset it)."""
    return load_all().get(exercise_id)


def save(exercise_id: str, code: str | None) -> None:
    """Keep ``code`` for the exercise; None forgets it (the starter shows next time)."""
    data = load_all()
    if code is None:
        data.pop(exercise_id, None)
    else:
        data[exercise_id] = code
    save_all(data)


def save_all(data: dict[str, str]) -> None:
    """Replace every exercise's saved code with ``data`` (an import, a reset)."""
    progress.storage().set(CODE_KEY, json.dumps(data))
