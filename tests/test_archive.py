"""WARC archives of real crawls on loopback: what a scheduled run keeps of every response, that
`warcio check` accepts every file, that a SIGKILL leaves no bad file under a final name, and that
`extract` over the archive writes the crawl's items again."""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import signal
import subprocess
import sys
import time
from datetime import timedelta
from collections import Counter
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.clock import MEMENTO_DATETIME, pause
from crawler.cli import spider_classes
from crawler.replay import ReplayServer, SiteCopy
from tests import children
from tests.support import ALL_SITES, QUICK, SITES, TEST_NOW, clock_args, crawl, expected_items, read_lines

ALL = list(ALL_SITES)
WARCIO = str(Path(sys.executable).with_name("warcio"))
KZ = "https://kitapkhana.kz"
KZ_ARTICLES = sorted(urlsplit(e["url"]).path for e in expected_items("kyzylorda"))
# two pages sent compressed, one of them chunked as well, the way many servers answer
ENCODED = {KZ_ARTICLES[0]: {"gzip": True, "chunked": True}, KZ_ARTICLES[1]: {"gzip": True}}


def records(path: Path) -> list:
    """(type, WARC headers, HTTP headers, raw payload) of every record of a WARC file."""
    out = []
    with open(path, "rb") as f:
        for record in ArchiveIterator(f):
            raw = record.raw_stream.read()
            out.append((record.rec_type, record.rec_headers, record.http_headers, raw))
    return out


