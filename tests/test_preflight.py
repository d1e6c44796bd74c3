"""Set-up mistakes as an operator makes them: caught before the first request, one line saying
what to do, a documented exit code, and nothing changed on disk."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from crawler.cli import EXIT_SETUP, EXIT_USAGE
from crawler.preflight import (DIR, FILE, STATE, dir_problem, file_problem, nearest_existing,
                               option_problems, preflight, state_problem)
from crawler.replay import ReplayServer, SiteCopy
from tests.support import FIXTURES, SITES, crawl

RELEASE_STATE = FIXTURES / "state" / "release-ffce339.sqlite"


#: set by CI (.ci/run), which runs as root: there a test that cannot mount fails instead of skipping
REQUIRE_ROOT = "CRAWLER_TESTS_REQUIRE_ROOT"


def need_root(why: str) -> None:
    """Skip the calling test, saying why, unless this process is root (mounting needs it); fail
    it instead where CI asks for every test to run (REQUIRE_ROOT)."""
    if os.geteuid() == 0:
        return
    message = f"needs root to {why} (CI runs the suite as root: sudo .venv/bin/python -m pytest)"
    if os.environ.get(REQUIRE_ROOT):
        pytest.fail(f"{message}; {REQUIRE_ROOT} is set, so it may not be skipped")
    pytest.skip(message)


@contextmanager
def small_fs(path: Path, size: str = "256k", options: str = ""):
    """A real, small tmpfs file system: full disks and read-only ones as the kernel makes them.
    Skipped with the reason when not run as root (CI runs as root)."""
    need_root("mount a small tmpfs (a full or read-only disk)")
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}{options}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def test_a_test_that_mounts_skips_with_its_reason_when_not_root_and_fails_where_ci_requires_it(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.delenv(REQUIRE_ROOT, raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"^needs root to mount a small tmpfs .*CI runs the suite as root"):
        with small_fs(tmp_path / "disk"):
            pass
    monkeypatch.setenv(REQUIRE_ROOT, "1")
    with pytest.raises(pytest.fail.Exception, match=f"{REQUIRE_ROOT} is set, so it may not be skipped"):
        with small_fs(tmp_path / "disk"):
            pass
    assert list(tmp_path.iterdir()) == []  # nothing mounted, nothing made


def snapshot(root: Path) -> dict[str, str]:
    """Every path under root with a digest of its content: 'nothing changed' made checkable."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(root.rglob("*"))}


@pytest.fixture
def site(tmp_path):
    with ReplayServer([SiteCopy.load(SITES / "hanam")]) as server:
        yield server, server.write_map(tmp_path / "mirror.json")


def run_refused(site, tmp_path, *args, code=EXIT_SETUP) -> str:
    """Run a crawl that preflight must refuse; returns its one line of stderr."""
    server, mirror = site
    before = snapshot(tmp_path)
    result = crawl(["crawl", "hanam", "--mirror", str(mirror), *args], cwd=tmp_path)
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert server.sites[0].requests == []  # no request sent
    assert snapshot(tmp_path) == before  # nothing created or changed
    return lines[0]


def test_output_dir_that_is_a_file(site, tmp_path):
    (tmp_path / "out").write_text("not a directory")
    line = run_refused(site, tmp_path, "--output-dir", str(tmp_path / "out"), "--state", str(tmp_path / "s.sqlite"))
    assert "--output-dir" in line and "is a file" in line and "give a directory" in line


def test_output_dir_below_a_file(site, tmp_path):
    (tmp_path / "file").write_text("x")
    line = run_refused(site, tmp_path, "--output-dir", str(tmp_path / "file" / "out"),
                       "--state", str(tmp_path / "s.sqlite"))
    assert "cannot be created" in line and str(tmp_path / "file") in line


def test_output_dir_that_cannot_be_created(site, tmp_path):
    line = run_refused(site, tmp_path, "--output-dir", "/proc/x/out", "--state", str(tmp_path / "s.sqlite"))
    assert "/proc/x/out" in line and "cannot write in /proc" in line


def test_a_site_folder_that_is_a_file(site, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "hanam").write_text("in the way")
    line = run_refused(site, tmp_path, "--output-dir", str(tmp_path / "out"), "--state", str(tmp_path / "s.sqlite"))
    assert f"--output-dir {tmp_path / 'out' / 'hanam'} is a file" in line


