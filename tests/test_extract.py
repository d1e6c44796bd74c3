"""`extract`: the spiders and pipelines over archived pages, with no network, on archives that
other tools made (another archiver's capture of v2, a wget archive made through the mirror), and
the archive index under the forms real archives take (revisits, 5xx then the page, chunked and
gzip bodies, plain and whole-file-gzip WARCs, pages missing from the archive)."""
from __future__ import annotations

import asyncio
import gzip
import io
import json
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.archive import CAPTURED_AT, RawHeaders
from crawler.cli import spider_classes
from crawler.mirror import MirrorMap
from crawler.warc_source import (ArchiveDownloadHandler, ArchiveError, ArchiveIndex, archive_files, raw_header,
                                 shared_index, url_key)
from tests.children import crawler_env
from tests.support import FIXTURES, ORIGINAL_SITES, crawl, differences, read_lines

ARCHIVES = FIXTURES / "archives"
V2 = ARCHIVES / "v2-captured-elsewhere.warc.gz"
WGET = ARCHIVES / "kyzylorda-wget.warc.gz"
ALL = list(ORIGINAL_SITES)  # the sites of world v2, which the other tool's archive holds


def expected(folder: str, site: str) -> dict[str, dict]:
    path = FIXTURES / folder / f"{site}.jsonl"
    return {e["url"]: e for e in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def assert_items_are(items: list[dict], folder: str, sites: list[str]) -> None:
    for site in sites:
        want = expected(folder, site)
        got = {i["url"]: i for i in items if i["site"] == site}
        assert set(got) == set(want), site
        tz = spider_classes()[site].timezone
        wrong = {u: differences(i, want[u], tz) for u, i in got.items()}
        assert not {u: d for u, d in wrong.items() if d}, site
    assert {i["site"] for i in items} == set(sites)


@pytest.fixture(scope="module")
def from_v2(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("v2")
    result = crawl(["extract", "--output", str(tmp / "items.jsonl"), str(V2)], cwd=tmp)
    return result, tmp


@pytest.mark.crawl
def test_another_tools_archive_gives_the_sites_items(from_v2):
    result, tmp = from_v2
    assert result.returncode == 0, result.stderr[-3000:]
    assert_items_are(read_lines(tmp / "items.jsonl"), "expected_v2", ALL)


@pytest.mark.crawl
def test_crawled_at_is_the_latest_capture_time_of_the_page(from_v2):
    _, tmp = from_v2
    captures = json.loads((ARCHIVES / "v2-captured-elsewhere.captures.json").read_text(encoding="utf-8"))["captures"]
    for item in read_lines(tmp / "items.jsonl"):
        assert item["crawled_at"] == max(captures[item["url"]]), item["url"]


@pytest.mark.crawl
def test_a_wget_archive_made_through_the_mirror_reads_with_the_mirror_map(tmp_path):
    result = crawl(["extract", "--mirror", str(ARCHIVES / "kyzylorda-wget.mirror.json"),
                    "--output", str(tmp_path / "items.jsonl"), str(WGET)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert_items_are(read_lines(tmp_path / "items.jsonl"), "expected", ["kyzylorda"])
    without = crawl(["extract", "--output", str(tmp_path / "none.jsonl"), str(WGET)], cwd=tmp_path)
    assert without.returncode == 2 and "--mirror" in without.stderr
    assert not (tmp_path / "none.jsonl").exists()


@pytest.mark.crawl
def test_site_option_and_folders_of_archives(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(V2, tmp_path / "a" / "b" / V2.name)
    result = crawl(["extract", "--site", "gilan", "--site", "travinh", "--output-dir", str(tmp_path / "out"),
                    str(tmp_path / "a")], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(p.parent.name for p in (tmp_path / "out").glob("*/*.jsonl")) == ["gilan", "travinh"]
    assert_items_are(read_lines(*(tmp_path / "out").glob("*/*.jsonl")), "expected_v2", ["gilan", "travinh"])


def test_usage_errors(tmp_path):
    missing = crawl(["extract", "--output", "x.jsonl", str(tmp_path / "nope.warc.gz")], cwd=tmp_path)
    assert missing.returncode == 2 and "no such archive" in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = crawl(["extract", "--output", "x.jsonl", str(tmp_path / "empty")], cwd=tmp_path)
    assert empty.returncode == 2 and "no .warc" in empty.stderr
    unknown = crawl(["extract", "--site", "atlantis", "--output", "x.jsonl", str(V2)], cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown site" in unknown.stderr
    both = crawl(["extract", "--output", "x.jsonl", "--output-dir", "d", str(V2)], cwd=tmp_path)
    assert both.returncode == 2
    (tmp_path / "junk.warc").write_bytes(b"this is not a web archive\r\n\r\n")
    junk = crawl(["extract", "--output", "x.jsonl", str(tmp_path / "junk.warc")], cwd=tmp_path)
    assert junk.returncode == 2 and "junk.warc" in junk.stderr


BROKEN_IMAGES = ("import sys, spiders.kyzylorda as k; k.KyzylordaArticle.images = lambda self: []; "
                 "from crawler.cli import main; sys.exit(main(sys.argv[1:]))")


@pytest.mark.crawl
def test_re_extracting_after_a_spider_fix_writes_only_the_corrected_items(tmp_path):
    args = ["extract", "--site", "kyzylorda", "--output-dir", str(tmp_path / "out"),
            "--state", str(tmp_path / "state.sqlite"), str(V2)]
    broken = subprocess.run([sys.executable, "-c", BROKEN_IMAGES, *args], cwd=tmp_path, env=crawler_env(),
                            capture_output=True, text=True, timeout=240)
    assert broken.returncode == 0, broken.stderr[-3000:]
    (first,) = (tmp_path / "out" / "kyzylorda").glob("*.jsonl")
    written = {i["url"]: i for i in read_lines(first)}
    assert set(written) == set(expected("expected_v2", "kyzylorda"))
    assert all(i["images"] == [] for i in written.values())
    fixed = crawl(args, cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    (second,) = set((tmp_path / "out" / "kyzylorda").glob("*.jsonl")) - {first}
    corrected = {i["url"]: i for i in read_lines(second)}
    with_images = {u for u, e in expected("expected_v2", "kyzylorda").items() if e["images"]}
    assert set(corrected) == with_images and with_images
    assert all(corrected[u]["id"] == written[u]["id"] for u in corrected)
    want = expected("expected_v2", "kyzylorda")
    tz = spider_classes()["kyzylorda"].timezone
    assert not {u: d for u, i in corrected.items() if (d := differences(i, want[u], tz))}
    again = crawl(args, cwd=tmp_path)
    assert again.returncode == 0
    assert len(list((tmp_path / "out" / "kyzylorda").glob("*.jsonl"))) == 2  # nothing new: no file


# -- the archive index on archives written here with warcio ---------------------------------

ORIGIN = "https://kitapkhana.kz"


def http(status: str, headers: list[tuple[str, str]]) -> StatusAndHeaders:
    return StatusAndHeaders(status, headers, protocol="HTTP/1.1")


def response(writer: WARCWriter, url: str, date: str, status: str, body: bytes,
             headers: list[tuple[str, str]] | None = None) -> None:
    headers = headers if headers is not None else [("Content-Type", "text/html; charset=utf-8"),
                                                   ("Content-Length", str(len(body)))]
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                  length=len(body), http_headers=http(status, headers),
                                                  warc_headers_dict={"WARC-Date": date}))


def chunked(body: bytes, size: int = 7) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size])
                    for i in range(0, len(body), size)) + b"0\r\n\r\n"


def write_archive(path: Path, gzip_records: bool = True) -> None:
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=gzip_records)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "test-archiver/1"}))
        # captured three times: a page, a later 503, a revisit in between
        response(w, f"{ORIGIN}/a", "2026-02-20T06:00:00Z", "200 OK", b"<p>first</p>")
        response(w, f"{ORIGIN}/a", "2026-02-20T06:00:09Z", "500 Internal Server Error", b"busy")
        first = w.create_warc_record(f"{ORIGIN}/b", "response", payload=io.BytesIO(b"<p>b</p>"), length=8,
                                     http_headers=http("200 OK", [("Content-Type", "text/html")]),
                                     warc_headers_dict={"WARC-Date": "2026-02-20T06:00:01Z"})
        w.write_record(first)
        digest = first.rec_headers.get_header("WARC-Payload-Digest")
        w.write_record(w.create_revisit_record(f"{ORIGIN}/b", digest, f"{ORIGIN}/b", "2026-02-20T06:00:01Z",
                                               http_headers=http("200 OK", [("Content-Type", "text/html")]),
                                               warc_headers_dict={"WARC-Date": "2026-02-20T06:00:05Z"}))
        # a revisit that names no original: found by its payload digest
        bare = w.create_warc_record(f"{ORIGIN}/c", "revisit",
                                    http_headers=http("200 OK", [("Content-Type", "text/html")]),
                                    warc_headers_dict={"WARC-Date": "2026-02-20T06:00:06Z",
                                                       "WARC-Profile": w.REVISIT_PROFILE})
        bare.rec_headers.replace_header("WARC-Payload-Digest", digest)
        w.write_record(bare)
        # only ever an error
        response(w, f"{ORIGIN}/down", "2026-02-20T06:00:02Z", "500 Internal Server Error", b"oops")
        # gzip-encoded and chunked, as recorded on the wire
        page = "<html><body><p>Кітапхана</p></body></html>".encode()
        response(w, f"{ORIGIN}/gz", "2026-02-20T06:00:03Z", "200 OK", chunked(gzip.compress(page)),
                 [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
                  ("Transfer-Encoding", "chunked")])
        # percent-encoding spelled otherwise than our canonical URLs, and a redirect
        # gzip without chunks; an encoding no reader knows (kept as it is, its header too)
        response(w, f"{ORIGIN}/gz2", "2026-02-20T06:00:03Z", "200 OK", gzip.compress(b"<p>gz</p>"),
                 [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])
        response(w, f"{ORIGIN}/odd", "2026-02-20T06:00:03Z", "200 OK", b"\x00odd",
                 [("Content-Type", "text/html"), ("Content-Encoding", "x-odd")])
        # a response record with no HTTP in it (a crawler's DNS lookup), among the others
        w.write_record(w.create_warc_record("dns:kitapkhana.kz", "response", payload=io.BytesIO(b"1.2.3.4"),
                                            length=7, warc_content_type="text/dns",
                                            warc_headers_dict={"WARC-Date": "2026-02-20T06:00:03Z"}))
        response(w, f"{ORIGIN}/kz/%d0%b0", "2026-02-20T06:00:04Z", "301 Moved Permanently", b"",
                 [("Location", f"{ORIGIN}/a"), ("Content-Length", "0")])
        w.write_record(w.create_warc_record("urn:x:log", "resource", payload=io.BytesIO(b"done"), length=4,
                                            warc_content_type="text/plain"))
        w.write_record(w.create_warc_record(f"{ORIGIN}/a", "metadata", payload=io.BytesIO(b"a: b\r\n"), length=6))


