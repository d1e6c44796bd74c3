"""Pages from web archives: an index of the captures in WARC files, and a Scrapy download handler
that answers requests from it with no network.

Any WARC reads the same: ours, wget's, another archiver's; `.warc` or `.warc.gz`, gzip per
record or the whole file; chunked transfer encoding and `Content-Encoding: gzip` as recorded on
the wire (warcio decodes both); `revisit` records (the payload of the capture they refer to, by
WARC-Refers-To-Target-URI and -Date, else by payload digest); `warcinfo`, `metadata`, `resource`
and `request` records skipped; several sites interleaved. With a mirror map, captures made through
a local mirror (http://127.0.0.1:PORT/...) count as captures of the live origin.

Where a URL was captured several times, the latest successful capture answers (a 5xx is not a
page; it answers only when nothing else was captured). A URL missing from the archive answers
404, as a live site answers for a page it does not have.
"""
from __future__ import annotations

import gzip
import io
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataReader
from warcio.exceptions import ArchiveLoadFailed

from crawler.urls import drop_tracking

logger = logging.getLogger(__name__)

SUFFIXES = (".warc", ".warc.gz")
PAGE_TYPES = ("response", "revisit")
#: headers describing the recorded bytes on the wire, not the decoded body an answer carries
FRAMING = {"content-length", "transfer-encoding", "content-encoding"}
MISSING_BODY = b"<html><body>404 Not Found (not in the archive)</body></html>"


class ArchiveError(ValueError):
    """An archive that cannot be read at all (missing, not a WARC)."""


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
    block as recorded; warcio's own header parsing reads values as UTF-8 and cannot be undone."""
    head, _, payload = block.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            headers.append((name.strip().decode("latin-1"), value.strip().decode("latin-1")))
    return status, headers, payload


