"""What every pipeline here shares: the crawler, its spider's site description, and counting drops."""
from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

logger = logging.getLogger("pipelines")


class SitePipeline:
    """Pipelines read and write items through `ItemAdapter`, as Scrapy's documentation does, so
    that they take every item type Scrapy supports (scrapy.Item, dict, dataclass, attrs objects),
    whatever a spider or a CMS adapter yields; they return the item they were given."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def spider(self) -> Any:
        return self.crawler.spider

    def drop(self, reason: str, item: Any, detail: str = "") -> DropItem:
        """Count under dropped/<reason>, log, and give the DropItem to raise."""
        self.stats.inc_value(f"dropped/{reason}")
        message = f"{reason}: {ItemAdapter(item).get('url')}" + (f" ({detail})" if detail else "")
        logger.info("dropped %s", message)
        return DropItem(message, log_level="INFO")
