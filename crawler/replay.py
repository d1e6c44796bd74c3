"""Serve saved copies of sites on loopback, the way the live sites answered.

A site copy is a folder with `pages.json` ({"origin": ..., "pages": {path: {"file", "status",
"content_type", "headers"}}}) and the body files it names, as `crawler snapshot` saves them.
Each site gets its own port; `serve()` returns the mirror map {live origin: local base URL}.
Faults can be added per path for fault tests: {"status": 500, "times": 1}, {"delay": 1.5},
{"reset": true}, {"truncate": 0.5}, {"status": 301, "headers": {"Location": ...}}, or another
body {"body": b"...", "content_type": "application/pdf"}. Used by the demo, the end-to-end tests and the benchmark.
"""
from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from crawler.urls import drop_tracking


def page_key(target: str) -> str:
    """A request target in one spelling: percent-decoded path and query, no fragment."""
    parts = urlsplit(target)
    path = unquote(parts.path, errors="replace") or "/"
    return path + ("?" + unquote(parts.query, errors="replace") if parts.query else "")


@dataclass
class SiteCopy:
    root: Path
    origin: str
    pages: dict[str, dict[str, Any]]
    faults: dict[str, dict[str, Any]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, folder: str | Path, faults: dict[str, dict[str, Any]] | None = None) -> SiteCopy:
        folder = Path(folder)
        spec = json.loads((folder / "pages.json").read_text(encoding="utf-8"))
        pages = {page_key(p): v for p, v in spec["pages"].items()}
        return cls(folder, spec["origin"], pages, {page_key(p): dict(v) for p, v in (faults or {}).items()})

    def lookup(self, target: str) -> tuple[str, dict[str, Any] | None]:
        for key in (page_key(target), page_key(drop_tracking(target))):
            if key in self.pages:
                return key, self.pages[key]
        return page_key(target), None

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
                time.sleep(float(fault["delay"]))
            if fault.get("reset"):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return
            if fault.get("status"):
                self._send(int(fault["status"]), "text/html", b"<h1>error</h1>", fault.get("headers") or {})
                return
            if fault.get("body") is not None:  # a fault that replaces the page with other bytes
                self._send(fault.get("code", 200), fault.get("content_type", "text/html"),
                           fault["body"].encode("latin-1") if isinstance(fault["body"], str) else fault["body"], {})
                return
            if page is None:
                self._send(404, "text/html; charset=utf-8", b"<html><body>404 Not Found</body></html>", {})
                return
            body = (site.root / page["file"]).read_bytes()
            if fault.get("truncate"):
                self.send_response(page["status"])
                self.send_header("Content-Type", page.get("content_type") or "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: int(len(body) * float(fault["truncate"]))])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self._send(page["status"], page.get("content_type"), body, page.get("headers") or {})

        def _send(self, status: int, ctype: str | None, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer (a killed crawl, a timeout test) is no server error."""
        import sys

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
            threading.Thread(target=server.serve_forever, daemon=True).start()
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
