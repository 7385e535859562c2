"""The progress file a student downloads and imports elsewhere: its format, reading, merging.

A progress file is UTF-8 JSON (docs/ARCHITECTURE.md, "Progress file")::

    {"format": "cnn-classroom-progress", "version": 1,
     "site": {"name": "CNN Classroom", "version": "0.1.0+3f2a…"},
     "exported_at": "2026-12-03T21:30:00Z",
     "lessons": {"<slug>": {"done": true, "completed_at": "<time>" | null,
                            "exercises": {"<exercise-id>": "<time>" | null}}},
     "code": {"<code-exercise-id>": "<the student's code>"}}

Times are ``progress.TIME_FORMAT`` (UTC); ``null`` where progress was saved before times were
recorded. :func:`read` accepts only such a file and raises :class:`RefusedFile` (a student-facing
message) for anything else, before anything is changed: too large, not JSON, another program's
file, a newer format, or a damaged field. :func:`merge` then combines it with this browser's
progress without losing anything: an exercise or lesson completed on either side stays completed
with the earlier time, and the student's code here wins over the file's unless it is empty.
:func:`download`, :func:`import_file` and :func:`reset` apply all this to the browser's stored
progress (``app.progress``) and code (``app.code_exercises.saved_code``). Pure Python (no Panel),
so every rule is tested natively.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import metadata

from app import catalog, progress
from app.code_exercises import registry, saved_code

FORMAT = "cnn-classroom-progress"
VERSION = 1
SITE_NAME = "CNN Classroom"
#: Larger files are refused unread: all lessons with long code fit in a few tens of kB.
MAX_BYTES = 512 * 1024
#: Longest code accepted for one exercise (characters).
MAX_CODE_CHARS = 50_000
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
NOTHING_CHANGED = "Nothing was imported and your progress is unchanged."


class RefusedFile(ValueError):
    """A file that is not imported; ``str()`` is the message the student reads."""


@dataclass(frozen=True)
class LessonRecord:
    """One lesson in a progress file: completed exercises (id → time or None) and whether
    (and when) the whole lesson was completed."""

    exercises: dict[str, str | None]
    done: bool = False
    completed_at: str | None = None


@dataclass(frozen=True)
class ProgressFile:
    """A progress file as read: only lessons this site has; ``skipped`` names the rest."""

    site_version: str
    exported_at: str | None
    lessons: dict[str, LessonRecord]
    code: dict[str, str]
    skipped: tuple[str, ...] = ()


def site_version() -> str:
    """This build's version: the app wheel's version, which carries the build's content hash
    (``0.1.0+<hash>``; plain ``0.1.0`` in a development install)."""
    try:
        return metadata.version("cnn-classroom")
    except metadata.PackageNotFoundError:
        return "unknown"


# -- export ------------------------------------------------------------------------------------


def export(data: dict[str, dict], code: dict[str, str], exported_at: str) -> dict:
    """The progress file for ``data`` (``progress.load()``) and ``code`` (id → code)."""
    lessons = {}
    for slug, entry in data.items():
        times = entry.get("solved_at", {})
        if not entry["solved"] and not entry["done"]:
            continue
        lessons[slug] = {
            "done": entry["done"],
            "completed_at": entry.get("done_at"),
            "exercises": {exercise: times.get(exercise) for exercise in entry["solved"]},
        }
    return {
        "format": FORMAT,
        "version": VERSION,
        "site": {"name": SITE_NAME, "version": site_version()},
        "exported_at": exported_at,
        "lessons": lessons,
        "code": {key: value for key, value in code.items() if value.strip()},
    }


def dumps(document: dict) -> str:
    """The file's text (indented, so a teacher can read it)."""
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def file_name(exported_at: str) -> str:
    """``cnn-classroom-progress-2026-12-03.json`` for a file exported that day."""
    return f"cnn-classroom-progress-{exported_at[:10]}.json"


# -- reading -----------------------------------------------------------------------------------


def _damaged(what: str) -> RefusedFile:
    return RefusedFile(f"This progress file is damaged: {what}. {NOTHING_CHANGED}")


