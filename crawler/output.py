"""JSON Lines output that a reader never sees half-written.

Lines go to a hidden temporary file beside the target; `commit()` flushes, fsyncs and renames
it into place in one step, so the target appears complete or not at all. A file with no lines
is not committed (a run with nothing new writes no empty files), except the one file of a
one-off run, which scripts expect to find.

When storage fails (disk full, file system gone read-only), the sink discards every file it has
not put in place, records nothing more, refuses further lines and tells the run to stop
(`on_failure`): what it did not record, the next run writes.
"""
from __future__ import annotations

import errno
import os
import re
import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter

from crawler.clock import pause
from crawler.items import dumps
from crawler.state import record_of

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class UnsafePathError(ValueError):
    """A site or run name that would put a file outside the output directory."""


class StorageError(Exception):
    """Output or state could not be written (ENOSPC, EROFS, EIO…): the run stops cleanly."""

    def __init__(self, action: str, path: str | Path, cause: BaseException):
        reason = (f"{cause.strerror} ({errno.errorcode.get(cause.errno, cause.errno)})"
                  if isinstance(cause, OSError) and cause.errno else str(cause))
        super().__init__(f"cannot {action} {path}: {reason}")
        self.cause = cause


def run_name(started: datetime) -> str:
    """File name stem of a run, from its UTC start: 2026-11-22T031500Z."""
    return started.strftime("%Y-%m-%dT%H%M%SZ")


def unused_run_name(taken: Callable[[str], bool], now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                    sleep: Callable[[float], None] = pause) -> tuple[datetime, str]:
    """A run's start and a name no earlier run has used.

    Names have whole seconds so that they sort in run order; a run that starts within the second
    of the last one (a quick run after a quick run) waits for the next second rather than put its
    files and report over that run's."""
    while True:
        started = now()
        name = run_name(started)
        if not taken(name):
            return started, name
        sleep(1 - started.microsecond / 1e6)


def safe_name(name: str) -> str:
    if not _SAFE_NAME.match(name):
        raise UnsafePathError(f"not a safe file name part: {name!r}")
    return name


PART = ".part"


def temp_path(final: Path) -> Path:
    """Where a file is written before it is put in place: hidden, beside it, named for the
    writing process (so a leftover tells whether its writer still runs)."""
    return final.with_name(f".{final.name}.{os.getpid()}{PART}")


class AtomicJsonLines:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.tmp = temp_path(self.path)
        self._file = None
        self.lines = 0

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.tmp, "w", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise StorageError("write", self.tmp, exc) from exc

    def write(self, item: Any) -> None:
        line = dumps(item) + "\n"
        if self._file is None:
            self._open()
        try:
            self._file.write(line)
        except OSError as exc:
            self.discard()
            raise StorageError("write", self.tmp, exc) from exc
        self.lines += 1

    def commit(self, empty: bool = False) -> Path | None:
        """Put the file in place; None when nothing was written (unless `empty` files are wanted)."""
        if self._file is None:
            if not empty:
                return None
            self._open()
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            os.replace(self.tmp, self.path)
        except OSError as exc:
            self.discard()
            raise StorageError("write", self.path, exc) from exc
        _fsync_dir(self.path.parent)
        return self.path

    def discard(self) -> None:
        """Drop the unfinished file (closing it may fail again on a full disk: it goes anyway)."""
        if self._file is not None:
            file, self._file = self._file, None
            try:
                file.close()
            except OSError:
                pass
        try:
            self.tmp.unlink(missing_ok=True)
        except OSError:
            pass


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Sink:
    """What both sinks share: failing once, cleanly, when storage fails."""

    state: Any
    failed: StorageError | None = None
    on_failure: Callable[[StorageError], None] | None = None

    def _check(self) -> None:
        if self.failed is not None:
            raise self.failed

    def fail(self, error: StorageError) -> None:
        """Storage failed (here or in another writer of the run, such as the archive): keep what is
        in place, discard the rest, refuse more, and let the run stop."""
        if self.failed is None:
            self.failed = error
            self.abort()
            if self.on_failure is not None:
                self.on_failure(error)

    def _record(self, action: Callable[[], Any], path: Path | str) -> None:
        """A state write; a full disk or read-only file system there fails the sink too."""
        try:
            action()
        except (sqlite3.OperationalError, OSError) as exc:
            self.fail(StorageError("record in the state", path, exc))

    def abort(self) -> None:
        raise NotImplementedError


