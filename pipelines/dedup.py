"""One item per canonical URL and one per identical content (title and body) of a site, in a run.

It runs after validation (settings.py), so every item here has its URL, title and body, and a
copy that validation dropped never makes a good copy of the same article a duplicate."""
from __future__ import annotations

from itemadapter import ItemAdapter

from crawler.state import content_hash
from crawler.urls import article_id
from pipelines.base import SitePipeline


class DedupPipeline(SitePipeline):
    def open_spider(self):
        self.urls: dict[str, str] = {}  # canonical URL → content of the item that has it
        self.contents: set[str] = set()

    def process_item(self, item):
        adapter = ItemAdapter(item)
        key = content_hash(item)
        if adapter["url"] in self.urls:
            fetched = adapter.get("fetched")
            if self.urls[adapter["url"]] == key or not fetched or fetched == adapter["url"] or fetched in self.urls:
                raise self.drop("duplicate_url", item)
            # Another article's page names the same canonical URL (an SEO plugin naming one page
            # for many): two articles never share an id, so this one keeps the URL it was fetched at.
            self.stats.inc_value("identity/canonical_shared")
            shared, adapter["url"], adapter["id"] = adapter["url"], fetched, article_id(adapter["site"], fetched)
            adapter["aliases"] = sorted({*(adapter.get("aliases") or ()), fetched} - {shared})
        if key in self.contents:
            raise self.drop("duplicate_content", item)
        self.urls[adapter["url"]] = key
        self.contents.add(key)
        return item
