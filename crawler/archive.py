"""Keep every page a crawl fetches: one WARC file per site per run, gzip per record.

`DIR/<site>/<run>.warc.gz` (ISO 28500, written with warcio): a `warcinfo` record naming the
crawler, its version and the run, then for every response the crawl receives (articles,
listings, robots.txt, redirects, errors) a `response` record and its `request` record, with the
live URL as WARC-Target-URI (the mirror handler already gave the response its live URL), the
fetch time as WARC-Date and payload digests.

The recorder is a downloader middleware next to the downloader (order 950), so it sees each
response as it came off the wire: before retries, redirects and HttpCompressionMiddleware
(590) decode anything. The body is recorded raw (still gzip when the server sent
`Content-Encoding: gzip`); Twisted has already undone chunked transfer encoding, so the
Transfer-Encoding header is dropped and Content-Length set to the recorded body, and headers and
body agree. Readers (crawler.warc_source, warcio, pywb) decode Content-Encoding themselves.

The file is written under a hidden temporary name and renamed into place when the site's crawl
closes, whatever the reason, so a run killed at any moment leaves no file under its final name
that is cut short; `salvage()` turns the complete records of such a leftover into an archive.
"""
from __future__ import annotations

import gzip
import io
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.http import Request, Response
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.clock import Clock, crawl_clock, system_clock
from crawler.output import PART, _fsync_dir, safe_name, temp_path

logger = logging.getLogger(__name__)

SOFTWARE = "library-news-crawler"
SUFFIX = ".warc.gz"
#: zlib level of each record's gzip member: 6 packs HTML within 1% of level 9 at a third of the CPU
GZIP_LEVEL = 6
#: meta key under which the recorder (live crawls) and the archive handler (extract) leave the
#: capture time of a response, so that an item's crawled_at is the WARC-Date of its page
CAPTURED_AT = "captured_at"
#: hop-by-hop and framing headers that describe the wire, not the recorded body
DROPPED_HEADERS = {b"transfer-encoding", b"content-length"}


def version() -> str:
    try:
        from importlib.metadata import version as dist_version

        return dist_version("library-news-crawler")
    except Exception:  # not installed as a distribution (a bare checkout)
        return "unknown"


def warc_date(moment: datetime) -> str:
    """WARC 1.0 date: UTC, whole seconds."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def archive_path(root: str | Path, site: str, run: str) -> Path:
    return Path(root) / safe_name(site) / f"{safe_name(run)}{SUFFIX}"


class RawHeaders(StatusAndHeaders):
    """HTTP headers written byte for byte as received (values held as latin-1 text, one character a
    byte): warcio would %-encode a non-ASCII value whole, `https%3A//…` for a UTF-8 Location."""

    def compute_headers_buffer(self, header_filter=None):
        self.headers_buff = self.to_str(header_filter).encode("latin-1") + b"\r\n"


def http_response_headers(response: Response) -> StatusAndHeaders:
    """Status line and headers as recorded: the body's own length, no transfer framing."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    headers = []
    for name, values in response.headers.items():
        if name.lower() in DROPPED_HEADERS:
            continue
        for value in values:
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
    headers.append(("Content-Length", str(len(response.body))))
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    return RawHeaders(f"{response.status} {reason}", headers, protocol=protocol)


#: request headers every request of a crawl sends alike (Scrapy's USER_AGENT and
#: DEFAULT_REQUEST_HEADERS): recorded once, in the warcinfo record (`http-header-user-agent`, as
#: WARC 1.1 names it, and `http-header-accept…` likewise), and in a request record only where a
#: request sent another value. They were a third of every request record.
COMMON_REQUEST_HEADERS = ("User-Agent", "Accept", "Accept-Language")


def common_request_headers(settings: Any) -> dict[str, str]:
    """The values of COMMON_REQUEST_HEADERS a crawl with these settings sends."""
    defaults = {k.lower(): str(v) for k, v in (settings.getdict("DEFAULT_REQUEST_HEADERS") or {}).items()}
    values = {"User-Agent": settings.get("USER_AGENT"), "Accept": defaults.get("accept"),
              "Accept-Language": defaults.get("accept-language")}
    return {name: str(value) for name, value in values.items() if value}


