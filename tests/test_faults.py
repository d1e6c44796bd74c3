"""Broken things government sites serve, each played by the loopback server during a real crawl:
the run goes on, the good articles are all written, the bad ones are counted with a reason in the
run report, and the exit code follows the documented rule."""
from __future__ import annotations

import json
import random
import signal
import sqlite3
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest

from crawler.replay import ReplayServer, SiteCopy, page_key
from tests import children
from tests.support import (QUICK, SITES, crawl, differences, expected_items, read_lines,
                           wait_until)

pytestmark = pytest.mark.crawl  # each test starts crawler processes (mutation runs leave them out)

ORIGIN = "http://thuvienhanam.gov.vn"
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
       b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
EXPECTED = {e["url"]: e for e in expected_items("hanam")}
PATHS = sorted(page_key(urlsplit(u).path) for u in EXPECTED)


def saved_body(path: str) -> bytes:
    copy = SiteCopy.load(SITES / "hanam")
    return copy.answer(path).body


def faults() -> dict[str, tuple[dict, str]]:
    """path → (fault, what becomes of the article: 'written' or the reason it is not)."""
    p = PATHS
    broken = saved_body(p[15]).replace(b"</p>", b"").replace(b"</div>", b"</span></div>", 3) + b"<div><p><b>"
    return {
        p[0]: ({"status": 503, "times": 2}, "written"),                 # 5xx that recover
        p[1]: ({"status": 500}, "failed"),                               # 5xx that never recover
        p[2]: ({"delay": 3.0}, "failed"),                                # slower than the timeout, always
        p[3]: ({"delay": 0.5, "times": 1}, "written"),                  # slow, within the timeout
        p[4]: ({"reset": True, "times": 1}, "written"),                 # connection reset
        p[5]: ({"truncate": 0.5, "times": 1}, "written"),               # cut short mid-body once
        p[6]: ({"truncate": 0.3}, "failed"),                             # cut short every time
        p[7]: ({"status": 301, "headers": {"Location": ORIGIN + p[7]}}, "failed"),  # redirect loop
        p[8]: ({"status": 302, "headers": {"Location": "https://elsewhere.example/x"}}, "failed"),
        p[9]: ({"body": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "content_type": "application/pdf"}, "not_html"),
        p[10]: ({"body": GIF, "content_type": "image/gif"}, "not_html"),
        p[11]: ({"body": b"", "content_type": "text/html; charset=utf-8"}, "missing_title"),
        p[12]: ({"body": saved_body(p[12]), "content_type": "text/html; charset=iso-8859-1"}, "written"),
        p[13]: ({"body": saved_body(p[13]).replace(b"</title>", b"\xff\xfe</title>", 1),
                 "content_type": "text/html; charset=utf-8"}, "written_damaged"),
        p[14]: ({"body": saved_body(p[14]) + b"<!--" + b"x" * 3_000_000 + b"-->",
                 "content_type": "text/html; charset=utf-8"}, "failed"),  # over DOWNLOAD_MAXSIZE
        p[15]: ({"body": broken, "content_type": "text/html; charset=utf-8"}, "written"),
    }


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    plan = faults()
    with ReplayServer([SiteCopy.load(SITES / "hanam", {k: f for k, (f, _) in plan.items()})]) as server:
        mirror = server.write_map(tmp / "mirror.json")
        result = crawl(["crawl", "hanam", "--mirror", str(mirror), "--output", str(tmp / "out.jsonl"),
                        "-s", "DOWNLOAD_TIMEOUT=1", "-s", "DOWNLOAD_MAXSIZE=2000000"], cwd=tmp)
    items = {i["url"]: i for i in read_lines(tmp / "out.jsonl")}
    report = json.loads(next((tmp / "_runs").glob("*.json")).read_text(encoding="utf-8"))
    return result, items, report["sites"][0], plan


def url_of(path: str) -> str:
    return next(u for u in EXPECTED if page_key(urlsplit(u).path) == path)


def test_single_page_faults_do_not_fail_the_run(faulty_crawl):
    result, _, site, _ = faulty_crawl
    assert result.returncode == 0, result.stderr[-3000:]
    assert site["ok"] and not site["problems"]


