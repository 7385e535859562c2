"""Boot benchmark: how long until a lesson is interactive, cold, warm and later, in Debian's
Chromium, and how long a switch to the next lesson takes; one build, or two side by side. Each is
timed twice: until the lesson's first step is interactive (the rest of the lesson still arriving
below it), and until the whole lesson is on the page.

    python benchmarks/boot.py [--site site] [--compare other-site] [--lesson entropy,pooling]
                              [--runs 3] [--mbps 40]

Serves each built site under a sub-path (as the tests do) and, for each run and lesson, opens the
lesson in a fresh browser profile (cold: empty HTTP cache, no service worker), then opens it
again in the same profile (warm: the second visit of a student) and clicks the next lesson's link
in the lesson list (switch: from the click until that lesson is interactive), then one further
on (jump: a lesson the page has not built ahead, see ``app.shell.prepare``, clicked the moment
the pointer reaches it), then another one further on with the mouse resting ``REST_MS`` on its
link before the click (rested jump: the page builds a lesson whose link the pointer rests on);
before each click it waits ``READING_S``, a student's reading time. Then it opens the lesson a
third time (later: every visit after the second, which Chromium starts with the WebAssembly it
compiled and optimized during the second). Then, in another fresh profile, it opens the next
lesson and then this one (warm, the first visit elsewhere: a first visit saves Python's state with
the lesson it opened built in, which a second visit to another lesson does not find). With
``--compare``
the two builds take turns (A B, then B A, ...) within every run, so both see the same machine.
``--mbps`` throttles the page's network (Chromium's own emulation, 20 ms latency) to a shared
classroom connection's speed; the service worker's precache, after the lesson, is not throttled.

Prints JSON: per lesson and build, the medians over runs of each boot stage (milliseconds since
navigation start), the bytes the page and its workers took from the network until the lesson
was interactive (by Chromium's request timing; the service worker's precache, which starts then,
is not counted), the switch, what the server sent in all, and the browser storage the site uses
once it is cached and Python's state saved; with ``--compare``, the ratio compare / site of the
headline figures.

Stage times come from the ``performance.mark("cnn:<stage>")`` calls in ``static/boot.js``:
archive (the package archive downloaded and gunzipped), wheels (its files installed, before
Python starts), numpy (NumPy's extension modules linked), pyodide (Python started, or restored
from the snapshot a first visit saved), panel (on a first visit ``app.prelude.load``: Panel and
what lessons share imported, and the snapshot taken), first-step (the lesson's first step
interactive), interactive (the whole lesson rendered).
Three are measured here independently of boot.js: first-paint (the browser's
first-contentful-paint), data-first-step (when ``body[data-first-step=interactive]`` first
appears; on a build that shows a lesson whole, when data-ready does) and data-ready (when
``body[data-ready=true]`` first appears: the whole lesson, the tests' definition of ready).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench_browser import BOOT_TIMEOUT_MS, REPO_ROOT, SiteServer, chromium, open_page, script
from playwright.sync_api import BrowserContext, Page, Playwright, Request, sync_playwright

sys.path.insert(0, str(REPO_ROOT))  # this checkout's app, for the lesson list's order
from app.catalog import SLUGS

MARK_PREFIX = "cnn:"
#: The figures compared between two builds, from one visit's record.
HEADLINES = {
    "cold: first step interactive ms": ("cold", "data-first-step"),
    "cold: whole lesson on the page ms": ("cold", "data-ready"),
    "warm: first step interactive ms": ("warm", "data-first-step"),
    "warm: whole lesson on the page ms": ("warm", "data-ready"),
    "warm, the first visit elsewhere: first step interactive ms": (
        "warm_elsewhere",
        "data-first-step",
    ),
    "later visits: first step interactive ms": ("later", "data-first-step"),
    "later visits: whole lesson on the page ms": ("later", "data-ready"),
    "cold bytes until the whole lesson": ("cold", "bytes_until_ready"),
    "switch to the next lesson: first step ms": ("warm", "switch_ms"),
    "switch to the next lesson: whole lesson ms": ("warm", "switch_whole_ms"),
    "switch to a lesson further on: first step ms": ("warm", "jump_ms"),
    "the same, the mouse resting on its link first: first step ms": ("warm", "rested_jump_ms"),
    "storage after the first visit": ("cold", "storage_bytes_after"),
}
#: A student's visits in one browser profile: the first, the second, a later one; and in
#: another profile, a second visit whose first visit opened another lesson.
VISITS = ("cold", "warm", "later", "warm_elsewhere")
#: Seconds a student reads before clicking the next lesson (a page may use them to build it).
READING_S = 3
#: Milliseconds the mouse rests on a link before the click in a rested jump: an assumption (a
#: hand reaching a link, then pressing), not a measurement of students.
REST_MS = 300
#: Pages that are not lessons of steps: no jump target (the course map, the explorer's and the
#: trainer's own views, the last two take seconds to set up).
NOT_JUMP_TARGETS = {"home", "explorer", "trainer"}


def _switch(page: Page, slug: str, rest_ms: int = 0) -> tuple[float, float]:
    """Milliseconds from a click on lesson ``slug`` in the lesson list, after a student's
    reading time (and ``rest_ms`` with the mouse on the link), until its first step is
    interactive, and until the whole lesson is on the page."""
    page.wait_for_timeout(READING_S * 1000)
    link = page.locator(f'#lesson-nav a[href$="#{slug}"]')
    if rest_ms:
        link.hover()
        page.wait_for_timeout(rest_ms)
    page.evaluate(script("arm-switch"), slug)
    link.click()
    page.wait_for_selector(
        f'body[data-route="{slug}"][data-ready="true"]', state="attached", timeout=BOOT_TIMEOUT_MS
    )
    times = page.evaluate("window.cnnSwitchTimes")
    return times["firstStep"] - times["clicked"], times["done"] - times["clicked"]


def _network_bytes_until(finished: list[Request], ready_epoch_ms: float) -> int:
    """Response bytes the page and its workers took from the network (not from the service
    worker, not its own precache downloads) in requests that ended by ``ready_epoch_ms``."""
    total = 0
    for request in finished:
        response = request.response()
        if request.service_worker or response is None or response.from_service_worker:
            continue
        timing = request.timing
        if timing["startTime"] + timing["responseEnd"] <= ready_epoch_ms:
            total += max(0, request.sizes()["responseBodySize"])  # -1: no body
    return total


def _throttled(mbps: float) -> Callable[[Page], None]:
    """Sets a page's network (its dedicated workers' too) to ``mbps`` megabits per second down,
    with 20 ms of latency: a school's shared Wi-Fi rather than localhost."""

    def throttle(page: Page) -> None:
        session = page.context.new_cdp_session(page)
        session.send("Network.enable")
        session.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": 20,
                "downloadThroughput": mbps * 1e6 / 8,
                "uploadThroughput": mbps * 1e6 / 8,
            },
        )

    return throttle


