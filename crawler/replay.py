"""Serve saved copies of sites on loopback, the way the live sites answered.

A site copy is a folder of WARC files (`*.warc.gz`, as `crawl --archive-dir` and `snapshot`
write them; one origin per folder): the pages are kept one way, as web archives, and served
from them through the same index `extract` reads (crawler.warc_source), the latest capture of
a URL answering. Each site gets its own port; the server's `mirror` is the map {live origin:
local base URL}. Faults can be added per path for fault tests: {"status": 500, "times": 1},
{"delay": 1.5}, {"reset": true}, {"truncate": 0.5}, {"status": 301, "headers": {"Location":
...}}, another body {"body": b"...", "content_type": "application/pdf"}, or the page sent
`{"gzip": true}` (Content-Encoding) and/or `{"chunked": true}` (Transfer-Encoding). Used by the demo, the
end-to-end tests and the benchmark.

A saved page is served as the memento it is: with `Memento-Datetime` (RFC 7089), its capture time,
so that a crawl of the copy resolves relative dates ("Бүгін, 10:15") and stamps `crawled_at` as a
crawl at capture time did (crawler.clock.page_time), on any day, the same as `extract` reads the
archive itself.

`python -m crawler.replay convert DIR ...` turns folders in the former format (`pages.json` and
body files) into `pages.warc.gz`, checks that every page reads back the same, and removes them.
"""
from __future__ import annotations

import argparse
import gzip
import json
import socket
import struct
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable

from crawler.clock import MEMENTO_DATETIME, memento_datetime, pause
from crawler.urls import drop_tracking
from crawler.warc_source import Answer, ArchiveIndex, origin_of, page_key, raw_header, url_key

__all__ = ["ReplayServer", "SiteCopy", "SiteCopyError", "convert", "edited_copy", "page_key", "write_copy"]

#: headers the server sets itself: not served twice from the recording
SERVER_HEADERS = {"date", "server", "content-length", "connection", "keep-alive"}


class SiteCopyError(ValueError):
    """A folder that holds no readable site copy."""


