"""The news spider every site stands on: listings → articles → one item per article.

A site's spider says where its listings are (`start_paths`, `section_links`), how its
pagination goes (`next_pages`), which links on a listing are articles (`article_links`) and
which page class reads an article (`article_page`). Everything else lives here: requests
with canonical URLs, skipping files that are not pages, counting what was skipped and why,
and stopping a listing walk early on incremental runs.
"""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

from crawler.archive import CAPTURED_AT
from crawler.charset import honest
from crawler.clock import Clock, crawl_clock, page_time
from crawler.dates import DateError, parse_date
from crawler.items import ArticleItem
from crawler.logs import describe
from crawler.page import ArticlePage
from crawler.urls import Aliases, absolute, canonical_url

logger = logging.getLogger(__name__)


def _meta(response: Response) -> dict[str, Any]:
    """A response's request meta; empty for a response made without a request (tests, tools)."""
    return response.request.meta if response.request is not None else {}


def is_html(response: Response) -> bool:
    """A page to read: text, and not labelled as something else (a PDF or a picture served at an
    article URL; Scrapy would guess HTML from a .html URL)."""
    content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
    return isinstance(response, TextResponse) and (not content_type or "html" in content_type
                                                   or "xml" in content_type)


@dataclass
class LinkNotes:
    aliases: dict[str, str] = field(default_factory=dict)  # redirecting URL → where it led
    dead: set[str] = field(default_factory=set)  # article links that answered 404/410
    older_than_since: set[str] = field(default_factory=set)  # listings that reached --since
    listings: set[str] = field(default_factory=set)  # listing pages walked or asked for

REDIRECTS = [301, 302, 303, 307, 308]
MAX_REDIRECTS = 5
NOT_PAGES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar", ".7z",
             ".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp3", ".mp4", ".avi")


