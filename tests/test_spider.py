"""The shared crawl mechanics of crawler/spider.py on saved pages, in-process: redirects followed
by hand and counted, failed articles, pages that are not pages, the start requests."""
from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.spider import MAX_REDIRECTS, NewsSpider, is_html
from spiders.hanam import HanamSpider
from tests.support import OfflineRun, expected_items, saved_response, site_spider

ORIGIN = HanamSpider.origin
ARTICLE = ORIGIN + "/tin-tuc-su-kien/trao-giai-cuoc-thi-dai-su-van-hoa-doc-tinh-ha-nam-nam-2019-1163.html"
SHORT = ORIGIN + "/index.php?id=1163&nv=news"  # canonical, as the spider asks for links
NOW = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


def skipped(spider) -> dict[str, int]:
    return {k.split("/", 1)[1]: v for k, v in spider.crawler.stats.get_stats().items() if k.startswith("skipped/")}


def redirect(url: str, location: str | None, chain: tuple[str, ...] = ()) -> Response:
    """A 301 answer to an article request as the spider makes them (callback by name is enough)."""
    request = Request(url, callback=NewsSpider.parse_article,
                      meta={"listing": ORIGIN + "/tin-tuc-su-kien/", "redirect_chain": list(chain)})
    headers = {"Location": location} if location is not None else {}
    return Response(url, status=301, headers=headers, request=request)


def test_a_redirecting_article_link_is_followed_and_remembered_as_an_alias():
    spider = site_spider("hanam")
    (follow,) = spider.parse_article(redirect(SHORT, ARTICLE + "?utm_source=x#top"))
    assert follow.url == ARTICLE  # canonical: tracking and fragment gone
    assert follow.meta["redirect_chain"] == [SHORT] and follow.meta["listing"] == ORIGIN + "/tin-tuc-su-kien/"
    assert follow.callback == NewsSpider.parse_article  # the same request, another URL
    assert spider.links.aliases == {SHORT: ARTICLE}
    assert skipped(spider) == {}
    # the article it leads to knows every URL that led there
    page = saved_response("hanam", ARTICLE).replace(request=follow)
    (item,) = spider.parse_article(page)
    assert item["aliases"] == sorted([ARTICLE, SHORT])


def test_a_relative_location_is_read_against_the_link():
    spider = site_spider("hanam")
    (follow,) = spider.parse_article(redirect(SHORT, "/tin-tuc-su-kien/x-1.html"))
    assert follow.url == ORIGIN + "/tin-tuc-su-kien/x-1.html"


@pytest.mark.parametrize("location, reason", [
    ("https://elsewhere.example/x", "redirect_off_site"),
    (None, "redirect_without_location"),
    ("", "redirect_without_location"),
    (SHORT, "redirect_loop"),
])
def test_redirects_that_lead_nowhere_are_counted(location, reason):
    spider = site_spider("hanam")
    assert list(spider.parse_article(redirect(SHORT, location))) == []
    assert skipped(spider) == {reason: 1}
    assert spider.links.aliases == {}


def test_a_loop_through_an_earlier_link_is_a_loop():
    spider = site_spider("hanam")
    assert list(spider.parse_article(redirect(ARTICLE, SHORT, chain=(SHORT,)))) == []
    assert skipped(spider) == {"redirect_loop": 1}


def test_chains_longer_than_the_limit_stop():
    spider = site_spider("hanam")
    chain = tuple(f"{ORIGIN}/r{n}" for n in range(MAX_REDIRECTS))
    (follow,) = spider.parse_article(redirect(ORIGIN + "/last", ARTICLE, chain=chain[:-1]))
    assert len(follow.meta["redirect_chain"]) == MAX_REDIRECTS
    assert list(spider.parse_article(redirect(ORIGIN + "/last", ARTICLE, chain=chain))) == []
    assert skipped(spider) == {"too_many_redirects": 1}


def failure(url: str, status: int | None) -> Failure:
    request = Request(url)
    if status is None:
        result = Failure(TimeoutError("took too long"))
    else:
        result = Failure(HttpError(Response(url, status=status, request=request), "ignored"))
    result.request = request
    return result


