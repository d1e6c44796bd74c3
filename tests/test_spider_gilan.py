"""Gilan (gilan.iranpl.ir, ASP.NET CMS in windows-1256): extraction, listing rules and quirks on saved pages."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from crawler.replay import ReplayServer, SiteCopy
from spiders.gilan import GilanSpider
from tests.support import (chrome_in_items, SITES, crawl, differences, expected_items, extract, listing_requests,
                           read_lines, saved_pages, saved_response, site_spider)

SITE = "gilan"
ORIGIN = "https://gilan.iranpl.ir"
CRAWLED_AT = datetime(2026, 1, 26, 9, 0, tzinfo=timezone.utc)
EXPECTED = expected_items(SITE)
LISTING = f"{ORIGIN}/fa/news"
LISTING_PAGES = [LISTING] + [f"{LISTING}?page={n}" for n in (2, 3, 4)]
PDF = f"{ORIGIN}/Files/Docs/1401/farakhan-mosabeghe-ketabkhani-1401.pdf"
REMOVED_ID = "/fa/news/48376/"  # listed in the archive, answers 404


def by_id(news_id: int) -> dict:
    return next(item for item in EXPECTED if f"/fa/news/{news_id}/" in item["url"])


@pytest.fixture(scope="module")
def spider() -> GilanSpider:
    return site_spider(SITE)


# -- (a) every saved article has an expected item (tests/test_articles.py checks them all) ---------------------------------------------

def test_every_saved_article_has_an_expected_item():
    pages = saved_pages(SITE)
    saved_articles = {key for key, page in pages.items() if key.startswith("/fa/news/") and page["status"] == 200}
    assert len(saved_articles) == len(EXPECTED) == 32
    assert len({item["url"] for item in EXPECTED}) == len(EXPECTED)


# -- (b) listing rules ------------------------------------------------------------------------------

def test_archive_links_articles_and_pages_but_not_the_pdf(spider):
    response = saved_response(SITE, LISTING)
    assert PDF in {response.urljoin(link) for link in spider.article_links(response)}  # listed ...
    articles, listings = listing_requests(spider, LISTING)
    assert PDF not in articles  # ... but never fetched as an article
    assert len(articles) == 9
    assert all(url.startswith(f"{ORIGIN}/fa/news/") for url in articles)
    assert by_id(58826)["url"] in articles  # an entry without a thumbnail still counts
    assert set(spider._links(response, spider.next_pages(response))) >= set(LISTING_PAGES[1:])  # the pager
    assert listings == LISTING_PAGES[1:2]  # walked one page at a time


def test_featured_sidebar_is_not_a_listing(spider):
    """The "اخبار برگزيده" box links articles on every page; only archive entries count."""
    response = saved_response(SITE, LISTING)
    featured = response.css("ul.featured a::attr(href)").getall()
    assert featured
    article = saved_response(SITE, by_id(55082)["url"])
    assert article.css("ul.featured a")
    assert spider.article_links(article) == [] and spider.next_pages(article) == []


def test_archive_walk_reaches_every_article_and_the_removed_one(spider):
    found = set()
    for url in LISTING_PAGES:
        found |= set(listing_requests(spider, url)[0])
    removed = {url for url in found if REMOVED_ID in url}
    assert len(removed) == 1
    assert found - removed == {item["url"] for item in EXPECTED}
    pages = saved_pages(SITE)
    assert [p["status"] for k, p in pages.items() if k.startswith(REMOVED_ID)] == [404]  # saved as answered


@pytest.mark.crawl
def test_crawl_with_faults_gives_each_article_once(tmp_path):
    """Archive page 2 fails twice with 500 and an article comes back cut short once: retried, complete;
    the PDF and the removed (404) article give no item."""
    faults = {"/fa/news?page=2": {"status": 500, "times": 2},
              "/fa/news/30506/" + by_id(30506)["url"].split("/")[-1]: {"truncate": 0.5, "times": 1}}
    with ReplayServer([SiteCopy.load(SITES / SITE, faults=faults)]) as server:
        mirror = server.write_map(tmp_path / "mirror.json")
        result = crawl(["crawl", SITE, "--mirror", str(mirror), "--output", str(tmp_path / "out.jsonl")], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "retries 3" in result.stderr  # two 500s and one cut-short body were retried
    assert "article_http_404 1, not_a_page 1" in result.stderr  # the removed article and the PDF
    items = read_lines(tmp_path / "out.jsonl")
    assert sorted(i["url"] for i in items) == sorted(e["url"] for e in EXPECTED)
    expected = {e["url"]: e for e in EXPECTED}
    assert not {i["url"]: d for i in items if (d := differences(i, expected[i["url"]], GilanSpider.timezone))}


# -- (c) quirks on real saved pages ------------------------------------------------------------------

def test_charset_only_in_meta_tag_and_arabic_letters_become_persian():
    expected = by_id(30636)
    response = saved_response(SITE, expected["url"])
    assert response.headers.get("Content-Type") == b"text/html"  # no charset in the header
    assert response.encoding == "cp1256"  # read from <meta http-equiv>
    raw_title = response.css("h1.news-title span::text").get()
    assert "ي" in raw_title and "ك" in raw_title  # the CMS writes Arabic yeh/kaf
    item = extract(SITE, expected["url"], CRAWLED_AT)
    assert item["title"] == "اعلام اسامی برگزیدگان مسابقه کتابخوانی «پایی که جا ماند» در گیلان"
    for field in ("title", "lead", "body", "category"):
        assert "ي" not in item[field] and "ك" not in item[field], field


def test_br_separated_body_on_old_pages_and_p_on_new():
    old = by_id(30506)
    response = saved_response(SITE, old["url"])
    assert not response.css("div.news-body p") and len(response.css("div.news-body br")) >= 4
    body = extract(SITE, old["url"], CRAWLED_AT)["body"].split("\n\n")
    assert len(body) == 9  # 4 lines, 4 list items, 1 closing line; the trailing <br><br> give nothing
    assert body[4] == "عضویت رایگان اهالی روستا"
    new = extract(SITE, by_id(58826)["url"], CRAWLED_AT)["body"].split("\n\n")
    assert len(new) == len(saved_response(SITE, by_id(58826)["url"]).css("div.news-body p")) == 2


def test_two_date_styles_in_persian_digits():
    old = extract(SITE, by_id(30506)["url"], CRAWLED_AT)
    assert old["date_raw"] == "سه‌شنبه ۱۲ اردیبهشت ۱۳۹۶"
    assert old["published_at"] == "2017-05-02T00:00:00+04:30"  # no time printed: midnight, summer offset
    new = extract(SITE, by_id(47211)["url"], CRAWLED_AT)
    assert new["date_raw"] == "۱۳۹۹/۱۲/۰۴ - ۱۰:۲۵"
    assert new["published_at"] == "2021-02-22T10:25:00+03:30"


def test_top_picture_then_gallery_full_size_with_captions_once_each():
    expected = by_id(30636)
    response = saved_response(SITE, expected["url"])
    assert response.css("div.gallery a.fancy img[src*='/thumb/']")
    images = extract(SITE, expected["url"], CRAWLED_AT)["images"]
    assert images == [
        {"url": f"{ORIGIN}/Images/News/1396/02/30636.jpg", "caption": None},  # alt repeats the title: no caption
        {"url": f"{ORIGIN}/Images/News/Gallery/30636/30636_1.jpg", "caption": "نمایی از برنامه"},
        {"url": f"{ORIGIN}/Images/News/Gallery/30636/30636_2.jpg", "caption": "اهدای لوح تقدیر"},
    ]
    # an inline body picture counts too; an empty gallery adds nothing
    assert [i["url"] for i in extract(SITE, by_id(55082)["url"], CRAWLED_AT)["images"]] == [
        f"{ORIGIN}/Images/News/1401/09/55082.jpg", f"{ORIGIN}/Images/Upload/1401/55082_body.jpg"]


def test_view_count_persian_digits_and_news_code_not_in_fields():
    expected = by_id(45084)
    response = saved_response(SITE, expected["url"])
    assert response.css("[id$=lblVisit]::text").get() == "۲۳۰۶"
    item = extract(SITE, expected["url"], CRAWLED_AT)
    assert item["view_count"] == 2306
    assert item["comment_count"] is None
    assert "45084" not in item["body"] and "کد خبر" not in item["body"]


def test_no_site_chrome_in_any_field():
    leaks = ("اخبار برگزیده", "عکس های مرتبط", "تلگرام", "نسخه چاپی", "کد خبر", "تعداد بازدید",
             "تاریخ انتشار", "کلیه حقوق", "فراخوان جذب", "صفحه اصلی")
    assert chrome_in_items(SITE, leaks, ("title", "kicker", "lead", "body", "category", "images"), CRAWLED_AT) == {}
