"""Publication dates: the printed text, the site's language and clock → ISO 8601 with offset.

Unreadable, conflicting and implausible dates are counted (dates/<reason>) and left empty;
validation then drops the item, so a wrong date is never stored. A printed weekday that
disagrees with the date is counted (dates/weekday_mismatch) but the date is kept: real pages
print a wrong weekday now and then.

Where the page prints a date without a time and its markup carries the publication moment
(`published_moment`: a <time datetime>, a meta; set by the page class), the moment's time to
the second, on the site's clock, is taken on the printed day; where nothing is printed (no
date_raw, or date_raw is the moment itself), the moment on the site's clock. The moment never overrides a printed time.
"""
from __future__ import annotations

from datetime import datetime

from itemadapter import ItemAdapter

from crawler.dates import DateError, machine_moment, on_printed_day, read_date
from pipelines.base import SitePipeline, logger


def _stat(reason: str) -> str:
    return "dates/" + reason.replace(" ", "_")


def _moment(value: str | None, tz: str) -> datetime | None:
    """A machine moment on the site's clock; None when there is none or it is not one."""
    try:
        moment = machine_moment(value, tz) if value else None
    except ValueError:
        return None
    return moment if moment is not None and moment.year >= 1990 else None


class DatePipeline(SitePipeline):
    def process_item(self, item):
        adapter = ItemAdapter(item)
        raw = adapter.get("date_raw")
        crawled = datetime.fromisoformat(adapter["crawled_at"])  # Python 3.11 reads the "Z"
        tz = self.spider.timezone
        # not an output field: taken out so that it never enters fingerprints or lines
        stamp = adapter.pop("published_moment", None) if "published_moment" in adapter else None
        moment = _moment(stamp, tz)
        try:
            if moment is not None and (raw or "").strip() in ("", stamp.strip()):
                raise DateError("no printed date", raw or "")
            reading = read_date(raw or "", self.spider.language, tz, now=crawled)
        except DateError as exc:
            if moment is not None and (raw or "").strip() in ("", stamp.strip()) and moment <= crawled:
                adapter["published_at"] = moment.isoformat()
                self.stats.inc_value("dates/machine_moment_only")
                return item
            self.stats.inc_value(_stat(exc.reason))
            logger.warning("%s: no publication date for %s: %s", self.spider.name, adapter.get("url"), exc)
            adapter["published_at"] = None
        else:
            for note in reading.notes:
                self.stats.inc_value(_stat(note))
                logger.info("%s for %s: %r", note, adapter.get("url"), raw)
            published = reading.moment
            if moment is not None and not reading.timed:
                published = on_printed_day(published, stamp, tz)
                self.stats.inc_value("dates/time_from_markup")
            adapter["published_at"] = published.isoformat()
        return item