@pytest.fixture(params=["gzip-per-record", "plain", "gzip-whole-file"])
def index(request, tmp_path) -> ArchiveIndex:
    if request.param == "plain":
        path = tmp_path / "t.warc"
        write_archive(path, gzip_records=False)
    else:
        path = tmp_path / "t.warc.gz"
        write_archive(path, gzip_records=request.param == "gzip-per-record")
        if request.param == "gzip-whole-file":
            plain = tmp_path / "plain.warc"
            write_archive(plain, gzip_records=False)
            path.write_bytes(gzip.compress(plain.read_bytes()))
            plain.unlink()
    return ArchiveIndex([tmp_path])


def test_latest_successful_capture_answers_and_a_5xx_is_not_a_page(index):
    answer = index.answer(f"{ORIGIN}/a")
    assert (answer.status, answer.body) == (200, b"<p>first</p>")
    assert answer.captured == datetime(2026, 2, 20, 6, 0, tzinfo=timezone.utc)
    down = index.answer(f"{ORIGIN}/down")  # nothing better was captured: the error answers
    assert (down.status, down.body) == (500, b"oops")


def test_revisits_answer_with_the_payload_they_refer_to(index):
    b = index.answer(f"{ORIGIN}/b")
    assert (b.status, b.body) == (200, b"<p>b</p>")
    assert b.captured == datetime(2026, 2, 20, 6, 0, 5, tzinfo=timezone.utc)  # the revisit's time
    c = index.answer(f"{ORIGIN}/c")
    assert c.body == b"<p>b</p>"


