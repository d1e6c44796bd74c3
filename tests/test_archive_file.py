"""The WARC writer in-process: records of real Scrapy requests and responses written to real files,
read back with warcio, put in place only on commit, salvaged after a kill."""
from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import zlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.archive import (CAPTURED_AT, GZIP_LEVEL, ArchiveFile, ArchiveRecorder, archive_path, http_request_headers,
                             http_response_headers, salvage, salvage_all, temp_path, version, warc_date,
                             writer_alive)
from crawler.cli import spider_classes
from crawler.warc_source import ArchiveIndex

WARCIO = str(Path(sys.executable).with_name("warcio"))
URL = "https://kitapkhana.kz/kz/news/1-x.html"
WHEN = datetime(2026, 11, 22, 3, 15, 7, 123456, tzinfo=timezone.utc)


def read(path: Path) -> list:
    with open(path, "rb") as f:
        return [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(f)]


def members(path: Path) -> int:
    """How many gzip members the file holds (one per record)."""
    data, count = path.read_bytes(), 0
    while data:
        d = zlib.decompressobj(zlib.MAX_WBITS | 16)
        d.decompress(data)
        data, count = d.unused_data, count + 1
    return count


def whole_members(data: bytes) -> bool:
    """Every gzip member complete (a record cut short is not)."""
    while data:
        d = zlib.decompressobj(zlib.MAX_WBITS | 16)
        d.decompress(data)
        if not d.eof:
            return False
        data = d.unused_data
    return True


def page(status: int = 200, body: bytes = b"<html><body>x</body></html>", **headers: str) -> Response:
    request = Request(URL, headers={"User-Agent": "library-news-crawler/1.0", "Accept-Encoding": "gzip"})
    return HtmlResponse(URL, status=status, body=body, headers=headers or {"Content-Type": "text/html"},
                        request=request, protocol="HTTP/1.1")


def test_names_dates_and_version():
    assert archive_path("/a", "gilan", "2026-11-22T031500Z") == Path("/a/gilan/2026-11-22T031500Z.warc.gz")
    assert temp_path(Path("/a/g/r.warc.gz")).name.startswith(".r.warc.gz.")
    assert temp_path(Path("/a/g/r.warc.gz")).name.endswith(".part")
    assert warc_date(WHEN) == "2026-11-22T03:15:07Z"
    assert warc_date(datetime(2026, 11, 22, 6, 45, 7, tzinfo=timezone.utc).astimezone()) == "2026-11-22T06:45:07Z"
    assert version() == "1.0.0"
    assert 1 <= GZIP_LEVEL <= 9
    with pytest.raises(ValueError):
        archive_path("/a", "../etc", "run")