class NewsSpider(scrapy.Spider):
    """Base class of the site spiders; subclasses describe their site, this class crawls it."""

    name: ClassVar[str]
    language: ClassVar[str]
    timezone: ClassVar[str]
    origin: ClassVar[str]
    start_paths: ClassVar[Sequence[str]] = ("/",)
    article_page: ClassVar[type[ArticlePage]]
    url_aliases: ClassVar[Aliases] = ()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        #: what this run learned about links (redirect aliases, dead links, walked listings)
        self.links = LinkNotes()

    @property
    def allowed_domains(self) -> list[str]:
        """The site's own host: redirects and links off the site are not followed."""
        return [urlsplit(self.origin).hostname or ""]

    @property
    def clock(self) -> Clock:
        """The crawl's clock (`CRAWL_NOW`, crawler.clock), the same for every use in this run."""
        if getattr(self, "_clock", None) is None:
            self._clock = crawl_clock(getattr(self, "settings", None))
        return self._clock

    # -- what a site spider describes ---------------------------------------------------------

    def article_links(self, response: TextResponse) -> Iterable[str]:
        """Links (href values) on a listing page that lead to articles."""
        raise NotImplementedError

    def next_pages(self, response: TextResponse) -> Iterable[str]:
        """Links to the following pages of the same listing (walked while they hold new articles)."""
        return ()

    def section_links(self, response: TextResponse) -> Iterable[str]:
        """Links to further listings (categories, archives), always walked from where they appear."""
        return ()

    # -- crawling -----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        state = getattr(self, "state", None)
        # A walk cut short last time (an interrupted run) is walked on past known pages this
        # time; marked under way now, so that a run killed from here on leaves it so too.
        self.resume_walk = state is not None and not state.begin_walk(self.name)
        if self.resume_walk and self.is_incremental:
            logger.info("%s: the last walk was cut short: walking every listing page this time", self.name)
        for path in self.start_paths:
            yield scrapy.Request(self.origin.rstrip("/") + path, callback=self.parse_listing,
                                 errback=self.listing_failed)

    def parse_listing(self, response: Response) -> Iterable[scrapy.Request]:
        if not isinstance(response, TextResponse):
            self.count_skip("listing_not_html", response.url)
            return
        if _meta(response).get("after") in self.links.older_than_since:
            self.inc_stat("since/listings_not_walked")
            logger.info("the page before %s reached articles older than --since: stopping", response.url)
            return
        new = 0
        for url in self._links(response, self.article_links(response)):
            self.inc_stat("listing/article_links")
            if not self._is_page(url):
                continue
            if self.seen_before(url):
                self.inc_stat("incremental/known_links")
                continue
            new += 1
            yield scrapy.Request(url, callback=self.parse_article, errback=self.article_failed,
                                 meta={"listing": response.url, "dont_redirect": True,
                                       "handle_httpstatus_list": REDIRECTS})
        for url in self._links(response, self.section_links(response)):
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.listing_failed)
        if new or not self.is_incremental or getattr(self, "resume_walk", False):
            # One page at a time, the first not yet walked, after this page's articles (lower
            # priority): a walk can then stop where the new articles end (incremental runs) or
            # where older ones begin (--since), instead of having asked for every page at once.
            self.links.listings.add(response.url)
            pages = list(self._links(response, self.next_pages(response)))
            yield from self._next_listing(pages, after=response.url)
        else:
            self.inc_stat("incremental/listings_stopped")
            logger.info("nothing new on %s: not walking further", response.url)

    def _next_listing(self, pages: list[str], after: str) -> Iterable[scrapy.Request]:
        """The first page of `pages` not walked yet; the others wait in case that one fails."""
        rest = [u for u in pages if u not in self.links.listings]
        if rest:
            self.links.listings.add(rest[0])
            yield scrapy.Request(rest[0], callback=self.parse_listing, errback=self.listing_failed,
                                 priority=-1, meta={"after": after, "then": rest[1:]})

    def listing_failed(self, failure) -> Iterable[scrapy.Request]:
        """A listing page that cannot be had: counted, and the walk goes on past it where it can."""
        request = failure.request
        if _forbidden_by_robots(failure.value):  # a menu link the site asks us not to follow
            self.count_skip("forbidden_by_robots", request.url, level=logging.INFO)
        else:
            self.count_skip("listing_failed", request.url, describe(failure.value))
        yield from self._next_listing(request.meta.get("then", []), after=request.meta.get("after", ""))

    def parse_article(self, response: Response) -> Iterable[Any]:
        if response.status in REDIRECTS:
            yield from self.follow_redirect(response)
            return
        self.inc_stat("article/responses")
        if not is_html(response):
            self.count_skip("not_html", response.url)
            return
        response, fixed = honest(response)
        if fixed:
            logger.warning("charset of %s: %s", response.url, fixed)
            self.inc_stat(f"charset/{fixed.replace(' ', '_')}")
        try:
            fields = self.article_page(response.url, response.selector).fields()
        except Exception:  # a page that breaks the page class is counted, never a crashed run
            logger.exception("extraction failed on %s", response.url)
            self.count_skip("extraction_error", response.url)
            return
        # the time the page speaks for (crawler.clock): a replayed copy's capture time, else the
        # fetch time recorded in the archive (extraction: the capture time), else the crawl's now
        fetched = page_time(response.headers, _meta(response).get(CAPTURED_AT), self.clock)
        self._note_age(fields.get("date_raw"), _meta(response).get("listing"), fetched)
        crawled_at = fetched.isoformat(timespec="seconds").replace("+00:00", "Z")
        # every URL that led here, so that an incremental run knows each of them as seen
        reached = {response.url, *_meta(response).get("redirect_urls", ())}
        yield ArticleItem(site=self.name, language=self.language, crawled_at=crawled_at,
                          aliases=sorted(canonical_url(u, self.url_aliases) for u in reached),
                          **fields)

    def _note_age(self, date_raw: str | None, listing: str | None, now: datetime) -> None:
        """With --since: a listing page that led to an older article ends its listing's walk."""
        since = getattr(self, "since", None)
        if since is None or listing is None or not date_raw:
            return
        try:
            if parse_date(date_raw, self.language, self.timezone, now=now) < since:
                self.links.older_than_since.add(listing)
        except DateError:
            pass

    def follow_redirect(self, response: Response) -> Iterable[scrapy.Request]:
        """Article links that redirect are followed here, not by Scrapy's RedirectMiddleware, so
        that a loop or a redirect off the site is counted instead of vanishing in the dupefilter
        or the offsite filter, and so that the short URL is remembered as an alias of the article
        even when the full URL was already fetched in this run."""
        location = response.headers.get("Location", b"").decode("latin-1")
        target = absolute(response.url, location)
        chain = [*_meta(response).get("redirect_urls", ()), response.url]
        if not target:
            self.count_skip("redirect_without_location", response.url)
            return
        target = canonical_url(target, self.url_aliases)
        if urlsplit(target).hostname != urlsplit(self.origin).hostname:
            self.count_skip("redirect_off_site", response.url, target)
        elif target in chain:
            self.count_skip("redirect_loop", response.url, " → ".join(chain + [target]))
        elif len(chain) > MAX_REDIRECTS:
            self.count_skip("too_many_redirects", response.url)
        else:
            self.note_redirect(response.url, target)
            yield response.request.replace(url=target, meta={**response.meta, "redirect_urls": chain})

    def article_failed(self, failure) -> None:
        request = failure.request
        status = getattr(getattr(failure.value, "response", None), "status", None)
        if status in (404, 410):
            self.links.dead.add(request.url)  # a deleted article: not asked again on later runs
            self.count_skip(f"article_http_{status}", request.url)
        elif _forbidden_by_robots(failure.value):
            self.count_skip("forbidden_by_robots", request.url, level=logging.INFO)
        else:
            self.count_skip("article_failed", request.url, describe(failure.value))

    # -- helpers ------------------------------------------------------------------------------

    def note_redirect(self, source: str, target: str) -> None:
        self.links.aliases[canonical_url(source, self.url_aliases)] = canonical_url(target, self.url_aliases)

    def _links(self, response: TextResponse, links: Iterable[str]) -> Iterable[str]:
        """Absolute canonical URLs on this site's origin, each once."""
        seen = set()
        host = urlsplit(self.origin).netloc.lower()
        for link in links:
            url = absolute(response.url, link)
            if not url or urlsplit(url).netloc.lower() != host:
                continue
            url = canonical_url(url, self.url_aliases)
            if url not in seen:
                seen.add(url)
                yield url

    def _is_page(self, url: str) -> bool:
        if urlsplit(url).path.lower().endswith(NOT_PAGES):
            self.count_skip("not_a_page", url)
            return False
        return True

    @property
    def is_incremental(self) -> bool:
        """Given a state (scheduled runs) and not told to recrawl everything (--full)."""
        return getattr(self, "state", None) is not None and not getattr(self, "full", False)

    def seen_before(self, url: str) -> bool:
        """True when an incremental run need not fetch this article again."""
        return self.is_incremental and self.state.is_settled(self.name, url)

    def inc_stat(self, key: str, count: int = 1) -> None:
        crawler = getattr(self, "crawler", None)  # a spider made without a crawler (tests) counts nothing
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value(key, count)

    def count_skip(self, reason: str, url: str, detail: str = "", level: int = logging.WARNING) -> None:
        """A page that yields no item: logged (one line naming the site) and counted under skipped/<reason>."""
        logger.log(level, "%s: skipped %s (%s)%s", self.name, url, reason, f": {detail}" if detail else "")
        self.inc_stat(f"skipped/{reason}")


def _forbidden_by_robots(error: BaseException) -> bool:
    return isinstance(error, IgnoreRequest) and "robots.txt" in str(error)
