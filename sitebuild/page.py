"""The page shell: ``index.html`` rendered from ``static/index.html`` and ``app/catalog.py``
(nav, every lesson's title/intro/goals, the course-map pipeline, the boot configuration as an
inline JSON element), and the other files of ``static/`` copied as they are.
"""

from __future__ import annotations

import html
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

from sitebuild import ROOT, STATIC, BuildError
from sitebuild.pins import KATEX


def load_catalog() -> ModuleType:
    """``app.catalog`` from this checkout (it imports no Panel, so the build needs none)."""
    sys.path.insert(0, str(ROOT))
    try:
        from app import catalog
    finally:
        sys.path.remove(str(ROOT))
    return catalog


def render_nav(catalog: ModuleType) -> str:
    """The lesson list, one link per lesson, with a hidden "completed" mark for each."""
    items = []
    for number, info in enumerate(catalog.LESSONS):
        label = "Course map" if info.slug == catalog.DEFAULT_SLUG else f"{number}. {info.title}"
        items.append(
            f'<li><a href="#{info.slug}" data-slug="{info.slug}">'
            f'<span class="nav-label">{html.escape(label)}</span>'
            '<span class="nav-done" hidden> <span aria-hidden="true">✓</span>'
            '<span class="visually-hidden">(completed)</span></span></a></li>'
        )
    return "\n".join(items)


def _grid(cells: str, size: int = 5, x0: float = 2, y0: float = 2, step: float = 5.6) -> str:
    """SVG squares for a pixel pattern: one char per cell, '#' dark, '+' mid, '.' light."""
    fill = {"#": "currentColor", "+": "var(--glyph-mid)", ".": "var(--glyph-light)"}
    return "".join(
        f'<rect x="{x0 + (i % size) * step:.1f}" y="{y0 + (i // size) * step:.1f}" '
        f'width="{step - 0.8:.1f}" height="{step - 0.8:.1f}" rx="0.8" fill="{fill[c]}"/>'
        for i, c in enumerate(cells)
    )


#: Small line drawings on the course map, one per pipeline step (decorative: aria-hidden).
PIPELINE_GLYPHS = {
    "Image": _grid("..#....##.".ljust(10, ".") + "..#....#..+###+"),
    "Convolution": _grid(".+#+..###.+#+#+.###..+#+.")
    + '<rect x="1" y="1" width="17.6" height="17.6" rx="2" fill="none" '
    'stroke="var(--accent)" stroke-width="1.8"/>',
    "ReLU": '<path d="M3 26H45M24 29V3" stroke="var(--glyph-mid)" stroke-width="1.5"/>'
    '<path d="M4 24H24L42 6" fill="none" stroke="currentColor" stroke-width="2.6" '
    'stroke-linecap="round" stroke-linejoin="round"/>',
    "Pooling": _grid("#+.++.+#.+#+#..+", size=4, y0=4)
    + '<path d="M26 16h4" stroke="var(--glyph-mid)" stroke-width="1.6"/>'
    + _grid("####", size=2, x0=33, y0=9.5, step=6.4),
    "Dense": "".join(
        f'<path d="M8 {a}L40 {b}" stroke="var(--glyph-mid)" stroke-width="0.9"/>'
        for a in (6, 16, 26)
        for b in (9, 23)
    )
    + "".join(f'<circle cx="8" cy="{y}" r="3.2" fill="currentColor"/>' for y in (6, 16, 26))
    + "".join(f'<circle cx="40" cy="{y}" r="3.2" fill="currentColor"/>' for y in (9, 23)),
    "Softmax": "".join(
        f'<rect x="{4 + i * 10}" y="{28 - h}" width="7" height="{h}" rx="1.2" '
        f'fill="{"var(--accent)" if h == 24 else "currentColor"}"/>'
        for i, h in enumerate((8, 24, 5, 11))
    ),
    "Loss": '<path d="M3 28H45M4 27V3" stroke="var(--glyph-mid)" stroke-width="1.5"/>'
    '<path d="M6 5C12 20 18 23 44 24" fill="none" stroke="currentColor" stroke-width="2.6" '
    'stroke-linecap="round"/>',
}


def render_pipeline(catalog: ModuleType) -> str:
    """The course map's pipeline figure: one linked step per lesson of the pipeline."""
    steps = []
    for number, (step, slug) in enumerate(catalog.PIPELINE, start=1):
        target = catalog.lesson(slug)
        glyph = PIPELINE_GLYPHS.get(step, "")
        steps.append(
            f'<li class="pipeline-step"><a href="#{slug}" data-slug="{slug}">'
            f'<svg class="step-glyph" viewBox="0 0 48 32" aria-hidden="true">{glyph}</svg>'
            f'<span class="step-name"><span class="step-number">{number}</span> '
            f"{html.escape(step)}</span>"
            f'<span class="step-lesson">{html.escape(target.title)}</span></a></li>'
        )
    return (
        '<figure class="pipeline"><figcaption>The CNN pipeline: follow a picture through the '
        "network. Each step opens its lesson.</figcaption>"
        f'<ol class="pipeline-steps">{"".join(steps)}</ol></figure>'
    )


def render_lessons(catalog: ModuleType) -> str:
    """Every lesson's title, intro and goals as hidden sections the shell reveals by route."""
    sections = []
    for info in catalog.LESSONS:
        goals = "".join(f"<li>{html.escape(goal)}</li>" for goal in info.goals)
        extra = render_pipeline(catalog) if info.slug == catalog.DEFAULT_SLUG else ""
        sections.append(
            f'<section class="lesson-head" data-slug="{info.slug}" '
            f'aria-labelledby="title-{info.slug}" hidden>'
            f'<h1 id="title-{info.slug}">{html.escape(info.title)}</h1>'
            f'<p class="intro">{html.escape(info.intro)}</p>{extra}'
            f'<details class="goals" open><summary>What you will learn</summary>'
            f"<ul>{goals}</ul></details></section>"
        )
    return "\n".join(sections)


def render_index(catalog: ModuleType, boot_config: dict) -> str:
    """``static/index.html`` with its placeholders filled; the boot config goes in as JSON."""
    template = (STATIC / "index.html").read_text()
    replacements = {
        "{{NAV}}": render_nav(catalog),
        "{{LESSONS}}": render_lessons(catalog),
        "{{BOOT_CONFIG}}": json.dumps(boot_config, indent=None).replace("</", "<\\/"),
        "{{KATEX_VERSION}}": KATEX.version,
    }
    for key, value in replacements.items():
        if key not in template:
            raise BuildError(f"static/index.html lacks the placeholder {key}")
        template = template.replace(key, value)
    return template


def add_static(site: Path) -> None:
    """Copy every file of ``static/`` but the ``index.html`` template into the site."""
    for path in sorted(STATIC.rglob("*")):
        rel = path.relative_to(STATIC)
        if path.is_file() and rel.as_posix() != "index.html":
            (site / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, site / rel)