@pytest.mark.parametrize("status, reason, dead", [(404, "article_http_404", True), (410, "article_http_410", True),
                                                  (500, "article_failed", False), (None, "article_failed", False)])
def test_failed_articles_are_counted_and_gone_ones_remembered(status, reason, dead):
    spider = site_spider("hanam")
    assert spider.article_failed(failure(ARTICLE, status)) is None
    assert skipped(spider) == {reason: 1}
    assert spider.links.dead == ({ARTICLE} if dead else set())


def test_an_article_that_is_no_html_page_gives_nothing():
    spider = site_spider("hanam")
    pdf = Response(ORIGIN + "/tin-tuc-su-kien/a-1.html", body=b"%PDF-1.4", headers={"Content-Type": "application/pdf"})
    assert list(spider.parse_article(pdf)) == []
    labelled = TextResponse(ORIGIN + "/a.html", body=b"x", headers={"Content-Type": "application/pdf"})
    assert list(spider.parse_article(labelled)) == []
    assert skipped(spider) == {"not_html": 2}
    assert spider.crawler.stats.get_value("article/responses") == 2


@pytest.mark.parametrize("content_type, html", [("text/html; charset=utf-8", True), ("", True),
                                                ("application/xhtml+xml", True), ("text/xml", True),
                                                ("image/gif", False), ("TEXT/HTML", True)])
def test_is_html(content_type, html):
    headers = {"Content-Type": content_type} if content_type else {}
    assert is_html(TextResponse(ORIGIN + "/a.html", body=b"<p>x</p>", headers=headers)) is html
    assert not is_html(Response(ORIGIN + "/a.html", body=b"<p>x</p>", headers=headers))


def test_a_page_that_breaks_the_page_class_is_counted_not_raised():
    spider = site_spider("hanam")
    broken = HtmlResponse(ARTICLE, body=b"<html><body><div class='news-content'>\xff</div>",
                          headers={"Content-Type": "text/html; charset=utf-8"})
    spider.article_page = type("Broken", (spider.article_page,), {"title": lambda self: 1 / 0})
    assert list(spider.parse_article(broken)) == []
    assert skipped(spider) == {"extraction_error": 1}


def test_a_lying_charset_label_is_fixed_and_counted():
    run = OfflineRun("hanam", NOW)
    body = saved_response("hanam", ARTICLE).body
    lying = HtmlResponse(ARTICLE, body=body, headers={"Content-Type": "text/html; charset=iso-8859-1"})
    (item,) = run.items_of(lying)
    want = next(e for e in expected_items("hanam") if e["url"] == ARTICLE)
    assert item["title"] == want["title"]
    assert run.stats["charset/utf-8_body_under_another_label"] == 1


def test_listing_that_is_no_text_is_skipped():
    spider = site_spider("hanam")
    assert list(spider.parse_listing(Response(ORIGIN + "/", body=b"\x89PNG", headers={"Content-Type": "image/png"}))) == []
    assert skipped(spider) == {"listing_not_html": 1}


def test_files_in_listings_are_counted_not_fetched():
    spider = site_spider("hanam")
    listing = saved_response("hanam", ORIGIN + "/tin-tuc-su-kien/")
    articles = [r for r in spider.parse_listing(listing) if r.callback == spider.parse_article]
    assert not [r for r in articles if r.url.lower().endswith(".pdf")]
    assert skipped(spider) == {"not_a_page": 1}
    assert all(r.meta["dont_redirect"] and 301 in r.meta["handle_httpstatus_list"] for r in articles)
    assert all(r.errback == spider.article_failed for r in articles)
    assert spider.crawler.stats.get_value("listing/article_links") == len(articles) + 1


def test_links_off_the_site_and_script_links_are_not_followed():
    spider = site_spider("hanam")
    page = HtmlResponse(ORIGIN + "/", body=b"<a href='https://elsewhere.example/a.html'>x</a><a href='javascript:go()'>y</a>"
                        b"<a href='/a.html#top'>z</a><a href='/a.html?utm_source=fb'>w</a><a href='//THUVIENHANAM.gov.vn/b.html'>v</a>",
                        encoding="utf-8")
    links = list(spider._links(page, page.css("a::attr(href)").getall()))
    assert links == [ORIGIN + "/a.html", ORIGIN + "/b.html"]


