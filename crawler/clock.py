"""The crawl's clock, and the time a page speaks for.

"Now" enters a crawl in a handful of places: the run's start (its name, the revisit window),
`crawled_at`, relative dates ("Бүгін, 10:15", "Кеше") and the "not after tomorrow" check, the
archive's record dates. They all take it from here, so that one setting moves them together:
`CRAWL_NOW` (an ISO 8601 moment; empty: the system clock) starts the run's clock at that moment,
from where it runs on at the pace of the monotonic clock. Tests set it, so that their verdict
never depends on the day they run.

A page that is a copy made earlier (a memento: an archive replayed, the demo's saved pages)
speaks for the moment it was captured, not for the moment it was fetched again: a replay
server says so with the `Memento-Datetime` header (RFC 7089, as Wayback and pywb send it), and
`page_time` prefers it. So a replayed crawl gives the items a crawl at capture time gave, on any
day, exactly as `extract` does with the `WARC-Date` of an archived page.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, Callable

__all__ = ["CRAWL_NOW", "MEMENTO_DATETIME", "Clock", "crawl_clock", "fixed_clock", "memento_datetime",
           "page_time", "parse_moment", "pause"]

#: the setting that starts the crawl's clock at a given moment (ISO 8601; empty: the system clock)
CRAWL_NOW = "CRAWL_NOW"
#: the response header of a memento: when the page it holds was captured (RFC 7089 §2.1.1)
MEMENTO_DATETIME = "Memento-Datetime"

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The system's present, in UTC."""
    return datetime.now(timezone.utc)


def parse_moment(text: str) -> datetime:
    """An ISO 8601 moment (`2026-12-04T06:00:00Z`, `2026-12-04`); UTC when it names no offset."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def fixed_clock(start: datetime, monotonic: Callable[[], float] = time.monotonic) -> Clock:
    """A clock that reads `start` now and runs on from there (so that waits for the next second,
    e.g. for an unused run name, still end)."""
    origin = monotonic()

    def now() -> datetime:
        return start + timedelta(seconds=monotonic() - origin)

    return now


def crawl_clock(settings: Any) -> Clock:
    """The clock a run's settings ask for: `CRAWL_NOW` when set, else the system clock.
    Raises ValueError for a value that is not an ISO 8601 moment."""
    value = settings.get(CRAWL_NOW) if settings is not None else None
    if not value:
        return system_clock
    return fixed_clock(value if isinstance(value, datetime) else parse_moment(str(value)))


def memento_datetime(moment: datetime) -> str:
    """The `Memento-Datetime` value of a capture time: an HTTP date (`Thu, 03 Dec 2026 20:24:07 GMT`)."""
    return format_datetime(moment.astimezone(timezone.utc).replace(microsecond=0), usegmt=True)


def page_time(headers: Any, fetched: datetime | None, now: Clock) -> datetime:
    """The moment a page speaks for: its `Memento-Datetime` when it is a copy made earlier, else
    when it was fetched (the archive's record time), else now. In UTC, whole seconds."""
    raw = headers.get(MEMENTO_DATETIME) if headers is not None else None
    moment = None
    if raw:
        try:
            moment = parsedate_to_datetime(raw.decode("latin-1") if isinstance(raw, bytes) else raw)
        except (TypeError, ValueError, IndexError):
            moment = None  # a header that names no date: the page is taken as fetched
        if moment is not None and moment.tzinfo is None:
            moment = None
    moment = moment or fetched or now()
    return moment.astimezone(timezone.utc).replace(microsecond=0)


def pause(seconds: float) -> None:
    """Wait `seconds` (relative to now, on the monotonic clock). Not `time.sleep`: since Python
    3.11 it sleeps until an absolute CLOCK_MONOTONIC deadline (clock_nanosleep, TIMER_ABSTIME),
    which libfaketime, the tool that runs the suite on shifted calendars, turns into EINVAL; a
    timed wait on an event waits the same and works under any clock."""
    if seconds > 0:
        threading.Event().wait(seconds)
