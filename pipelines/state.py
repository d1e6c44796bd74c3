"""Incremental runs: skip what earlier runs wrote unless it changed since, and what is too old.

Runs only when the spider was given a state (the CLI does, unless the run is one-off); with
--full the state is still written to but never consulted.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.state import content_hash, fingerprint
from pipelines.base import SitePipeline, logger


def older_capture(crawled_at: str, recorded: int | None) -> bool:
    """Whether an item comes from an older capture of its page than the version the state
    recorded (an extraction of an old archive): the past never overwrites the present. A
    recorded version without a capture time (recorded before the state kept one) is older."""
    return recorded is not None and datetime.fromisoformat(crawled_at).timestamp() < recorded


class IncrementalPipeline(SitePipeline):
    def open_spider(self):
        #: unchanged articles seen again, URL → capture time: the version recorded is confirmed
        #: as of this capture, so an older capture of it is not news (recorded at the end)
        self.confirmed: dict[str, str] = {}

    def close_spider(self):
        if self.confirmed and self.spider.is_incremental:
            try:
                self.spider.state.confirm(self.spider.name, self.confirmed)
            except sqlite3.Error as exc:  # storage failing: the run's sink reports it
                logger.warning("%s: could not note %d confirmed captures: %s", self.spider.name,
                               len(self.confirmed), exc)

    def process_item(self, item):
        since: datetime | None = getattr(self.spider, "since", None)
        adapter = ItemAdapter(item)
        if since is not None and datetime.fromisoformat(adapter["published_at"]) < since:
            raise self.drop("older_than_since", item)
        if not self.spider.is_incremental:
            return item
        state = self.spider.state
        known = state.known(adapter["site"], adapter["url"])
        if known is not None:
            if older_capture(adapter["crawled_at"], known["captured"]):
                self.stats.inc_value("skipped/older_capture")
                logger.info("skipped %s: captured %s, before the version recorded", adapter["url"],
                            adapter["crawled_at"])
                raise DropItem(f"older_capture: {adapter['url']}", log_level="INFO")
            if known["fingerprint"] == fingerprint(item):
                self.confirmed[known["url"]] = adapter["crawled_at"]
                raise self.drop("unchanged", item)
            self.stats.inc_value("incremental/changed")
            return item
        owner = state.content_owner(adapter["site"], content_hash(item))
        if owner is not None and owner != adapter["url"]:
            raise self.drop("duplicate_content", item, f"written before as {owner}")
        return item
