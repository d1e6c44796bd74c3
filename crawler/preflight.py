"""Set-up mistakes found before the first request, each as one line saying what to do.

A crawl can run for hours; a mistyped option, an output path that is a file, a full disk or a
state file that is not one should not surface at its end as a traceback. These checks read and
never change anything on disk: the only write is a probe file created and removed at once in the
nearest existing directory, because permission bits do not tell (root, /proc, read-only mounts).

Locations are a list of (option, path, kind), so that one more directory to check is one more
entry: `[("--output-dir", out, DIR), ("--archive-dir", archive, DIR), ("--state", state, STATE)]`.
"""
from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path

DIR, FILE, STATE = "dir", "file", "state"
MIN_FREE_BYTES = 16 * 2**20  # room for a run's files and the state's growth

Location = tuple[str, "str | Path | None", str]


def option_problems(revisit_days: float, missing_max: float) -> list[str]:
    """Option values that parse but make no sense (usage errors)."""
    problems = []
    if not (math.isfinite(revisit_days) and revisit_days >= 0):
        problems.append(f"--revisit-days wants a number of days, 0 or more, not {revisit_days:g}")
    if not (0 <= missing_max <= 1):
        problems.append(f"--missing-max wants a share between 0 and 1 (0.2 = 20%), not {missing_max:g}")
    return problems


def nearest_existing(path: Path) -> Path:
    """The path itself or its closest ancestor that exists."""
    path = Path(os.path.abspath(path))
    while not os.path.lexists(path) and path != path.parent:
        path = path.parent
    return path


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 2**10:.0f} KiB"


def writable_problem(option: str, path: Path, folder: Path, min_free: int) -> str | None:
    """Whether files can be made in `folder` (the place where `path` goes), with room to spare."""
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".crawler-preflight-")
    except OSError as exc:
        return (f"{option} {path}: cannot write in {folder} ({exc.strerror}): "
                "give a writable location or fix its permissions")
    os.close(fd)
    os.unlink(probe)
    free = shutil.disk_usage(folder).free
    if free < min_free:
        return (f"{option} {path}: only {_size(free)} free on its disk, at least {_size(min_free)} needed: "
                "free some space or give a location on another disk")
    return None


def dir_problem(option: str, path: str | Path, min_free: int = MIN_FREE_BYTES) -> str | None:
    """A directory the run writes into: existing and writable, or creatable."""
    path = Path(path)
    base = nearest_existing(path)
    if not base.is_dir():
        where = "is" if base == Path(os.path.abspath(path)) else f"cannot be created: {base} is"
        return f"{option} {path} {where} a file, not a directory: give a directory"
    return writable_problem(option, path, base, min_free)


def file_problem(option: str, path: str | Path, min_free: int = MIN_FREE_BYTES) -> str | None:
    """A file the run puts in place (written beside it, then renamed over it)."""
    path = Path(path)
    if path.is_dir():
        return f"{option} {path} is a directory: give a file name, or use --output-dir for a directory"
    return dir_problem(option, path.parent, min_free)


def state_problem(option: str, path: str | Path, min_free: int = MIN_FREE_BYTES) -> str | None:
    """The state file: absent (its directory then must be creatable), or a readable crawler state
    of a known schema version in a writable directory (SQLite writes its journal beside it)."""
    from crawler.state import StateError, advice, inspect

    path = Path(path)
    try:
        inspect(path)
    except StateError as exc:
        return advice(path, str(exc))
    return dir_problem(option, path.parent, min_free)


CHECKS = {DIR: dir_problem, FILE: file_problem, STATE: state_problem}


def preflight(locations: list[Location], min_free: int = MIN_FREE_BYTES) -> list[str]:
    """Every problem of the given locations (entries whose path is None are not in use)."""
    problems = []
    for option, path, kind in locations:
        if path is not None:
            problem = CHECKS[kind](option, path, min_free)
            if problem:
                problems.append(problem)
    return problems