def test_chunked_and_gzip_bodies_are_decoded_and_their_framing_dropped(index):
    gz = index.answer(f"{ORIGIN}/gz")
    assert gz.body.decode() == "<html><body><p>Кітапхана</p></body></html>"
    assert gz.header("Content-Encoding") is None and gz.header("Transfer-Encoding") is None
    assert gz.header("Content-Length") == str(len(gz.body))
    assert gz.header("Content-Type") == "text/html; charset=utf-8"
    plain_gzip = index.answer(f"{ORIGIN}/gz2")
    assert plain_gzip.body == b"<p>gz</p>" and plain_gzip.header("Content-Encoding") is None
    odd = index.answer(f"{ORIGIN}/odd")
    assert odd.body == b"\x00odd" and odd.header("Content-Encoding") == "x-odd"


def test_url_spellings_meet_and_missing_pages_are_none(index):
    moved = index.answer(f"{ORIGIN.upper()}:443/kz/%D0%B0#top")
    assert moved.status == 301 and moved.header("Location") == f"{ORIGIN}/a"
    assert index.answer(f"{ORIGIN}/a?utm_source=x").body == b"<p>first</p>"
    assert index.answer(f"{ORIGIN}/nowhere") is None
    assert index.origins() == {ORIGIN}
    assert index.skipped == {"warcinfo": 1, "resource": 1, "metadata": 1, "not_http": 1}
    assert index.answer("dns:kitapkhana.kz") is None
    assert len(index) == 10


