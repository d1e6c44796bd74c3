"""Runs that die or overlap: a scheduled run SIGKILLed half-way loses nothing and writes nothing
twice; a second run against a held state refuses at once and touches nothing. (Apart from
tests/test_scheduled_runs.py so that the parallel workers get equal shares of the crawls.)"""
from __future__ import annotations

import signal
from collections import Counter

import pytest

from tests import children
from tests.support import QUICK, SITES, outputs, read_lines, wait_until
from tests.test_scheduled_runs import ALL, expected_urls, scheduled, serve

pytestmark = pytest.mark.crawl


def test_sigkill_half_way_loses_nothing_and_writes_nothing_twice(tmp_path):
    total = sum(len(expected_urls("expected", site)) for site in ALL)
    # slow every listing and article a little so that the kill lands in the middle of the run
    with serve(SITES) as server:
        for site in server.sites:
            for key in site.pages:
                site.faults[key] = {"delay": 0.05}
        mirror = server.write_map(tmp_path / "m.json")
        proc = children.start(["crawl", "--mirror", str(mirror), "--output-dir", str(tmp_path / "out"),
                               "--state", str(tmp_path / "state.sqlite"), *QUICK], cwd=tmp_path)
        assert wait_until(lambda: sum(len(s.requests) for s in server.sites) >= 60 or proc.poll() is not None)
        assert proc.poll() is None, "the run ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
        before = read_lines(*outputs(tmp_path / "out"))
        assert len(before) < total  # killed mid-run: not everything was written yet
        for site in server.sites:
            site.faults.clear()
        result = scheduled(mirror, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    items = read_lines(*outputs(tmp_path / "out"))
    assert len(items) - len(before) > 0  # the second run wrote what the first did not
    counts = Counter((i["site"], i["url"]) for i in items)
    assert not [k for k, n in counts.items() if n > 1]
    for site in ALL:
        assert {u for s, u in counts if s == site} == expected_urls("expected", site)
    assert not list((tmp_path / "out").rglob(".*.part"))


def test_a_second_run_against_the_same_state_refuses_and_touches_nothing(tmp_path):
    with serve(SITES, ["travinh"]) as server:
        for key in server.sites[0].pages:  # the first run stays busy until the second has tried
            server.sites[0].faults[key] = {"delay": 2.0}
        mirror = server.write_map(tmp_path / "m.json")
        first = children.start(
            ["crawl", "travinh", "--mirror", str(mirror), "--output-dir", str(tmp_path / "out"), "--state",
             str(tmp_path / "state.sqlite"), *QUICK], cwd=tmp_path, stdout=children.PIPE, stderr=children.PIPE)
        lock = tmp_path / "state.sqlite.lock"
        assert wait_until(lambda: lock.exists() and lock.read_text().strip() == str(first.pid), timeout=30)
        second = scheduled(mirror, tmp_path, "--output-dir", str(tmp_path / "other"), sites=["travinh"])
        assert first.poll() is None  # the first run was still holding the lock when the second gave up
        server.sites[0].faults.clear()
        first_out, first_err = first.communicate(timeout=120)
    assert second.returncode == 3
    assert "another run" in second.stderr
    assert not (tmp_path / "other").exists()
    assert first.returncode == 0, first_err[-2000:]
    assert {i["url"] for i in read_lines(*outputs(tmp_path / "out"))} == expected_urls("expected", "travinh")