def test_output_file_that_is_a_directory(site, tmp_path):
    (tmp_path / "out.jsonl").mkdir()
    line = run_refused(site, tmp_path, "--output", str(tmp_path / "out.jsonl"))
    assert "is a directory" in line and "--output-dir" in line


def test_default_locations_are_checked_too(site, tmp_path):
    (tmp_path / "data").write_text("a file where data/ should be")
    line = run_refused(site, tmp_path)
    assert "data" in line


def test_full_disk_is_found_before_the_crawl(site, tmp_path):
    with small_fs(tmp_path / "small"):
        line = run_refused(site, tmp_path, "--output-dir", str(tmp_path / "small" / "out"),
                           "--state", str(tmp_path / "s.sqlite"))
    assert "free" in line and "KiB" in line and "16.0 MiB needed" in line


def test_read_only_file_system(site, tmp_path):
    with small_fs(tmp_path / "ro", "4m", ",ro"):
        line = run_refused(site, tmp_path, "--output-dir", str(tmp_path / "ro"), "--state", str(tmp_path / "s.sqlite"))
    assert "Read-only file system" in line


def test_state_that_is_not_sqlite_is_refused_and_left_alone(site, tmp_path):
    (tmp_path / "s.sqlite").write_text("hello, I am a text file that someone gave as --state\n" * 3)
    line = run_refused(site, tmp_path, "--output-dir", str(tmp_path / "out"), "--state", str(tmp_path / "s.sqlite"))
    assert line.startswith(f"crawler: error: state file {tmp_path / 's.sqlite'} is not a SQLite file")
    assert "move it aside or give --state" in line


def test_state_that_is_another_programs_sqlite(site, tmp_path):
    with sqlite3.connect(tmp_path / "other.db") as db:
        db.execute("CREATE TABLE contacts (name TEXT)")
    db.close()
    line = run_refused(site, tmp_path, "--output-dir", str(tmp_path / "out"), "--state", str(tmp_path / "other.db"))
    assert "not a crawler state" in line


def test_state_of_a_newer_release(site, tmp_path):
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        db.execute("CREATE TABLE articles (x)")
        db.execute("PRAGMA user_version = 99")
    db.close()
    line = run_refused(site, tmp_path, "--output-dir", str(tmp_path / "out"), "--state", str(tmp_path / "s.sqlite"))
    assert "schema version 99" in line and "newer release" in line


def test_damaged_state(site, tmp_path):
    data = RELEASE_STATE.read_bytes()
    (tmp_path / "s.sqlite").write_bytes(data[:4096] + b"\xff" * 4096 + data[8192:])
    line = run_refused(site, tmp_path, "--output-dir", str(tmp_path / "out"), "--state", str(tmp_path / "s.sqlite"))
    assert "damaged" in line and "move it aside" in line


def test_state_that_is_a_directory(site, tmp_path):
    (tmp_path / "s.sqlite").mkdir()
    line = run_refused(site, tmp_path, "--output-dir", str(tmp_path / "out"), "--state", str(tmp_path / "s.sqlite"))
    assert "is not a file" in line


@pytest.mark.parametrize("option,value,words", [
    ("--revisit-days", "-1", "--revisit-days wants a number of days, 0 or more, not -1"),
    ("--revisit-days", "nan", "not nan"),
    ("--missing-max", "5", "--missing-max wants a share between 0 and 1 (0.2 = 20%), not 5"),
    ("--missing-max", "-0.1", "not -0.1"),
    ("-s", "SHUTDOWN_GRACE=soon", "want numbers"),
])
def test_nonsense_option_values_are_usage_errors(site, tmp_path, option, value, words):
    line = run_refused(site, tmp_path, option, value, code=EXIT_USAGE)
    assert words in line


# -- the checks themselves ---------------------------------------------------------------------

def test_option_values_at_their_limits_pass():
    assert option_problems(0, 0) == [] and option_problems(7, 1) == []
    assert len(option_problems(-0.5, 1.5)) == 2
    assert option_problems(float("inf"), 0.2) != []


def test_nearest_existing(tmp_path):
    assert nearest_existing(tmp_path / "a" / "b") == tmp_path
    assert nearest_existing(tmp_path) == tmp_path
    (tmp_path / "f").write_text("x")
    assert nearest_existing(tmp_path / "f" / "g") == tmp_path / "f"