def test_the_download_handler_answers_from_the_archive_and_404_for_the_rest(tmp_path):
    write_archive(tmp_path / "t.warc.gz")
    crawler = get_crawler(settings_dict={"ARCHIVE_SOURCES": [str(tmp_path / "t.warc.gz")]})
    handler = ArchiveDownloadHandler(crawler)
    request = Request(f"{ORIGIN}/gz")
    wire = asyncio.run(handler.download_request(request))
    # the chunks undone, the gzip left to Scrapy's own middleware (its size limits: a live crawl's)
    assert wire.headers["Content-Encoding"] == b"gzip" and wire.headers.get("Transfer-Encoding") is None
    assert gzip.decompress(wire.body).decode() == "<html><body><p>Кітапхана</p></body></html>"
    got = HttpCompressionMiddleware.from_crawler(crawler).process_response(request, wire)
    assert got.status == 200 and "Кітапхана" in got.text and got.request is request
    assert request.meta[CAPTURED_AT] == datetime(2026, 2, 20, 6, 0, 3, tzinfo=timezone.utc)
    assert got.headers["Content-Type"] == b"text/html; charset=utf-8" and got.headers.get("Content-Encoding") is None
    assert got.url == f"{ORIGIN}/gz" and got.protocol == "HTTP/1.1"
    missing = asyncio.run(handler.download_request(Request(f"{ORIGIN}/robots.txt")))
    assert missing.status == 404 and CAPTURED_AT not in missing.request.meta
    assert missing.body == b"<html><body>404 Not Found (not in the archive)</body></html>"
    assert missing.headers["Content-Type"] == b"text/html; charset=utf-8" and missing.url == f"{ORIGIN}/robots.txt"
    assert isinstance(missing, HtmlResponse)
    down = asyncio.run(handler.download_request(Request(f"{ORIGIN}/down")))
    assert (down.status, down.body) == (500, b"oops")
    assert (crawler.stats.get_value("archive/answered"), crawler.stats.get_value("archive/missing")) == (2, 1)


def test_mirror_urls_map_back_to_the_live_origin(tmp_path):
    mirror = MirrorMap({ORIGIN: "http://127.0.0.1:8704"})
    assert mirror.to_live("http://127.0.0.1:8704/kz/news/?page=2") == f"{ORIGIN}/kz/news/?page=2"
    assert mirror.to_live("http://127.0.0.1:8704") == f"{ORIGIN}/"
    assert mirror.to_live("http://127.0.0.1:87041/x") == "http://127.0.0.1:87041/x"
    assert mirror.to_live("https://elsewhere.org/x") == "https://elsewhere.org/x"
    with open(tmp_path / "m.warc.gz", "wb") as f:
        w = WARCWriter(f, gzip=True)
        response(w, "http://127.0.0.1:8704/kz/news/", "2026-02-20T06:00:00Z", "200 OK", b"<p>list</p>")
    index = ArchiveIndex([tmp_path], mirror.to_live)
    assert index.answer(f"{ORIGIN}/kz/news/").body == b"<p>list</p>"
    assert url_key(f"{ORIGIN}/kz/news/") in index.captures
    (tmp_path / "map.json").write_text(json.dumps({ORIGIN: "http://127.0.0.1:8704"}), encoding="utf-8")
    files = [str(tmp_path / "m.warc.gz")]
    shared = shared_index(files, str(tmp_path / "map.json"))
    assert shared is shared_index(files, str(tmp_path / "map.json")) is not shared_index(files)
    assert shared.answer(f"{ORIGIN}/kz/news/").body == b"<p>list</p>"
    assert shared_index(files).answer(f"{ORIGIN}/kz/news/") is None
    crawler = get_crawler(settings_dict={"ARCHIVE_SOURCES": files, "MIRROR_MAP": str(tmp_path / "map.json")})
    assert ArchiveDownloadHandler(crawler).index is shared


