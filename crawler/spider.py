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
from functools import cached_property
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from parsel import Selector
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

from crawler.archive import CAPTURED_AT
from crawler.charset import honest
from crawler.clock import Clock, crawl_clock, page_time
from crawler.dates import DateError, parse_date
from crawler.failures import failure_cause
from crawler.feeds import is_feed
from crawler.items import ArticleItem
from crawler.page import ArticlePage
from crawler.sites import Site, load_sites
from crawler.urls import Aliases, absolute, canonical_url
from crawler.walk import DEFAULT_LINK_LIMIT, DEFAULT_PAGE_LIMIT, Walks
from crawler.warc_source import NOT_IN_ARCHIVE, earlier_pages

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
    dropped: dict[str, str] = field(default_factory=dict)  # pages dropped for a missing field → why

REDIRECTS = [301, 302, 303, 307, 308]
#: request meta an article request carries on to the redirect it follows (redirect_chain is set anew)
FOLLOWED_META = ("listing", "dont_redirect", "handle_httpstatus_list")
MAX_REDIRECTS = 5
NOT_PAGES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar", ".7z",
             ".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp3", ".mp4", ".avi")


class _SiteOf:
    """`spider.site`: the site entry a spider carries, an instance's own (given when it is made),
    else the one its class was bound to (crawler.registry), else the built-in entry of its name."""

    def __get__(self, obj: Any, owner: type) -> Site:
        if obj is not None and "site" in obj.__dict__:
            return obj.__dict__["site"]
        return owner.bound_site or _builtin_sites()[owner.name]

    def __set__(self, obj: Any, value: Site) -> None:
        obj.__dict__["site"] = value


