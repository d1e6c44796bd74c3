"""Storage failing mid-run, on real small file systems (tmpfs mounted for the test, as root): a
disk that fills up (ENOSPC) and a file system gone read-only (EROFS). The run stops cleanly with
one clear line and exit 5; no half line or file remains; the state records nothing that is not
on disk; once there is room again, the next run completes with nothing lost and nothing twice."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from crawler.cli import EXIT_STORAGE
from crawler.clock import pause
from crawler.output import AtomicJsonLines, DirSink, FileSink, StorageError
from crawler.replay import ReplayServer, SiteCopy
from crawler.state import State
from tests import children
from tests.support import QUICK, SITES, assert_every_article_once, crawl, expected_items, outputs, read_lines
from tests.test_archive import warcio_check
from tests.test_preflight import small_fs

ITEM = {"id": "0" * 20, "site": "hanam", "url": "http://thuvienhanam.gov.vn/a-1.html", "language": "vi",
        "title": "Thư viện", "body": "Dòng " * 400, "published_at": "2020-01-01T00:00:00+07:00",
        "date_raw": "01/01/2020", "images": [], "crawled_at": "2026-11-23T00:00:00Z"}
SITES_RUN = ["gilan", "hanam", "kyzylorda"]
LOW_MINIMUM = ["-s", "PREFLIGHT_MIN_FREE_MB=0.01"]


def scheduled(mirror: Path, out: Path, state: Path) -> list[str]:
    """A scheduled run whose archive is on another disk than its output (by default it sits
    beside the output folder; the archive's own disk failing is tested below)."""
    return ["crawl", *SITES_RUN, "--mirror", str(mirror), "--output-dir", str(out), "--state", str(state),
            "--archive-dir", str(state.parent / "archive"), *LOW_MINIMUM]


def assert_state_holds_only_what_is_on_disk(state_path: Path, out: Path) -> None:
    on_disk = {(i["site"], i["url"]) for i in read_lines(*outputs(out))}
    state = State(state_path)
    for site in SITES_RUN:
        for item in expected_items(site):
            assert (state.known(site, item["url"]) is not None) == ((site, item["url"]) in on_disk), item["url"]
    state.close()


def run_again_with(disk: Path, options: str, args: list[str], cwd: Path, out: Path) -> None:
    """The disk remounted with room (or writable) again: the next run exits 0 and the union of the
    outputs holds every article exactly once."""
    subprocess.run(["mount", "-o", f"remount,{options}", str(disk)], check=True)
    again = crawl(args, cwd=cwd)
    assert again.returncode == 0, again.stderr[-2000:]
    assert_every_article_once(out, SITES_RUN)

@pytest.mark.crawl
def test_disk_full_mid_run_then_room_again(tmp_path):
    with small_fs(tmp_path / "disk", "160k"), ReplayServer([SiteCopy.load(SITES / s) for s in SITES_RUN]) as server:
        out, state = tmp_path / "disk" / "out", tmp_path / "state.sqlite"
        mirror = server.write_map(tmp_path / "m.json")
        result = crawl(scheduled(mirror, out, state), cwd=tmp_path)
        assert result.returncode == EXIT_STORAGE, result.stderr[-2000:]
        assert "Traceback" not in result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("crawler: error: cannot write ") and "No space left on device (ENOSPC)" in last
        assert "free space" in last
        assert not list(out.rglob(".*.part"))
        written = read_lines(*outputs(out))  # every line of what stayed parses
        assert len(written) < sum(len(expected_items(s)) for s in SITES_RUN)
        assert_state_holds_only_what_is_on_disk(state, out)

        run_again_with(tmp_path / "disk", "size=16m", scheduled(mirror, out, state), tmp_path, out)


@pytest.mark.crawl
def test_file_system_gone_read_only_mid_run_then_writable_again(tmp_path):
    with small_fs(tmp_path / "disk", "16m"), ReplayServer([SiteCopy.load(SITES / s) for s in SITES_RUN]) as server:
        out, state = tmp_path / "disk" / "out", tmp_path / "state.sqlite"
        for copy in server.sites:  # the first pages answer slowly: time to remount before any line
            copy.faults.update({key: {"delay": 1.0} for key in copy.pages})
        mirror = server.write_map(tmp_path / "m.json")
        proc = children.start([*scheduled(mirror, out, state), *QUICK], cwd=tmp_path, stderr=children.PIPE)
        deadline = time.monotonic() + 60
        while not any(s.requests for s in server.sites):  # the crawl is under way
            assert proc.poll() is None and time.monotonic() < deadline
            pause(0.02)
        subprocess.run(["mount", "-o", "remount,ro", str(tmp_path / "disk")], check=True)
        for copy in server.sites:
            copy.faults.clear()
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == EXIT_STORAGE, stderr[-2000:]
        assert "Read-only file system (EROFS)" in stderr.strip().splitlines()[-1]
        assert "Traceback" not in stderr
        assert outputs(out) == []
        assert_state_holds_only_what_is_on_disk(state, out)

        run_again_with(tmp_path / "disk", "rw", scheduled(mirror, out, state), tmp_path, out)


@pytest.mark.crawl
def test_one_off_file_on_a_full_disk_leaves_nothing(tmp_path):
    with small_fs(tmp_path / "disk", "64k"), ReplayServer([SiteCopy.load(SITES / "gilan")]) as server:
        result = crawl(["crawl", "gilan", "--mirror", str(server.write_map(tmp_path / "m.json")),
                        "--output", str(tmp_path / "disk" / "all.jsonl"), *LOW_MINIMUM], cwd=tmp_path)
        assert result.returncode == EXIT_STORAGE, result.stderr[-2000:]
        assert [p.name for p in (tmp_path / "disk").iterdir() if p.name != "_runs"] == []


# -- the writer and the sinks on a full disk ---------------------------------------------------

def test_writer_on_a_full_disk_raises_once_and_leaves_no_file(tmp_path):
    with small_fs(tmp_path / "disk", "32k"):
        out = AtomicJsonLines(tmp_path / "disk" / "x.jsonl")
        with pytest.raises(StorageError, match=rf"^cannot write {out.tmp}: No space left on device \(ENOSPC\)$"):
            for _ in range(1000):
                out.write(ITEM)
            out.commit()
        assert list((tmp_path / "disk").iterdir()) == []
        out.discard()  # discarding again does no harm


def test_sink_fails_once_keeps_what_was_in_place_and_refuses_more(tmp_path):
    state = State(tmp_path / "state.sqlite")
    failures = []
    with small_fs(tmp_path / "disk", "32k"):
        sink = DirSink(tmp_path / "disk" / "out", "run1", state)
        sink.on_failure = failures.append
        sink.write({**ITEM, "site": "gilan", "body": "small"})
        sink.site_done("gilan")
        with pytest.raises(StorageError):
            for i in range(1000):
                sink.write({**ITEM, "url": f"{ITEM['url']}?{i}"})
        with pytest.raises(StorageError):
            sink.write(ITEM)  # refused from now on, the same error
        sink.site_done("hanam")  # records nothing, puts nothing in place
        assert len(failures) == 1 and failures[0] is sink.failed
        assert sink.close() == [tmp_path / "disk" / "out" / "gilan" / "run1.jsonl"]
        assert sorted(p.name for p in (tmp_path / "disk" / "out").rglob("*")) == ["gilan", "hanam", "run1.jsonl"]
    assert state.known("gilan", ITEM["url"]) and not state.has_articles("hanam")
    state.close()


def test_state_that_cannot_record_leaves_the_file_for_the_next_run_to_adopt(tmp_path):
    with small_fs(tmp_path / "disk", "256k"):
        state = State(tmp_path / "disk" / "state.sqlite")
        filler = tmp_path / "disk" / "filler"
        with open(filler, "wb", buffering=0) as f:  # fill the state's disk to the last byte
            try:
                while True:
                    f.write(b"\0" * 4096)
                    f.flush()
            except OSError:
                pass
        sink = DirSink(tmp_path / "out", "run1", state)
        sink.write(ITEM)
        sink.site_done("hanam")
        assert str(sink.failed).startswith(f"cannot record in the state {tmp_path / 'out' / 'hanam' / 'run1.jsonl'}: ")
        assert str(sink.failed).endswith("database or disk is full")
        state.close()
        filler.unlink()
        state = State(tmp_path / "disk" / "state.sqlite")
        assert not state.has_articles("hanam")
        assert state.adopt_files("hanam", tmp_path / "out" / "hanam") == 1
        assert state.known("hanam", ITEM["url"])
        state.close()


def test_file_sink_on_a_full_disk_records_nothing(tmp_path):
    state = State(tmp_path / "state.sqlite")
    with small_fs(tmp_path / "disk", "32k"):
        sink = FileSink(tmp_path / "disk" / "all.jsonl", state)
        with pytest.raises(StorageError):
            for i in range(1000):
                sink.write({**ITEM, "url": f"{ITEM['url']}?{i}"})
        sink.site_done("hanam")
        assert sink.close() == []
        assert list((tmp_path / "disk").iterdir()) == []
    assert not state.has_articles("hanam")
    state.close()


def test_empty_one_off_file_is_written(tmp_path):
    sink = FileSink(tmp_path / "all.jsonl")
    assert sink.close() == [tmp_path / "all.jsonl"]
    assert (tmp_path / "all.jsonl").read_bytes() == b""


# -- what the sinks record, and the lines they give ---------------------------------------------

def test_storage_error_line():
    import errno
    import os

    error = StorageError("write", "/d/x.part", OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    assert str(error) == "cannot write /d/x.part: No space left on device (ENOSPC)"
    assert isinstance(error.cause, OSError) and error.cause.errno == errno.ENOSPC
    assert str(StorageError("write", "/d/x", OSError(9999, "Odd"))) == "cannot write /d/x: Odd (9999)"
    assert str(StorageError("record in the state", "/s", ValueError("database or disk is full"))) == (
        "cannot record in the state /s: database or disk is full")


def test_writer_failures_name_the_file(tmp_path):
    (tmp_path / "file").write_text("x")
    out = AtomicJsonLines(tmp_path / "file" / "x.jsonl")  # its folder cannot be made
    with pytest.raises(StorageError, match=rf"^cannot write {out.tmp}: .*\((EEXIST|ENOTDIR)\)$"):
        out.write(ITEM)
    (tmp_path / "taken.jsonl").mkdir()
    out = AtomicJsonLines(tmp_path / "taken.jsonl")  # a directory where the file goes
    out.write(ITEM)
    assert out.lines == 1
    with pytest.raises(StorageError, match=rf"^cannot write {out.path}: .*\(EISDIR\)$"):
        out.commit()
    assert not out.tmp.exists()


def test_writer_counts_commits_once_and_discards_for_good(tmp_path):
    out = AtomicJsonLines(tmp_path / "x.jsonl")
    assert out.lines == 0
    out.write(ITEM)
    out.write(ITEM)
    assert out.lines == 2
    assert out.commit() == tmp_path / "x.jsonl"
    assert out.commit() is None  # nothing more to put in place
    other = AtomicJsonLines(tmp_path / "y.jsonl")
    other.write(ITEM)
    other.discard()
    assert other.commit() is None and not other.tmp.exists() and not (tmp_path / "y.jsonl").exists()
    raw = (tmp_path / "x.jsonl").read_bytes()
    assert raw.count(b"\n") == 2 and b"\r" not in raw and "Thư viện".encode() in raw


def test_file_sink_records_lines_links_and_walks_at_close(tmp_path):
    from crawler.spider import LinkNotes

    state = State(tmp_path / "state.sqlite")
    sink = FileSink(tmp_path / "all.jsonl", state)
    sink.write(ITEM)
    sink.write({**ITEM, "site": "travinh", "url": "http://t/1", "title": "other", "body": "other"})
    sink.write({**ITEM, "site": "gilan", "url": "http://g/1", "title": "g", "body": "g"})
    sink.site_done("hanam", LinkNotes(aliases={"http://h/short": ITEM["url"]}, dead={"http://h/gone"}),
                   complete=False)
    sink.site_done("travinh")
    sink.site_failed("gilan")
    assert not state.has_articles("hanam")  # nothing recorded before the file is in place
    assert sink.close() == [tmp_path / "all.jsonl"]
    assert len(read_lines(tmp_path / "all.jsonl")) == 3  # the failed site's lines stay in the file
    assert state.known("hanam", "http://h/short")["url"] == ITEM["url"]
    assert state.is_dead("hanam", "http://h/gone")
    assert state.known("travinh", "http://t/1") and not state.has_articles("gilan")
    assert not state.walk_complete("hanam") and state.walk_complete("travinh")
    state.close()


def test_dir_sink_walks_and_sites_without_lines(tmp_path):
    state = State(tmp_path / "state.sqlite")
    sink = DirSink(tmp_path / "out", "run1", state)
    state.begin_walk("hanam")
    state.begin_walk("gilan")
    sink.write(ITEM)
    sink.site_done("hanam")
    sink.site_done("gilan", complete=False)  # nothing new, walk cut short
    assert state.walk_complete("hanam") and not state.walk_complete("gilan")
    assert sink.close() == [tmp_path / "out" / "hanam" / "run1.jsonl"]
    assert not (tmp_path / "out" / "gilan").exists()
    state.close()


def test_stale_parts_of_dead_runs_are_removed(tmp_path):
    sink = DirSink(tmp_path / "out", "run1")
    folder = sink.site_dir("hanam")
    folder.mkdir(parents=True)
    for name in (".a.jsonl.1.part", ".b.jsonl.2.part", "kept.jsonl"):
        (folder / name).write_text("x")
    assert sink.remove_stale("hanam") == 2
    assert [p.name for p in folder.iterdir()] == ["kept.jsonl"]
    assert sink.remove_stale("gilan") == 0


def test_run_names_and_unsafe_names():
    from datetime import datetime, timezone

    from crawler.output import UnsafePathError, run_name, safe_name

    assert run_name(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)) == "2026-01-02T030405Z"
    with pytest.raises(UnsafePathError, match=r"not a safe file name part: '\.\./x'"):
        safe_name("../x")


def test_dir_sink_records_links_and_its_files(tmp_path):
    from crawler.spider import LinkNotes

    state = State(tmp_path / "state.sqlite")
    sink = DirSink(tmp_path / "out", "run1", state)
    sink.write({**ITEM, "url": "http://h/dropped"})
    sink.site_failed("hanam")  # its unfinished file goes at once, its lines are forgotten
    assert list((tmp_path / "out" / "hanam").iterdir()) == []
    sink.write(ITEM)
    sink.site_done("hanam", LinkNotes(aliases={"http://h/short": ITEM["url"]}, dead={"http://h/gone"}))
    sink.site_failed("gilan")  # a site with nothing written
    path = tmp_path / "out" / "hanam" / "run1.jsonl"
    assert state.is_recorded_file(path) and state.known("hanam", "http://h/short")["url"] == ITEM["url"]
    assert state.is_dead("hanam", "http://h/gone") and not state.known("hanam", "http://h/dropped")
    assert [i["url"] for i in read_lines(path)] == [ITEM["url"]]
    state.close()


def test_a_file_that_cannot_be_put_in_place_fails_the_sink(tmp_path):
    failures = []
    sink = DirSink(tmp_path / "out", "run1")
    sink.on_failure = failures.append
    (tmp_path / "out" / "hanam" / "run1.jsonl").mkdir(parents=True)  # in the way of the rename
    sink.write(ITEM)
    sink.site_done("hanam")
    assert isinstance(sink.failed, StorageError) and failures == [sink.failed]
    one = FileSink(tmp_path / "taken")
    (tmp_path / "taken").mkdir()
    one.write(ITEM)
    assert one.close() == [] and isinstance(one.failed, StorageError)
    one.site_failed("travinh")  # no lines of that site: nothing to forget, no error


def test_file_sink_whose_state_cannot_record(tmp_path):
    with small_fs(tmp_path / "disk", "256k"):
        state = State(tmp_path / "disk" / "state.sqlite")
        with open(tmp_path / "disk" / "filler", "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError:
                pass
        sink = FileSink(tmp_path / "all.jsonl", state)
        sink.write(ITEM)
        sink.site_done("hanam")
        sink.close()
        assert str(sink.failed).startswith(f"cannot record in the state {state.path}: ")
        state.close()


@pytest.mark.crawl
def test_archive_disk_full_mid_run_then_room_again(tmp_path):
    """The archive's disk fills up (the outputs' has room): the same clean stop, no archive under
    its final name that is not whole, and the next run, with room, writes every article once."""
    arch, out, state = tmp_path / "arch", tmp_path / "out", tmp_path / "state.sqlite"
    with small_fs(arch, "160k"), ReplayServer([SiteCopy.load(SITES / s) for s in SITES_RUN]) as server:
        mirror = server.write_map(tmp_path / "m.json")
        result = crawl([*scheduled(mirror, out, state), "--archive-dir", str(arch)], cwd=tmp_path)
        assert result.returncode == EXIT_STORAGE, result.stderr[-2000:]
        assert "Traceback" not in result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("crawler: error: cannot write the archive ") and "(ENOSPC)" in last
        assert not list(arch.rglob(".*"))  # no temporary archive left behind
        archives = list(arch.rglob("*.warc.gz"))  # an archive put in place is a whole one
        assert not archives or warcio_check(archives).returncode == 0
        assert_state_holds_only_what_is_on_disk(state, out)

        run_again_with(arch, "size=16m", [*scheduled(mirror, out, state), "--archive-dir", str(arch)], tmp_path, out)
