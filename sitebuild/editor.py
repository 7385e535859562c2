"""The code exercises' editor: CodeMirror 6 bundled into one ES module the site ships.

``sitebuild/codemirror/`` holds the editor's JavaScript (editor.js, runner.js) and its npm
manifest with a lock file: ``npm ci`` installs exactly the locked packages and verifies each
against the lock's integrity hash, then the pinned esbuild bundles them. The bundle is cached
under a hash of those sources, so a rebuild needs neither npm nor the network.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from sitebuild.fetch import cache_dir, run

SOURCE = Path(__file__).resolve().parent / "codemirror"
SOURCE_FILES = ("package.json", "package-lock.json", "editor.js", "runner.js")
#: Where the page finds it (app/components/code_exercise.py imports it from there).
BUNDLE = "vendor/code-editor.js"


def source_hash() -> str:
    """A hash of everything the bundle is made from."""
    digest = hashlib.sha256()
    for name in SOURCE_FILES:
        digest.update(name.encode() + b"\0" + (SOURCE / name).read_bytes())
    return digest.hexdigest()[:16]


def bundle() -> Path:
    """The bundled editor, from the download cache or built into it (``npm ci`` + esbuild)."""
    out = cache_dir() / "code-editor" / source_hash() / "code-editor.js"
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent.parent) as tmp:
        work = Path(tmp)
        for name in SOURCE_FILES:
            shutil.copy2(SOURCE / name, work / name)
        # --ignore-scripts: no install script runs; esbuild finds its binary in the locked
        # platform package without one.
        run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], "code editor", cwd=work)
        built = work / "code-editor.js"
        esbuild = work / "node_modules" / ".bin" / "esbuild"
        flags = ["--bundle", "--format=esm", "--minify", "--target=es2020", "--charset=utf8"]
        run(
            [str(esbuild), "editor.js", *flags, f"--outfile={built.name}"],
            "code editor",
            cwd=work,
        )
        shutil.move(str(built), out)
    return out


def add_code_editor(site: Path) -> str:
    """Put the editor bundle into the site; return its site-relative path."""
    target = site / BUNDLE
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(bundle(), target)
    return BUNDLE
