"""One item per canonical URL and one per identical content (title and body) of a site, in a run."""
from __future__ import annotations

import hashlib

from pipelines.base import SitePipeline


def content_key(item) -> str:
    text = f"{item.get('title') or ''}\n{item.get('body') or ''}"
    return hashlib.sha256(text.encode()).hexdigest()


class DedupPipeline(SitePipeline):
    def open_spider(self):
        self.urls: set[str] = set()
        self.contents: set[str] = set()

    def process_item(self, item):
        if item.get("url") in self.urls:
            raise self.drop("duplicate_url", item)
        key = content_key(item) if item.get("title") or item.get("body") else None
        if key is not None and key in self.contents:
            raise self.drop("duplicate_content", item)
        self.urls.add(item.get("url"))
        self.contents.add(key)
        return item
