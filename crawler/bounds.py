"""Peak memory bounded however large the pages: a budget of large response bodies being read.

A page may be as large as DOWNLOAD_MAXSIZE (16 MiB, compressed and decoded), and reading one costs
about 2.5 times its size (the body, its text, the parsed tree). Scrapy downloads up to
CONCURRENT_REQUESTS pages at once and hands each to its callback at once, so 32 pages of 15 MB
(an archive of 60 kB: gzip-encoded zeros) took a gigabyte. Here every response of at least
PAGE_BUDGET_MIN_BYTES (1 MiB) takes its body's size from a budget of PAGE_BUDGET_BYTES (64 MiB)
for the whole process, all sites together, after it was decoded and before its callback, and
gives it back when its callback's output is consumed (or the callback failed, or, should neither
be seen, when the response is freed). A response that does not fit waits, still in the downloader
(so Scrapy asks for nothing new meanwhile); one larger than the whole budget passes alone. Small
pages never wait: a real site's pages of ~20 kB are not slowed at all.

Peak memory is then at most about: the process (~130 MB) + 2.5 × PAGE_BUDGET_BYTES (being read)
+ CONCURRENT_REQUESTS × DOWNLOAD_MAXSIZE (waiting) — see README, "Bounded work".
"""
from __future__ import annotations

import gc
import weakref
from collections import deque
from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy import signals
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

DEFAULT_BUDGET = 64 * 2**20
DEFAULT_MIN = 2**20
TAKEN = "page_budget_taken"  # request meta: the bytes a response took from the budget
ITEMS = "page_budget_items"  # request meta: its items still in the item pipelines
DONE = "page_budget_done"  # request meta: its callback's output consumed


class PageBudget:
    """Bytes of large responses between download and the end of their callback, at most `limit`
    (a response larger than the whole budget passes alone)."""

    def __init__(self, limit: int = DEFAULT_BUDGET, smallest: int = DEFAULT_MIN):
        self.limit, self.smallest = limit, smallest
        self.used = 0
        self.peak = 0
        self.waits = 0
        self.waiting: deque[Deferred] = deque()

    def fits(self, size: int) -> bool:
        return self.used == 0 or self.used + size <= self.limit

    async def take(self, size: int) -> None:
        """Wait until `size` bytes fit, then take them."""
        while not self.fits(size):
            self.waits += 1
            waiter: Deferred = Deferred()
            self.waiting.append(waiter)
            if len(self.waiting) == 1:  # what holds the budget may only wait for the collector
                gc.collect()
            if self.fits(size):
                self.waiting.remove(waiter)
                break
            await maybe_deferred_to_future(waiter)
        self.used += size
        self.peak = max(self.peak, self.used)

    def give_back(self, size: int) -> None:
        self.used -= size
        while self.waiting:
            self.waiting.popleft().callback(None)


_BUDGET: PageBudget | None = None


def budget_of(settings: Any) -> PageBudget:
    """The process's one budget (every site's crawl shares it), made from the first settings seen."""
    global _BUDGET
    if _BUDGET is None:
        _BUDGET = PageBudget(settings.getint("PAGE_BUDGET_BYTES", DEFAULT_BUDGET),
                             settings.getint("PAGE_BUDGET_MIN_BYTES", DEFAULT_MIN))
    return _BUDGET


def _give_back(budget: PageBudget, meta: dict[str, Any]) -> None:
    size = meta.pop(TAKEN, 0)
    if size:
        budget.give_back(size)


def _meta(response: Response | None) -> dict[str, Any]:
    return response.meta if response is not None and response.request is not None else {}


class PageBudgetDownloaderMiddleware:
    """Takes a large response's size from the budget, last of the downloader middlewares (after
    HttpCompressionMiddleware decoded it)."""

    def __init__(self, budget: PageBudget, stats: Any = None):
        self.budget, self.stats = budget, stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> PageBudgetDownloaderMiddleware:
        return cls(budget_of(crawler.settings), crawler.stats)

    async def process_response(self, request: Any, response: Response) -> Response:
        for key in (TAKEN, ITEMS, DONE):  # copied from the response that led here (a redirect followed
            request.meta.pop(key, None)   # by the spider), never this response's own
        size = len(response.body)
        if size < self.budget.smallest:
            return response
        waits = self.budget.waits
        await self.budget.take(size)
        request.meta[TAKEN] = size
        # given back when the callback is done (PageBudgetSpiderMiddleware), else when freed
        weakref.finalize(response, _give_back, self.budget, request.meta)
        if self.stats is not None:
            self.stats.inc_value("page_budget/large_responses")
            self.stats.max_value("page_budget/peak_bytes", self.budget.used)
            if self.budget.waits > waits:
                self.stats.inc_value("page_budget/waited")
        return response


class PageBudgetSpiderMiddleware:
    """Gives a response's bytes back once its callback's output is consumed and the items it gave
    have left the item pipelines (written, dropped or failed: an article's text is copied a few
    times on its way), or its callback failed."""

    def __init__(self, budget: PageBudget):
        self.budget = budget

    @classmethod
    def from_crawler(cls, crawler: Any) -> PageBudgetSpiderMiddleware:
        ext = cls(budget_of(crawler.settings))
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(ext.item_left, signal=signal)
        return ext

    def _out(self, meta: dict[str, Any], out: Any) -> None:
        if TAKEN in meta and not isinstance(out, Request):
            meta[ITEMS] = meta.get(ITEMS, 0) + 1

    def _done(self, meta: dict[str, Any]) -> None:
        meta[DONE] = True
        if not meta.get(ITEMS):
            _give_back(self.budget, meta)

    def item_left(self, response: Response | None = None, **kwargs: Any) -> None:
        meta = _meta(response)
        if ITEMS in meta:
            meta[ITEMS] -= 1
            if meta.get(DONE) and not meta[ITEMS]:
                _give_back(self.budget, meta)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        meta = _meta(response)
        try:
            for out in result:
                self._out(meta, out)
                yield out
        finally:
            self._done(meta)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        meta = _meta(response)
        try:
            async for out in result:
                self._out(meta, out)
                yield out
        finally:
            self._done(meta)

    def process_spider_exception(self, response: Response, exception: BaseException) -> None:
        _give_back(self.budget, _meta(response))
        return None