class FileSink(_Sink):
    """One-off runs: every site's lines in one file, put in place when the whole run ends, even
    empty (a script reading FILE finds it)."""

    def __init__(self, path: str | Path, state: Any = None):
        self.file = AtomicJsonLines(path)
        self.state = state
        self.pending: dict[str, list[Any]] = {}
        self.links: dict[str, Any] = {}
        self.walks: dict[str, bool] = {}

    def write(self, item: Any) -> None:
        self._check()
        try:
            self.file.write(item)
        except StorageError as exc:
            self.fail(exc)
            raise
        if self.state is not None:
            self.pending.setdefault(ItemAdapter(item)["site"], []).append(record_of(item))

    def site_done(self, site: str, links: Any = None, complete: bool = True) -> None:
        """Lines of all sites share one file: put in place when the run ends, links noted then."""
        if links is not None:
            self.links[site] = links
        self.walks[site] = complete

    def site_failed(self, site: str) -> None:
        """A one-off file keeps what the other sites wrote; the state forgets this site's lines."""
        self.pending.pop(site, None)

    def abort(self) -> None:
        self.file.discard()
        self.pending.clear()
        self.links.clear()
        self.walks.clear()

    def close(self) -> list[Path]:
        if self.failed is not None:
            return []
        try:
            path = self.file.commit(empty=True)
        except StorageError as exc:
            self.fail(exc)
            return []
        if self.state is not None:  # copies: a failure clears what is left (and stops recording)
            state, pending, links, walks = self.state, dict(self.pending), dict(self.links), dict(self.walks)
            for site, records in pending.items():
                self._record(lambda: state.record(site, records), state.path)
            for site, notes in links.items():
                if self.failed is None:
                    self._record(lambda: state.record_links(site, notes.aliases, notes.dead,
                                                            getattr(notes, "dropped", None)), state.path)
            for site, complete in walks.items():
                if self.failed is None:
                    self._record(lambda: state.end_walk(site, complete), state.path)
        self.pending.clear()
        return [path]


class DirSink(_Sink):
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
        self._check()
        site = ItemAdapter(item)["site"]
        if site not in self.files:
            self.files[site] = AtomicJsonLines(self.site_dir(site) / f"{self.run}.jsonl")
        try:
            self.files[site].write(item)
        except StorageError as exc:
            self.fail(exc)
            raise
        if self.state is not None:
            self.pending.setdefault(site, []).append(record_of(item))

    def site_done(self, site: str, links: Any = None, complete: bool = True) -> None:
        """Put the site's file in place, then record its lines, its links and whether its walk
        was complete (an interrupted one is not: the next run walks on past known pages)."""
        if self.failed is not None:
            return
        file = self.files.pop(site, None)
        try:
            path = file.commit() if file else None
        except StorageError as exc:
            self.fail(exc)
            return
        if path is not None:
            self.committed.append(path)
        if self.state is not None:
            records = self.pending.pop(site, [])
            if path is not None:
                self._record(lambda: self.state.record(site, records, path), path)
            if links is not None and self.failed is None:
                self._record(lambda: self.state.record_links(site, links.aliases, links.dead,
                                                             getattr(links, "dropped", None)), self.state.path)
            if self.failed is None:
                self._record(lambda: self.state.end_walk(site, complete), self.state.path)

    def site_failed(self, site: str) -> None:
        file = self.files.pop(site, None)
        if file is not None:
            file.discard()
        self.pending.pop(site, None)

    def abort(self) -> None:
        """Discard every file not yet in place; what they held is not recorded either."""
        for file in self.files.values():
            file.discard()
        self.files.clear()
        self.pending.clear()

    def close(self) -> list[Path]:
        """Files of sites that never reported an end are discarded: their spider did not finish
        its items (a forced stop), and the next run writes them."""
        self.abort()
        return self.committed
