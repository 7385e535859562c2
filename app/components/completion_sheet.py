"""The printable completion page: a student's name, the date, every completed lesson and
exercise with its time, and the site version, as one block of HTML that prints on one page.

Everything in it goes through :mod:`app.components.messages` (the name a student types
included), so nothing typed or imported becomes markup. Pure Python (no Panel).
"""

from __future__ import annotations

from datetime import datetime

from app import catalog, progress
from app.code_exercises import registry
from app.components.messages import literal, markdown_with_math

#: Longest name printed (characters); a longer one is shortened with "…".
NAME_LIMIT = 80

#: Screen and print styles; the print rules keep it to one page (small type, no page breaks
#: inside the table).
STYLE = """
.sheet { border: 1px solid #94a3b8; border-radius: 8px; padding: 1em 1.4em; background: #fff;
  color: #111827; font-size: 15px; line-height: 1.45; max-width: 46em; }
.sheet h2 { margin: 0 0 0.2em; font-size: 1.4em; }
.sheet .who { font-size: 1.25em; margin: 0.3em 0; }
.sheet table { border-collapse: collapse; width: 100%; margin: 0.6em 0; }
.sheet th, .sheet td { border: 1px solid #cbd5e1; padding: 0.2em 0.5em; text-align: left;
  vertical-align: top; }
.sheet td p, .sheet th p { margin: 0; }
.sheet .meta { color: #374151; font-size: 0.85em; }
@media print {
  .sheet { border: none; padding: 0; max-width: none; font-size: 10.5pt; line-height: 1.3; }
  .sheet table { page-break-inside: avoid; }
  .sheet th, .sheet td { padding: 0.1em 0.4em; }
}
"""


def readable_time(value: str | None) -> str:
    """``3 Dec 2026, 21:30 UTC`` for a recorded time; "time not recorded" without one."""
    if value is None:
        return "time not recorded"
    moment = datetime.strptime(value, progress.TIME_FORMAT)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def exercise_title(exercise_id: str) -> str:
    """A code exercise's title; another exercise's id in words (reading every lesson's title
    would import every lesson module, seconds in the browser)."""
    if exercise_id in registry.EXERCISES:
        return registry.get(exercise_id).title
    return exercise_id.replace("-", " ").capitalize()


def _cell(text: str) -> str:
    # literal() escapes "|" too, so a cell's text cannot end the cell.
    return literal(text, limit=200)


def sheet_markdown(name: str, data: dict[str, dict], date: str, version: str) -> str:
    """The sheet as Markdown: ``name`` as typed, ``data`` is ``progress.load()``, ``date`` and
    ``version`` as they should be printed."""
    who = name.strip()
    lessons = [info for info in catalog.LESSONS if info.slug != catalog.DEFAULT_SLUG]
    done = [info for info in lessons if data.get(info.slug, {}).get("done")]
    solved = sum(len(data.get(info.slug, {}).get("solved", [])) for info in lessons)
    lines = [
        "## CNN Classroom: completion record",
        "",
        f"**{literal(who, NAME_LIMIT)}**" if who else "*(type your name above)*",
        "",
        f"{len(done)} of {len(lessons)} lessons completed, {solved} exercises solved. "
        f"Printed {_cell(date)}.",
        "",
    ]
    rows = []
    for info in lessons:
        entry = data.get(info.slug)
        if not entry or not (entry["solved"] or entry["done"]):
            continue
        times = entry.get("solved_at", {})
        exercises = "; ".join(
            f"{_cell(exercise_title(key))} ({readable_time(times.get(key))})"
            for key in entry["solved"]
        )
        status = "begun"
        if entry["done"]:
            when = entry.get("done_at")
            status = f"completed {readable_time(when)}" if when else "completed"
        rows.append(f"| {_cell(info.title)} | {status} | {exercises or '—'} |")
    if rows:
        lines += ["| Lesson | Status | Exercises solved (when) |", "|---|---|---|", *rows]
    else:
        lines.append("No exercise solved yet.")
    lines += ["", f"Site version {_cell(version)}. Times are UTC, as this browser recorded them."]
    return "\n".join(lines)


def sheet_html(name: str, data: dict[str, dict], date: str, version: str) -> str:
    """The sheet as safe HTML (see :func:`sheet_markdown`)."""
    body = markdown_with_math(sheet_markdown(name, data, date, version))
    return f'<div class="sheet">{body}</div>'
