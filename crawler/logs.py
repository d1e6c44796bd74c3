"""Logs that fit cron: an expected network failure is one line naming the site, not a traceback.

DNS failures, refused or reset connections, timeouts and TLS errors are the weather of a crawl,
not bugs. Scrapy's robots.txt middleware logs them at ERROR with the whole exception chain
(about 90 lines for one unreachable site); the filter here turns such a record into one WARNING
line. Anything else keeps its traceback: that is a bug to see.
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"


def network_errors() -> tuple[type[BaseException], ...]:
    """The exception types of expected network failures."""
    from twisted.internet import error
    from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

    types: list[type[BaseException]] = [
        error.DNSLookupError, error.ConnectError, error.TimeoutError, error.ConnectionLost,
        error.ConnectionDone, ResponseFailed, ResponseNeverReceived, ConnectionError, TimeoutError]
    try:
        from OpenSSL.SSL import Error as TLSError
        types.append(TLSError)
    except ImportError:  # pragma: no cover - Scrapy depends on pyOpenSSL
        pass
    return tuple(types)


def describe(exc: BaseException) -> str:
    """One line for a network failure: the innermost reason, without the object soup."""
    reasons = getattr(exc, "reasons", None)
    if reasons:  # ResponseFailed / ResponseNeverReceived wrap twisted Failures
        inner = getattr(reasons[0], "value", reasons[0])
        if isinstance(inner, BaseException):
            return describe(inner)
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if type(exc).__name__ in text else f"{type(exc).__name__}: {text}"


class ExpectedFailureFilter(logging.Filter):
    """Rewrites a record carrying an expected network failure into one WARNING line."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or not isinstance(exc, network_errors()):
            return True
        spider = getattr(record, "spider", None)
        site = getattr(spider, "name", None) or "?"
        request = record.args.get("request") if isinstance(record.args, dict) else None
        parts = urlsplit(getattr(request, "url", ""))
        url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        record.msg = "%s: robots.txt cannot be fetched for %s (%s); crawling on without it"
        record.args = (site, url, describe(exc))
        record.exc_info = record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def quiet_expected_failures() -> None:
    """Install the filter (after Scrapy configured logging; installing twice does no harm)."""
    logger = logging.getLogger(ROBOTS_LOGGER)
    if not any(isinstance(f, ExpectedFailureFilter) for f in logger.filters):
        logger.addFilter(ExpectedFailureFilter())
