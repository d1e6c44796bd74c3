"""Stopping a run part-way without losing its finished work: SIGINT/SIGTERM, or storage failing.

The first signal stops every crawl: from that moment no request is sent (Scrapy's own stop
leaves the requests already queued in the downloader to go out one politeness delay after
another; here they are failed at once, and the download handlers refuse any other: NotSent,
counted as stopped/not_sent); requests and items in flight finish; each spider closes with
reason "shutdown", so its finished lines are put in place and recorded. That wait is bounded (`grace` seconds); a second signal, or the end of the grace
period, stops at once: `on_force` discards what is not in place yet and the process exits.
"""
from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from typing import Any

from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger("crawler")

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_HELD = "_library_news_requests_held"


class NotSent(IgnoreRequest):
    """A request the run stopped before it was sent: counted (stopped/not_sent), never logged
    as a failure, never retried, and its listing walk not continued."""


def hold_requests(crawler: Any) -> None:
    """From now on this crawler sends nothing more: Scrapy's stop leaves the requests already
    queued in the downloader (up to its concurrency per crawler, waiting for their politeness
    delay) to go out over the following seconds; the download handlers refuse them instead."""
    setattr(crawler, _HELD, True)


def drop_queued(crawler: Any) -> int:
    """Fail at once (NotSent) the requests waiting in the downloader's queues for their
    politeness delay: left there, each would wait its turn only to be refused, one delay after
    another (15 queued at a 2.5 s delay outlast a 30 s grace). Returns how many; 0 when this
    Scrapy keeps its queues elsewhere (the download handlers still refuse them)."""
    from twisted.python.failure import Failure

    slots = getattr(getattr(getattr(crawler, "engine", None), "downloader", None), "slots", None) or {}
    dropped = 0
    for slot in list(slots.values()):
        queue = getattr(slot, "queue", None)
        while queue:
            request, deferred = queue.popleft()
            deferred.errback(Failure(NotSent(f"not sent, the run is stopping: {request.url}")))
            dropped += 1
    return dropped


def requests_held(crawler: Any) -> bool:
    return bool(getattr(crawler, _HELD, False))


def refuse_if_held(crawler: Any, request: Any) -> None:
    """Called by the download handlers just before a request goes out."""
    if crawler is not None and requests_held(crawler):
        raise NotSent(f"not sent, the run is stopping: {request.url}")


class RunStopper:
    def __init__(self, grace: float, on_force: Callable[[str], None]):
        self.process: Any = None  # the CrawlerProcess, set by `attach`
        self.grace = grace
        self.on_force = on_force
        self.signal: str | None = None  # name of the signal that stopped the run
        self.reason: str | None = None  # why the run was stopped (a signal, a storage failure)
        self._timer: Any = None
        self.crawlers: dict[str, Any] = {}  # each site's Scrapy crawler, for a forced stop's report

    def attach(self, process: Any) -> None:
        """Take over the signals of a CrawlerProcess (start it with install_signal_handlers=False)."""
        self.process = process
        for number in SIGNALS:
            signal.signal(number, self._first)

    def _first(self, number: int, _frame: Any) -> None:
        from twisted.internet import reactor

        self.signal = signal.Signals(number).name
        for n in SIGNALS:
            signal.signal(n, self._second)
        for crawler in list(self.process.crawlers):  # at once, not when the reactor gets to it
            hold_requests(crawler)
        reactor.callFromThread(self.stop, f"interrupted by {self.signal}")

    def _second(self, number: int, _frame: Any) -> None:
        for n in SIGNALS:
            signal.signal(n, signal.SIG_IGN)
        self.on_force(f"{signal.Signals(number).name} again")

    def stop(self, reason: str) -> None:
        """Stop every crawl gracefully (in the reactor thread); the first reason given is kept."""
        from twisted.internet import reactor

        if self.reason is not None:
            return
        self.reason = reason
        for crawler in self.process.crawlers:
            hold_requests(crawler)  # before anything else: not one more request goes out
            drop_queued(crawler)
        logger.warning("%s: stopping; no new requests, finishing those in flight (at most %gs)",
                       reason, self.grace)
        self._timer = reactor.callLater(self.grace, self.on_force, f"not done after {self.grace:g}s")
        self.process.stop()

    def cancel(self) -> None:
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