def test_start_asks_for_every_start_path_as_a_listing():
    spider = site_spider("kyzylorda")

    async def collect():
        return [r async for r in spider.start()]

    requests = asyncio.run(collect())
    assert [r.url for r in requests] == [spider.origin + p for p in spider.start_paths]
    assert all(r.callback == spider.parse_listing and r.errback == spider.listing_failed for r in requests)


def test_allowed_domains_is_the_site_host():
    assert site_spider("travinh").allowed_domains == ["thuvientravinh.org.vn", "www.thuvientravinh.org.vn"]


def test_a_spider_without_a_crawler_counts_nothing_and_does_not_fail():
    spider = HanamSpider()
    spider.inc_stat("x")
    assert list(spider.parse_article(Response(ARTICLE, body=b"%PDF", headers={"Content-Type": "application/pdf"}))) == []


def test_the_base_spider_asks_its_site_for_article_links():
    with pytest.raises(NotImplementedError):
        NewsSpider.article_links(HanamSpider(), HtmlResponse(ORIGIN, body=b""))
    assert NewsSpider.next_pages(HanamSpider(), HtmlResponse(ORIGIN, body=b"")) == ()
    assert NewsSpider.section_links(HanamSpider(), HtmlResponse(ORIGIN, body=b"")) == ()


def test_skips_are_logged_with_the_url_the_reason_and_the_detail(caplog):
    spider = site_spider("hanam")
    with caplog.at_level("INFO", logger="crawler.spider"):
        list(spider.parse_listing(Response(ORIGIN + "/x.png", body=b"\x89PNG", headers={"Content-Type": "image/png"})))
        list(spider.parse_article(redirect(SHORT, "https://elsewhere.example/x")))
    assert [r.getMessage() for r in caplog.records] == [
        f"hanam: skipped {ORIGIN}/x.png (listing_not_html)",
        f"hanam: skipped {SHORT} (redirect_off_site): https://elsewhere.example/x"]
    assert {r.levelname for r in caplog.records} == {"WARNING"}


def skip_logs(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "crawler.spider" and r.levelname == "WARNING"]


def test_every_skip_is_logged_with_its_url_reason_and_detail(caplog):
    spider = site_spider("hanam")
    chain_start = redirect(ARTICLE, SHORT, chain=(SHORT,))
    with caplog.at_level("WARNING", logger="crawler.spider"):
        list(spider.parse_article(redirect(SHORT, None)))
        list(spider.parse_article(chain_start))
        list(spider.parse_article(redirect(ORIGIN + "/last", ARTICLE, chain=tuple(f"{ORIGIN}/r{n}" for n in range(6)))))
        spider.article_failed(failure(ARTICLE, 404))
        spider.article_failed(failure(ARTICLE, None))
        list(spider.listing_failed(failure(ORIGIN + "/tin-tuc-su-kien/trang-2.html", None)))
        list(spider.parse_listing(saved_response("hanam", ORIGIN + "/tin-tuc-su-kien/")))
    assert skip_logs(caplog) == [
        f"hanam: skipped {SHORT} (redirect_without_location)",
        f"hanam: skipped {ARTICLE} (redirect_loop): {SHORT} → {ARTICLE} → {SHORT}",
        f"hanam: skipped {ORIGIN}/last (too_many_redirects)",
        f"hanam: skipped {ARTICLE} (article_http_404)",
        f"hanam: skipped {ARTICLE} (article_failed): timed out",
        f"hanam: skipped {ORIGIN}/tin-tuc-su-kien/trang-2.html (listing_failed): timed out",
        f"hanam: skipped {ORIGIN}/uploads/files/2019_04/ke-hoach-ngay-sach-viet-nam-2019.pdf (not_a_page)",
    ]


def test_the_first_redirect_of_a_link_starts_its_chain():
    """A request from a listing carries no redirect history yet."""
    spider = site_spider("hanam")
    first = Response(SHORT, status=302, headers={"Location": ARTICLE},
                     request=Request(SHORT, callback=NewsSpider.parse_article, meta={"listing": ORIGIN + "/"}))
    (follow,) = spider.parse_article(first)
    assert follow.meta["redirect_chain"] == [SHORT]


