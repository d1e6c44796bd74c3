"""Canonical URL (the site's aliases applied) and the stable id derived from it."""
from __future__ import annotations

from crawler.urls import article_id, canonical_url
from pipelines.base import SitePipeline


class IdPipeline(SitePipeline):
    def process_item(self, item):
        if item.get("url"):
            item["url"] = canonical_url(item["url"], self.spider.url_aliases)
            item["id"] = article_id(item["site"], item["url"])
            item["aliases"] = sorted({*(item.get("aliases") or ()), item["url"]})
        return item