def test_a_whole_file_gzip_archive_starting_with_pages_is_indexed_once(tmp_path):
    plain = io.BytesIO()
    w = WARCWriter(plain, gzip=False)
    response(w, f"{ORIGIN}/one", "2026-02-20T06:00:00Z", "200 OK", b"<p>1</p>")
    response(w, f"{ORIGIN}/two", "2026-02-20T06:00:01Z", "200 OK", b"<p>2</p>")
    (tmp_path / "w.warc.gz").write_bytes(gzip.compress(plain.getvalue()))
    index = ArchiveIndex([tmp_path / "w.warc.gz"])
    assert len(index) == 2 and len(index.sources) == 1 and len(index.by_uri_date) == len(index.by_digest) == 2
    assert index.captures[url_key(f"{ORIGIN}/one")][0].source == 0
    assert index.answer(f"{ORIGIN}/two").body == b"<p>2</p>"


def test_revisits_find_their_original_in_another_file(tmp_path):
    with open(tmp_path / "a.warc.gz", "wb") as f:
        w = WARCWriter(f, gzip=True)
        original = w.create_warc_record(f"{ORIGIN}/x", "response", payload=io.BytesIO(b"<p>x</p>"), length=8,
                                        http_headers=http("200 OK", [("Content-Type", "text/html")]),
                                        warc_headers_dict={"WARC-Date": "2026-02-20T06:00:00Z"})
        w.write_record(original)
    digest = original.rec_headers.get_header("WARC-Payload-Digest")
    plain = io.BytesIO()
    w = WARCWriter(plain, gzip=False)
    w.write_record(w.create_revisit_record(f"{ORIGIN}/x", digest, f"{ORIGIN}/x", "2026-02-20T06:00:00Z",
                                           http_headers=http("200 OK", [("Content-Type", "text/html")]),
                                           warc_headers_dict={"WARC-Date": "2026-02-21T06:00:00Z"}))
    w.write_record(w.create_revisit_record(f"{ORIGIN}/z", "sha1:NOTTHEDIGEST", f"{ORIGIN}/x", "2026-02-20T06:00:00Z",
                                           http_headers=http("200 OK", [("Content-Type", "text/html")]),
                                           warc_headers_dict={"WARC-Date": "2026-02-21T06:00:02Z"}))
    bare = w.create_warc_record(f"{ORIGIN}/y", "revisit", http_headers=http("200 OK", []),
                                warc_headers_dict={"WARC-Date": "2026-02-21T06:00:01Z"})
    bare.rec_headers.replace_header("WARC-Payload-Digest", digest)
    w.write_record(bare)
    (tmp_path / "b.warc.gz").write_bytes(gzip.compress(plain.getvalue()))  # whole-file gzip: read twice
    index = ArchiveIndex([tmp_path])
    x, y = index.answer(f"{ORIGIN}/x"), index.answer(f"{ORIGIN}/y")
    assert (x.body, x.captured.day, y.body) == (b"<p>x</p>", 21, b"<p>x</p>")
    assert index.answer(f"{ORIGIN}/z").body == b"<p>x</p>"  # found by what it refers to, not by digest


def test_origins_and_keys_of_urls():
    from crawler.warc_source import origin_of, page_key

    assert origin_of("HTTP://A.vn:80/x") == "http://a.vn" and origin_of("https://a.vn:443") == "https://a.vn"
    assert origin_of("http://127.0.0.1:8704/x") == "http://127.0.0.1:8704"
    assert origin_of("https://a.vn:80/x") == "https://a.vn:80" and origin_of("http://a.vn:443/") == "http://a.vn:443"
    assert url_key("https://a.vn") == "https://a.vn/" == url_key("https://a.vn/#x")
    assert page_key("/%FF%D8%AE?q=%FF") == "/\ufffdخ?q=\ufffd" and page_key("") == "/"


