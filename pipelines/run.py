"""The run that writes a line: `run` is its name (its UTC start, as its output file, report and
archive are named), so that per `id` the line with the greatest `run` is the current one.

`crawled_at` cannot order lines: a re-extraction writes a corrected line with the same capture
time as the line it corrects. Run names never repeat and sort in run order (crawler.output)."""
from __future__ import annotations

from datetime import datetime

from itemadapter import ItemAdapter

from crawler.clock import crawl_clock
from crawler.output import run_name
from pipelines.base import SitePipeline


def this_run(setting: str | None, started: datetime) -> str:
    """The run's name: the CLI's (setting RUN_NAME), else one from the crawl's start (`scrapy crawl`)."""
    return setting or run_name(started)


class RunPipeline(SitePipeline):
    def open_spider(self):
        self.run = this_run(self.crawler.settings.get("RUN_NAME"), crawl_clock(self.crawler.settings)())

    def process_item(self, item):
        ItemAdapter(item)["run"] = self.run
        return item
