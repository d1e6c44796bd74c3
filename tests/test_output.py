"""Output files appear complete or not at all, and names can never leave the output directory."""
import json
import subprocess
import sys

import pytest

from crawler.output import AtomicJsonLines, DirSink, FileSink, UnsafePathError, safe_name
from crawler.state import State

ITEM = {"id": "0" * 20, "site": "hanam", "url": "http://thuvienhanam.gov.vn/a-1.html", "language": "vi",
        "title": "Thư viện <b>tỉnh</b>", "body": "Dòng 1\n\nDòng 2 \u2028", "published_at": "2020-01-01T00:00:00+07:00",
        "date_raw": "01/01/2020", "images": [], "crawled_at": "2026-11-23T00:00:00Z"}


def test_nothing_visible_before_commit(tmp_path):
    out = AtomicJsonLines(tmp_path / "out.jsonl")
    out.write(ITEM)
    assert not (tmp_path / "out.jsonl").exists()
    assert out.commit() == tmp_path / "out.jsonl"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_lines_are_utf8_one_object_each_with_every_contract_field(tmp_path):
    out = AtomicJsonLines(tmp_path / "out.jsonl")
    out.write(ITEM)
    out.write({**ITEM, "id": "1" * 20})
    out.commit()
    raw = (tmp_path / "out.jsonl").read_bytes()
    assert "Thư viện".encode() in raw  # not ASCII-escaped
    lines = raw.decode().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["kicker"] is None and first["view_count"] is None and first["title"] == ITEM["title"]
    assert "aliases" not in first


def test_empty_output_writes_no_file(tmp_path):
    assert AtomicJsonLines(tmp_path / "x.jsonl").commit() is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["../etc", "a/b", "", ".hidden", "x" * 80, "a\x00b"])
def test_unsafe_names_refused(name):
    with pytest.raises(UnsafePathError):
        safe_name(name)


def test_dir_sink_files_per_site_and_run_recorded_in_state(tmp_path):
    state = State(tmp_path / "state.sqlite")
    sink = DirSink(tmp_path / "out", "2026-11-22T031500Z", state)
    sink.write({**ITEM, "aliases": [ITEM["url"], ITEM["url"] + "?utm_source=x"]})
    assert state.known("hanam", ITEM["url"]) is None  # not before the file is in place
    sink.site_done("hanam")
    assert (tmp_path / "out/hanam/2026-11-22T031500Z.jsonl").is_file()
    assert state.known("hanam", ITEM["url"] + "?utm_source=x")["url"] == ITEM["url"]


def test_dir_sink_refuses_a_site_name_that_escapes(tmp_path):
    sink = DirSink(tmp_path, "run1")
    with pytest.raises(UnsafePathError):
        sink.write({**ITEM, "site": "../../tmp"})


def test_failed_site_leaves_no_file_and_no_record(tmp_path):
    state = State(tmp_path / "state.sqlite")
    sink = DirSink(tmp_path / "out", "run1", state)
    sink.write(ITEM)
    sink.site_failed("hanam")
    sink.close()
    assert not any((tmp_path / "out").rglob("*.jsonl*"))
    assert not state.has_articles("hanam")


def test_file_sink_commits_all_sites_at_close(tmp_path):
    sink = FileSink(tmp_path / "all.jsonl")
    sink.write(ITEM)
    sink.write({**ITEM, "site": "travinh"})
    sink.site_done("hanam")
    assert not (tmp_path / "all.jsonl").exists()
    assert sink.close() == [tmp_path / "all.jsonl"]


def test_killed_writer_leaves_no_half_file(tmp_path):
    script = (
        "import os, signal\n"
        "from crawler.output import AtomicJsonLines\n"
        f"out = AtomicJsonLines({str(tmp_path / 'out.jsonl')!r})\n"
        f"for i in range(1000): out.write({ITEM!r})\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script])
    assert proc.returncode == -9
    assert not (tmp_path / "out.jsonl").exists()


def test_a_run_within_the_second_of_the_last_waits_for_a_name_of_its_own():
    from datetime import datetime, timedelta, timezone

    from crawler.output import run_name, unused_run_name

    clock = [datetime(2026, 1, 2, 3, 4, 5, 700_000, tzinfo=timezone.utc)]
    slept = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        clock[0] += timedelta(seconds=seconds)

    taken = {"2026-01-02T030405Z", "2026-01-02T030406Z"}
    started, name = unused_run_name(taken.__contains__, now=lambda: clock[0], sleep=sleep)
    assert (name, slept) == ("2026-01-02T030407Z", [0.3, 1.0])  # to the start of each next second
    assert run_name(started) == name and started == datetime(2026, 1, 2, 3, 4, 7, tzinfo=timezone.utc)
    assert unused_run_name(set().__contains__, now=lambda: clock[0], sleep=sleep) == (started, name)
    assert slept == [0.3, 1.0]  # a free name: no wait


def test_a_run_name_is_taken_by_an_earlier_report_output_or_archive(tmp_path):
    from crawler.cli import _run_name_taken

    reports, out, archive = tmp_path / "out" / "_runs", tmp_path / "out", tmp_path / "archive"
    sites = ["gilan", "hanam"]
    assert not _run_name_taken("r1", reports, out, archive, sites)
    for path in (reports / "r1.json", out / "hanam" / "r2.jsonl", archive / "gilan" / "r3.warc.gz",
                 out / "travinh" / "r4.jsonl", archive / "r5.warc.gz", archive / "hanam" / ".r6.warc.gz.77.part",
                 out / "hanam" / ".r7.jsonl.77.part"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    names = ("r1", "r2", "r3", "r4", "r5", "r6", "r7")
    assert [_run_name_taken(n, reports, out, archive, sites) for n in names] == [
        True, True, True, False, False, True, False]
    # another site's file, or one outside the site folders, is no claim; an archive being written
    # (by a one-off run beside this one) is; an unfinished output is not (only runs holding the
    # lock write those, and they remove what killed runs left)
    assert not _run_name_taken("r2", reports, None, archive, sites)  # a one-off run has no output folder
    assert not _run_name_taken("r3", reports, out, None, sites)  # nor, unless asked, an archive
