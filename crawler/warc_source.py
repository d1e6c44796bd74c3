"""Pages from web archives: an index of the captures in WARC files, and a Scrapy download handler
that answers requests from it with no network.

Any WARC reads the same: ours, wget's, another archiver's; `.warc` or `.warc.gz`, gzip per
record or the whole file; chunked transfer encoding and `Content-Encoding: gzip` as recorded on
the wire (chunks undone here; Content-Encoding by the reader: Scrapy in `extract`); `revisit` records (the payload of the capture they refer to, by
WARC-Refers-To-Target-URI and -Date, else by payload digest); `warcinfo`, `metadata`, `resource`
and `request` records skipped; several sites interleaved. With a mirror map, captures made through
a local mirror (http://127.0.0.1:PORT/...) count as captures of the live origin.

Where a URL was captured several times, the latest successful capture answers (a 5xx is not a
page; it answers only when nothing else was captured). A URL missing from the archive answers
404 flagged `NOT_IN_ARCHIVE`, so that the spider counts it as missing from the archive, not as an
answer of the site.

Archives are input from strangers, so reading them is bounded: a record is read into memory only
up to the size limit of a live crawl (DOWNLOAD_MAXSIZE, on the body as recorded), and the
download handler leaves Content-Encoding to Scrapy's HttpCompressionMiddleware, which applies
the same limit to the decoded body as on a live crawl. A whole-file gzip is inflated to a
temporary file, not into memory. Damage (a record cut short, a gzip member that does not end, a
digest that does not match, bytes that are no record) is noted per file with its offset
(`ArchiveIndex.damage`); the complete records before it are used.
"""
from __future__ import annotations

import gzip
import io
import logging
import shutil
import tempfile
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataReader, DecompressingBufferedReader
from warcio.exceptions import ArchiveLoadFailed

from crawler.urls import drop_tracking

logger = logging.getLogger(__name__)

SUFFIXES = (".warc", ".warc.gz")
PAGE_TYPES = ("response", "revisit")
#: headers describing the recorded bytes on the wire, not the decoded body an answer carries
FRAMING = {"content-length", "transfer-encoding", "content-encoding"}
MISSING_BODY = b"<html><body>404 Not Found (not in the archive)</body></html>"
#: the flag of a 404 made up for a page the archive does not hold (not an answer of the site)
NOT_IN_ARCHIVE = "not_in_archive"
#: the size limit of a live crawl (settings.DOWNLOAD_MAXSIZE), for readers given none
DEFAULT_MAXSIZE = 16 * 1024 * 1024
#: room for the HTTP status line and headers in a record's block, over the body's limit
HEAD_ROOM = 64 * 1024
#: bytes read at a time while checking a record through (digests, length)
CHUNK = 64 * 1024
#: compressed bytes inflated at a time: deflate inflates at most ~1,032-fold, so no single step
#: holds more than ~4 MB however the data was made
INFLATE_BLOCK = 4096
#: the longest header line read at once, and the most header bytes in a row (WatchfulReader)
MAX_LINE = 64 * 1024
MAX_HEAD = 256 * 1024


class ArchiveError(ValueError):
    """An archive that cannot be read at all (missing, not a WARC)."""


class WatchfulReader(DecompressingBufferedReader):
    """warcio's reader of (gzip) WARC data, except that garbled gzip data is remembered (warcio
    only prints it to stderr, drops the block and reads on, so that a record ends silently), and
    that header lines are bounded: warcio reads a line whole however long, and takes every line
    up to a blank one as a header, so 500 kB of gzip made one line of 512 MB (1.6 GB, 37 s; now 66 MB, 0.02 s). A line
    is read at most MAX_LINE at a time, and header lines of more than MAX_HEAD in a row (no body
    read between them) end the data there, as damage."""

    error: Exception | None = None
    in_head = 0  # bytes of lines read since the last body read

    def readline(self, length: int | None = None) -> bytes:
        if self.in_head >= MAX_HEAD:
            self.error = self.error or ValueError(f"header lines of more than {MAX_HEAD} bytes")
            return b""
        line = super().readline(MAX_LINE if length is None or length <= 0 else min(length, MAX_LINE))
        self.in_head += len(line)
        return line

    def read(self, length: int | None = None) -> bytes:
        self.in_head = 0
        return super().read(length)

    def _decompress(self, data: bytes) -> bytes:
        if self.decompressor is not None and data and self.num_block_read:
            try:
                return self.decompressor.decompress(data)
            except zlib.error as exc:
                self.error = self.error or exc
                return b""
        return super()._decompress(data)


