"""The mirror map: crawl a live origin from a local copy while every item keeps its live URL.

The map is a JSON object {"https://live.origin": "http://127.0.0.1:PORT"}. The rewrite happens in
the download handler, the last step before the wire, so the scheduler, the dupefilter, robots.txt,
redirects (Location headers on the live origin), retries, spiders and items all see live URLs only.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Request, Response


class MirrorMapError(ValueError):
    """The mirror map file is missing or not a map of origins to base URLs."""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class MirrorMap:
    def __init__(self, mapping: dict[str, str] | None = None):
        self._map = {_origin(live): mirror.rstrip("/") for live, mirror in (mapping or {}).items()}

    @classmethod
    def load(cls, path: str | Path) -> MirrorMap:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise MirrorMapError(f"cannot read mirror map {path}: {exc}") from exc
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and urlsplit(k).netloc and urlsplit(v).netloc
            for k, v in data.items()
        ):
            raise MirrorMapError(f"mirror map {path} must be a JSON object of origin → base URL")
        return cls(data)

    def __bool__(self) -> bool:
        return bool(self._map)

    def to_mirror(self, url: str) -> str:
        """The URL to fetch for a live URL; unmapped URLs are fetched as they are."""
        base = self._map.get(_origin(url))
        if base is None:
            return url
        parts = urlsplit(url)
        rest = parts.path or "/"
        if parts.query:
            rest += "?" + parts.query
        return base + rest

    def to_live(self, url: str) -> str:
        """The live URL for a URL on a mirror (an archive made through the mirror); others as they are."""
        for live, base in self._map.items():
            if url == base or url.startswith(base + "/") or url.startswith(base + "?"):
                rest = url[len(base):]
                return live + (rest if rest.startswith("/") else "/" + rest)
        return url


class MirrorDownloadHandler(HTTP11DownloadHandler):
    """HTTP(S) download handler that fetches mapped origins from their mirrors (setting MIRROR_MAP)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        path = crawler.settings.get("MIRROR_MAP")
        self.mirror = MirrorMap.load(path) if path else MirrorMap()
        self.run_crawler = crawler

    async def download_request(self, request: Request) -> Response:
        from crawler.interrupt import refuse_if_held

        refuse_if_held(self.run_crawler, request)  # a stopping run sends nothing more
        target = self.mirror.to_mirror(request.url)
        if target == request.url:
            return await super().download_request(request)
        response = await super().download_request(request.replace(url=target))
        return response.replace(url=request.url, request=request)
