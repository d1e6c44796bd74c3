"""One item per canonical URL and one per identical content (title and body) of a site, in a run."""
from __future__ import annotations

from crawler.state import content_hash
from pipelines.base import SitePipeline


class DedupPipeline(SitePipeline):
    def open_spider(self):
        self.urls: set[str] = set()
        self.contents: set[str] = set()

    def process_item(self, item):
        if item.get("url") in self.urls:
            raise self.drop("duplicate_url", item)
        # an item with neither title nor body is left to validation, not called a duplicate
        if item.get("title") or item.get("body"):
            key = content_hash(item)
            if key in self.contents:
                raise self.drop("duplicate_content", item)
            self.contents.add(key)
        self.urls.add(item.get("url"))
        return item
