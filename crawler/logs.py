"""Logs that fit cron: an expected network failure is one line naming the site, not a traceback.

DNS failures, refused or reset connections, timeouts and TLS errors are the weather of a crawl,
not bugs, and the run report counts them. Scrapy's robots.txt middleware logs them at ERROR with
the whole exception chain (about 90 lines for one unreachable site), and its retry middleware
logs each request it gave up on at ERROR; the filters here turn such records into one WARNING
line naming the site. Anything else keeps its level and traceback: that is a bug to see.
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"
RETRY_LOGGER = "scrapy.downloadermiddlewares.retry"


def network_errors() -> tuple[type[BaseException], ...]:
    """The exception types of expected network failures."""
    from scrapy import exceptions
    from twisted.internet import error
    from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

    types: list[type[BaseException]] = [
        error.DNSLookupError, error.ConnectError, error.TimeoutError, error.ConnectionLost,
        error.ConnectionDone, ResponseFailed, ResponseNeverReceived, ConnectionError, TimeoutError]
    for name in ("CannotResolveHostError", "DownloadConnectionRefusedError", "DownloadTimeoutError",
                 "DownloadFailedError", "ResponseDataLossError"):  # Scrapy ≥ 2.14 wraps Twisted's
        if hasattr(exceptions, name):
            types.append(getattr(exceptions, name))
    try:
        from OpenSSL.SSL import Error as TLSError
        types.append(TLSError)
    except ImportError:  # pragma: no cover - Scrapy depends on pyOpenSSL
        pass
    return tuple(types)


def _site(record: logging.LogRecord) -> str:
    return getattr(getattr(record, "spider", None), "name", None) or "?"


def _one_line(record: logging.LogRecord, message: str, *args: object) -> None:
    record.msg, record.args = message, args
    record.exc_info = record.exc_text = None
    record.levelno, record.levelname = logging.WARNING, "WARNING"


class RobotsFailureFilter(logging.Filter):
    """robots.txt that cannot be fetched for an expected reason: one WARNING line."""

    def filter(self, record: logging.LogRecord) -> bool:
        from crawler.failures import SiteGivenUp, cause
        from crawler.interrupt import NotSent

        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, NotSent):  # robots.txt not asked for: the run is stopping
            return False
        if exc is not None and isinstance(exc, (*network_errors(), SiteGivenUp)):
            request = record.args.get("request") if isinstance(record.args, dict) else None
            parts = urlsplit(getattr(request, "url", ""))
            settings = getattr(getattr(record, "spider", None), "settings", None)
            timeout = settings.getfloat("DOWNLOAD_TIMEOUT") if settings is not None else None
            _one_line(record, "%s: robots.txt cannot be fetched from %s (%s); crawling on without it",
                      _site(record), f"{parts.scheme}://{parts.netloc}/robots.txt", cause(exc, timeout))
        return True


class GaveUpFilter(logging.Filter):
    """A request given up after its retries: counted in the report. A spider's request has its
    own line from its errback (`skipped URL (listing_failed): why`), so this one is left out;
    a request without an errback (robots.txt) gets one WARNING line here."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Gave up retrying") and isinstance(record.args, dict):
            from crawler.failures import cause

            request = record.args.get("request")
            if getattr(request, "errback", None) is not None or urlsplit(getattr(request, "url", "")).path == "/robots.txt":
                return False  # the errback's line, or the robots.txt middleware's, says it
            reason = record.args.get("reason")
            timeout = getattr(request, "meta", {}).get("download_timeout")
            text = cause(reason, timeout) if isinstance(reason, BaseException) else str(reason)
            _one_line(record, "%s: gave up on %s after %s tries: %s", _site(record),
                      getattr(request, "url", "?"), record.args.get("retry_times"), text)
        return True


class DownloadHandlerFilter(logging.Filter):
    """The HTTP download handler's warnings name no site and the mirror's URL. "Got data loss in"
    and a page over DOWNLOAD_MAXSIZE: the request fails and gets its one line (site, live URL,
    cause) from the spider's errback, so they are left out. A page over DOWNLOAD_WARNSIZE is kept:
    INFO, not a warning that wakes anyone."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        if text.startswith("Got data loss in ") or "larger than download max size" in text:
            return False
        if "larger than download warn size" in text:
            record.levelno, record.levelname = logging.INFO, "INFO"
            return logging.getLogger(record.name).isEnabledFor(logging.INFO)
        return True


FILTERS = {ROBOTS_LOGGER: RobotsFailureFilter, RETRY_LOGGER: GaveUpFilter,
           "scrapy.core.downloader.handlers.http11": DownloadHandlerFilter,
           "scrapy.core.downloader.handlers._base_streaming": DownloadHandlerFilter}


def quiet_expected_failures() -> None:
    """Install the filters (after Scrapy configured logging; installing twice does no harm)."""
    for name, cls in FILTERS.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, cls) for f in logger.filters):
            logger.addFilter(cls())
