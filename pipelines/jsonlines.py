"""JSON Lines output: each item goes to the run's sink (crawler.output), which writes it atomically.

A site's lines are put in place only when its crawl finished normally; a crawl cut short
(shutdown, closespider limits) is discarded, so the state never believes a half-walked
archive was written and the next run picks up everything.
"""
from __future__ import annotations

from scrapy import signals

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
            self.sink.write(item)
            self.stats.inc_value("output/lines")
        return item

    def spider_closed(self, spider, reason):
        if self.sink is None:
            return
        if reason == "finished":
            self.sink.site_done(spider.name, getattr(spider, "links", None))
        else:
            logger.warning("%s ended early (%s): its lines of this run are not kept", spider.name, reason)
            self.sink.site_failed(spider.name)