def test_response_headers_keep_the_body_framing_honest():
    response = page(200, b"abc", **{"Content-Type": "text/html", "Transfer-Encoding": "chunked",
                                   "Content-Length": "999", "Set-Cookie": "a=1"})
    response.headers.appendlist("Set-Cookie", "b=2")
    head = http_response_headers(response)
    assert head.statusline == "200 OK" and head.protocol == "HTTP/1.1"
    names = [k.lower() for k, _ in head.headers]
    assert "transfer-encoding" not in names and names.count("content-length") == 1
    assert head.get_header("Content-Length") == "3"
    assert [v for k, v in head.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert http_response_headers(page(599)).statusline == "599 Unknown"
    bare = Response(URL, status=200, body=b"x")
    assert bare.protocol is None and http_response_headers(bare).protocol == "HTTP/1.1"
    assert http_response_headers(Response(URL, body=b"", protocol="HTTP/1.0")).protocol == "HTTP/1.0"
    assert http_response_headers(page(404)).statusline == "404 Not Found"
    request = http_request_headers(Request("https://x.kz/a/b?c=1&d=2", headers={"Accept": "text/html"}))
    assert request.to_str().startswith("GET /a/b?c=1&d=2 HTTP/1.1\r\nHost: x.kz\r\n")
    assert request.headers[0] == ("Host", "x.kz") and ("Accept", "text/html") in request.headers
    assert http_request_headers(Request("https://x.kz")).to_str().startswith("GET / HTTP/1.1\r\n")


def test_archive_file_records_each_exchange_and_appears_only_on_commit(tmp_path):
    final = tmp_path / "deep" / "er" / "kyzylorda" / "run.warc.gz"
    archive = ArchiveFile(final, "kyzylorda", "run")
    body = gzip.compress("<html>Кітапхана</html>".encode())
    response = page(200, body, **{"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"})
    archive.add(response.request, response, WHEN)
    archive.add(Request(URL + "?p=2"), page(503, b"busy"), WHEN)
    assert not final.exists() and archive.tmp.exists()
    assert archive.records == 5
    assert archive.commit() == final and final.exists() and not archive.tmp.exists()
    assert members(final) == 5  # gzip per record
    records = read(final)
    assert [r[0] for r in records] == ["warcinfo", "response", "request", "response", "request"]
    assert records[0][1].get_header("WARC-Filename") == "run.warc.gz"
    info = records[0][3].decode()
    assert "software: library-news-crawler/1.0.0" in info and "isPartOf: kyzylorda/run" in info
    kind, headers, http, decoded = records[1]
    assert headers.get_header("WARC-Target-URI") == URL
    assert headers.get_header("WARC-Date") == "2026-11-22T03:15:07Z"
    assert headers.get_header("WARC-Payload-Digest").startswith("sha1:")
    assert http.get_header("Content-Encoding") == "gzip" and decoded.decode() == "<html>Кітапхана</html>"
    request_headers = records[2][1]
    assert request_headers.get_header("WARC-Date") == "2026-11-22T03:15:07Z"  # the fetch time, both records
    assert request_headers.get_header("WARC-Concurrent-To") == headers.get_header("WARC-Record-ID")
    assert records[2][2].get_header("User-Agent") == "library-news-crawler/1.0"
    assert records[2][2].protocol == "GET" and records[2][2].statusline == "/kz/news/1-x.html HTTP/1.1"
    assert records[3][2].get_statuscode() == "503"
    check = subprocess.run([WARCIO, "check", str(final)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    answer = ArchiveIndex([final]).answer(URL)
    assert answer.body.decode() == "<html>Кітапхана</html>" and answer.captured == WHEN.replace(microsecond=0)


def test_the_recorder_archives_responses_and_commits_when_the_spider_closes(tmp_path):
    cls = spider_classes()["kyzylorda"]
    crawler = get_crawler(cls, {"ARCHIVE_DIR": str(tmp_path), "ARCHIVE_RUN": "2026-11-22T031500Z"})
    recorder = ArchiveRecorder.from_crawler(crawler)
    response = page()
    assert recorder.process_response(response.request, response) is response
    assert isinstance(response.request.meta[CAPTURED_AT], datetime)
    assert response.request.meta[CAPTURED_AT].microsecond == 0
    assert response.request.meta[CAPTURED_AT].tzinfo == timezone.utc
    final = tmp_path / "kyzylorda" / "2026-11-22T031500Z.warc.gz"
    assert not final.exists()
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="shutdown")
    assert final.exists()
    assert crawler.stats.get_value("archive/responses") == 1
    assert crawler.stats.get_value("archive/bytes") == len(response.body)
    assert crawler.stats.get_value("archive/file") == str(final)
    assert crawler.stats.get_value("archive/file_bytes") == final.stat().st_size
    assert "isPartOf: kyzylorda/2026-11-22T031500Z" in read(final)[0][3].decode()
    flat = get_crawler(cls, {"ARCHIVE_DIR": str(tmp_path / "flat"), "ARCHIVE_SITE_FOLDERS": False})
    flat_recorder = ArchiveRecorder.from_crawler(flat)
    assert flat_recorder.file.path.parent == tmp_path / "flat" and flat_recorder.file.path.name.endswith(".warc.gz")
    with pytest.raises(NotConfigured):
        ArchiveRecorder.from_crawler(get_crawler(cls, {"ARCHIVE_DIR": None}))


def written(tmp_path: Path, n: int) -> Path:
    archive = ArchiveFile(tmp_path / "src" / "2026-01-01T000000Z.warc.gz", "gilan", "r")
    for i in range(n):
        response = page(200, f"<p>{i}</p>".encode() * 50)
        archive.add(response.request, response, WHEN)
    return archive.commit()


def test_salvage_keeps_complete_records_up_to_a_cut(tmp_path):
    source = written(tmp_path, 6)
    data = source.read_bytes()
    part = tmp_path / f".{source.name}.123.part"
    part.write_bytes(data[: len(data) * 2 // 3])  # the kill landed inside a record
    saved = salvage(part)
    assert saved == tmp_path / source.name and not part.exists()
    assert len(saved.read_bytes()) < len(data) * 2 // 3 and whole_members(saved.read_bytes())
    kept = read(saved)
    assert 3 < len(kept) < 13 and all(r[0] in ("warcinfo", "response", "request") for r in kept)
    assert saved.read_bytes() == data[: len(saved.read_bytes())]  # records copied as they were
    assert subprocess.run([WARCIO, "check", str(saved)], capture_output=True).returncode == 0
    whole = tmp_path / f".{source.name}.7.part"
    whole.write_bytes(data)  # killed after the last record, before the rename
    assert salvage(whole) is None  # the final name is taken: the leftover is dropped, nothing written over
    assert not whole.exists() and saved.read_bytes() != data


def test_salvage_of_nothing_and_of_wrong_names(tmp_path):
    empty = tmp_path / ".2026-01-01T000000Z.warc.gz.9.part"
    empty.write_bytes(b"\x1f\x8b\x08\x00")  # not even one record
    assert salvage(empty) is None and not empty.exists()
    for name in ("not-a-part.warc.gz", ".x.jsonl.1.part", "x.warc.gz.1.part"):
        (tmp_path / name).write_bytes(b"")
        with pytest.raises(ValueError):
            salvage(tmp_path / name)


def gone_pid() -> int:
    """The pid of a process that has ended (and been waited for)."""
    proc = subprocess.Popen([sys.executable, "-c", ""])
    proc.wait()
    return proc.pid


def test_salvage_all_finds_a_sites_leftovers_whose_writer_is_gone(tmp_path):
    source = written(tmp_path, 2)
    site = tmp_path / "arch" / "gilan"
    site.mkdir(parents=True)
    (site / f".{source.name}.{gone_pid()}.part").write_bytes(source.read_bytes())
    beside = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"])  # another run
    try:
        running = [f".2025-01-01T000000Z.warc.gz.{pid}.part" for pid in (os.getpid(), beside.pid)]  # sorted first
        for name in running:  # a run still writing (this one, or another one-off run beside it)
            (site / name).write_bytes(source.read_bytes())
        (site / "other.txt").write_bytes(b"")
        assert salvage_all(tmp_path / "arch", "gilan") == [site / source.name]
        assert sorted(p.name for p in site.iterdir()) == sorted([*running, source.name, "other.txt"])
        with pytest.raises(subprocess.TimeoutExpired):  # asked whether it runs, not stopped
            beside.wait(timeout=0.2)
        assert writer_alive(site / running[1]) and not writer_alive(site / ".x.warc.gz.no-pid.part")
    finally:
        beside.kill()
        beside.wait()
    assert salvage_all(tmp_path / "arch", "hanam") == []
    assert io.BytesIO(source.read_bytes()).read() == (site / source.name).read_bytes()
