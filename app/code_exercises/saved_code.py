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


def _all() -> dict[str, str]:
    data = progress.read_object(CODE_KEY, BACKUP_KEY)
    if data is None:
        return {}
    return {key: value for key, value in data.items() if isinstance(value, str)}


def load(exercise_id: str) -> str | None:
    """The saved code, or None when the student has not written any (or reset it)."""
    return _all().get(exercise_id)


def save(exercise_id: str, code: str | None) -> None:
    """Keep ``code`` for the exercise; None forgets it (the starter shows next time)."""
    data = _all()
    if code is None:
        data.pop(exercise_id, None)
    else:
        data[exercise_id] = code
    progress.storage().set(CODE_KEY, json.dumps(data))
