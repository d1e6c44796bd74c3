"""Save a site as it answers, page by page, into a folder `crawler.replay` can serve again.

`python -m crawler snapshot SITE --mirror MAP --into DIR` runs the real spider and records
every response it receives, redirects and errors included (the last answer per URL wins, so a
page that failed once and then answered is saved as it answered). This is how the test
fixtures were made, and how an operator keeps a local copy of a site to replay.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals

from crawler.replay import page_key

KEPT_HEADERS = ("Location",)


class SnapshotRecorder:
    """Downloader middleware (next to the downloader) that writes each raw response to a folder."""

    def __init__(self, folder: Path, origin: str):
        self.folder = folder
        self.origin = origin
        self.pages: dict[str, dict] = {}
        self.folder.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_crawler(cls, crawler):
        folder = Path(crawler.settings["SNAPSHOT_DIR"])
        recorder = cls(folder, crawler.spidercls.origin)
        crawler.signals.connect(recorder.save_index, signal=signals.spider_closed)
        return recorder

    def process_response(self, request, response, spider=None):
        parts = urlsplit(response.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        key = page_key(target)
        name = self.pages.get(key, {}).get("file") or f"{len(self.pages):04d}.body"
        (self.folder / name).write_bytes(response.body)
        headers = {h: response.headers.get(h).decode("latin-1") for h in KEPT_HEADERS if response.headers.get(h)}
        ctype = response.headers.get("Content-Type")
        self.pages[key] = {"file": name, "status": response.status,
                           "content_type": ctype.decode("latin-1") if ctype else None, "headers": headers}
        return response

    def save_index(self, spider=None):
        index = {"origin": self.origin, "pages": dict(sorted(self.pages.items()))}
        (self.folder / "pages.json").write_text(json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8")
