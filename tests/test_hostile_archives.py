"""Archives made to hurt, read by `extract` and by the archive index: a page whose gzip body
inflates a thousandfold (refused at the live crawl's DOWNLOAD_MAXSIZE, never inflated whole), a
record over the size limit (refused unread), a whole-file gzip inflating far beyond its size
(spooled to disk, not memory), and broken files (cut short, an unended gzip member, garbled
gzip, a digest that does not match): named with file and offset, the complete records used,
the pages lost counted as missing from the archive, exit 1. Bounded is checked by counting
(bytes read, bytes allocated: tracemalloc), never by the clock."""
from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.replay import write_copy
from crawler.warc_source import ArchiveIndex, RecordTooLarge
from tests.support import SITES, crawl, expected_items, read_lines, saved_copy

ORIGIN = "https://kitapkhana.kz"
ARTICLES = sorted(e["url"] for e in expected_items("kyzylorda"))
MB = 2**20


def zeros_gzip(size: int) -> bytes:
    """`size` zero bytes, gzip-compressed a megabyte at a time (never `size` bytes in memory)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(MB)
    return b"".join(packer.compress(block) for _ in range(size // MB)) + packer.flush()


def site_archive(folder: Path, bomb: str | None = None, bomb_size: int = 0) -> Path:
    """The saved kyzylorda copy rewritten as one archive, listings and feeds first, then the
    articles in name order (so that a cut in the articles loses no listing); `bomb`: that
    article's body replaced by gzip-encoded zeros."""
    copy = saved_copy(SITES / "kyzylorda")
    keys = sorted(copy.pages, key=lambda k: (ORIGIN + k in ARTICLES, k))
    pages = []
    for key in keys:
        answer = copy.answer(key)
        headers = [(k, v.encode("latin-1")) for k, v in answer.headers if k.lower() != "content-length"]
        body = answer.body
        if ORIGIN + key == bomb:
            headers.append(("Content-Encoding", b"gzip"))
            body = zeros_gzip(bomb_size)
        pages.append((key, answer.status, headers, body))
    return write_copy(folder, ORIGIN, pages)


def records(path: Path) -> list[tuple[int, str, str]]:
    """(offset, type, target URI) of every record, as warcio reads the whole file."""
    out = []
    with open(path, "rb") as f:
        it = ArchiveIterator(f)
        for record in it:
            out.append((it.get_record_offset(), record.rec_type, record.rec_headers.get_header("WARC-Target-URI")))
    return out


def response_offset(all_records: list[tuple[int, str, str]], url: str) -> int:
    return next(o for o, kind, uri in all_records if kind == "response" and uri == url)


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> Path:
    return site_archive(tmp_path_factory.mktemp("whole"))


@pytest.fixture(scope="module")
def cut_run(tmp_path_factory, whole):
    """extract over the archive cut short in the middle of the record of the 20th article."""
    tmp = tmp_path_factory.mktemp("cut")
    every = records(whole)
    lost_from = ARTICLES[19]
    at = response_offset(every, lost_from)
    cut = tmp / "cut.warc.gz"
    cut.write_bytes(whole.read_bytes()[:at + 300])
    result = crawl(["extract", "--output", str(tmp / "items.jsonl"), str(cut)], cwd=tmp)
    report = json.loads(next((tmp / "_runs").glob("*.json")).read_text(encoding="utf-8"))
    return result, report, read_lines(tmp / "items.jsonl"), every, at, cut


@pytest.mark.crawl
def test_an_archive_cut_short_is_named_with_file_offset_and_the_record_before(cut_run):
    result, report, _, every, at, cut = cut_run
    before = [uri for offset, _, uri in every if offset < at][-1]
    assert result.returncode == 1, result.stderr[-3000:]
    assert report["exit_code"] == 1
    (damage,) = report["archive_damage"]
    assert (damage["file"], damage["offset"], damage["problem"], damage["after"]) == (str(cut), at, "cut_short", before)
    assert f"{cut}: cut short in a record at offset {at}, after record {before}" in result.stderr
    assert "DAMAGED ARCHIVE" in result.stderr


@pytest.mark.crawl
def test_the_complete_records_of_a_cut_archive_are_used_and_the_rest_counted_missing(cut_run):
    result, report, items, _, _, _ = cut_run
    assert sorted(i["url"] for i in items) == ARTICLES[:19]
    (site,) = report["sites"]
    assert site["skipped"].get("missing_from_archive") == len(ARTICLES) - 19
    assert not [k for k in site["skipped"] if k.startswith("article_http")]  # not answers of the site