def test_good_and_recovered_articles_are_all_written_right(faulty_crawl):
    _, items, _, plan = faulty_crawl
    for path in PATHS:
        outcome = plan.get(path, (None, "written"))[1]
        url = url_of(path)
        if outcome == "written":
            assert url in items, path
            assert not differences(items[url], EXPECTED[url], "Asia/Ho_Chi_Minh"), path
        elif outcome == "written_damaged":
            assert items[url]["body"] == EXPECTED[url]["body"]
        else:
            assert url not in items, (path, outcome)


def test_bad_pages_are_counted_with_a_reason(faulty_crawl):
    _, _, site, _ = faulty_crawl
    assert site["skipped"]["article_failed"] == 4  # 500 forever, timeout, truncated, too large
    assert site["skipped"]["redirect_loop"] == 1
    assert site["skipped"]["redirect_off_site"] == 1
    assert site["skipped"]["not_html"] == 2
    assert site["skipped"]["article_http_404"] == 1  # the removed article of the listing
    assert site["dropped"]["missing_title"] == 1
    assert site["errors"]["charset_fixes"] == 2
    assert site["errors"]["retries"] >= 8


def test_lying_charset_header_does_not_garble_the_text(faulty_crawl):
    _, items, _, _ = faulty_crawl
    item = items[url_of(PATHS[12])]
    assert "Ã" not in item["title"] + item["body"]
    assert item["title"] == EXPECTED[url_of(PATHS[12])]["title"]


def test_start_page_that_never_answers_fails_the_run(tmp_path):
    down = {path: {"status": 503} for path in SiteCopy.load(SITES / "travinh").pages}
    with ReplayServer([SiteCopy.load(SITES / "travinh", down)]) as server:
        result = crawl(["crawl", "travinh", "--mirror", str(server.write_map(tmp_path / "m.json")),
                        "--output", str(tmp_path / "out.jsonl"), "-s", "RETRY_TIMES=1"], cwd=tmp_path)
    assert result.returncode == 1
    assert "travinh" in result.stderr and "unreachable" in result.stderr and "503" in result.stderr
    assert (tmp_path / "out.jsonl").read_text() == ""  # nothing new: an empty file scripts can read


