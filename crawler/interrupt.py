"""Stopping a run part-way without losing its finished work: SIGINT/SIGTERM, or storage failing.

The first signal stops every crawl the way Scrapy does (no new pages; requests and items in
flight finish; each spider closes with reason "shutdown", so its finished lines are put in place
and recorded). That wait is bounded (`grace` seconds); a second signal, or the end of the grace
period, stops at once: `on_force` discards what is not in place yet and the process exits.
"""
from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("crawler")

SIGNALS = (signal.SIGINT, signal.SIGTERM)


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
        logger.warning("%s: stopping; finishing the items in flight (at most %gs)", reason, self.grace)
        self._timer = reactor.callLater(self.grace, self.on_force, f"not done after {self.grace:g}s")
        self.process.stop()

    def cancel(self) -> None:
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