def watchful_records(handle: BinaryIO) -> ArchiveIterator:
    """An ArchiveIterator checking digests, on a WatchfulReader."""
    records = ArchiveIterator(handle, check_digests=True)
    records.reader = WatchfulReader(records.fh, block_size=INFLATE_BLOCK)
    return records


class RecordTooLarge(IgnoreRequest):
    """A recorded body over the size limit of a live crawl: refused before it is read whole."""


class RecordUnreadable(IgnoreRequest):
    """A record whose HTTP response cannot be read (garbled in the file)."""


@dataclass(frozen=True)
class Damage:
    """A place in an archive file that could not be read whole: what, where, after which record."""

    file: str
    offset: int
    problem: str  # "cut_short", "gzip_member_unended", "garbled_gzip", "digest_mismatch", "unreadable"
    after: str | None  # the last complete record before it (its target URI, else its type); "": n/a
    detail: str = ""

    def describe(self) -> str:
        """One line for a person: the file, the offset, what is wrong, what came before."""
        what = {"cut_short": "cut short in a record", "gzip_member_unended": "a gzip member does not end",
                "garbled_gzip": "garbled gzip data",
                "digest_mismatch": "a record's digest does not match",
                "unreadable": "unreadable from here on"}.get(self.problem, self.problem)
        after = (f", after record {self.after}" if self.after else
                 ", before any complete record" if self.after is None else "")
        return f"{self.file}: {what} at offset {self.offset}{after}" + (f" ({self.detail})" if self.detail else "")

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "offset": self.offset, "problem": self.problem, "after": self.after,
                "detail": self.detail}


def page_key(target: str) -> str:
    """A request target in one spelling: percent-decoded path and query, no fragment."""
    parts = urlsplit(target)
    path = unquote(parts.path, errors="replace") or "/"
    return path + ("?" + unquote(parts.query, errors="replace") if parts.query else "")


def origin_of(url: str) -> str:
    """scheme://host[:port] in lower case, without the scheme's default port."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def url_key(url: str) -> str:
    """One key for every spelling of a URL (percent-encoding, case of host, default port)."""
    parts = urlsplit(url)
    return origin_of(url) + page_key(parts.path + (f"?{parts.query}" if parts.query else ""))


def raw_header(value: str) -> bytes:
    """A header value of an Answer as the bytes recorded (Answer headers are latin-1 text)."""
    return value.encode("latin-1")


def split_http(block: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers (latin-1 text: the recorded bytes exactly) and payload of an HTTP response
    block as recorded; warcio's own header parsing reads values as UTF-8 and cannot be undone.
    A block that is no HTTP response raises ValueError."""
    head, _, payload = block.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    words = lines[0].split()
    if len(words) < 2 or not words[1].isdigit() or not 100 <= int(words[1]) <= 999:
        raise ValueError(f"not an HTTP status line: {lines[0][:80]!r}")
    status = int(words[1])
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            headers.append((name.strip().decode("latin-1"), value.strip().decode("latin-1")))
    return status, headers, payload


def decode_payload(payload: bytes, headers: list[tuple[str, str]], content: bool = True,
                   maxsize: int = DEFAULT_MAXSIZE) -> tuple[bytes, bool]:
    """The body under chunked transfer encoding and (when `content`) Content-Encoding; whether the
    Content-Encoding was undone. Decoded bodies over `maxsize` raise RecordTooLarge: a few KB of
    gzip can stand for gigabytes, and they are never inflated whole."""
    values = {k.lower(): v.strip().lower() for k, v in headers}
    encoding = (values.get("content-encoding") or None) if content else None
    if encoding and encoding not in BufferedReader.get_supported_decompressors():
        encoding = None
    try:
        if values.get("transfer-encoding") == "chunked":
            body = ChunkedDataReader(io.BytesIO(payload), block_size=INFLATE_BLOCK, decomp_type=encoding).read(maxsize + 1)
        elif encoding:
            body = BufferedReader(io.BytesIO(payload), block_size=INFLATE_BLOCK, decomp_type=encoding).read(maxsize + 1)
        else:
            return payload, False
    except (zlib.error, EOFError, ValueError, OSError) as exc:
        raise RecordUnreadable(f"a body that does not decode ({encoding or 'chunked'}): {exc}") from exc
    if len(body) > maxsize:
        raise RecordTooLarge(f"a body over {maxsize} bytes once decoded ({encoding}, {len(payload)} bytes recorded)")
    return body, encoding is not None


