"""Why a request failed, in words an operator can act on, and a deadline for a silent site.

A failed night must say why: "DNS name not found", "connection refused", "timed out after 30 s",
"TLS handshake failed", "connection broken", "no answer within 60 s". The spider's errbacks count
each cause (`failure/<cause>`) and the run report names them for an unreachable site, instead of
"no answer at all".

A host that accepts connections and never answers would hold a run for every try of every
request (DOWNLOAD_TIMEOUT × tries, robots.txt first): `SilentSiteDeadline` gives such a site up
`SILENT_SITE_GIVE_UP` seconds (60) after its crawl began, as long as it has not answered once.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest


DEADLINE = "silent_site_deadline"  # request meta: its timeout was cut to the deadline's rest


class SiteGivenUp(IgnoreRequest):
    """The site has not answered a single request within SILENT_SITE_GIVE_UP seconds."""

    def __init__(self, seconds: float):
        super().__init__(f"no answer within {seconds:g} s, given up (SILENT_SITE_GIVE_UP)")
        self.seconds = seconds


def innermost(exc: BaseException) -> BaseException:
    """The error under Scrapy's and Twisted's wrappers (a cause, or the first reason of a
    ResponseFailed/ResponseNeverReceived)."""
    if isinstance(exc.__cause__, BaseException):
        return innermost(exc.__cause__)
    reasons = getattr(exc, "reasons", None)
    if reasons:
        inner = getattr(reasons[0], "value", reasons[0])
        if isinstance(inner, BaseException):
            return innermost(inner)
    return exc


def cause(exc: BaseException, timeout: float | None = None) -> str:
    """A network failure in a few words, without URLs or object soup (the log line names the
    site and the live URL itself)."""
    if isinstance(exc, SiteGivenUp):
        return str(exc)
    status = getattr(getattr(exc, "response", None), "status", None)
    if isinstance(status, int):  # HttpError: the site answered, with an error
        return f"HTTP {status}"
    inner = innermost(exc)
    names = {cls.__name__ for cls in type(inner).__mro__} | {cls.__name__ for cls in type(exc).__mro__}
    module = type(inner).__module__
    if names & {"DNSLookupError", "CannotResolveHostError"}:
        return "DNS name not found"
    if names & {"ConnectionRefusedError", "DownloadConnectionRefusedError"}:
        return "connection refused"
    if names & {"TimeoutError", "DownloadTimeoutError", "TCPTimedOutError", "UserTimeoutError"}:
        return f"timed out after {round(timeout, 1):g} s" if timeout else "timed out"
    if module.startswith("OpenSSL") or names & {"SSLError", "TLSError"}:
        return "TLS handshake failed"
    too_big = re.search(r"(\d+) bytes which is larger than download max size \((\d+)\)", str(inner))
    if too_big:
        return f"page of {too_big[1]} bytes, over DOWNLOAD_MAXSIZE ({too_big[2]})"
    if names & {"ResponseDataLossError", "_DataLoss", "PotentialDataLoss"}:
        return "connection broken (the answer was cut short)"
    if names & {"ConnectionLost", "ConnectionDone", "ConnectionResetError", "ConnectionAborted",
                "ResponseFailed", "ResponseNeverReceived"}:
        return "connection broken"
    if names & {"NoRouteError", "ConnectError", "DownloadFailedError"}:
        text = " ".join(str(inner).split())
        return f"connection failed ({text})" if text else "connection failed"
    text = " ".join(str(inner).split()) or type(inner).__name__
    return text if type(inner).__name__ in text else f"{type(inner).__name__}: {text}"


def failure_cause(failure: Any) -> str:
    """The cause of a Twisted failure of a request, with its own timeout."""
    request = getattr(failure, "request", None)
    meta = getattr(request, "meta", None) or {}
    words = cause(failure.value, meta.get("download_timeout"))
    if words.startswith("timed out") and meta.get(DEADLINE):  # its timeout was the deadline's rest
        return str(SiteGivenUp(meta[DEADLINE]))
    return words


class SilentSiteDeadline:
    """Downloader middleware: until the site's first answer, every request's timeout is cut to
    what is left of SILENT_SITE_GIVE_UP (0: no deadline), and once it is spent the site is given up
    (SiteGivenUp, which is not retried). A site that answered once is never hurried."""

    def __init__(self, limit: float, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.clock = clock
        self.started: float | None = None
        self.answered = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> SilentSiteDeadline:
        middleware = cls(crawler.settings.getfloat("SILENT_SITE_GIVE_UP", 60))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider: Any = None) -> None:
        self.started = self.clock()

    def process_request(self, request: Any, spider: Any = None) -> None:
        if self.answered or self.limit <= 0:
            return None
        if self.started is None:
            self.started = self.clock()
        left = self.started + self.limit - self.clock()
        if left <= 0:
            raise SiteGivenUp(self.limit)
        timeout = request.meta.get("download_timeout")
        if not timeout or left < timeout:
            request.meta["download_timeout"] = left
            request.meta[DEADLINE] = self.limit
        return None

    def process_response(self, request: Any, response: Any, spider: Any = None) -> Any:
        self.answered = True
        return response
