"""Publication dates: the printed text, the site's language and clock → ISO 8601 with offset.

Unreadable, conflicting and implausible dates are counted (dates/<reason>) and left empty;
validation then drops the item, so a wrong date is never stored. A printed weekday that
disagrees with the date is counted (dates/weekday_mismatch) but the date is kept: real pages
print a wrong weekday now and then.
"""
from __future__ import annotations

from datetime import datetime

from itemadapter import ItemAdapter

from crawler.dates import DateError, read_date
from pipelines.base import SitePipeline, logger


def _stat(reason: str) -> str:
    return "dates/" + reason.replace(" ", "_")


class DatePipeline(SitePipeline):
    def process_item(self, item):
        adapter = ItemAdapter(item)
        raw = adapter.get("date_raw")
        crawled = datetime.fromisoformat(adapter["crawled_at"])  # Python 3.11 reads the "Z"
        try:
            reading = read_date(raw or "", self.spider.language, self.spider.timezone, now=crawled)
        except DateError as exc:
            self.stats.inc_value(_stat(exc.reason))
            logger.warning("no publication date for %s: %s", adapter.get("url"), exc)
            adapter["published_at"] = None
        else:
            for note in reading.notes:
                self.stats.inc_value(_stat(note))
                logger.info("%s for %s: %r", note, adapter.get("url"), raw)
            adapter["published_at"] = reading.moment.isoformat()
        return item
