"""Listing walks that end: a site's listings met in one run, and the page limit that ends any walk.

A site names its listings' pages itself, so a hostile or broken site can make a walk endless: a
"next page" link on every page, each page listing the same articles. Two rules end every walk:

- **nothing new**: a listing page that names no article and no other listing (section) that this
  run has not already met on a listing page ends its walk (first runs too); feeds and sitemaps,
  which repeat a listing's newest entries, neither count nor are judged. Its own "next page" links do not count
  as new: they are the walk itself, and an endless pager names a new one on every page;
- **a page limit per site** (`LISTING_PAGE_LIMIT`, default 2,000 listing pages, above the largest
  real listing): once that many listing pages were asked for, no more are, and the run report
  says so (`listing/page_limit_reached`).

A listing page already asked for in the run is never asked for again, so loops (page N linking
back to an earlier page) are walked once. And a listing page is read for at most
LISTING_LINK_LIMIT links of each kind (50,000, a sitemap's own limit): a page of 16 MB naming a
million links would otherwise queue a million requests.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice

#: listing pages a site may be asked for in one run (the largest real listing: ~1,300 pages)
DEFAULT_PAGE_LIMIT = 2000
#: links of one kind read from one listing page (a sitemap holds at most 50,000 URLs)
DEFAULT_LINK_LIMIT = 50_000


@dataclass
class Walks:
    """What a site's listing walks met in this run, and how many listing pages they may still ask for."""

    limit: int = DEFAULT_PAGE_LIMIT
    link_limit: int = DEFAULT_LINK_LIMIT
    met: set[str] = field(default_factory=set)  # article and section links named on listing pages
    asked: set[str] = field(default_factory=set)  # listing pages asked for
    limit_hit: bool = False
    refusals: int = 0  # listing pages not asked for because of the limit

    def capped(self, links: Iterable[str]) -> tuple[list[str], bool]:
        """At most `link_limit` of a page's links, and whether there were more."""
        kept = list(islice(links, self.link_limit + 1))
        return kept[:self.link_limit], len(kept) > self.link_limit

    def brings_news(self, links: Iterable[str]) -> bool:
        """Whether any of a listing page's article and section links is new to this run; all of
        them are met from now on."""
        before = len(self.met)
        self.met.update(links)
        return len(self.met) > before

    def ask(self, url: str) -> bool:
        """Whether to ask for a listing page: not asked for before in this run, and under the
        limit (the limit is noted as hit when a page is refused for it)."""
        if url in self.asked:
            return False
        if len(self.asked) >= self.limit:
            self.limit_hit = True
            self.refusals += 1
            return False
        self.asked.add(url)
        return True

    def was_asked(self, url: str) -> bool:
        return url in self.asked

    def first_refusal(self) -> bool:
        """True once: when the limit has just refused its first page (to log and count it once)."""
        return self.refusals == 1
