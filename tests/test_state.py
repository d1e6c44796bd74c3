"""The state store: what was written, aliases, revisit window, adoption of orphaned files, the lock."""
import json
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from crawler.clock import pause
from crawler.lock import LockBusy, RunLock
from crawler.state import State, record_of

NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)


def item(url, published="2020-01-01T00:00:00+07:00", **extra):
    return {"id": "x" * 20, "site": "hanam", "url": url, "title": "T", "body": "B",
            "published_at": published, "aliases": [url + "?utm_source=fb"], **extra}


def test_known_through_aliases_and_settled_outside_the_revisit_window(tmp_path):
    state = State(tmp_path / "s.sqlite", revisit_days=7, now=NOW)
    state.record("hanam", [record_of(item("http://h/old")), record_of(item("http://h/new", "2026-11-20T10:00:00+07:00"))])
    assert state.known("hanam", "http://h/old?utm_source=fb")["url"] == "http://h/old"
    assert state.is_settled("hanam", "http://h/old")
    assert not state.is_settled("hanam", "http://h/new")  # 3 days old: revisited
    assert not state.is_settled("hanam", "http://h/unknown")
    assert state.known("travinh", "http://h/old") is None


def test_state_survives_reopening_and_forget_resets_a_site(tmp_path):
    State(tmp_path / "s.sqlite", now=NOW).record("hanam", [record_of(item("http://h/a"))])
    state = State(tmp_path / "s.sqlite", now=NOW)
    assert state.has_articles("hanam")
    assert state.forget("hanam") == 1
    assert not state.has_articles("hanam")


def test_orphaned_output_files_are_adopted_once(tmp_path):
    folder = tmp_path / "out" / "hanam"
    folder.mkdir(parents=True)
    line = {k: v for k, v in item("http://h/a").items() if k != "aliases"}
    (folder / "2026-11-22T000000Z.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    state = State(tmp_path / "s.sqlite", now=NOW)
    assert state.adopt_files("hanam", folder) == 1
    assert state.adopt_files("hanam", folder) == 0
    assert state.known("hanam", "http://h/a")


def test_second_lock_holder_is_refused_and_a_dead_holder_releases(tmp_path):
    path = tmp_path / "s.sqlite.lock"
    with RunLock(path):
        with pytest.raises(LockBusy):
            RunLock(path).acquire()
    holder = subprocess.Popen([sys.executable, "-c",
                               f"from crawler.lock import RunLock; RunLock({str(path)!r}).acquire();"
                               "import signal; signal.pause()"])
    try:
        for _ in range(100):
            if path.exists() and path.read_text().strip() == str(holder.pid):
                break
            pause(0.05)
        with pytest.raises(LockBusy):
            RunLock(path).acquire()
    finally:
        holder.kill()
        holder.wait()
    RunLock(path).acquire().release()
