"""BokehJS, Panel's JS/CSS and KaTeX as static files, taken from the verified packages."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

from sitebuild.fetch import fetch
from sitebuild.pins import KATEX, runtime_pin

#: Panel resources served under PANEL_CDN_ROOT (Panel builds URLs as <root>/<version>/dist/...).
PANEL_CDN_FILES = ("panel/dist/css/", "panel/dist/bundled/theme/")
#: Appended to Panel's stylesheets (they apply inside Bokeh's shadow roots, where the page's own
#: CSS cannot reach). Panel colours inline code #82aaff, meant for its dark code blocks: on a light
#: page that is a 2.2:1 contrast, which axe-core rejects; code blocks keep Panel's colours.
PANEL_CSS_ADDITIONS = {
    "css/markdown.css": (
        "\n/* CNN Classroom: readable inline code on light backgrounds (WCAG AA). */\n"
        ":not(pre) > code { color: #1d4f91; background: #edf1f5; padding: 0 .25em; "
        "border-radius: 3px; }\n"
    ),
}
BOKEH_BUNDLES = ("bokeh", "bokeh-gl", "bokeh-widgets", "bokeh-tables")
#: Panel's ReactiveESM (JSComponent) needs es-module-shims' ``importShim``.
ES_MODULE_SHIMS = (
    "panel/dist/bundled/reactiveesm/es-module-shims@^1.10.0/dist/es-module-shims.min.js"
)
KATEX_FILES = ("dist/katex.min.js", "dist/katex.min.css", "dist/contrib/auto-render.min.js")


def add_frontend_vendor(site: Path) -> list[str]:
    """Write ``site/vendor/`` and Panel's CDN folder; return the scripts the page loads, in
    execution order."""
    vendor = site / "vendor"
    vendor.mkdir()
    bokeh, panel = runtime_pin("bokeh"), runtime_pin("panel")
    cdn_dist = site / "static" / "panel" / panel.version / "dist"
    scripts = [f"{bundle}-{bokeh.version}.min.js" for bundle in BOKEH_BUNDLES]
    with zipfile.ZipFile(fetch(bokeh)) as zf:
        for bundle, name in zip(BOKEH_BUNDLES, scripts, strict=True):
            (vendor / name).write_bytes(zf.read(f"bokeh/server/static/js/{bundle}.min.js"))
    scripts += [f"panel-{panel.version}.min.js", "es-module-shims.min.js"]
    with zipfile.ZipFile(fetch(panel)) as zf:
        (vendor / scripts[-2]).write_bytes(zf.read("panel/dist/panel.min.js"))
        (vendor / scripts[-1]).write_bytes(zf.read(ES_MODULE_SHIMS))
        for name in zf.namelist():
            if name.startswith(PANEL_CDN_FILES) and not name.endswith("/"):
                rel = name.removeprefix("panel/dist/")
                target = cdn_dist / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(name) + PANEL_CSS_ADDITIONS.get(rel, "").encode())
    katex_dir = vendor / f"katex-{KATEX.version}"
    with tarfile.open(fetch(KATEX)) as tar:
        for member in tar.getmembers():
            rel = member.name.removeprefix("package/")
            if member.isfile() and (rel in KATEX_FILES or rel.startswith("dist/fonts/")):
                target = katex_dir / rel.removeprefix("dist/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())
    scripts += [f"{katex_dir.name}/katex.min.js", f"{katex_dir.name}/contrib/auto-render.min.js"]
    return [f"vendor/{name}" for name in scripts]