def decode_payload(payload: bytes, headers: list[tuple[str, str]]) -> tuple[bytes, bool]:
    """The body under chunked transfer encoding and Content-Encoding; whether the encoding was undone."""
    values = {k.lower(): v.strip().lower() for k, v in headers}
    encoding = values.get("content-encoding") or None
    if encoding and encoding not in BufferedReader.get_supported_decompressors():
        encoding = None
    if values.get("transfer-encoding") == "chunked":
        return ChunkedDataReader(io.BytesIO(payload), decomp_type=encoding).read(), encoding is not None
    if encoding:
        return BufferedReader(io.BytesIO(payload), decomp_type=encoding).read(), True
    return payload, False


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
        self.lock = threading.Lock()
        for path in self.files:
            self._index(path)

    # -- building -----------------------------------------------------------------------------

    def _index(self, path: Path) -> None:
        skipped = dict(self.skipped)
        try:
            handle: BinaryIO = open(path, "rb")
            self._scan(handle, len(self.sources))
        except ArchiveLoadFailed as exc:
            if "non-chunked gzip" not in str(exc):
                raise ArchiveError(f"{path}: not a WARC file: {exc}") from exc
            # gzip over the whole file, not per record: no record can be sought in it; read it
            # uncompressed into memory instead
            handle.close()
            self._drop_source(len(self.sources))
            self.skipped = skipped
            with gzip.open(path, "rb") as f:
                handle = io.BytesIO(f.read())
            self._scan(handle, len(self.sources))
        self.sources.append(handle)

    def _drop_source(self, source: int) -> None:
        for key in list(self.captures):
            self.captures[key] = [c for c in self.captures[key] if c.source != source]
        self.by_uri_date = {k: c for k, c in self.by_uri_date.items() if c.source != source}
        self.by_digest = {k: c for k, c in self.by_digest.items() if c.source != source}

    def _skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def _scan(self, handle: BinaryIO, source: int) -> None:
        records = ArchiveIterator(handle)
        warc = 0
        for record in records:
            if not str(record.format).startswith("warc"):
                raise ArchiveLoadFailed(f"a {record.format} record, not a WARC record")
            warc += 1
            kind = record.rec_type
            if kind not in PAGE_TYPES:
                self._skip(kind or "unknown")
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI")
            date = record.rec_headers.get_header("WARC-Date")
            http = record.http_headers
            if not uri or not date or http is None or not http.get_statuscode().isdigit():
                self._skip("not_http")
                continue
            offset = records.get_record_offset()
            live = self.to_live(uri.strip("<>"))
            refers = record.rec_headers.get_header("WARC-Refers-To-Target-URI")
            capture = Capture(
                url=live, date=date, status=int(http.get_statuscode()), source=source, offset=offset,
                revisit=kind == "revisit", refers_url=self.to_live(refers) if refers else None,
                refers_date=record.rec_headers.get_header("WARC-Refers-To-Date"),
                digest=record.rec_headers.get_header("WARC-Payload-Digest"))
            self.captures.setdefault(url_key(live), []).append(capture)
            if not capture.revisit:
                self.by_uri_date[(url_key(live), date)] = capture
                if capture.digest:
                    self.by_digest.setdefault(capture.digest, capture)
        if not warc:
            raise ArchiveLoadFailed("no WARC record in it")

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

    def _payload_of(self, capture: Capture) -> Capture | None:
        """The response record holding a capture's body (itself, or what a revisit refers to)."""
        if not capture.revisit:
            return capture
        if capture.refers_url and capture.refers_date:
            found = self.by_uri_date.get((url_key(capture.refers_url), capture.refers_date))
            if found is not None:
                return found
        return self.by_digest.get(capture.digest) if capture.digest else None

    def answer(self, url: str) -> Answer | None:
        capture = self.latest(url)
        if capture is None:
            return None
        payload = self._payload_of(capture)
        if payload is None:  # a revisit whose original is not in these archives
            return None
        status, headers, body = self.read(payload)
        if capture.revisit:
            status = capture.status
        return Answer(url=url, status=status, headers=headers, body=body, captured=capture.moment)

    def read(self, capture: Capture) -> tuple[int, list[tuple[str, str]], bytes]:
        """Status, headers and decoded body of a response record (framing headers replaced)."""
        with self.lock:
            handle = self.sources[capture.source]
            handle.seek(capture.offset)
            record = next(iter(ArchiveIterator(handle, no_record_parse=True)))
            block = record.raw_stream.read()
        status, headers, payload = split_http(block)
        body, decoded = decode_payload(payload, headers)
        headers = [(k, v) for k, v in headers
                   if k.lower() not in FRAMING or (k.lower() == "content-encoding" and not decoded)]
        headers.append(("Content-Length", str(len(body))))
        return status, headers, body

    def close(self) -> None:
        for handle in self.sources:
            handle.close()


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


class ArchiveDownloadHandler(BaseDownloadHandler):
    """http/https answered from archives (settings ARCHIVE_SOURCES, MIRROR_MAP): no network.

    Each answer's capture time goes into the request's meta (crawler.archive.CAPTURED_AT), so
    an item's crawled_at is the capture time of its page."""

    lazy = False

    def __init__(self, crawler):
        super().__init__(crawler)
        self.index = shared_index(crawler.settings.getlist("ARCHIVE_SOURCES"),
                                  crawler.settings.get("MIRROR_MAP"))

    async def download_request(self, request: Request) -> Response:
        from crawler.archive import CAPTURED_AT
        from crawler.interrupt import refuse_if_held

        refuse_if_held(self.crawler, request)  # a stopping run reads nothing more

        answer = self.index.answer(request.url)
        stats = self.crawler.stats
        if answer is None:
            if stats is not None:
                stats.inc_value("archive/missing")
            logger.info("not in the archive: %s (answering 404)", request.url)
            headers = Headers({"Content-Type": "text/html; charset=utf-8"})
            return responsetypes.from_args(headers=headers, url=request.url, body=MISSING_BODY)(
                url=request.url, status=404, headers=headers, body=MISSING_BODY, request=request)
        if stats is not None:
            stats.inc_value("archive/answered")
        request.meta[CAPTURED_AT] = answer.captured
        headers = Headers()
        for name, value in answer.headers:
            headers.appendlist(name, raw_header(value))
        cls = responsetypes.from_args(headers=headers, url=request.url, body=answer.body)
        return cls(url=request.url, status=answer.status, headers=headers, body=answer.body,
                   request=request, protocol="HTTP/1.1")
