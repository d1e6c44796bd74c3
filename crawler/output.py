"""JSON Lines output that a reader never sees half-written.

Lines go to a hidden temporary file beside the target; `commit()` flushes, fsyncs and renames
it into place in one step, so the target appears complete or not at all. A file with no lines
is not committed (a run with nothing new writes no empty files).
"""
from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.items import dumps
from crawler.state import record_of

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class UnsafePathError(ValueError):
    """A site or run name that would put a file outside the output directory."""


def run_name(started: datetime) -> str:
    """File name stem of a run, from its UTC start: 2026-11-22T031500Z."""
    return started.strftime("%Y-%m-%dT%H%M%SZ")


def safe_name(name: str) -> str:
    if not _SAFE_NAME.match(name):
        raise UnsafePathError(f"not a safe file name part: {name!r}")
    return name


class AtomicJsonLines:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
        self._file = None
        self.lines = 0

    def write(self, item: Any) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.tmp, "w", encoding="utf-8", newline="\n")
        self._file.write(dumps(item) + "\n")
        self.lines += 1

    def commit(self) -> Path | None:
        """Put the file in place; None when nothing was written."""
        if self._file is None:
            return None
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        os.replace(self.tmp, self.path)
        _fsync_dir(self.path.parent)
        return self.path

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            self.tmp.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileSink:
    """One-off runs: every site's lines in one file, put in place when the whole run ends."""

    def __init__(self, path: str | Path, state: Any = None):
        self.file = AtomicJsonLines(path)
        self.state = state
        self.pending: dict[str, list[Any]] = {}
        self.links: dict[str, Any] = {}

    def write(self, item: Any) -> None:
        self.file.write(item)
        if self.state is not None:
            self.pending.setdefault(item["site"], []).append(record_of(item))

    def site_done(self, site: str, links: Any = None) -> None:
        """Lines of all sites share one file: put in place when the run ends, links noted then."""
        if links is not None:
            self.links[site] = links

    def site_failed(self, site: str) -> None:
        """A one-off file keeps what the other sites wrote; the state forgets this site's lines."""
        self.pending.pop(site, None)

    def close(self) -> list[Path]:
        path = self.file.commit()
        if self.state is not None:
            for site, records in self.pending.items():
                self.state.record(site, records)
            for site, links in self.links.items():
                self.state.record_links(site, links.aliases, links.dead)
        self.pending.clear()
        return [path] if path else []


class DirSink:
    """Scheduled runs: DIR/<site>/<run>.jsonl, each put in place (and recorded) as its site ends."""

    def __init__(self, root: str | Path, run: str, state: Any = None):
        self.root = Path(root)
        self.run = safe_name(run)
        self.state = state
        self.files: dict[str, AtomicJsonLines] = {}
        self.pending: dict[str, list[Any]] = {}
        self.committed: list[Path] = []

    def site_dir(self, site: str) -> Path:
        return self.root / safe_name(site)

    def remove_stale(self, site: str) -> int:
        """Temporary files of runs that died (the caller holds the run lock, so none is live)."""
        stale = list(self.site_dir(site).glob(".*.part"))
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)

    def write(self, item: Any) -> None:
        site = item["site"]
        if site not in self.files:
            self.files[site] = AtomicJsonLines(self.site_dir(site) / f"{self.run}.jsonl")
        self.files[site].write(item)
        if self.state is not None:
            self.pending.setdefault(site, []).append(record_of(item))

    def site_done(self, site: str, links: Any = None) -> None:
        file = self.files.pop(site, None)
        path = file.commit() if file else None
        if path is not None:
            self.committed.append(path)
        if self.state is not None:
            if path is not None:
                self.state.record(site, self.pending.pop(site, []), path)
            if links is not None:
                self.state.record_links(site, links.aliases, links.dead)

    def site_failed(self, site: str) -> None:
        file = self.files.pop(site, None)
        if file is not None:
            file.discard()
        self.pending.pop(site, None)

    def close(self) -> list[Path]:
        for site in list(self.files):
            self.site_done(site)
        return self.committed