class _FromSite:
    """A value of the spider's site entry (language, timezone, origin), read on class or instance."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = name

    def __get__(self, obj: Any, owner: type) -> Any:
        return getattr(NewsSpider.__dict__["site"].__get__(obj, owner), self.key)


_BUILTIN: dict[str, Site] = {}


def _builtin_sites() -> dict[str, Site]:
    if not _BUILTIN:
        _BUILTIN.update(load_sites())
    return _BUILTIN


class NewsSpider(scrapy.Spider):
    """Base class of the site spiders; subclasses describe their site, this class crawls it.

    What a site is (origin, language, clock) is a value, its entry in the site list, which the
    spider carries (`site`); the class describes how such a site is built."""

    name: ClassVar[str]
    site = _SiteOf()
    bound_site: ClassVar[Site | None] = None
    language = _FromSite()
    timezone = _FromSite()
    origin = _FromSite()
    start_paths: ClassVar[Sequence[str]] = ("/",)
    article_page: ClassVar[type[ArticlePage]]
    url_aliases: ClassVar[Aliases] = ()

    def __init__(self, *args: Any, site: Site | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if site is not None:
            self.site = site
        #: what this run learned about links (redirect aliases, dead links)
        self.links = LinkNotes()
        #: the listing walks of this run: links met, pages asked for, the page limit (crawler.walk)
        self.walks = Walks(DEFAULT_PAGE_LIMIT)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.walks = Walks(crawler.settings.getint("LISTING_PAGE_LIMIT", DEFAULT_PAGE_LIMIT),
                             crawler.settings.getint("LISTING_LINK_LIMIT", DEFAULT_LINK_LIMIT))
        return spider

    @classmethod
    def bound(cls, site: Site) -> type[NewsSpider]:
        """This spider class for one site entry (Scrapy loads spiders as classes by name)."""
        return type(cls.__name__, (cls,), {"name": site.id, "bound_site": site,
                                           "__module__": cls.__module__,
                                           "__doc__": cls.__doc__})

    @property
    def allowed_domains(self) -> list[str]:
        """The site's own hosts: redirects and links off the site are not followed."""
        return sorted(self.site.hosts())

    def on_site(self, url: str) -> bool:
        """An http(s) URL on one of the site's own hosts (www. or not): the only links a crawl
        follows (file://site-host/etc/passwd is no page)."""
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and (parts.hostname or "") in self.site.hosts()

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
        if self.site.recognised:  # an entry without cms: the report says what was found
            crawler = getattr(self, "crawler", None)
            if crawler is not None and crawler.stats is not None:
                crawler.stats.set_value("site/recognised", self.site.recognised)
        if self.resume_walk and self.is_incremental:
            logger.info("%s: the last walk was cut short: walking every listing page this time", self.name)
        for url in self.start_urls_of_site():
            for request in self._listing(url):
                yield request

    def start_urls_of_site(self) -> list[str]:
        """Where a walk starts: the site's `start_paths` (a CMS adapter starts from the entry's
        `news` listing, its API or its feeds)."""
        return [self.origin.rstrip("/") + path for path in self.start_paths]

    def parse_listing(self, response: Response) -> Iterable[scrapy.Request]:
        self.inc_stat("listing/pages")
        if not isinstance(response, TextResponse) and not is_feed(response):  # a gzipped sitemap is one
            self.count_skip("listing_not_html", response.url)
            return
        if _meta(response).get("after") in self.links.older_than_since:
            self.inc_stat("since/listings_not_walked")
            logger.info("the page before %s reached articles older than --since: stopping", response.url)
            return
        new = 0
        articles = self._capped(response, self.article_links(response))
        sections = self._capped(response, self.section_links(response))
        # anything this run had not met on a listing page; a feed (which repeats the newest entries
        # of the listing a CMS walks next) neither judges nor is judged
        fresh = is_feed(response) or self.walks.brings_news(articles + sections)
        for url in articles:
            request = self.article_request(url, response.url)
            if request is not None:
                new += 1
                yield request
        yield from self._earlier_captures(response)
        for url in sections:
            yield from self._listing(url)
        self.walks.asked.add(response.url)  # (where a redirect led: not asked for again)
        if not fresh:  # an endless pager, a loop: nothing this run had not met (first runs too)
            self.inc_stat("listing/nothing_new_stopped")
            logger.info("%s: nothing new to this run on %s: not walking further", self.name, response.url)
        elif new or not self.is_incremental or getattr(self, "resume_walk", False):
            # One page at a time, the first not yet walked, after this page's articles (lower
            # priority): a walk can then stop where the new articles end (incremental runs) or
            # where older ones begin (--since), instead of having asked for every page at once.
            pages = self._capped(response, self.next_pages(response))
            yield from self._next_listing(pages, after=response.url)
        else:
            self.inc_stat("incremental/listings_stopped")
            logger.info("nothing new on %s: not walking further", response.url)

    def _next_listing(self, pages: list[str], after: str) -> Iterable[scrapy.Request]:
        """The first page of `pages` not walked yet; the others wait in case that one fails."""
        rest = [u for u in pages if not self.walks.was_asked(u)]
        if rest:
            yield from self._listing(rest[0], priority=-1, meta={"after": after, "then": rest[1:]})

    def _capped(self, response: TextResponse, links: Iterable[str]) -> list[str]:
        """A listing page's links of one kind, at most LISTING_LINK_LIMIT of them (counted when cut)."""
        kept, cut = self.walks.capped(self._links(response, links))
        if cut:
            self.inc_stat("listing/links_over_limit")
            logger.warning("%s: more than %d links on %s (LISTING_LINK_LIMIT): the rest not read",
                           self.name, self.walks.link_limit, response.url)
        return kept

    def _earlier_captures(self, response: Response) -> Iterable[scrapy.Request]:
        """`extract` only: the articles that earlier captures of this listing page name
        (crawler.warc_source.earlier_pages); the walk itself follows the newest capture."""
        crawler = getattr(self, "crawler", None)
        if crawler is None:
            return
        for earlier in earlier_pages(response, crawler.settings):
            self.inc_stat("archive/earlier_listing_captures")
            for url in self._capped(earlier, self.article_links(earlier)):
                request = self.article_request(url, response.url)
                if request is not None:
                    yield request

    def article_request(self, url: str, listing: str, **meta: Any) -> scrapy.Request | None:
        """The request for an article link of a listing (a page, a feed, an API answer); None
        where it is not fetched: not a page, or settled on an incremental run. Counted."""
        self.inc_stat("listing/article_links")
        if not self._is_page(url):
            return None
        if self.seen_before(url):
            self.inc_stat("incremental/known_links")
            return None
        return scrapy.Request(url, callback=self.parse_article, errback=self.article_failed,
                              meta={"listing": listing, "dont_redirect": True,
                                    "handle_httpstatus_list": REDIRECTS, **meta})

    def _listing(self, url: str, **kwargs: Any) -> Iterable[scrapy.Request]:
        yield from self.walk_request(scrapy.Request(url, callback=self.parse_listing,
                                                    errback=self.listing_failed, **kwargs))

    def walk_request(self, request: scrapy.Request) -> Iterable[scrapy.Request]:
        """A page of a listing walk (a listing page, an API page) asked for once in a run, while
        the site's page limit allows."""
        if self.walks.ask(request.url):
            yield request
        elif self.walks.limit_hit and self.walks.first_refusal():
            logger.warning("%s: listing page limit reached (LISTING_PAGE_LIMIT=%d): no more listing pages "
                           "asked for; not asked: %s", self.name, self.walks.limit, request.url)
            self.inc_stat("listing/page_limit_reached")

    def listing_failed(self, failure) -> Iterable[scrapy.Request]:
        """A listing page that cannot be had: counted, and the walk goes on past it where it can."""
        request = failure.request
        if _not_sent(failure.value, self):  # the run is stopping: the walk ends here
            return
        if _not_in_archive(failure.value):
            self.count_skip("missing_from_archive", request.url)
        elif _forbidden_by_robots(failure.value):  # a menu link the site asks us not to follow
            self.count_skip("forbidden_by_robots", request.url, level=logging.INFO)
        else:
            self.count_skip("listing_failed", request.url, self._cause(failure))
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
            logger.warning("%s: charset of %s: %s", self.name, response.url, fixed)
            self.inc_stat(f"charset/{fixed.replace(' ', '_')}")
        try:
            page = self.page_of(response)
            languages = page.languages()
            if languages and self.language not in languages:  # another language version of the site
                self.count_skip("other_language", response.url, ", ".join(sorted(languages)))
                return
            fields = page.fields()
        except Exception:  # a page that breaks the page class is counted, never a crashed run
            logger.exception("%s: extraction failed on %s", self.name, response.url)
            self.count_skip("extraction_error", response.url)
            return
        fields["url"] = self._own_name(fields.get("url"), response.url)
        # the time the page speaks for (crawler.clock): a replayed copy's capture time, else the
        # fetch time recorded in the archive (extraction: the capture time), else the crawl's now
        fetched = page_time(response.headers, _meta(response).get(CAPTURED_AT), self.clock)
        self._note_age(fields.get("date_raw"), _meta(response).get("listing"), fetched)
        crawled_at = fetched.isoformat(timespec="seconds").replace("+00:00", "Z")
        # every URL that led here, so that an incremental run knows each of them as seen
        reached = {response.url, *_meta(response).get("redirect_chain", ())}
        yield ArticleItem(site=self.name, language=self.language, crawled_at=crawled_at,
                          aliases=sorted(canonical_url(u, self.url_aliases) for u in reached),
                          fetched=canonical_url(response.url, self.url_aliases), **fields)

    def _own_name(self, named: str | None, fetched: str) -> str | None:
        """A canonical URL that names a listing of this site (where the walk started or went) is
        not the article's own: the URL it was fetched at is."""
        if not named or named == fetched:
            return named
        key = canonical_url(named, self.url_aliases)
        if key in self.walks.asked or key in self._start_keys:
            self.inc_stat("identity/canonical_names_a_listing")
            return fetched
        return named

    @cached_property
    def _start_keys(self) -> frozenset[str]:
        """The canonical URLs where the walks start (read once, not per article)."""
        return frozenset(canonical_url(u, self.url_aliases) for u in self.start_urls_of_site())

    def page_of(self, response: TextResponse) -> ArticlePage:
        """The page object of an article response (a CMS adapter adds what it knows of the page:
        its API's JSON, its module)."""
        return self.article_page(response.url, page_selector(response))

    def read_article(self, response: TextResponse) -> dict[str, Any]:
        """The fields of an article response."""
        return self.page_of(response).fields()

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
        chain = [*_meta(response).get("redirect_chain", ()), response.url]
        if not target:
            self.count_skip("redirect_without_location", response.url)
            return
        target = canonical_url(target, self.url_aliases)
        if not self.on_site(target):
            self.count_skip("redirect_off_site", response.url, target)
        elif target in chain:
            self.count_skip("redirect_loop", response.url, " → ".join(chain + [target]))
        elif len(chain) > MAX_REDIRECTS:
            self.count_skip("too_many_redirects", response.url)
        else:
            self.note_redirect(response.url, target)
            # our own keys only: Scrapy's (download_latency, retry_times…) belong to the last
            # request, and copying them draws MetaCopyDetectionMiddleware's warning
            meta = {k: v for k, v in response.meta.items() if k in FOLLOWED_META}
            yield response.request.replace(url=target, meta={**meta, "redirect_chain": chain})

    def article_failed(self, failure) -> None:
        request = failure.request
        if _not_sent(failure.value, self):
            return
        status = getattr(getattr(failure.value, "response", None), "status", None)
        if _not_in_archive(failure.value):  # extract: not an answer of the site, not a dead link
            self.count_skip("missing_from_archive", request.url)
        elif status in (404, 410):
            self.links.dead.add(request.url)  # a deleted article: not asked again on later runs
            self.count_skip(f"article_http_{status}", request.url)
        elif _forbidden_by_robots(failure.value):
            self.count_skip("forbidden_by_robots", request.url, level=logging.INFO)
        else:
            self.count_skip("article_failed", request.url, self._cause(failure))

    # -- helpers ------------------------------------------------------------------------------

    def _cause(self, failure) -> str:
        """Why a request failed, in an operator's words, counted under failure/<cause> for the
        report (crawler.failures)."""
        words = failure_cause(failure)
        self.inc_stat(f"failure/{words}")
        return words

    def note_redirect(self, source: str, target: str) -> None:
        self.links.aliases[canonical_url(source, self.url_aliases)] = canonical_url(target, self.url_aliases)

    def _links(self, response: TextResponse, links: Iterable[str]) -> Iterable[str]:
        """Absolute canonical http(s) URLs on this site's origin, each once (never another host,
        and never file:, ftp: or any other scheme, whatever a page, feed or sitemap names)."""
        seen = set()
        for link in links:
            url = absolute(response.url, link)
            if not url or not self.on_site(url):
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
        if not self.is_incremental:
            return False
        why = self.state.settled_as(self.name, url)
        noted = self.__dict__.setdefault("_dropped_noted", set())
        if why not in (None, "known", "dead") and url not in noted:  # dropped for a missing field lately
            noted.add(url)  # counted once a run, however many listings link to it
            self.inc_stat(f"skipped/dropped_before/{why}")
        return why is not None

    def inc_stat(self, key: str, count: int = 1) -> None:
        crawler = getattr(self, "crawler", None)  # a spider made without a crawler (tests) counts nothing
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value(key, count)

    def count_skip(self, reason: str, url: str, detail: str = "", level: int = logging.WARNING) -> None:
        """A page that yields no item: logged (one line naming the site) and counted under skipped/<reason>."""
        logger.log(level, "%s: skipped %s (%s)%s", self.name, url, reason, f": {detail}" if detail else "")
        self.inc_stat(f"skipped/{reason}")


def page_selector(response: TextResponse) -> Selector:
    """A selector over a page that does not hold on to the response (`response.selector` is
    cached on the response and points back at it: a cycle that keeps a large page and its parsed
    tree alive until a full pass of the garbage collector; crawler/bounds.py)."""
    return Selector(text=response.text, type="html", base_url=response.url)


def _not_in_archive(error: BaseException) -> bool:
    """A 404 made up by extract for a page its archives lack (crawler.warc_source)."""
    return NOT_IN_ARCHIVE in getattr(getattr(error, "response", None), "flags", ())


def _not_sent(error: BaseException, spider: NewsSpider) -> bool:
    """A request the stopping run did not send (crawler.interrupt): counted, not a failure."""
    from crawler.interrupt import NotSent

    if isinstance(error, NotSent):
        spider.inc_stat("stopped/not_sent")
        return True
    return False


def _forbidden_by_robots(error: BaseException) -> bool:
    return isinstance(error, IgnoreRequest) and "robots.txt" in str(error)