@pytest.mark.crawl
def test_a_gzip_bomb_in_an_archive_is_refused_at_the_live_size_limit(tmp_path):
    victim = ARTICLES[3]
    archive = site_archive(tmp_path / "bomb", victim, 64 * MB)
    assert archive.stat().st_size < MB  # 64 MB of page in well under 1 MB of file
    result = crawl(["extract", "--output", str(tmp_path / "items.jsonl"), str(archive)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(i["url"] for i in read_lines(tmp_path / "items.jsonl")) == [u for u in ARTICLES if u != victim]
    report = json.loads(next((tmp_path / "_runs").glob("*.json")).read_text(encoding="utf-8"))
    assert report["sites"][0]["skipped"] == {"article_failed": 1, "not_a_page": 1}
    assert victim in result.stderr and "exceeded DOWNLOAD_MAXSIZE (16777216 B)" in result.stderr


def test_a_record_over_the_limit_is_refused_unread_and_an_inflating_one_in_bounded_memory(tmp_path):
    victim = ARTICLES[3]
    index = ArchiveIndex([site_archive(tmp_path, victim, 160 * MB)])
    handle = index.sources[0]
    handle.seek(0)
    big = index.latest(victim)
    assert big.length > 150_000
    with pytest.raises(RecordTooLarge):  # a record of 160 kB, a limit of 1 kB: not a byte of it read
        index.read(big, maxsize=1000)
    assert handle.tell() == 0
    tracemalloc.start()
    try:
        with pytest.raises(RecordTooLarge):
            index.answer(victim, decode=True, maxsize=MB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 12 * MB  # 160 MB once inflated: refused past the first megabyte
    assert index.answer(victim, decode=False).body[:2] == b"\x1f\x8b"  # as recorded: Scrapy decodes it


def test_a_whole_file_gzip_inflating_far_is_spooled_not_held_in_memory(tmp_path):
    plain = tmp_path / "plain.warc"
    with open(plain, "wb") as f:
        writer = WARCWriter(f, gzip=False)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        for n, size in enumerate((1000, 48 * MB, 1000)):
            body = b"<p>" + bytes(size) + b"</p>"
            record = writer.create_warc_record(f"{ORIGIN}/{n}", "response", payload=__import__("io").BytesIO(body),
                                               length=len(body), http_headers=http)
            writer.write_record(record)
    packed = tmp_path / "whole.warc.gz"
    with open(plain, "rb") as src, gzip.open(packed, "wb") as dst:
        while chunk := src.read(MB):
            dst.write(chunk)
    plain.unlink()
    assert packed.stat().st_size < MB
    tracemalloc.start()
    try:
        index = ArchiveIndex([packed])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 12 * MB
    assert len(index) == 3 and index.damage == []
    assert index.answer(f"{ORIGIN}/2").body == b"<p>" + bytes(1000) + b"</p>"


def damaged(whole: Path, tmp: Path, edit) -> tuple[ArchiveIndex, list[tuple[int, str, str]]]:
    path = tmp / "damaged.warc.gz"
    path.write_bytes(edit(whole.read_bytes()))
    return ArchiveIndex([path]), records(whole)


def test_an_unended_last_gzip_member_is_named_and_its_whole_record_kept(whole, tmp_path):
    index, every = damaged(whole, tmp_path, lambda data: data[:-4])  # the gzip trailer cut off
    (damage,) = index.damage
    assert (damage.problem, damage.offset) == ("gzip_member_unended", every[-1][0])
    assert len(index) == sum(kind == "response" for _, kind, _ in every)


def test_garbled_gzip_is_named_and_the_records_before_it_kept(whole, tmp_path):
    every = records(whole)
    at = response_offset(every, ARTICLES[10])

    def garble(data: bytes) -> bytes:
        middle = at + 400
        return data[:middle] + bytes(b ^ 0x5A for b in data[middle:middle + 64]) + data[middle + 64:]

    index, _ = damaged(whole, tmp_path, garble)
    (damage,) = index.damage
    assert damage.offset == at and damage.problem in ("garbled_gzip", "cut_short", "unreadable")
    assert damage.after == [uri for offset, _, uri in every if offset < at][-1]
    assert {c[0].url for c in index.captures.values() if c} >= set(ARTICLES[:10])
    assert not {c[0].url for c in index.captures.values() if c} & set(ARTICLES[10:])


def test_a_record_whose_digest_does_not_match_is_named_and_not_used(whole, tmp_path):
    every = records(whole)
    at = response_offset(every, ARTICLES[7])
    plain = tmp_path / "plain.warc"
    with open(whole, "rb") as f:  # one record rewritten with a body that is not the one digested
        out = bytearray()
        for offset, member in zip([o for o, _, _ in every], [o for o, _, _ in every[1:]] + [None]):
            f.seek(offset)
            data = gzip.decompress(f.read(None if member is None else member - offset))
            if offset == at:
                data = data.replace(b"<title>", b"<title>X", 1)
            out += data
    plain.write_bytes(bytes(out))
    index = ArchiveIndex([plain])
    (damage,) = index.damage
    assert damage.problem == "digest_mismatch" and damage.detail == ARTICLES[7]
    assert index.latest(ARTICLES[7]) is None and index.latest(ARTICLES[8]) is not None


@pytest.mark.parametrize("line, repeat", [(b"a" * MB, 64), (b"X-Many: header\r\n" * 65536, 64),
                                          (b"X-Folded: v\r\n" + b" a" * (MB // 2), 64)],
                         ids=["one-line-of-64MB", "4M-header-lines", "64MB-folded-header"])
def test_endless_record_headers_end_the_file_as_damage_in_bounded_memory(whole, tmp_path, line, repeat):
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = packer.compress(b"WARC/1.0\r\nWARC-Type: response\r\nX-Long: ")
    member += b"".join(packer.compress(line) for _ in range(repeat)) + packer.flush()
    path = tmp_path / "long.warc.gz"
    path.write_bytes(whole.read_bytes() + member)
    assert len(member) < MB  # 64 MB of header in well under a megabyte
    tracemalloc.start()
    try:
        index = ArchiveIndex([path])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 12 * MB
    (damage,) = index.damage
    assert damage.offset == whole.stat().st_size and damage.problem in ("unreadable", "cut_short")
    assert len(index) == sum(kind == "response" for _, kind, _ in records(whole))