def test_redirect_targets_and_sources_get_the_site_aliases():
    """Travinh's listings have an alias (?page=1 is the first page): redirects follow it too."""
    spider = site_spider("travinh")
    base = spider.origin + "/news/newlist/tin-tuc-su-kien"
    moved = Response(base, status=301, headers={"Location": base + "?page=1"},
                     request=Request(base, callback=NewsSpider.parse_article))
    assert list(spider.parse_article(moved)) == []
    assert skipped(spider) == {"redirect_loop": 1}  # the same page once the alias is applied
    old = spider.origin + "/news/old?page=1"
    spider.note_redirect(base + "?page=1", old)
    assert spider.links.aliases == {base: old}
    spider.note_redirect(old, base + "?page=1")
    assert spider.links.aliases[old] == base


def test_listing_requests_carry_what_the_walk_needs():
    spider = site_spider("hanam")
    home = saved_response("hanam", ORIGIN + "/")
    requests = list(spider.parse_listing(home))
    articles = [r for r in requests if r.callback == spider.parse_article]
    listings = [r for r in requests if r.callback == spider.parse_listing]
    assert articles and listings
    assert all(r.meta["listing"] == home.url for r in articles)  # --since stops the right listing
    assert all(r.errback == spider.listing_failed for r in listings)  # a failing section is stepped over
    page2 = next(r for r in spider.parse_listing(saved_response("hanam", ORIGIN + "/tin-tuc-su-kien/"))
                 if r.url.endswith("/trang-2.html"))
    assert page2.errback == spider.listing_failed
    assert page2.priority < min(r.priority for r in articles)  # after this page's articles


def test_a_start_page_that_fails_ends_its_walk_counted():
    spider = site_spider("hanam")
    start = failure(ORIGIN + "/tin-tuc-su-kien/", None)  # a start request: no walk meta
    assert list(spider.listing_failed(start)) == []
    assert skipped(spider) == {"listing_failed": 1}


def test_an_origin_written_with_a_trailing_slash_gives_the_same_start_urls():
    class Slashed(HanamSpider):
        origin = HanamSpider.origin + "/"

    async def collect():
        return [r.url async for r in Slashed().start()]

    assert asyncio.run(collect()) == [HanamSpider.origin + p for p in HanamSpider.start_paths]


@pytest.mark.parametrize("now", [datetime(2031, 2, 28, 23, 59, 58, tzinfo=timezone.utc),
                                 datetime(2019, 6, 1, 4, 30, tzinfo=timezone(timedelta(hours=5)))])
def test_an_item_is_stamped_with_the_crawl_clock_in_utc(now):
    """A page fetched live (no archive time, no Memento-Datetime) is stamped with the crawl's
    clock (CRAWL_NOW), in UTC, whatever the day the test runs."""
    spider = site_spider("hanam", now=now)
    (item,) = spider.parse_article(saved_response("hanam", ARTICLE))
    stamp = item["crawled_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)
    assert now.replace(microsecond=0) <= datetime.fromisoformat(stamp.replace("Z", "+00:00")) \
        <= now + timedelta(seconds=30)


def test_charset_fixes_and_extraction_errors_are_logged_with_the_url(caplog):
    spider = site_spider("hanam")
    lying = HtmlResponse(ARTICLE, body=saved_response("hanam", ARTICLE).body,
                         headers={"Content-Type": "text/html; charset=iso-8859-1"})
    spider.article_page = type("Broken", (spider.article_page,), {"title": lambda self: 1 / 0})
    with caplog.at_level("WARNING", logger="crawler.spider"):
        list(spider.parse_article(lying))
        list(spider.parse_article(Response(ARTICLE, body=b"%PDF", headers={"Content-Type": "application/pdf"})))
    messages = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "crawler.spider"]
    assert messages == [("WARNING", f"hanam: charset of {ARTICLE}: utf-8 body under another label"),
                        ("ERROR", f"hanam: extraction failed on {ARTICLE}"),
                        ("WARNING", f"hanam: skipped {ARTICLE} (extraction_error)"),
                        ("WARNING", f"hanam: skipped {ARTICLE} (not_html)")]
    assert "ZeroDivisionError" in caplog.records[1].exc_text
