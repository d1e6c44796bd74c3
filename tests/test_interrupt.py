"""Interrupted runs keep their finished work: a real crawl in a child process, a real SIGTERM or
SIGINT sent mid-crawl (when the replay server has answered enough requests, not after a sleep),
then a second run; the union of their outputs is every article exactly once."""
from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from crawler.cli import EXIT_INTERRUPTED
from crawler.clock import pause
from crawler.replay import ReplayServer, SiteCopy
from crawler.state import State, record_of
from tests import children
from tests.support import (QUICK, SITES, assert_every_article_once, crawl, expected_items, listing_requests, outputs,
                           read_lines, site_spider, wait_until)

pytestmark = pytest.mark.crawl  # each test starts crawler processes (mutation runs leave them out)

SITES_CUT = ["gilan", "hanam", "kyzylorda"]


def command(mirror: Path, work: Path, *extra: str, sites=SITES_CUT) -> list[str]:
    return ["crawl", *sites, "--mirror", str(mirror), "--output-dir",
            str(work / "out"), "--state", str(work / "state.sqlite"), *QUICK, *extra]


def wait_for_requests(server: ReplayServer, count: int, proc: subprocess.Popen) -> None:
    """Until the replay server has been asked `count` pages (the crawl is under way)."""
    deadline = time.monotonic() + 120
    while sum(len(s.requests) for s in server.sites) < count:
        assert proc.poll() is None, "the crawl ended before it was interrupted"
        assert time.monotonic() < deadline
        pause(0.02)


def wait_for_line(proc: subprocess.Popen, words: str) -> list[str]:
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if words in line:
            return lines
    raise AssertionError("".join(lines))


def slow(server: ReplayServer, delay: float) -> None:
    for copy in server.sites:
        copy.faults.update({key: {"delay": delay} for key in copy.pages})


def assert_forced_report(out: Path, stopped: str) -> None:
    """A run stopped at once saved its report: why it stopped, the files it kept (exactly those
    in place) and per site the items in them."""
    (path,) = (out / "_runs").glob("*.json")
    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["exit_code"] == EXIT_INTERRUPTED and report["stopped"] == stopped
    kept = outputs(out)
    assert sorted(report["outputs"]) == [str(p) for p in kept]
    lines = read_lines(*kept)
    assert {s["site"]: s["new_items"] for s in report["sites"]} == {
        s["site"]: sum(1 for i in lines if i["site"] == s["site"]) for s in report["sites"]}
    assert sum(s["pages_fetched"] for s in report["sites"]) > 0 and path.stem in path.read_text(encoding="utf-8")


def run_again_cleanly(server, mirror, tmp_path) -> None:
    """The next run, with the faults gone: it exits 0 and the union of the outputs holds every
    article exactly once."""
    for copy in server.sites:
        copy.faults.clear()
    second = children.run(command(mirror, tmp_path), cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-2000:]
    assert_every_article_once(tmp_path / "out", SITES_CUT)


def test_sigterm_mid_crawl_keeps_finished_items_and_the_next_run_writes_the_rest(tmp_path):
    with ReplayServer([SiteCopy.load(SITES / s) for s in SITES_CUT]) as server:
        slow(server, 0.1)
        mirror = server.write_map(tmp_path / "m.json")
        proc = children.start(command(mirror, tmp_path), cwd=tmp_path, stderr=children.PIPE)
        wait_for_requests(server, 40, proc)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == EXIT_INTERRUPTED, stderr
        assert "Traceback" not in stderr
        assert stderr.strip().splitlines()[-1] == (
            "crawler: interrupted by SIGTERM: finished items kept and recorded; the next run writes the rest")
        first = read_lines(*outputs(tmp_path / "out"))
        assert 0 < len(first) < sum(len(expected_items(s)) for s in SITES_CUT)
        report = json.loads(next((tmp_path / "out" / "_runs").glob("*.json")).read_text(encoding="utf-8"))
        assert report["exit_code"] == EXIT_INTERRUPTED and report["stopped"] == "interrupted by SIGTERM"
        assert sum(s["new_items"] for s in report["sites"]) == len(first)
        state = State(tmp_path / "state.sqlite")
        assert all(state.known(i["site"], i["url"]) for i in first)  # recorded, so not written again
        state.close()

        run_again_cleanly(server, mirror, tmp_path)


def test_second_signal_stops_at_once_and_nothing_is_lost(tmp_path):
    with ReplayServer([SiteCopy.load(SITES / s) for s in SITES_CUT]) as server:
        mirror = server.write_map(tmp_path / "m.json")
        slow(server, 0.05)
        proc = children.start(command(mirror, tmp_path), cwd=tmp_path, stderr=children.PIPE)
        wait_for_requests(server, 30, proc)
        slow(server, 20)  # what is in flight now takes long to finish
        proc.send_signal(signal.SIGINT)
        wait_for_line(proc, "finishing those in flight")
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=15)  # well before the slow pages answer
        assert proc.returncode == EXIT_INTERRUPTED
        assert "stopped at once (SIGINT again)" in stderr and "Traceback" not in stderr
        assert not list((tmp_path / "out").rglob(".*.part"))
        assert_forced_report(tmp_path / "out", "interrupted by SIGINT; then stopped at once (SIGINT again)")
        run_again_cleanly(server, mirror, tmp_path)