def test_good_locations_pass_and_create_nothing(tmp_path):
    (tmp_path / "out").mkdir()
    locations = [("--output-dir", tmp_path / "out", DIR), ("--output", tmp_path / "new" / "x.jsonl", FILE),
                 ("--archive-dir", tmp_path / "a" / "b", DIR), ("--state", tmp_path / "s" / "state.sqlite", STATE),
                 ("--unused", None, DIR)]
    assert preflight(locations, min_free=1) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert list((tmp_path / "out").iterdir()) == []


def test_release_state_passes(tmp_path):
    assert state_problem("--state", RELEASE_STATE, min_free=1) is None


def test_every_problem_is_reported_with_its_option(tmp_path):
    (tmp_path / "f").write_text("x")
    problems = preflight([("--output-dir", tmp_path / "f", DIR), ("--archive-dir", tmp_path / "f", DIR),
                          ("--output", tmp_path, FILE)], min_free=1)
    assert [p.split()[0] for p in problems] == ["--output-dir", "--archive-dir", "--output"]


def test_room_is_measured_against_the_minimum(tmp_path):
    assert dir_problem("--output-dir", tmp_path, min_free=1) is None
    problem = dir_problem("--output-dir", tmp_path, min_free=2**62)
    assert problem is not None and "free on its disk" in problem
    assert file_problem("--output", tmp_path / "x.jsonl", min_free=2**62) is not None


# -- the exact lines an operator reads -------------------------------------------------------------

def test_option_lines():
    assert option_problems(-1, 5) == [
        "--revisit-days wants a number of days, 0 or more, not -1",
        "--missing-max wants a share between 0 and 1 (0.2 = 20%), not 5"]


def test_sizes_in_lines():
    from crawler.preflight import _size

    assert [_size(n) for n in (5 * 1024, 2**20 - 1, 2**20, 3 * 2**20 + 2**19)] == [
        "5 KiB", "1024 KiB", "1.0 MiB", "3.5 MiB"]


def test_lines_for_files_in_the_way(tmp_path):
    (tmp_path / "f").write_text("x")
    (tmp_path / "d").mkdir()
    assert dir_problem("--output-dir", tmp_path / "f", 1) == (
        f"--output-dir {tmp_path / 'f'} is a file, not a directory: give a directory")
    assert dir_problem("--archive-dir", tmp_path / "f" / "a", 1) == (
        f"--archive-dir {tmp_path / 'f' / 'a'} cannot be created: {tmp_path / 'f'} is a file, not a directory: "
        "give a directory")
    assert file_problem("--output", tmp_path / "d", 1) == (
        f"--output {tmp_path / 'd'} is a directory: give a file name, or use --output-dir for a directory")
    assert file_problem("--output", tmp_path / "f" / "x.jsonl", 1) == (
        f"--output {tmp_path / 'f'} is a file, not a directory: give a directory")


def test_line_for_a_place_that_cannot_be_written():
    problem = dir_problem("--output-dir", "/proc/x/out", 1)
    assert problem.startswith("--output-dir /proc/x/out: cannot write in /proc (")
    assert problem.endswith("): give a writable location or fix its permissions")


def test_line_for_a_state_that_is_not_one(tmp_path):
    (tmp_path / "s.sqlite").write_text("x" * 200)
    assert state_problem("--state", tmp_path / "s.sqlite", 1) == (
        f"state file {tmp_path / 's.sqlite'} is not a SQLite file: it is not used and left as it is; "
        "move it aside or give --state another path (a new state writes every article again)")
    (tmp_path / "f").write_text("x")
    assert state_problem("--state", tmp_path / "f" / "s.sqlite", 1).startswith(
        f"--state {tmp_path / 'f'} is a file")


def test_room_to_the_byte_on_a_real_small_disk(tmp_path):
    with small_fs(tmp_path / "disk", "256k"):
        disk = tmp_path / "disk"
        assert dir_problem("--output-dir", disk, 256 * 1024) is None  # exactly enough
        assert dir_problem("--output-dir", disk, 256 * 1024 + 1) == (
            f"--output-dir {disk}: only 256 KiB free on its disk, at least 256 KiB needed: "
            "free some space or give a location on another disk")
        assert preflight([("--output-dir", disk / "out", DIR), ("--output", disk / "x.jsonl", FILE),
                          ("--state", disk / "s.sqlite", STATE)], min_free=1) == []
        assert len(preflight([("--output-dir", disk, DIR)])) == 1  # the default minimum is 16 MiB