def test_text_is_data_never_markup_or_control_characters(tmp_path):
    path = PATHS[0]
    body = saved_body(path)
    title = EXPECTED[url_of(path)]["title"].encode()
    hostile = body.replace(title, b"&lt;script&gt;alert(1)&lt;/script&gt; \x1b[31m" + title + b"\xe2\x80\xa8")
    with ReplayServer([SiteCopy.load(SITES / "hanam", {path: {"body": hostile,
                                                               "content_type": "text/html; charset=utf-8"}})]) as server:
        result = crawl(["crawl", "hanam", "--mirror", str(server.write_map(tmp_path / "m.json")),
                        "--output", str(tmp_path / "out.jsonl")], cwd=tmp_path)
    assert result.returncode == 0
    raw = (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    assert len(raw.splitlines()) == len(EXPECTED) - 0  # every line one article, none split
    item = {i["url"]: i for i in read_lines(tmp_path / "out.jsonl")}[url_of(path)]
    assert item["title"].startswith("<script>alert(1)</script>")  # text, as printed, as data
    assert "\x1b" not in raw and "\u2028" not in raw


@pytest.mark.parametrize("seed", [1])
def test_sigkill_at_random_moments_then_a_full_run_writes_every_article_once(tmp_path, seed):
    """Three runs killed at random points of their crawl (after a random number of answered
    requests, not after a sleep), then one run to the end: every article once, the state sound."""
    rng = random.Random(seed)
    sites = ["gilan", "hanam", "kyzylorda"]
    total = sum(len(expected_items(s)) for s in sites)
    with ReplayServer([SiteCopy.load(SITES / s) for s in sites]) as server:
        for copy in server.sites:  # slow answers so that kills land inside the run
            copy.faults.update({key: {"delay": 0.05} for key in copy.pages})
        mirror = server.write_map(tmp_path / "m.json")
        command = ["crawl", *sites, "--mirror", str(mirror),
                   "--output-dir", str(tmp_path / "out"), "--state", str(tmp_path / "state.sqlite"), *QUICK]
        for _ in range(3):
            asked_before = sum(len(c.requests) for c in server.sites)
            kill_at = asked_before + rng.randint(20, 90)
            proc = children.start(command, cwd=tmp_path)
            assert wait_until(lambda: sum(len(c.requests) for c in server.sites) >= kill_at or proc.poll() is not None)
            assert proc.poll() is None, "the run ended before it could be killed"
            proc.send_signal(signal.SIGKILL)
            assert proc.wait() == -signal.SIGKILL
            # evidence that the kill landed mid-run: pages were asked for, and the articles on
            # disk are not all of them yet
            written = read_lines(*(tmp_path / "out").glob("*/*.jsonl")) if (tmp_path / "out").exists() else []
            assert len(written) < total
        for copy in server.sites:
            copy.faults.clear()
        final = children.run(command, cwd=tmp_path)
    assert final.returncode == 0, final.stderr[-3000:]
    report = json.loads(sorted((tmp_path / "out" / "_runs").glob("*.json"))[-1].read_text(encoding="utf-8"))
    assert sum(s["new_items"] for s in report["sites"]) == total - len(written)  # the rest, no more
    files = sorted(p for p in (tmp_path / "out").glob("*/*.jsonl"))
    items = read_lines(*files)  # every line parses
    counts = Counter((i["site"], i["url"]) for i in items)
    assert not [k for k, n in counts.items() if n > 1]
    for site in sites:
        assert {u for s, u in counts if s == site} == {e["url"] for e in expected_items(site)}
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_listing_page_that_never_answers_is_stepped_over(tmp_path):
    """Gilan's pager links every archive page: when page 2 stays broken, pages 3 and 4 are walked."""
    copy = SiteCopy.load(SITES / "gilan", {"/fa/news?page=2": {"status": 500}})
    with ReplayServer([copy]) as server:
        result = crawl(["crawl", "gilan", "--mirror", str(server.write_map(tmp_path / "m.json")),
                        "--output", str(tmp_path / "out.jsonl"), "-s", "RETRY_TIMES=1"], cwd=tmp_path)
        walked = [k for k in copy.requests if k.startswith("/fa/news?page=")]
    assert result.returncode == 0, result.stderr[-2000:]
    assert {"/fa/news?page=3", "/fa/news?page=4"} <= set(walked)
    report = json.loads(next((tmp_path / "_runs").glob("*.json")).read_text(encoding="utf-8"))
    assert report["sites"][0]["skipped"]["listing_failed"] == 1
    written = {i["url"] for i in read_lines(tmp_path / "out.jsonl")}
    assert 0 < len(written) < len(expected_items("gilan"))


def test_a_server_that_asks_for_a_pause_gets_it_before_the_retry(tmp_path):
    """A 503 with Retry-After: 1 is tried again only after that second (the test settings' own
    backoff is 10 ms, so the wait is the server's), and the article is then written."""
    copy = SiteCopy.load(SITES / "hanam", {PATHS[0]: {"status": 503, "times": 1, "headers": {"Retry-After": "1"}}})
    asked = []
    fault = copy.fault
    copy.fault = lambda key: (asked.append((time.monotonic(), key)), fault(key))[1]
    with ReplayServer([copy]) as server:
        result = crawl(["crawl", "hanam", "--mirror", str(server.write_map(tmp_path / "m.json")), "--output",
                        str(tmp_path / "out.jsonl")], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    first, retry = [t for t, key in asked if key == PATHS[0]]
    assert retry - first >= 1.0
    assert url_of(PATHS[0]) in {i["url"] for i in read_lines(tmp_path / "out.jsonl")}


def test_every_failed_page_is_one_line_with_its_site_live_url_and_cause(faulty_crawl):
    """One line per page that failed (the retries' "gave up" and Scrapy's "Got data loss in
    <mirror URL>" left out), naming the site, the live URL and why; the report counts the causes."""
    result, _, site, _ = faulty_crawl
    failed = [line for line in result.stderr.splitlines() if "(article_failed)" in line]
    assert len(failed) == site["skipped"]["article_failed"]
    assert all(" WARNING: hanam: skipped http://thuvienhanam.gov.vn/" in line for line in failed), failed
    assert "Got data loss" not in result.stderr and "gave up" not in result.stderr
    assert "127.0.0.1" not in result.stderr.split("\nrun ")[0]  # the log names live URLs only
    assert {"HTTP 500", "timed out after 1 s", "connection broken (the answer was cut short)"} <= set(site["failures"])
