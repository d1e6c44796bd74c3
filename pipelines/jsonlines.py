"""JSON Lines output: each item goes to the run's sink (crawler.output), which writes it atomically.

A site's lines are put in place when its crawl ends, also when it ended early (an interrupt):
every line is a finished item, and the sink records that the walk was cut short (or skipped a
listing page that failed), so the next run walks on past the pages holding known articles. When storage failed, the sink has discarded
what it had not put in place and refuses further lines: they are not counted as written.
"""
from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import DropItem

from crawler.output import StorageError
from pipelines.base import SitePipeline, logger


class JsonLinesPipeline(SitePipeline):
    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    @property
    def sink(self):
        return getattr(self.spider, "sink", None)

    def process_item(self, item):
        if self.sink is not None:
            try:
                self.sink.write(item)
            except StorageError as exc:
                self.stats.inc_value("output/not_written")
                raise DropItem(f"not written: {exc}", log_level="DEBUG") from None
            self.stats.inc_value("output/lines")
        return item

    def spider_closed(self, spider, reason):
        if self.sink is None:
            return
        # a walk that skipped a listing page it could not fetch is not complete either: the next
        # run must not stop at known pages before it reaches the articles that page listed
        complete = reason == "finished" and not self.stats.get_value("skipped/listing_failed", 0)
        if not complete:
            logger.info("%s: walk not complete (%s): its finished items are kept, the next run walks on",
                        spider.name, reason if reason != "finished" else "a listing page failed")
        self.sink.site_done(spider.name, getattr(spider, "links", None), complete=complete)
