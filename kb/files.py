"""Expanding the paths a user names (files, folders, globs) into the files to ingest."""

from __future__ import annotations

import fnmatch
import glob
from collections.abc import Iterator
from pathlib import Path

IGNORE_FILE = ".kbignore"


def _ignore_patterns(folder: Path) -> list[str]:
    path = folder / IGNORE_FILE
    if not path.is_file():
        return []
    lines = path.read_text("utf-8", errors="replace").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _walk(folder: Path) -> Iterator[Path]:
    patterns = _ignore_patterns(folder)
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        if any(
            fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, p.rstrip("/") + "/*") for p in patterns
        ):
            continue
        if path.is_file() and not path.is_symlink():
            yield path


def expand(paths: list[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to ingest, and (path, reason) for names that match nothing."""
    files: list[Path] = []
    missing: list[tuple[str, str]] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(_walk(path))
        elif path.is_file():
            files.append(path)
        elif any(ch in name for ch in "*?["):
            matched = sorted(Path(p) for p in glob.glob(name, recursive=True) if Path(p).is_file())
            if matched:
                files.extend(matched)
            else:
                missing.append((name, "the pattern matches no file"))
        else:
            missing.append((name, "no such file or folder"))
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, missing