def http_request_headers(request: Request, common: dict[str, str] | None = None) -> StatusAndHeaders:
    """The request line and headers, but for those the warcinfo record gives once (`common`)."""
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [("Host", parts.netloc)]
    same = {k.lower(): v for k, v in (common or {}).items()}
    for name, values in request.headers.items():
        for value in values:
            key, text = name.decode("latin-1"), value.decode("latin-1")
            if same.get(key.lower()) != text or len(values) > 1:
                headers.append((key, text))
    # warcio takes the method for the "protocol" of a request line: the version goes in the line
    return RawHeaders(f"{request.method} {target} HTTP/1.1", headers, is_http_request=True)


class _Writer(WARCWriter):
    """No digests on request records: their block is a few header lines and their payload empty
    (the response beside them carries the digests that matter); kept minimal, as their headers."""

    def ensure_digest(self, record: Any, block: bool = True, payload: bool = True) -> None:
        if record.rec_type != "request":
            super().ensure_digest(record, block, payload)


@dataclass
class ArchiveFile:
    """One site's WARC file of one run, appended record by record, put in place by `commit()`.
    `common`: request headers every request sends alike, given once in the warcinfo record."""

    path: Path
    site: str
    run: str
    records: int = 0
    common: dict[str, str] | None = None

    def __post_init__(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = temp_path(self.path)
        self._file: BinaryIO | None = open(self.tmp, "wb")
        self._writer = _Writer(None, gzip=False)
        self._write(self._writer.create_warcinfo_record(self.path.name, {
            "software": f"{SOFTWARE}/{version()}",
            "format": "WARC File Format 1.0",
            "conformsTo": "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.0/",
            "isPartOf": f"{self.site}/{self.run}",
            "description": f"site {self.site}, run {self.run}",
            "robots": "obey",
            **{f"http-header-{name.lower()}": value for name, value in (self.common or {}).items()},
        }))

    def _write(self, record: Any) -> None:
        """One record as one gzip member, flushed: a kill loses at most the record being written."""
        buffer = io.BytesIO()
        self._writer.out = buffer
        self._writer.write_record(record)
        assert self._file is not None
        self._file.write(gzip.compress(buffer.getvalue(), compresslevel=GZIP_LEVEL))
        self._file.flush()
        self.records += 1

    def add(self, request: Request, response: Response, fetched: datetime) -> None:
        date = warc_date(fetched)
        resp = self._writer.create_warc_record(
            response.url, "response", payload=io.BytesIO(response.body), length=len(response.body),
            http_headers=http_response_headers(response), warc_headers_dict={"WARC-Date": date})
        req = self._writer.create_warc_record(
            response.url, "request", payload=io.BytesIO(request.body), length=len(request.body),
            http_headers=http_request_headers(request, self.common), warc_headers_dict={"WARC-Date": date})
        req.rec_headers.add_header("WARC-Concurrent-To", resp.rec_headers.get_header("WARC-Record-ID"))
        self._write(resp)
        self._write(req)

    def discard(self) -> None:
        """Storage failed: the temporary file goes (a partial archive never gets the final name)."""
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                pass
            self._file = None
        self.tmp.unlink(missing_ok=True)

    def commit(self) -> Path:
        """fsync and rename into place: the final name only ever holds a whole archive."""
        assert self._file is not None
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        os.replace(self.tmp, self.path)
        _fsync_dir(self.path.parent)
        return self.path


class ArchiveRecorder:
    """Downloader middleware (order 950) writing every response of a site's crawl to its archive.

    Settings: ARCHIVE_DIR (none: nothing is recorded), ARCHIVE_RUN (the run name) and
    ARCHIVE_SITE_FOLDERS (False: ARCHIVE_DIR/<run>.warc.gz, as `snapshot` saves a site copy)."""

    def __init__(self, root: Path, site: str, run: str, stats: Any = None, site_folders: bool = True,
                 common: dict[str, str] | None = None):
        path = archive_path(root, site, run) if site_folders else Path(root) / f"{safe_name(run)}{SUFFIX}"
        self.file = ArchiveFile(path, site, run, common=common)
        self.stats = stats
        self.failed: Exception | None = None
        self.crawler: Any = None
        self.clock: Clock = system_clock

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.exceptions import NotConfigured

        root = crawler.settings.get("ARCHIVE_DIR")
        if not root:
            raise NotConfigured  # without a message: Scrapy logs "Disabled …" at INFO, not WARNING
        clock = crawl_clock(crawler.settings)
        run = crawler.settings.get("ARCHIVE_RUN") or _now_run(clock)
        recorder = cls(Path(root), crawler.spidercls.name, run, crawler.stats,
                       crawler.settings.getbool("ARCHIVE_SITE_FOLDERS", True),
                       common_request_headers(crawler.settings))
        recorder.crawler, recorder.clock = crawler, clock
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        fetched = self.clock()
        request.meta[CAPTURED_AT] = fetched.replace(microsecond=0)
        if self.failed is not None:
            return response
        try:
            self.file.add(request, response, fetched)
        except OSError as exc:
            self._storage_failed("write the archive", exc)
            return response
        if self.stats is not None:
            self.stats.inc_value("archive/responses")
            self.stats.inc_value("archive/bytes", len(response.body))
        return response

    def spider_closed(self, spider: Any = None, reason: str = "finished", **_: Any) -> None:
        """Any close reason: an interrupted crawl keeps the archive of what it fetched. A site
        that never answered leaves no archive (a file of its warcinfo record alone)."""
        if self.failed is not None:
            return
        if self.file.records <= 1:
            self.file.discard()
            logger.info("nothing to archive: no response was received")
            return
        try:
            path = self.file.commit()
        except OSError as exc:
            self._storage_failed("put the archive in place", exc)
            return
        if self.stats is not None:
            self.stats.set_value("archive/file", str(path))
            self.stats.set_value("archive/file_bytes", path.stat().st_size)
        logger.info("archived %d records in %s", self.file.records, path)


    def _storage_failed(self, action: str, exc: OSError) -> None:
        """A full disk or a read-only file system under the archive: no partial archive is kept,
        and the run stops cleanly through its sink, as when the output cannot be written."""
        from crawler.output import StorageError

        self.failed = error = StorageError(action, self.file.path, exc)
        self.file.discard()
        if self.stats is not None:
            self.stats.inc_value("archive/failed")
        logger.error("%s", error)
        sink = getattr(getattr(self.crawler, "spider", None), "sink", None)
        if sink is not None and hasattr(sink, "fail"):
            sink.fail(error)


def _now_run(clock: Clock = system_clock) -> str:
    from crawler.output import run_name

    return run_name(clock())


def salvage(part: Path) -> Path | None:
    """A leftover temporary archive of a killed run → the archive of its complete records.

    Records are copied as they are up to the first one cut short; the result goes to the name the
    run would have given it (unless that exists). None when not one record was complete."""
    name = part.name
    if not (name.startswith(".") and name.endswith(PART) and SUFFIX in name):
        raise ValueError(f"not a temporary archive: {part}")
    final = part.with_name(name[1:name.index(SUFFIX) + len(SUFFIX)])
    good = 0
    with open(part, "rb") as f:
        try:
            records = ArchiveIterator(f)
            for record in records:
                record.content_stream().read()
                good = records.get_record_offset() + records.get_record_length()
        except Exception:  # the record cut short by the kill, whatever warcio or zlib make of it
            pass
    if good == 0 or final.exists():
        part.unlink()
        return None
    with open(part, "rb") as src, open(part.with_name(name + ".salvage"), "wb") as dst:
        dst.write(src.read(good))
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(part.with_name(name + ".salvage"), final)
    part.unlink()
    _fsync_dir(final.parent)
    return final


def writer_alive(part: Path) -> bool:
    """Whether the run that writes a temporary archive still runs: its pid is in the name
    (`temp_path`). A one-off run holds no lock, so another run may be writing beside it."""
    pid = part.name[: -len(PART)].rsplit(".", 1)[-1]
    if not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def salvage_all(root: str | Path, site: str) -> list[Path]:
    """Salvage the leftovers of killed runs of a site: those whose writer is no longer running."""
    folder = Path(root) / safe_name(site)
    saved = []
    for part in sorted(folder.glob(f".*{SUFFIX}.*{PART}")):
        if writer_alive(part):
            continue
        path = salvage(part)
        if path is not None:
            saved.append(path)
    return saved
