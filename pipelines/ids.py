"""Canonical URL (the site's aliases applied) and the stable id derived from it."""
from __future__ import annotations

from itemadapter import ItemAdapter

from crawler.urls import article_id, canonical_url
from pipelines.base import SitePipeline


class IdPipeline(SitePipeline):
    def process_item(self, item):
        adapter = ItemAdapter(item)
        if adapter.get("url"):
            adapter["url"] = canonical_url(adapter["url"], self.spider.url_aliases)
            adapter["id"] = article_id(adapter["site"], adapter["url"])
            adapter["aliases"] = sorted({*(adapter.get("aliases") or ()), adapter["url"]})
        return item