def parse_warc_date(text: str) -> datetime:
    return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).astimezone(timezone.utc)


def archive_files(paths: Iterable[str | Path]) -> list[Path]:
    """WARC files named or inside the folders named (recursively), in name order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES)
                            and not p.name.startswith("."))
        elif path.is_file():
            found.append(path)
        else:
            raise ArchiveError(f"no such archive file or folder: {path}")
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Capture:
    """Where one response (or revisit) record is, and what its headers say."""

    url: str  # the live URL (mirror URLs mapped back)
    date: str  # WARC-Date as recorded
    status: int
    source: int  # index into ArchiveIndex.sources
    offset: int
    revisit: bool = False
    refers_url: str | None = None
    refers_date: str | None = None
    digest: str | None = None
    length: int = 0  # the record block's Content-Length: a body over the limit is refused unread

    @property
    def moment(self) -> datetime:
        return parse_warc_date(self.date)


@dataclass
class Answer:
    """A page as the archive has it: status, headers (decoded-body framing), body, capture time."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    captured: datetime

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


class ArchiveIndex:
    """The captures of a set of WARC files, by URL; bodies are read from the files on demand."""

    def __init__(self, paths: Iterable[str | Path], to_live: Any = None):
        self.files = archive_files(paths)
        self.to_live = to_live or (lambda url: url)
        self.sources: list[BinaryIO] = []
        self.captures: dict[str, list[Capture]] = {}
        self.by_uri_date: dict[tuple[str, str], Capture] = {}
        self.by_digest: dict[str, Capture] = {}
        self.skipped: dict[str, int] = {}
        #: what could not be read, per file and offset (the records before it are used)
        self.damage: list[Damage] = []
        self.lock = threading.Lock()
        for path in self.files:
            self._index(path)

    # -- building -----------------------------------------------------------------------------

    def _index(self, path: Path) -> None:
        skipped, damaged = dict(self.skipped), len(self.damage)
        try:
            handle: BinaryIO = open(path, "rb")
            self._scan(handle, len(self.sources), str(path))
        except ArchiveLoadFailed as exc:
            if "non-chunked gzip" not in str(exc):
                raise ArchiveError(f"{path}: not a WARC file: {exc}") from exc
            # gzip over the whole file, not per record: no record can be sought in it; read it
            # inflated into a temporary file (not into memory: it may inflate a thousandfold)
            handle.close()
            self._drop_source(len(self.sources))
            self.skipped, self.damage = skipped, self.damage[:damaged]
            handle = self._inflate(path)
            self._scan(handle, len(self.sources), str(path))
        self.sources.append(handle)

    def _inflate(self, path: Path) -> BinaryIO:
        """A whole-file gzip inflated into an anonymous temporary file, a chunk at a time; a file
        whose gzip stream is cut short or garbled keeps what inflated, and the damage is noted."""
        spool: BinaryIO = tempfile.TemporaryFile(prefix="crawler-warc-")  # type: ignore[assignment]
        with gzip.open(path, "rb") as packed:
            try:
                shutil.copyfileobj(packed, spool, CHUNK)
            except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
                self.damage.append(Damage(str(path), spool.tell(), "gzip_member_unended", "",
                                          f"whole-file gzip: {exc}; offset in the inflated data"))
        spool.seek(0)
        return spool

    def _drop_source(self, source: int) -> None:
        for key in list(self.captures):
            self.captures[key] = [c for c in self.captures[key] if c.source != source]
        self.by_uri_date = {k: c for k, c in self.by_uri_date.items() if c.source != source}
        self.by_digest = {k: c for k, c in self.by_digest.items() if c.source != source}

    def _skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def _scan(self, handle: BinaryIO, source: int, name: str) -> None:
        """Index every complete record; the first damaged one is noted and ends the file (what
        follows a cut or garbled record cannot be found reliably)."""
        records = watchful_records(handle)
        reader = records.reader
        warc, last, end = 0, None, 0
        while True:
            offset = records.offset
            try:
                record = next(records)
                if not str(record.format).startswith("warc"):
                    raise ArchiveLoadFailed(f"a {record.format} record, not a WARC record")
                problem = self._check_through(records, record)
                offset = records.get_record_offset()
                end = offset + records.get_record_length()
            except StopIteration:
                if reader.error is not None:  # garbled gzip, or endless headers, ended the records
                    self.damage.append(Damage(name, offset, _problem_of(reader.error), last, _short(reader.error)))
                elif warc and (rest := _leftover(handle, end)):  # a record header cut short
                    self.damage.append(Damage(name, end, "cut_short", last,
                                              f"{rest} bytes after the last whole record are no whole record"))
                break
            except ArchiveLoadFailed as exc:
                if not warc or "non-chunked gzip" in str(exc):
                    raise  # not a WARC at all, or a whole-file gzip: the caller decides
                self.damage.append(Damage(name, offset, "unreadable", last, _short(exc)))
                break
            except Exception as exc:  # garbled bytes: zlib, header parsing, anything of warcio's
                if not warc:
                    raise ArchiveLoadFailed(f"unreadable: {_short(exc)}") from exc
                self.damage.append(Damage(name, offset, "unreadable", last, _short(exc)))
                break
            warc += 1
            if problem:
                self.damage.append(Damage(name, offset, problem, last, _record_name(record)))
                if problem != "gzip_member_unended":  # a whole record in an unended member is kept
                    if problem in ("cut_short", "garbled_gzip"):
                        break
                    continue
            last = _record_name(record)
            self._add(record, source, offset)
        if not warc:
            raise ArchiveLoadFailed("no WARC record in it")

    @staticmethod
    def _check_through(records: ArchiveIterator, record: Any) -> str | None:
        """Read a record to its end a chunk at a time (memory stays bounded whatever its size):
        "cut_short" when the file ends inside it, "digest_mismatch" when its recorded digest
        disagrees, "gzip_member_unended" when it is whole but its gzip member has no end."""
        stream = record.raw_stream
        while stream.read(CHUNK):
            pass
        if getattr(records.reader, "error", None) is not None:
            return _problem_of(records.reader.error)
        if getattr(stream, "limit", 0) > 0:
            return "cut_short"
        if record.digest_checker.passed is False:
            return "digest_mismatch"
        records.read_to_end()
        decompressor = records.reader.decompressor if records.reader else None
        if decompressor is not None and not getattr(decompressor, "eof", True):
            return "gzip_member_unended"
        return None

    def _add(self, record: Any, source: int, offset: int) -> None:
        kind = record.rec_type
        if kind not in PAGE_TYPES:
            self._skip(kind or "unknown")
            return
        uri = record.rec_headers.get_header("WARC-Target-URI")
        date = record.rec_headers.get_header("WARC-Date")
        http = record.http_headers
        if not uri or not date or http is None or not http.get_statuscode().isdigit():
            self._skip("not_http")
            return
        try:
            parse_warc_date(date)
        except ValueError:
            self._skip("bad_date")
            return
        live = self.to_live(uri.strip("<>"))
        refers = record.rec_headers.get_header("WARC-Refers-To-Target-URI")
        capture = Capture(
            url=live, date=date, status=int(http.get_statuscode()), source=source, offset=offset,
            revisit=kind == "revisit", refers_url=self.to_live(refers) if refers else None,
            refers_date=record.rec_headers.get_header("WARC-Refers-To-Date"),
            digest=record.rec_headers.get_header("WARC-Payload-Digest"), length=record.length or 0)
        self.captures.setdefault(url_key(live), []).append(capture)
        if not capture.revisit:
            self.by_uri_date[(url_key(live), date)] = capture
            if capture.digest:
                self.by_digest.setdefault(capture.digest, capture)

    # -- questions ----------------------------------------------------------------------------

    def origins(self) -> set[str]:
        return {origin_of(c[0].url) for c in self.captures.values() if c}

    def __len__(self) -> int:
        return sum(len(c) for c in self.captures.values())

    def latest(self, url: str) -> Capture | None:
        """The capture that answers for a URL: the latest below 500, else the latest 5xx."""
        found = self.captures.get(url_key(url))
        if not found:
            found = self.captures.get(url_key(drop_tracking(url)))
        if not found:
            return None
        good = [c for c in found if c.status < 500 and self._payload_of(c) is not None]
        pool = good or found
        return max(pool, key=lambda c: (c.moment, c.source, c.offset))

    def earlier_answers(self, url: str, *, maxsize: int = DEFAULT_MAXSIZE, most: int = 50) -> list[Answer]:
        """The successful captures of a URL other than the one that answers, newest first (at
        most `most`; bodies decoded; unreadable or too large ones passed over)."""
        latest = self.latest(url)
        found = self.captures.get(url_key(url)) or self.captures.get(url_key(drop_tracking(url))) or []
        earlier = sorted((c for c in found if c is not latest and c.status == 200),
                         key=lambda c: (c.moment, c.source, c.offset), reverse=True)[:most]
        answers = []
        for capture in earlier:
            payload = self._payload_of(capture)
            if payload is None:
                continue
            try:
                _, headers, body = self.read(payload, decode=True, maxsize=maxsize)
            except (RecordTooLarge, RecordUnreadable):
                continue
            answers.append(Answer(url=url, status=200, headers=headers, body=body, captured=capture.moment))
        return answers

    def _payload_of(self, capture: Capture) -> Capture | None:
        """The response record holding a capture's body (itself, or what a revisit refers to)."""
        if not capture.revisit:
            return capture
        if capture.refers_url and capture.refers_date:
            found = self.by_uri_date.get((url_key(capture.refers_url), capture.refers_date))
            if found is not None:
                return found
        return self.by_digest.get(capture.digest) if capture.digest else None

    def answer(self, url: str, *, decode: bool = True, maxsize: int = DEFAULT_MAXSIZE) -> Answer | None:
        """The page for a URL, or None. Bodies over `maxsize` (as recorded, or decoded when
        `decode`) raise RecordTooLarge; a garbled record raises RecordUnreadable."""
        capture = self.latest(url)
        if capture is None:
            return None
        payload = self._payload_of(capture)
        if payload is None:  # a revisit whose original is not in these archives
            return None
        status, headers, body = self.read(payload, decode=decode, maxsize=maxsize)
        if capture.revisit:
            status = capture.status
        return Answer(url=url, status=status, headers=headers, body=body, captured=capture.moment)

    def read(self, capture: Capture, *, decode: bool = True,
             maxsize: int = DEFAULT_MAXSIZE) -> tuple[int, list[tuple[str, str]], bytes]:
        """Status, headers and body of a response record (framing headers replaced): chunked
        transfer encoding undone, and Content-Encoding too when `decode`. Never reads more than
        `maxsize` of body (plus room for the headers) into memory."""
        if maxsize and capture.length > maxsize + HEAD_ROOM:
            raise RecordTooLarge(f"a recorded response of {capture.length} bytes, over the limit of {maxsize}")
        with self.lock:
            handle = self.sources[capture.source]
            handle.seek(capture.offset)
            try:
                records = ArchiveIterator(handle, no_record_parse=True)
                records.reader = WatchfulReader(records.fh, block_size=INFLATE_BLOCK)
                record = next(records)
                block = record.raw_stream.read(maxsize + HEAD_ROOM + 1)
            except (StopIteration, ArchiveLoadFailed, zlib.error, EOFError, ValueError) as exc:
                raise RecordUnreadable(f"record at offset {capture.offset}: {_short(exc)}") from exc
        try:
            status, headers, payload = split_http(block)
        except ValueError as exc:
            raise RecordUnreadable(f"record at offset {capture.offset}: {exc}") from exc
        if len(payload) > maxsize:
            raise RecordTooLarge(f"a recorded body of more than {maxsize} bytes")
        body, decoded = decode_payload(payload, headers, content=decode, maxsize=maxsize)
        headers = [(k, v) for k, v in headers
                   if k.lower() not in FRAMING or (k.lower() == "content-encoding" and not decoded)]
        headers.append(("Content-Length", str(len(body))))
        return status, headers, body

    def close(self) -> None:
        for handle in self.sources:
            handle.close()


