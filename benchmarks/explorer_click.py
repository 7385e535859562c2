"""Explorer benchmark: how long a click on a unit takes to show its computation, in Chromium.

    python benchmarks/explorer_click.py [--site site] [--rounds 5] [--width 1280]

Serves the built site under a sub-path (as the tests do), opens the explorer lesson and clicks,
with the mouse as a student does, one unit of every layer of the overview in turn (input, both
convolutions, ReLUs, pools, flatten, dense, softmax), ``--rounds`` times. For each click the page
records when the browser dispatched the click and the first animation frame in which the detail
panel's heading names the new unit (the new computation is on screen from that frame on). Prints
JSON: milliseconds per layer kind (median and max) and over all clicks (median, 90th percentile,
max). The target is 100 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from bench_browser import REPO_ROOT, SiteServer, chromium, open_page, script
from playwright.sync_api import sync_playwright

#: (CSS class of the layer card, which map or bar, where in it as fractions of its size).
TARGETS = [
    ("layer-input", 0, (0.5, 0.5)),
    ("layer-conv", 2, (0.4, 0.6)),
    ("layer-relu", 3, (0.6, 0.4)),
    ("layer-pool", 1, (0.5, 0.5)),
    ("layer-conv", 10, (0.3, 0.3)),
    ("layer-relu", 12, (0.7, 0.7)),
    ("layer-pool", 9, (0.5, 0.5)),
    ("layer-flatten", 0, (0.5, 0.4)),
    ("layer-dense", 3, (0.5, 0.5)),
    ("layer-softmax", 7, (0.5, 0.5)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if site is None:
            sys.path.insert(0, str(REPO_ROOT))
            from sitebuild.assembly import build_site

            site = build_site(Path(tmp) / "site")
        results = measure(site, args.rounds, args.width)
    print(json.dumps(results, indent=1))


def measure(site: Path, rounds: int, width: int) -> dict[str, object]:
    per_kind: dict[str, list[float]] = {}
    with (
        SiteServer(site) as server,
        sync_playwright() as playwright,
        chromium(playwright, viewport={"width": width, "height": 900}) as context,
    ):
        page = open_page(
            context,
            server.url + "index.html?nosw#explorer",
            'body[data-route="explorer"][data-ready="true"]',
        )
        arm = script("arm-unit-click")
        title = page.locator(".explorer-detail-title")
        for _ in range(rounds):
            for card, index, (fx, fy) in TARGETS:
                target = page.locator(f".{card} button").nth(index)
                target.scroll_into_view_if_needed()
                box = target.bounding_box()
                before = title.inner_text()
                page.evaluate(arm, before)
                target.click(position={"x": box["width"] * fx, "y": box["height"] * fy})
                answer = page.evaluate("window.explorerBench")
                per_kind.setdefault(card.removeprefix("layer-"), []).append(answer["ms"])
    every = sorted(ms for values in per_kind.values() for ms in values)
    return {
        "clicks": len(every),
        "viewport_width": width,
        "ms_median": round(statistics.median(every), 1),
        "ms_p90": round(every[int(0.9 * (len(every) - 1))], 1),
        "ms_max": round(every[-1], 1),
        "by_layer": {
            kind: {"median": round(statistics.median(v), 1), "max": round(max(v), 1)}
            for kind, v in per_kind.items()
        },
    }


if __name__ == "__main__":
    main()
