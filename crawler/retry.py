"""Retries that back off: a server that failed is given a growing pause before the next try.

Scrapy's RetryMiddleware decides what to retry (5xx, timeouts, resets, cut-short bodies); this
subclass waits before handing the retry back, 0.25 s, 0.5 s, 1 s ... up to RETRY_BACKOFF_MAX,
or the server's own Retry-After when it names one (capped the same way).
"""
from __future__ import annotations

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import deferred_to_future
from twisted.internet.task import deferLater


async def pause(seconds: float) -> None:
    """Wait on the running reactor. Imported here, not at the top: importing the reactor before
    Scrapy installs its asyncio one would install Twisted's default reactor instead."""
    from twisted.internet import reactor

    await deferred_to_future(deferLater(reactor, seconds))


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 0.25)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 8.0)

    def delay(self, request, response=None) -> float:
        tries = request.meta.get("retry_times", 0) + 1
        wait = self.base * 2 ** (tries - 1)
        if response is not None:
            header = response.headers.get(b"Retry-After")
            if header and header.strip().isdigit():
                wait = max(wait, float(header))
        return min(wait, self.cap)

    async def process_response(self, request, response, spider=None):
        result = super().process_response(request, response)
        if result is not response:
            await pause(self.delay(request, response))
        return result

    async def process_exception(self, request, exception, spider=None):
        result = super().process_exception(request, exception)
        if result is not None:
            await pause(self.delay(request))
        return result