def _problem_of(error: Exception) -> str:
    return "garbled_gzip" if isinstance(error, zlib.error) else "unreadable"


def _leftover(handle: BinaryIO, end: int) -> int:
    """How many bytes past `end` (where the last whole record ended) are more than blank lines:
    warcio ends its records silently where a file is cut inside a record's header."""
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(end)
    return size - end if handle.read(1024).strip(b"\r\n") else 0


def _short(exc: BaseException) -> str:
    """An error in one ASCII line of at most 160 characters (warcio quotes whole lines it cannot
    read: bytes of a stranger's file go into a report and a log as escapes, never raw)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text.encode("ascii", "backslashreplace").decode("ascii")[:160]


def _record_name(record: Any) -> str:
    """How a report names a record: its target URI, else its type and id."""
    headers = record.rec_headers
    uri = headers.get_header("WARC-Target-URI")
    return uri.strip("<>")[:300] if uri else f"{record.rec_type} {headers.get_header('WARC-Record-ID') or ''}".strip()


_SHARED: dict[tuple[Any, ...], ArchiveIndex] = {}


def shared_index(paths: Iterable[str | Path], mirror_map: str | None = None) -> ArchiveIndex:
    """One index per set of archives in a process, however many site crawls read it."""
    key = (tuple(str(p) for p in paths), mirror_map)
    if key not in _SHARED:
        to_live = None
        if mirror_map:
            from crawler.mirror import MirrorMap

            to_live = MirrorMap.load(mirror_map).to_live
        _SHARED[key] = ArchiveIndex(paths, to_live)
    return _SHARED[key]


def earlier_pages(response: Response, settings: Any) -> list[Response]:
    """In `extract`, the earlier captures of a listing page, as responses: a listing captured in
    several runs is read in every capture, so that an article pushed from its newest capture to a
    page no later run captured is still found. Nothing in a crawl (no ARCHIVE_SOURCES)."""
    sources = settings.getlist("ARCHIVE_SOURCES")
    if not sources:
        return []
    index = shared_index(sources, settings.get("MIRROR_MAP"))
    pages = []
    for answer in index.earlier_answers(response.url, maxsize=settings.getint("DOWNLOAD_MAXSIZE") or DEFAULT_MAXSIZE):
        headers = Headers()
        for name, value in answer.headers:
            headers.appendlist(name, raw_header(value))
        cls = responsetypes.from_args(headers=headers, url=answer.url, body=answer.body)
        pages.append(cls(url=answer.url, status=200, headers=headers, body=answer.body, request=response.request))
    return pages


class ArchiveDownloadHandler(BaseDownloadHandler):
    """http/https answered from archives (settings ARCHIVE_SOURCES, MIRROR_MAP): no network.

    Each answer's capture time goes into the request's meta (crawler.archive.CAPTURED_AT), so
    an item's crawled_at is the capture time of its page. Bodies keep their Content-Encoding:
    Scrapy's HttpCompressionMiddleware decodes them under DOWNLOAD_MAXSIZE as on a live crawl,
    and a body recorded over DOWNLOAD_MAXSIZE is refused here, as the live download handler
    refuses it (IgnoreRequest, counted under archive/too_large)."""

    lazy = False

    def __init__(self, crawler):
        super().__init__(crawler)
        self.index = shared_index(crawler.settings.getlist("ARCHIVE_SOURCES"),
                                  crawler.settings.get("MIRROR_MAP"))
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE") or 0

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)

    async def download_request(self, request: Request) -> Response:
        from crawler.archive import CAPTURED_AT
        from crawler.interrupt import refuse_if_held

        refuse_if_held(self.crawler, request)  # a stopping run reads nothing more

        maxsize = int(request.meta.get("download_maxsize", self.maxsize) or 0) or 2**62
        try:
            answer = self.index.answer(request.url, decode=False, maxsize=maxsize)
        except RecordTooLarge as exc:
            self._count("archive/too_large")
            raise RecordTooLarge(f"Cancelling download of {request.url}: {exc} "
                                 f"(download max size {maxsize})") from None
        except RecordUnreadable as exc:
            self._count("archive/unreadable")
            raise RecordUnreadable(f"cannot read {request.url} from the archive: {exc}") from None
        if answer is None:
            self._count("archive/missing")
            logger.info("not in the archive: %s (answering 404)", request.url)
            headers = Headers({"Content-Type": "text/html; charset=utf-8"})
            return responsetypes.from_args(headers=headers, url=request.url, body=MISSING_BODY)(
                url=request.url, status=404, headers=headers, body=MISSING_BODY, request=request,
                flags=[NOT_IN_ARCHIVE])
        self._count("archive/answered")
        request.meta[CAPTURED_AT] = answer.captured
        headers = Headers()
        for name, value in answer.headers:
            headers.appendlist(name, raw_header(value))
        cls = responsetypes.from_args(headers=headers, url=request.url, body=answer.body)
        return cls(url=request.url, status=answer.status, headers=headers, body=answer.body,
                   request=request, protocol="HTTP/1.1")