def test_archive_files_are_found_in_folders_and_bad_ones_refused(tmp_path):
    (tmp_path / "x" / "y").mkdir(parents=True)
    for name in ("x/a.warc.gz", "x/y/b.warc", ".hidden.warc.gz", "x/notes.txt", "x/.c.warc.gz.1.part"):
        (tmp_path / name).write_bytes(b"")
    assert archive_files([tmp_path]) == [tmp_path / "x" / "a.warc.gz", tmp_path / "x" / "y" / "b.warc"]
    assert archive_files([tmp_path / "x" / "y", tmp_path / "x", tmp_path / "x" / "a.warc.gz"]) == [
        tmp_path / "x" / "y" / "b.warc", tmp_path / "x" / "a.warc.gz"]  # each once, in the order named
    with pytest.raises(ArchiveError):
        archive_files([tmp_path / "missing"])
    (tmp_path / "empty.warc").write_bytes(b"")
    with pytest.raises(ArchiveError, match="no WARC record"):
        ArchiveIndex([tmp_path / "empty.warc"])
    (tmp_path / "bad.warc.gz").write_bytes(gzip.compress(b"GET / HTTP/1.1\r\n\r\n"))
    with pytest.raises(ArchiveError):
        ArchiveIndex([tmp_path / "bad.warc.gz"])


@pytest.mark.parametrize("raw", [b"text/html", "https://x.ir/خبر".encode(), "café".encode("latin-1"),
                                 "café".encode(), b"\xff\xfe", b""])
def test_header_bytes_come_back_as_recorded(tmp_path, raw):
    with open(tmp_path / "h.warc.gz", "wb") as f:
        w = WARCWriter(f, gzip=True)
        head = RawHeaders("302 Found", [("Location", raw.decode("latin-1")), ("Content-Length", "0")],
                          protocol="HTTP/1.1")  # written byte for byte, as crawler.archive records
        w.write_record(w.create_warc_record(f"{ORIGIN}/h", "response", payload=io.BytesIO(b""), length=0,
                                            http_headers=head))
    answer = ArchiveIndex([tmp_path]).answer(f"{ORIGIN}/h")
    assert answer.status == 302 and raw_header(answer.header("Location")) == raw


def test_extract_checks_its_setup_like_a_crawl(tmp_path):
    """extract shares the crawl's run: a damaged state or an output folder that is a file is one
    line and exit 4 before any page is read, and the state is left as it was."""
    archive = FIXTURES / "archives" / "v2-captured-elsewhere.warc.gz"
    (tmp_path / "state.sqlite").write_bytes(b"not a state")
    damaged = crawl(["extract", "--output-dir", str(tmp_path / "out"), "--state", str(tmp_path / "state.sqlite"),
                     str(archive)], cwd=tmp_path)
    assert damaged.returncode == 4, damaged.stderr[-2000:]
    assert damaged.stderr.strip().splitlines()[-1].startswith("crawler: error: state file ")
    assert "Traceback" not in damaged.stderr
    assert (tmp_path / "state.sqlite").read_bytes() == b"not a state" and not (tmp_path / "out").exists()
    (tmp_path / "file").write_text("in the way")
    blocked = crawl(["extract", "--output-dir", str(tmp_path / "file"), str(archive)], cwd=tmp_path)
    assert blocked.returncode == 4 and "--output-dir" in blocked.stderr.strip().splitlines()[-1]


@pytest.mark.crawl
@pytest.mark.parametrize("sites", [["gilan", "hanam"], ["karaganda", "laocai"]])
def test_the_archives_of_a_first_run_and_a_later_one_give_every_article_of_the_later_site(tmp_path, sites):
    """The later run walks only as far as its new articles; older articles pushed to listing
    pages it did not fetch again are in the first run's captures of the earlier listing pages.
    Extracting both archives reads every capture of a listing, so every article comes back."""
    from crawler.replay import ReplayServer, SiteCopy
    from tests.support import SITES, SITES_V2

    common = ["--output-dir", str(tmp_path / "out"), "--state", str(tmp_path / "s.sqlite"),
              "--archive-dir", str(tmp_path / "arch")]
    for root in (SITES, SITES_V2):
        with ReplayServer([SiteCopy.load(root / site) for site in sites]) as server:
            mirror = server.write_map(tmp_path / "m.json")
            run = crawl(["crawl", *sites, "--mirror", str(mirror), *common], cwd=tmp_path)
            assert run.returncode == 0, run.stderr[-3000:]
    extracted = crawl(["extract", "--output", str(tmp_path / "x.jsonl"), str(tmp_path / "arch")], cwd=tmp_path)
    assert extracted.returncode == 0, extracted.stderr[-3000:]
    items = read_lines(tmp_path / "x.jsonl")
    for site in sites:
        assert {i["url"] for i in items if i["site"] == site} == set(expected("expected_v2", site)), site