def test_the_wait_for_items_in_flight_is_bounded(tmp_path):
    with ReplayServer([SiteCopy.load(SITES / "hanam")]) as server:
        mirror = server.write_map(tmp_path / "m.json")
        proc = children.start(command(mirror, tmp_path, "-s", "SHUTDOWN_GRACE=1", sites=["hanam"]),
                              cwd=tmp_path, stderr=children.PIPE)
        wait_for_requests(server, 5, proc)
        slow(server, 30)
        asked = sum(len(s.requests) for s in server.sites)
        wait_for_requests(server, asked + 2, proc)  # two requests asked after the slowdown now hang
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == EXIT_INTERRUPTED
    assert "stopped at once (not done after 1s)" in stderr
    assert_forced_report(tmp_path / "out", "interrupted by SIGTERM; then stopped at once (not done after 1s)")


def recorded_first_page(path: Path, walk_complete: bool) -> set[str]:
    """A state as an interrupted run leaves it: gilan's first listing page written and recorded."""
    articles, _ = listing_requests(site_spider("gilan"), "https://gilan.iranpl.ir/fa/news")
    items = [i for i in expected_items("gilan") if i["url"] in set(articles)]
    dead = set(articles) - {i["url"] for i in items}
    state = State(path)
    state.record("gilan", [record_of({**i, "id": "-", "aliases": []}) for i in items])
    state.record_links("gilan", {}, dead)
    state.end_walk("gilan", complete=walk_complete)
    state.close()
    return {i["url"] for i in items}


def test_after_an_interrupted_walk_the_next_run_walks_on_past_known_pages(tmp_path):
    written = recorded_first_page(tmp_path / "state.sqlite", walk_complete=False)
    everything = {i["url"] for i in expected_items("gilan")}
    assert written and written < everything
    with ReplayServer([SiteCopy.load(SITES / "gilan")]) as server:
        result = crawl(command(server.write_map(tmp_path / "m.json"), tmp_path, sites=["gilan"]), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert {i["url"] for i in read_lines(*outputs(tmp_path / "out"))} == everything - written
    state = State(tmp_path / "state.sqlite")
    assert state.walk_complete("gilan")  # walked to the end: the next run may stop early again
    state.close()


def test_after_a_complete_walk_a_page_of_known_articles_ends_the_walk(tmp_path):
    """The contrast: the same state with the walk marked complete stops at the first page."""
    recorded_first_page(tmp_path / "state.sqlite", walk_complete=True)
    with ReplayServer([SiteCopy.load(SITES / "gilan")]) as server:
        result = crawl(command(server.write_map(tmp_path / "m.json"), tmp_path, sites=["gilan"]), cwd=tmp_path)
        walked = [k for k in server.sites[0].requests if "page=" in k]
    assert result.returncode == 0, result.stderr[-2000:]
    assert outputs(tmp_path / "out") == [] and walked == []


def test_a_listing_page_that_failed_is_reached_by_the_next_run(tmp_path):
    """Not a signal but the same hole: page 2 of gilan's news failed, pages 3 and 4 were walked;
    the next run must walk past page 1 (all known) to write what page 2 lists."""
    with ReplayServer([SiteCopy.load(SITES / "gilan", {"/fa/news?page=2": {"status": 500}})]) as server:
        mirror = server.write_map(tmp_path / "m.json")
        first = crawl(command(mirror, tmp_path, "-s", "RETRY_TIMES=0", sites=["gilan"]), cwd=tmp_path)
        assert first.returncode == 0, first.stderr[-2000:]
        state = State(tmp_path / "state.sqlite")
        assert not state.walk_complete("gilan")
        state.close()
        server.sites[0].faults.clear()
        second = crawl(command(mirror, tmp_path, sites=["gilan"]), cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-2000:]
    assert_every_article_once(tmp_path / "out", sites=["gilan"])


def test_after_the_signal_no_new_request_goes_out(tmp_path):
    """Stop means stop: after a SIGINT the server sees not one more request (listings, articles,
    retries, the requests queued in the downloader behind the politeness delay); before, 72 of a
    run's 109 requests came after it. Measured without a race: with a fixed delay of 2.5 s between
    requests to the site, the signal is sent just after a request from the downloader's queue
    arrived, so the crawler sends nothing for 2.5 s unless it ignores the signal. The report says
    what was kept and what was not sent."""
    pace = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=2.5", "-s", "DOWNLOAD_DELAY_JITTER=0"]
    with ReplayServer([SiteCopy.load(SITES / "hanam")]) as server:
        mirror = server.write_map(tmp_path / "m.json")
        proc = children.start(command(mirror, tmp_path, *pace, sites=["hanam"]), cwd=tmp_path,
                              stderr=children.PIPE)
        site = server.sites[0]
        # robots.txt, the start page, then the first request of those the start page led to
        assert wait_until(lambda: len(site.requests) >= 3 or proc.poll() is not None, timeout=30)
        at_signal = len(site.requests)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        at_end = len(site.requests)
    assert proc.returncode == EXIT_INTERRUPTED, stderr
    assert at_signal == 3 and at_end == at_signal, f"requests after the signal: {site.requests[at_signal:]}"
    assert list((tmp_path / "out" / "_runs").glob("*.json")), stderr
    report = json.loads(next((tmp_path / "out" / "_runs").glob("*.json")).read_text(encoding="utf-8"))
    (kept,) = report["sites"]
    assert kept["status"] == "stopped" and kept["not_sent"] > 0  # the queued ones were held back, and said so
    assert "stopped before its end" in stderr
