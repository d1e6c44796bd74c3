"""Listing walks end (crawler/walk.py), in real crawls of sites made to hurt, served on loopback:
an endless "next page" that lists the same article on every page, an endless pager of new
articles (only the page limit ends it: LISTING_PAGE_LIMIT, and the report says so), and a loop
back to earlier pages. Bounded is checked by counting the pages the server was asked for."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.replay import ReplayServer, SiteCopy, write_copy
from crawler.walk import Walks
from tests.support import SITES, crawl, expected_items, read_lines, saved_copy

ORIGIN = "http://thuvienhanam.gov.vn"  # hanam's spider reads these listings (spiders/hanam.py)
PAGES = 40  # listing pages the hostile site has: far more than any walk below should ask for
ARTICLES = sorted(e["url"] for e in expected_items("hanam"))


def listing(articles: list[str], pages: list[str]) -> bytes:
    """A hanam category listing page: its entries and its pagination bar."""
    items = "".join(f'<div class="news-item"><div class="title"><a href="{a}">x</a></div></div>' for a in articles)
    bar = "".join(f'<a href="{p}">{n}</a>' for n, p in enumerate(pages))
    return (f'<html><body><div id="menu"><a href="/tin-tuc/">Tin tức</a></div><div id="content">'
            f'<div class="news-list">{items}</div><div class="pagination">{bar}</div></div></body></html>').encode()


def page_path(n: int) -> str:
    return "/tin-tuc/" if n == 1 else f"/tin-tuc/trang-{n}.html"


def hostile_site(folder: Path, articles_on: callable, links_of: callable) -> SiteCopy:
    """A site: a home page leading to /tin-tuc/, PAGES listing pages, and hanam's saved articles."""
    html = [("Content-Type", "text/html; charset=utf-8")]
    pages = [("/", 200, html, listing([], []))]
    pages += [(page_path(n), 200, html, listing(articles_on(n), [page_path(m) for m in links_of(n)]))
              for n in range(1, PAGES + 1)]
    saved = saved_copy(SITES / "hanam")
    for url in ARTICLES:
        answer = saved.answer(url[len(ORIGIN):])
        pages.append((url[len(ORIGIN):], answer.status, html, answer.body))
    write_copy(folder, ORIGIN, pages)
    return SiteCopy.load(folder)


def run(tmp: Path, site: SiteCopy, *settings: str) -> tuple[int, list[str], dict, list[dict], str]:
    """Crawl the site: exit code, the listing pages the server was asked for, the site's report,
    items, stderr."""
    with ReplayServer([site]) as server:
        mirror = server.write_map(tmp / "mirror.json")
        result = crawl(["crawl", "hanam", "--mirror", str(mirror), "--output", str(tmp / "out.jsonl"),
                        *[a for s in settings for a in ("-s", s)]], cwd=tmp)
    asked = [key for key in site.requests if key.startswith("/tin-tuc/")]
    report = json.loads(next((tmp / "_runs").glob("*.json")).read_text(encoding="utf-8"))
    return result.returncode, asked, report["sites"][0], read_lines(tmp / "out.jsonl"), result.stderr


@pytest.mark.crawl
def test_an_endless_pager_listing_the_same_article_ends_when_a_page_brings_nothing_new(tmp_path):
    site = hostile_site(tmp_path / "site", lambda n: [ARTICLES[0]], lambda n: [n + 1] if n < PAGES else [])
    code, asked, report, items, _ = run(tmp_path, site)
    # page 1 brings the article, page 2 nothing new to this run (first run, no state): the walk ends
    assert asked == [page_path(1), page_path(2)]
    assert code == 0 and [i["url"] for i in items] == [ARTICLES[0]]
    assert report["listing_pages"] == 3 and not report["page_limit_reached"]  # home, 1, 2


@pytest.mark.crawl
def test_the_page_limit_ends_an_endless_pager_of_new_articles_and_the_report_says_so(tmp_path):
    # every page a new article (links to pages of articles that do not exist answer 404)
    site = hostile_site(tmp_path / "site", lambda n: [f"{ORIGIN}/bai-viet/bai-{n}.html"],
                        lambda n: [n + 1] if n < PAGES else [])
    code, asked, report, _, stderr = run(tmp_path, site, "LISTING_PAGE_LIMIT=6")
    assert len(asked) == 5 and len(set(asked)) == 5  # the limit counts every listing page: home + 5
    assert report["page_limit_reached"] and report["listing_pages"] == 6
    assert "NOTE: listing page limit reached after 6 listing pages" in stderr
    assert "hanam: listing page limit reached (LISTING_PAGE_LIMIT=6)" in stderr
    assert code == 0


@pytest.mark.crawl
def test_a_loop_back_to_earlier_pages_is_walked_once_and_a_whole_listing_still_is(tmp_path):
    # eight pages of new articles each, page 8 linking back to 1..7 (and each page to all the others)
    per_page = 4
    on = lambda n: ARTICLES[(n - 1) * per_page:n * per_page] if n <= 8 else []
    site = hostile_site(tmp_path / "site", on, lambda n: [m for m in range(1, 9) if m != n] if n <= 8 else [])
    code, asked, report, items, _ = run(tmp_path, site)
    assert sorted(asked) == sorted(page_path(n) for n in range(1, 9))  # each once, no page 9 and on
    assert {i["url"] for i in items} == set(ARTICLES[:8 * per_page])  # every article of the listing
    assert code == 0 and not report["page_limit_reached"]


def test_walks_count_what_is_new_to_the_run_and_ask_each_page_once():
    walks = Walks(limit=3)
    assert walks.brings_news(["a", "b"]) and walks.brings_news(["b", "c"])
    assert not walks.brings_news(["c", "a"]) and not walks.brings_news([])
    assert [walks.ask(u) for u in ("p1", "p1", "p2", "p3")] == [True, False, True, True]
    assert not walks.limit_hit and walks.refusals == 0  # a page asked before is no refusal
    assert not walks.ask("p4") and walks.limit_hit and walks.first_refusal()
    assert not walks.ask("p5") and not walks.first_refusal() and walks.refusals == 2


def test_a_listing_page_naming_more_links_than_the_limit_gives_the_limit_and_says_so():
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from crawler.cli import spider_classes
    from tests.support import project_settings_dict

    cls = spider_classes()["hanam"]
    crawler = get_crawler(cls, {**project_settings_dict(), "LISTING_LINK_LIMIT": 25})
    spider = cls.from_crawler(crawler)
    page = listing([f"/bai-viet/bai-{n}.html" for n in range(100)], [page_path(n) for n in range(2, 60)])
    asked = list(spider.parse_listing(HtmlResponse(ORIGIN + "/tin-tuc/", body=page, encoding="utf-8")))
    articles = [r for r in asked if r.callback == spider.parse_article]
    assert [r.url for r in articles] == [f"{ORIGIN}/bai-viet/bai-{n}.html" for n in range(25)]
    assert crawler.stats.get_value("listing/links_over_limit") == 2  # the articles, the pagination bar
    (following,) = [r for r in asked if r.callback == spider.parse_listing and "trang" in r.url]
    assert following.url == ORIGIN + page_path(2) and len(following.meta["then"]) == 24
