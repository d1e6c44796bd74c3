"""Publication dates: the printed text, the site's language and clock → ISO 8601 with offset.

Unreadable and implausible dates are counted (dates/<reason>) and left empty; validation then
drops the item, so a wrong date is never stored.
"""
from __future__ import annotations

from datetime import datetime

from crawler.dates import DateError, parse_date
from pipelines.base import SitePipeline, logger


class DatePipeline(SitePipeline):
    def process_item(self, item):
        raw = item.get("date_raw")
        crawled = datetime.fromisoformat(item["crawled_at"].replace("Z", "+00:00"))
        try:
            moment = parse_date(raw or "", self.spider.language, self.spider.timezone, now=crawled)
        except DateError as exc:
            self.stats.inc_value(f"dates/{exc.reason.replace(' ', '_')}")
            logger.warning("no publication date for %s: %s", item.get("url"), exc)
            item["published_at"] = None
        else:
            item["published_at"] = moment.isoformat()
        return item
