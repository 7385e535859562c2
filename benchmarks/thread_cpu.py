"""Per-thread CPU time and run-queue wait of this process and everything it started (Linux).

The browser benchmarks time training on the wall clock, so on a shared machine a clock also
counts the time its thread was ready to run but waited for a core. Linux records both per
thread (``/proc/<pid>/task/<tid>/schedstat``: nanoseconds on a CPU, nanoseconds waiting in the
run queue), so a benchmark can say, for the Chromium it drives, which threads worked during a
side and how long each waited: ``busiest(snapshot(), snapshot())`` between two moments.
Elsewhere (no ``/proc``) ``snapshot`` is empty and ``busiest`` says nothing.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

PROC = Path("/proc")

#: thread id -> (thread name, CPU seconds, seconds waiting for a CPU)
Snapshot = dict[str, tuple[str, float, float]]


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                # The name in (…) may hold spaces: the parent's pid is the 2nd field after it.
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # a process that ended meanwhile
            children[parent].append(int(entry.name))
    found = [root]
    for pid in found:
        found.extend(children.get(pid, []))
    return found


def snapshot(root: int | None = None) -> Snapshot:
    """Every thread of ``root`` (default: this process) and its descendants, now."""
    if not PROC.is_dir():
        return {}
    threads: Snapshot = {}
    for pid in _descendants(os.getpid() if root is None else root):
        try:
            tasks = list((PROC / str(pid) / "task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                name = (task / "comm").read_text().strip()
                on_cpu, waiting, _ = (task / "schedstat").read_text().split()
            except (OSError, ValueError):
                continue
            threads[f"{pid}/{task.name}"] = (name, int(on_cpu) / 1e9, int(waiting) / 1e9)
    return threads


def busiest(before: Snapshot, after: Snapshot, count: int = 3) -> list[dict]:
    """The ``count`` threads that used the most CPU between the snapshots: name, CPU seconds and
    seconds they were ready to run but waited for a core."""
    rows = []
    for tid, (name, on_cpu, waiting) in after.items():
        _, cpu_before, wait_before = before.get(tid, (name, 0.0, 0.0))
        rows.append(
            {
                "thread": name,
                "cpu_s": round(on_cpu - cpu_before, 2),
                "waited_for_cpu_s": round(waiting - wait_before, 2),
            }
        )
    rows.sort(key=lambda row: -row["cpu_s"])
    return rows[:count]