def _visit(
    context: BrowserContext,
    url: str,
    server: SiteServer,
    switch_to: tuple[str, str, str] | None,
    mbps: float | None,
) -> dict[str, object]:
    server.stats.reset()
    finished: list[Request] = []

    def record(request: Request) -> None:
        finished.append(request)

    context.on("requestfinished", record)
    page = open_page(context, url, before=_throttled(mbps) if mbps else None)
    collected = page.evaluate(script("collect-stages"), MARK_PREFIX)
    ready_epoch_ms = page.evaluate(
        "performance.timeOrigin + performance.getEntriesByName('bench:data-ready')[0].startTime"
    )
    context.remove_listener("requestfinished", record)
    bytes_until_ready = _network_bytes_until(finished, ready_epoch_ms)
    # Let the service worker finish caching the site, and a first visit save Python's state,
    # before the profile is reused: a student's second visit comes later than a script's.
    page.evaluate(script("service-worker-ready"))
    if page.evaluate("window.cnnBoot.restored === false && 'caches' in window"):
        page.wait_for_function("window.cnnBoot.snapshotSaved === true", timeout=BOOT_TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    storage = page.evaluate("navigator.storage.estimate().then((estimate) => estimate.usage)")
    record: dict[str, object] = {
        **{name: round(ms) for name, ms in collected["stages"].items()},
        "bytes_until_ready": bytes_until_ready,
        "requests": server.stats.requests,
        "files_sent": server.stats.files,
        "bytes_sent": server.stats.bytes,
        "storage_bytes_after": storage,
    }
    if switch_to:
        kinds = (("switch", 0), ("jump", 0), ("rested_jump", REST_MS))
        for (name, rest_ms), slug in zip(kinds, switch_to, strict=True):
            first_step, whole = _switch(page, slug, rest_ms)
            record[f"{name}_ms"], record[f"{name}_whole_ms"] = round(first_step), round(whole)
    page.close()
    return record


@contextmanager
def _fresh_profile(playwright: Playwright) -> Iterator[BrowserContext]:
    """Chromium with a new, empty profile, its pages marking when a lesson is ready."""
    with (
        tempfile.TemporaryDirectory(prefix="cnn-boot-profile-") as profile,
        chromium(playwright, profile) as context,
    ):
        context.add_init_script(script("watch-ready"))
        yield context


def _a_students_visits(
    playwright: Playwright, server: SiteServer, lesson: str, mbps: float | None
) -> dict:
    index = SLUGS.index(lesson)
    following = SLUGS[(index + 1) % len(SLUGS)]
    further, rested = _jump_targets(index)
    url = f"{server.url}index.html#{lesson}"
    with _fresh_profile(playwright) as context:
        visits = {
            "cold": _visit(context, url, server, None, mbps),
            "warm": _visit(context, url, server, (following, further, rested), mbps),
            "later": _visit(context, url, server, None, mbps),
        }
    # A first visit saves Python's state with the lesson it opened built in (app.shell.
    # prepare_saved): a second visit to another lesson does not find its lesson there.
    with _fresh_profile(playwright) as context:
        _visit(context, f"{server.url}index.html#{following}", server, None, mbps)
        visits["warm_elsewhere"] = _visit(context, url, server, None, mbps)
    return visits


def _jump_targets(index: int) -> tuple[str, str]:
    """Two lessons to jump to from the one at ``index`` after its next one: neither a lesson
    shown before nor the next one of a lesson shown (built ahead without being asked for)."""
    shown = {index, index + 1}
    targets: list[int] = []
    for step in (3, 5, -2, -3, -4, 7):
        target = index + step
        slug = SLUGS[target % len(SLUGS)]
        if slug in NOT_JUMP_TARGETS or target in shown or target - 1 in shown:
            continue
        targets.append(target)
        shown.add(target)
        if len(targets) == 2:
            return SLUGS[targets[0] % len(SLUGS)], SLUGS[targets[1] % len(SLUGS)]
    raise ValueError(f"no two lessons to jump to from {SLUGS[index]}")


def _median(runs: list[dict]) -> dict[str, dict[str, int]]:
    return {
        visit: {
            key: round(statistics.median(run[visit][key] for run in runs if key in run[visit]))
            for key in sorted({k for run in runs for k in run[visit]})
        }
        for visit in VISITS
    }


def _headlines(median: dict) -> dict[str, int]:
    return {name: median[visit].get(key) for name, (visit, key) in HEADLINES.items()}


def _version(site: Path) -> str:
    """The build's version (site/build-info.json), for telling two builds apart in the output."""
    info = json.loads((site / "build-info.json").read_text())
    return info.get("cache_version", "?")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=REPO_ROOT / "site", help="built site folder")
    parser.add_argument("--compare", type=Path, help="a second built site, measured in turns")
    parser.add_argument(
        "--lesson", default="entropy,convolution,pooling", help="lesson slugs, comma-separated"
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="cold, warm and later visits per lesson and build"
    )
    parser.add_argument(
        "--mbps", type=float, help="throttle the page's network to this many megabits per second"
    )
    args = parser.parse_args()
    sites = {"site": args.site, **({"compare": args.compare} if args.compare else {})}
    lessons = args.lesson.split(",")
    unknown = [slug for slug in lessons if slug not in SLUGS]
    if unknown:
        raise SystemExit(f"unknown lesson(s): {', '.join(unknown)}; known: {', '.join(SLUGS)}")
    runs: dict[str, dict[str, list]] = {s: {name: [] for name in sites} for s in lessons}
    servers = {name: SiteServer(path) for name, path in sites.items()}
    try:
        for server in servers.values():
            server.start()
        with sync_playwright() as playwright:
            for index in range(args.runs):
                for lesson in lessons:
                    order = list(sites) if index % 2 == 0 else list(reversed(sites))
                    for name in order:
                        record = _a_students_visits(playwright, servers[name], lesson, args.mbps)
                        runs[lesson][name].append(record)
    finally:
        for server in servers.values():
            server.stop()
    report: dict[str, object] = {
        "builds": {name: {"path": str(p), "version": _version(p)} for name, p in sites.items()},
        "runs": args.runs,
        "network_mbps": args.mbps or "unthrottled (localhost)",
        "load_average": Path("/proc/loadavg").read_text().split()[:3],
        "chromium": subprocess.run(
            ["chromium", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip(),
    }
    for lesson in lessons:
        medians = {name: _median(runs[lesson][name]) for name in sites}
        summary = {name: _headlines(medians[name]) for name in sites}
        if args.compare:
            summary["ratio compare/site"] = {
                key: round(summary["compare"][key] / summary["site"][key], 2)
                for key in HEADLINES
                if summary["compare"][key] and summary["site"][key]
            }
        report[lesson] = {"summary": summary, "median": medians, "each_run": runs[lesson]}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
