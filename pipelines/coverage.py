"""Field coverage, in the spirit of spidermon's monitors: how many extracted articles have each
field filled, counted before validation drops anything, so a layout change that empties a
field shows in the run report (and trips the broken-layout alarm) instead of passing silently."""
from __future__ import annotations

from itemadapter import ItemAdapter

from crawler.items import FIELDS
from pipelines.base import SitePipeline

COUNTED = tuple(f for f in FIELDS if f not in ("id", "site", "language", "crawled_at", "run"))


class CoveragePipeline(SitePipeline):
    def process_item(self, item):
        self.stats.inc_value("coverage/items")
        adapter = ItemAdapter(item)
        for name in COUNTED:
            value = adapter.get(name)
            if value not in (None, "", []):
                self.stats.inc_value(f"coverage/{name}")
        return item
