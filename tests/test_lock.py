"""The run lock beside the state file: one holder, its pid written, the file made where needed."""
from __future__ import annotations

import os

import pytest

from crawler.lock import LockBusy, RunLock


def test_the_lock_is_made_in_a_folder_that_does_not_exist_yet_and_names_its_holder(tmp_path):
    path = tmp_path / "new" / "deeper" / "state.sqlite.lock"
    with RunLock(path) as lock:
        assert lock._fd is not None
        assert path.read_text() == str(os.getpid())
        with pytest.raises(LockBusy, match=f"pid {os.getpid()}"):
            RunLock(path).acquire()
    assert oct(path.stat().st_mode & 0o777) == oct(0o644 & ~_umask())


def test_a_stale_longer_pid_is_overwritten_not_appended(tmp_path):
    path = tmp_path / "s.lock"
    path.write_text("99999999999")
    with RunLock(path):
        assert path.read_text() == str(os.getpid())


def test_release_lets_the_next_run_in_and_twice_is_harmless(tmp_path):
    path = tmp_path / "s.lock"
    lock = RunLock(path).acquire()
    lock.release()
    lock.release()
    second = RunLock(path).acquire()
    assert second._fd is not None
    second.release()


def test_a_busy_lock_with_an_empty_file_still_says_who_cannot_be_told(tmp_path):
    path = tmp_path / "s.lock"
    with RunLock(path):
        path.write_text("")
        with pytest.raises(LockBusy, match=r"pid \?"):
            RunLock(path).acquire()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_releasing_a_lock_never_taken_is_harmless(tmp_path):
    RunLock(tmp_path / "s.lock").release()
    assert not (tmp_path / "s.lock").exists()


def test_a_holder_file_with_bad_bytes_still_gives_a_clear_refusal(tmp_path):
    path = tmp_path / "s.lock"
    with RunLock(path):
        path.write_bytes(b"\xff\xfe12")
        with pytest.raises(LockBusy, match="another run"):
            RunLock(path).acquire()
