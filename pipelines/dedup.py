"""One item per canonical URL and one per identical content (title and body) of a site, in a run.

It runs after validation (settings.py), so every item here has its URL, title and body, and a
copy that validation dropped never makes a good copy of the same article a duplicate."""
from __future__ import annotations

from itemadapter import ItemAdapter

from crawler.state import content_hash
from pipelines.base import SitePipeline


class DedupPipeline(SitePipeline):
    def open_spider(self):
        self.urls: set[str] = set()
        self.contents: set[str] = set()

    def process_item(self, item):
        url = ItemAdapter(item)["url"]
        if url in self.urls:
            raise self.drop("duplicate_url", item)
        key = content_hash(item)
        if key in self.contents:
            raise self.drop("duplicate_content", item)
        self.urls.add(url)
        self.contents.add(key)
        return item