@dataclass
class SiteCopy:
    root: Path
    origin: str
    index: ArchiveIndex
    faults: dict[str, dict[str, Any]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: serve pages as mementos (`Memento-Datetime`: their capture time); False: as a live site
    #: answers, pages of the present
    memento: bool = True

    @classmethod
    def load(cls, folder: str | Path, faults: dict[str, dict[str, Any]] | None = None,
             memento: bool = True) -> SiteCopy:
        folder = Path(folder)
        index = ArchiveIndex([folder]) if folder.is_dir() else None
        if index is None or not index.files:
            hint = " (pages.json: convert it with `python -m crawler.replay convert`)" \
                if (folder / "pages.json").is_file() else ""
            raise SiteCopyError(f"no WARC files in {folder}{hint}")
        origins = sorted(index.origins())
        if len(origins) != 1:
            raise SiteCopyError(f"a site copy holds one origin; {folder} holds {origins or 'none'}")
        return cls(folder, origins[0], index, {page_key(p): dict(v) for p, v in (faults or {}).items()},
                   memento=memento)

    @property
    def pages(self) -> dict[str, dict[str, Any]]:
        """Every captured path (page_key spelling) and the status its latest capture answers."""
        out = {}
        for key in self.index.captures:
            capture = self.index.latest(key)
            if capture is not None:
                out[key[len(origin_of(key)):]] = {"status": capture.status}
        return out

    def answer(self, target: str) -> Answer | None:
        return self.index.answer(self.origin + target)

    def lookup(self, target: str) -> tuple[str, Answer | None]:
        """The fault key of a request target, and the page that answers it (None: not saved)."""
        key = page_key(target)
        if url_key(self.origin + target) not in self.index.captures:
            key = page_key(drop_tracking(target))
        return key, self.answer(target)

    def fault(self, key: str) -> dict[str, Any]:
        with self.lock:
            self.requests.append(key)
            fault = self.faults.get(key)
            if not fault:
                return {}
            self.hits[key] = n = self.hits.get(key, 0) + 1
        return {} if "times" in fault and n > fault["times"] else fault


def _handler(site: SiteCopy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            key, page = site.lookup(self.path)
            fault = site.fault(key)
            if fault.get("delay"):
                pause(float(fault["delay"]))
            if fault.get("reset"):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return
            if fault.get("status"):
                self._send(int(fault["status"]), [("Content-Type", "text/html")], b"<h1>error</h1>",
                           list((fault.get("headers") or {}).items()))
                return
            if fault.get("body") is not None:  # a fault that replaces the page with other bytes
                body = fault["body"].encode("latin-1") if isinstance(fault["body"], str) else fault["body"]
                self._send(fault.get("code", 200), [("Content-Type", fault.get("content_type", "text/html"))],
                           body, [])
                return
            if page is None:
                self._send(404, [("Content-Type", "text/html; charset=utf-8")],
                           b"<html><body>404 Not Found</body></html>", [])
                return
            # latin-1 text, the recorded bytes: http.server sends them as they were
            headers = [(k, v) for k, v in page.headers if k.lower() not in SERVER_HEADERS]
            if site.memento and not any(k.lower() == MEMENTO_DATETIME.lower() for k, _ in headers):
                # a saved page speaks for its capture time (crawler.clock.page_time)
                headers.append((MEMENTO_DATETIME, memento_datetime(page.captured)))
            if fault.get("truncate"):
                self.send_response(page.status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                self.wfile.write(page.body[: int(len(page.body) * float(fault["truncate"]))])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            body = page.body
            if fault.get("gzip"):  # compressed on the wire, as many servers answer
                body = gzip.compress(body)
                headers.append(("Content-Encoding", "gzip"))
            if fault.get("chunked"):  # no length announced: chunked transfer encoding
                self.send_response(page.status)
                for name, value in headers + [("Transfer-Encoding", "chunked")]:
                    self.send_header(name, value)
                self.end_headers()
                for start in range(0, len(body), 4096):
                    chunk = body[start:start + 4096]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
                return
            self._send(page.status, headers, body, [])

        def _send(self, status: int, headers: list[tuple[str, str]], body: bytes,
                  extra: list[tuple[str, str]]) -> None:
            self.send_response(status)
            for name, value in headers + extra:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops the connections a crawl opens at once beyond it,
    # and a dropped connection is tried again only after a second (TCP's first SYN retry)
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer (a killed crawl, a timeout test) is no server error."""
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class ReplayServer:
    """Site copies served on free loopback ports until `close()` (or the end of a `with`)."""

    def __init__(self, sites: list[SiteCopy]):
        self.sites = sites
        self.servers: list[ThreadingHTTPServer] = []
        self.mirror: dict[str, str] = {}

    def __enter__(self) -> ReplayServer:
        for site in self.sites:
            server = _QuietServer(("127.0.0.1", 0), _handler(site))
            self.servers.append(server)
            self.mirror[site.origin] = f"http://127.0.0.1:{server.server_address[1]}"
            # a short poll: closing waits up to one poll interval per site (0.5 s by default)
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def write_map(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.mirror, indent=1), encoding="utf-8")
        return path

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def __exit__(self, *exc: Any) -> None:
        self.close()


# -- the former format -------------------------------------------------------------------------

ARCHIVE_NAME = "pages.warc.gz"


Header = tuple[str, "str | bytes"]


def write_copy(folder: str | Path, origin: str, pages: Iterable[tuple[str, int, list[Header], bytes]],
               captured: datetime | None = None, name: str = ARCHIVE_NAME) -> Path:
    """A site copy from pages (path, status, headers, body): `folder/pages.warc.gz`, one response
    and request record per page, captured at `captured` (default now). Header values in bytes are
    recorded as they are, text as UTF-8."""
    from scrapy.http import Headers, Request, Response
    from w3lib.url import safe_url_string

    from crawler.archive import ArchiveFile

    folder = Path(folder)
    when = captured or datetime.now(timezone.utc)
    archive = ArchiveFile(folder / name, folder.name, "copy")
    for key, status, headers, body in pages:
        url = safe_url_string(origin.rstrip("/") + key)
        recorded = Headers()
        for header, value in headers:
            recorded.appendlist(header, value)
        archive.add(Request(url), Response(url, status=status, headers=recorded, body=body), when)
    return archive.commit()


def edited_copy(source: str | Path, folder: str | Path, edit: Callable[[str, bytes], bytes],
                captured: datetime | None = None) -> Path:
    """A copy of a site copy whose HTML pages (status 200) went through `edit(path, body)`,
    captured at `captured` (default: the source's latest capture, so that the copy's pages speak
    for the same moment on any day)."""
    copy = SiteCopy.load(source)
    if captured is None:
        times = [a.captured for a in map(copy.answer, copy.pages) if a is not None and a.captured]
        captured = max(times) if times else None

    def pages() -> Iterable[tuple[str, int, list[Header], bytes]]:
        for key in sorted(copy.pages):
            page = copy.answer(key)
            assert page is not None
            body = page.body
            if page.status == 200 and "html" in (page.header("Content-Type") or "text/html"):
                body = edit(key, body)
            # (the recorder writes Content-Length of the body it records, whatever the headers say)
            yield key, page.status, [(k, raw_header(v)) for k, v in page.headers], body

    return write_copy(folder, copy.origin, pages(), captured=captured)


def _header_bytes(value: str) -> bytes:
    """A pages.json header value: latin-1 text of the bytes received (as `snapshot` saved them),
    or text beyond latin-1 written by hand (UTF-8)."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def convert(folder: str | Path, captured: datetime | None = None) -> Path:
    """A `pages.json` folder → `pages.warc.gz` in it; the former files are removed once every
    page reads back from the archive with the same status, headers and body."""
    folder = Path(folder)
    spec = json.loads((folder / "pages.json").read_text(encoding="utf-8"))
    pages = spec["pages"]

    def recorded(page: dict[str, Any]) -> list[Header]:
        ctype = [("Content-Type", page["content_type"])] if page.get("content_type") else []
        return [(k, _header_bytes(v)) for k, v in ctype + list((page.get("headers") or {}).items())]

    path = write_copy(folder, spec["origin"], ((key, page["status"], recorded(page), (folder / page["file"]).read_bytes())
                                              for key, page in sorted(pages.items())), captured)
    copy = SiteCopy.load(folder)
    for key, page in pages.items():
        got = copy.answer(key)
        body = (folder / page["file"]).read_bytes()
        if got is None or got.status != page["status"] or got.body != body \
                or got.header("Content-Type") != page.get("content_type") \
                or any(raw_header(got.header(k) or "") != _header_bytes(v) for k, v in (page.get("headers") or {}).items()):
            copy.index.close()
            path.unlink()
            raise SiteCopyError(f"{folder}: {key} does not read back the same from {path.name}")
    copy.index.close()
    for page in pages.values():
        body = (folder / page["file"]).resolve()
        if body.parent == folder.resolve():  # bodies shared from elsewhere stay
            body.unlink(missing_ok=True)
    (folder / "pages.json").unlink()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.replay",
                                     description="site copies: convert the former pages.json format to WARC")
    sub = parser.add_subparsers(dest="command", required=True)
    conv = sub.add_parser("convert", help="pages.json folders (DIR or its subfolders) → pages.warc.gz")
    conv.add_argument("folders", nargs="+", type=Path, metavar="DIR")
    args = parser.parse_args(argv)
    done = 0
    for top in args.folders:
        for folder in [top, *sorted(p for p in top.iterdir() if p.is_dir())] if top.is_dir() else [top]:
            if (folder / "pages.json").is_file():
                print(f"{folder} → {convert(folder)}", file=sys.stderr)
                done += 1
    if not done:
        print("no pages.json folder found", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