def warcio_check(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([WARCIO, "check", *map(str, paths)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    """A scheduled run of every saved site, archived; its extraction from the archive."""
    tmp = tmp_path_factory.mktemp("archived")
    # hanam served as a live site serves its pages (no Memento-Datetime): its items are of the crawl's clock
    copies = [SiteCopy.load(SITES / s, ENCODED if s == "kyzylorda" else None, memento=s != "hanam") for s in ALL]
    started = time.monotonic()
    with ReplayServer(copies) as server:
        mirror = server.write_map(tmp / "m.json")
        result = crawl(["crawl", *ALL, "--mirror", str(mirror), "--output-dir", str(tmp / "out"),
                        "--state", str(tmp / "s.sqlite"), "--archive-dir", str(tmp / "arch")], cwd=tmp)
    finished = TEST_NOW.timestamp() + time.monotonic() - started
    started = TEST_NOW.timestamp()  # the crawl's clock (tests.support.crawl sets it)
    # a night later: its own run name (the test clock would give both runs the same second)
    extracted = crawl(["extract", "--output", str(tmp / "x.jsonl"), str(tmp / "arch"),
                       *clock_args(TEST_NOW + timedelta(days=1))], cwd=tmp)
    return {"tmp": tmp, "result": result, "extracted": extracted, "started": started,
            "finished": finished, "archives": sorted((tmp / "arch").glob("*/*.warc.gz"))}


@pytest.mark.crawl
def test_one_archive_per_site_named_for_the_run_and_nothing_temporary_left(archived):
    assert archived["result"].returncode == 0, archived["result"].stderr[-3000:]
    report = json.loads(next((archived["tmp"] / "out" / "_runs").glob("*.json")).read_text(encoding="utf-8"))
    assert [p.parent.name for p in archived["archives"]] == ALL
    assert {p.name for p in archived["archives"]} == {f"{report['run']}.warc.gz"}
    assert not list((archived["tmp"] / "arch").rglob(".*"))


@pytest.mark.crawl
def test_warcio_check_accepts_every_archive(archived):
    check = warcio_check(archived["archives"])
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.crawl
def test_report_lists_each_archive_and_its_size(archived):
    report = json.loads(next((archived["tmp"] / "out" / "_runs").glob("*.json")).read_text(encoding="utf-8"))
    listed = {a["path"]: a for a in report["archives"]}
    assert sorted(listed) == sorted(str(p) for p in archived["archives"])
    for path in archived["archives"]:
        assert listed[str(path)]["bytes"] == path.stat().st_size > 0
        responses = sum(1 for r in records(path) if r[0] == "response")
        assert listed[str(path)]["responses"] == responses
        assert f"archived {responses} responses in {path}" in archived["result"].stderr


@pytest.mark.crawl
def test_warcinfo_names_the_crawler_its_version_and_the_run(archived):
    path = archived["archives"][0]
    kind, headers, _, payload = records(path)[0]
    assert kind == "warcinfo"
    info = dict(line.split(": ", 1) for line in payload.decode().splitlines())
    assert info["software"] == "library-news-crawler/1.0.0"
    assert info["isPartOf"] == f"{path.parent.name}/{path.name[:-len('.warc.gz')]}"
    assert headers.get_header("WARC-Filename") == path.name


@pytest.mark.crawl
def test_every_response_has_its_request_live_urls_fetch_times_and_digests(archived):
    for path in archived["archives"]:
        found = records(path)
        responses = {h.get_header("WARC-Record-ID"): (h, raw) for kind, h, _, raw in found if kind == "response"}
        requests = [h for kind, h, _, _ in found if kind == "request"]
        assert len(requests) == len(responses) > 10
        assert {h.get_header("WARC-Concurrent-To") for h in requests} == set(responses)
        origin = spider_classes()[path.parent.name].origin
        for headers, raw in responses.values():
            assert headers.get_header("WARC-Target-URI").startswith(origin + "/")
            moment = time.mktime(time.strptime(headers.get_header("WARC-Date"), "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
            assert archived["started"] - 1 <= moment <= archived["finished"] + 1
            digest = "sha1:" + base64.b32encode(hashlib.sha1(raw).digest()).decode()
            assert headers.get_header("WARC-Payload-Digest") == digest


@pytest.mark.crawl
def test_robots_redirects_and_errors_are_archived_too(archived):
    statuses: Counter = Counter()
    urls = set()
    for path in archived["archives"]:
        for kind, headers, http, _ in records(path):
            if kind == "response":
                statuses[http.get_statuscode()[0]] += 1
                urls.add(headers.get_header("WARC-Target-URI"))
    assert {f"{spider_classes()[s].origin}/robots.txt" for s in ALL} <= urls
    assert statuses["3"] and statuses["4"] and statuses["2"]
    written = {i["url"] for i in read_lines(*(archived["tmp"] / "out").glob("*/*.jsonl"))}
    assert written <= urls


@pytest.mark.crawl
def test_bodies_sent_compressed_are_kept_as_received_with_headers_that_agree(archived):
    (path,) = [p for p in archived["archives"] if p.parent.name == "kyzylorda"]
    seen = {}
    for kind, headers, http, raw in records(path):
        if kind == "response" and urlsplit(headers.get_header("WARC-Target-URI")).path in ENCODED:
            seen[urlsplit(headers.get_header("WARC-Target-URI")).path] = (http, raw)
    assert set(seen) == set(ENCODED)
    for http, raw in seen.values():
        assert http.get_header("Content-Encoding") == "gzip"
        assert http.get_header("Transfer-Encoding") is None  # the chunks were undone on receipt
        assert int(http.get_header("Content-Length")) == len(raw)
        assert gzip.decompress(raw).startswith((b"<!DOCTYPE", b"<html", b"<!doctype"))


@pytest.mark.crawl
def test_crawled_at_is_the_fetch_time_recorded_for_the_page_or_the_time_of_a_memento(archived):
    """A page fetched live is stamped with its archive record's time; a replayed page (a memento)
    with the capture time it was served with, which the archive keeps among its headers."""
    dates, mementos = {}, set()
    for path in archived["archives"]:
        for kind, headers, http, _ in records(path):
            if kind == "response":
                memento = http.get_header(MEMENTO_DATETIME)
                when = (parsedate_to_datetime(memento).strftime("%Y-%m-%dT%H:%M:%SZ") if memento
                        else headers.get_header("WARC-Date"))
                dates.setdefault(headers.get_header("WARC-Target-URI"), set()).add(when)
                mementos |= {when} if memento else set()
    items = read_lines(*(archived["tmp"] / "out").glob("*/*.jsonl"))
    assert {i["site"] for i in items} == set(ALL)
    for item in items:
        assert item["crawled_at"] in dates[item["url"]]
        assert (item["crawled_at"] in mementos) is (item["site"] != "hanam")


@pytest.mark.crawl
def test_extract_writes_the_crawls_items_again_field_by_field(archived):
    assert archived["extracted"].returncode == 0, archived["extracted"].stderr[-3000:]
    crawled = {i["url"]: i for i in read_lines(*(archived["tmp"] / "out").glob("*/*.jsonl"))}
    extracted = read_lines(archived["tmp"] / "x.jsonl")
    assert len(extracted) == len(crawled) == sum(len(expected_items(s)) for s in ALL)
    assert {i["url"]: i for i in extracted} == {u: {**i, "run": extracted[0]["run"]} for u, i in crawled.items()}
    assert all(i["run"] != extracted[0]["run"] for i in crawled.values())  # only the run's name differs


@pytest.mark.crawl
def test_one_off_runs_archive_only_when_asked_and_no_archive_turns_it_off(tmp_path):
    with ReplayServer([SiteCopy.load(SITES / "travinh")]) as server:
        mirror = str(server.write_map(tmp_path / "m.json"))
        one_off = crawl(["crawl", "travinh", "--mirror", mirror, "--output", str(tmp_path / "o.jsonl")], cwd=tmp_path)
        off = crawl(["crawl", "travinh", "--mirror", mirror, "--output-dir", str(tmp_path / "out"),
                     "--state", str(tmp_path / "s.sqlite"), "--no-archive", "--full"], cwd=tmp_path)
        default = crawl(["crawl", "travinh", "--mirror", mirror, "--output-dir", str(tmp_path / "out"),
                         "--state", str(tmp_path / "s.sqlite"), "--full"], cwd=tmp_path)
    assert one_off.returncode == off.returncode == default.returncode == 0, default.stderr[-2000:]
    (archive,) = (tmp_path / "archive" / "travinh").glob("*.warc.gz")  # only the default run's, beside out/
    assert warcio_check([archive]).returncode == 0
    both = crawl(["crawl", "--archive-dir", "a", "--no-archive", "--output", "x.jsonl"], cwd=tmp_path)
    assert both.returncode == 2 and "--no-archive" in both.stderr


@pytest.mark.crawl
@pytest.mark.parametrize("outputs", [["--output-dir", "out", "--state", "s.sqlite"], ["--output", "out.jsonl"]],
                         ids=["scheduled", "one-off"])
def test_sigkill_leaves_no_bad_archive_and_the_next_run_keeps_what_was_fetched(tmp_path, outputs):
    """Scheduled or one-off (a one-off run holds no lock: it keeps only leftovers whose writer is
    gone, never the file of a run still writing beside it)."""
    copy = SiteCopy.load(SITES / "gilan")
    outputs = [str(tmp_path / a) if not a.startswith("--") else a for a in outputs]
    with ReplayServer([copy]) as server:
        copy.faults.update({key: {"delay": 0.1} for key in copy.pages})
        mirror = str(server.write_map(tmp_path / "m.json"))
        cmd = ["crawl", "gilan", "--mirror", mirror, *outputs, "--archive-dir", str(tmp_path / "arch")]
        proc = children.start([*cmd, *QUICK], cwd=tmp_path)
        deadline = time.time() + 60
        while len(copy.requests) < 15 and time.time() < deadline:
            pause(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        folder = tmp_path / "arch" / "gilan"
        assert not list(folder.glob("*.warc.gz"))  # nothing under a final name
        (part,) = folder.glob(".*.part")
        copy.faults.clear()
        again = crawl(cmd, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "kept the archive of a killed run" in again.stderr
    finals = sorted(folder.glob("*.warc.gz"))
    assert len(finals) == 2 and not list(folder.glob(".*"))
    assert warcio_check(finals).returncode == 0
    killed = [r for r in records(finals[0]) if r[0] == "response"]
    assert len(killed) >= 10  # what the killed run fetched before the kill, kept


@pytest.mark.crawl
def test_an_interrupted_run_keeps_the_archive_of_what_it_fetched(tmp_path):
    copy = SiteCopy.load(SITES / "gilan")
    with ReplayServer([copy]) as server:
        copy.faults.update({key: {"delay": 0.2} for key in copy.pages})
        cmd = ["crawl", "gilan", "--mirror", str(server.write_map(tmp_path / "m.json")), "--output-dir",
               str(tmp_path / "out"), "--state", str(tmp_path / "s.sqlite"), "--archive-dir",
               str(tmp_path / "arch"), *QUICK]
        proc = children.start(cmd, cwd=tmp_path, stderr=children.PIPE)
        deadline = time.time() + 60
        while len(copy.requests) < 8 and time.time() < deadline:
            pause(0.02)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    (archive,) = (tmp_path / "arch" / "gilan").glob("*.warc.gz")
    assert not list((tmp_path / "arch" / "gilan").glob(".*")), err[-2000:]
    assert warcio_check([archive]).returncode == 0
    fetched = [r for r in records(archive) if r[0] == "response"]
    assert 8 <= len(fetched) < len(copy.pages)


@pytest.mark.crawl
def test_request_records_are_minimal_and_the_common_headers_are_given_once_in_warcinfo(archived):
    """A request record holds the request line, Host and what differs from the run's common
    headers (given once in warcinfo as http-header-*), and no digests (its payload is empty); with
    warcinfo's headers it says what was sent: the project's User-Agent and Accept headers."""
    from scrapy.settings.default_settings import DEFAULT_REQUEST_HEADERS

    from settings import USER_AGENT

    for path in archived["archives"]:
        found = records(path)
        kind, info, _, payload = found[0]
        assert kind == "warcinfo"
        fields = dict(line.split(": ", 1) for line in payload.decode().splitlines() if ": " in line)
        assert fields["http-header-user-agent"] == USER_AGENT
        assert fields["http-header-accept"] == DEFAULT_REQUEST_HEADERS["Accept"]
        requests = [(h, http) for kind, h, http, _ in found if kind == "request"]
        assert requests
        for headers, http in requests:
            assert headers.get_header("WARC-Block-Digest") is None and headers.get_header("WARC-Payload-Digest") is None
            names = {name.lower() for name, _ in http.headers}
            assert "host" in names and not names & {"user-agent", "accept", "accept-language"}
            assert http.protocol == "GET" and http.statusline.startswith("/")