def _time(value: object, where: str) -> str | None:
    if value is None or progress.is_time(value):
        return value
    raise _damaged(f"{where} is not a time like 2026-12-03T21:30:00Z")


def _exercise_id(value: object, where: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise _damaged(f"{where} has an exercise name that is not one")
    return value


def _lesson(slug: str, value: object) -> LessonRecord:
    where = f"lesson “{slug}”"
    if not isinstance(value, dict):
        raise _damaged(f"{where} is not a record")
    done = value.get("done", False)
    if not isinstance(done, bool):
        raise _damaged(f"{where}: “done” is not true or false")
    exercises = value.get("exercises", {})
    if not isinstance(exercises, dict):
        raise _damaged(f"{where}: “exercises” is not a record")
    return LessonRecord(
        exercises={
            _exercise_id(key, where): _time(time, f"{where}, exercise “{key}”")
            for key, time in exercises.items()
        },
        done=done,
        completed_at=_time(value.get("completed_at"), where) if done else None,
    )


def read(raw: bytes) -> ProgressFile:
    """The progress file in ``raw``; :class:`RefusedFile` says why it cannot be imported."""
    if len(raw) > MAX_BYTES:
        raise RefusedFile(
            f"This file is {len(raw) / 1024:,.0f} kB; a progress file is at most "
            f"{MAX_BYTES // 1024} kB, so it is not one. {NOTHING_CHANGED}"
        )
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise RefusedFile(
            "This file cannot be read as a progress file: it is not JSON text, or it was cut "
            f"short or edited by hand. {NOTHING_CHANGED}"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RefusedFile(
            "This is not a CNN Classroom progress file (it was made by another program or "
            "site). Choose the file you downloaded with “Download progress file”. "
            + NOTHING_CHANGED
        )
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _damaged("its format version is missing")
    if version > VERSION:
        raise RefusedFile(
            f"This progress file was made by a newer CNN Classroom (file format {version}; this "
            f"page reads format {VERSION}). Reload the page to get the newest version, then try "
            f"again. {NOTHING_CHANGED}"
        )
    site = document.get("site")
    if not isinstance(site, dict) or not isinstance(site.get("version"), str):
        raise _damaged("the site version is missing")
    lessons = document.get("lessons", {})
    code = document.get("code", {})
    if not isinstance(lessons, dict):
        raise _damaged("“lessons” is not a record")
    if not isinstance(code, dict):
        raise _damaged("“code” is not a record")
    kept: dict[str, LessonRecord] = {}
    skipped: list[str] = []
    for slug, value in lessons.items():
        record = _lesson(slug, value)
        if slug in catalog.SLUGS:
            kept[slug] = record
        else:
            skipped.append(slug)
    kept_code: dict[str, str] = {}
    for key, value in code.items():
        if not isinstance(value, str) or len(value) > MAX_CODE_CHARS:
            raise _damaged(f"the code for “{_exercise_id(key, 'the code')}” is not text")
        if key in registry.EXERCISES:
            kept_code[key] = value
        else:
            skipped.append(key)
    return ProgressFile(
        site_version=site["version"][:80],
        exported_at=_time(document.get("exported_at"), "the export time"),
        lessons=kept,
        code=kept_code,
        skipped=tuple(skipped),
    )


# -- merging -----------------------------------------------------------------------------------


def _earlier(a: str | None, b: str | None) -> str | None:
    """The earlier of two times; a known time beats an unknown one (the format sorts as text)."""
    if a is None or b is None:
        return a or b
    return min(a, b)


@dataclass
class Merge:
    """The merged progress and code, and what the import changed."""

    progress: dict[str, dict]
    code: dict[str, str]
    exercises_added: int = 0
    lessons_completed: list[str] = field(default_factory=list)
    times_moved_earlier: int = 0
    code_added: list[str] = field(default_factory=list)
    code_kept: list[str] = field(default_factory=list)
    skipped: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(
            self.exercises_added
            or self.lessons_completed
            or self.times_moved_earlier
            or self.code_added
        )


def merge(local: dict[str, dict], local_code: dict[str, str], incoming: ProgressFile) -> Merge:
    """``local`` (``progress.load()``) and ``local_code`` with ``incoming`` merged in. Nothing is
    removed: a completion on either side is kept with its earlier time; local code stays unless
    it is empty. The arguments are not modified."""
    merged = json.loads(json.dumps(local))
    result = Merge(progress=merged, code=dict(local_code), skipped=incoming.skipped)
    for slug, record in incoming.lessons.items():
        entry = merged.setdefault(slug, {"solved": [], "done": False})
        times = entry.get("solved_at", {})
        for exercise, time in record.exercises.items():
            if exercise not in entry["solved"]:
                entry["solved"].append(exercise)
                result.exercises_added += 1
            elif time is not None and _earlier(times.get(exercise), time) != times.get(exercise):
                result.times_moved_earlier += 1
            earliest = _earlier(times.get(exercise), time)
            if earliest is not None:
                times[exercise] = earliest
        if times:
            entry["solved_at"] = times
        if record.done:
            if not entry["done"]:
                entry["done"] = True
                result.lessons_completed.append(slug)
            earliest = _earlier(entry.get("done_at"), record.completed_at)
            if earliest is not None:
                entry["done_at"] = earliest
    for exercise, code in incoming.code.items():
        if not code.strip():
            continue
        mine = local_code.get(exercise, "")
        if not mine.strip():
            result.code[exercise] = code
            result.code_added.append(exercise)
        elif mine != code:
            result.code_kept.append(exercise)
    return result


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def summary(result: Merge) -> list[str]:
    """What the import changed, as plain sentences (no markup: the caller escapes them)."""
    parts = []
    if result.exercises_added:
        parts.append(_count(result.exercises_added, "exercise", "exercises") + " added")
    if result.lessons_completed:
        titles = ", ".join(catalog.lesson(slug).title for slug in result.lessons_completed)
        count = _count(len(result.lessons_completed), "lesson", "lessons")
        parts.append(f"{count} newly complete ({titles})")
    if result.times_moved_earlier:
        parts.append(
            _count(result.times_moved_earlier, "completion time", "completion times")
            + " taken from the file (earlier, or not recorded here)"
        )
    lines = [
        (", ".join(parts) + ", nothing removed.")
        if parts
        else "Nothing new: everything in the file was already here. Nothing removed."
    ]
    if result.code_added:
        lines.append(
            "Your code for " + _names(result.code_added) + " was taken from the file "
            "(you had none here)."
        )
    if result.code_kept:
        lines.append(
            "Your code here for " + _names(result.code_kept) + " was kept; the file's "
            "different version of it was not imported."
        )
    if result.skipped:
        lines.append(
            "Skipped, because this site has no such lesson or exercise: "
            + ", ".join(result.skipped[:5])
            + (" …" if len(result.skipped) > 5 else "")
            + "."
        )
    return lines


def _names(exercise_ids: list[str]) -> str:
    return ", ".join(f"“{registry.get(key).title}”" for key in exercise_ids)


# -- applying to this browser's progress -------------------------------------------------------


def download() -> tuple[str, str]:
    """This browser's progress as a file to download: ``(file name, text)``."""
    exported_at = progress.now()
    document = export(progress.load(), saved_code.load_all(), exported_at)
    return file_name(exported_at), dumps(document)


def import_file(raw: bytes) -> list[str]:
    """Merge the progress file ``raw`` into this browser's progress and code; returns the
    summary. A refused file raises :class:`RefusedFile` before anything is written."""
    incoming = read(raw)
    result = merge(progress.load(), saved_code.load_all(), incoming)
    if result.code_added:
        saved_code.save_all(result.code)
    if result.changed:
        progress.save_all(result.progress)
    return summary(result)


def reset() -> None:
    """Forget every completed exercise and lesson and all saved code in this browser."""
    saved_code.save_all({})
    progress.save_all({})
