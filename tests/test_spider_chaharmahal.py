"""Chaharmahal (chb.iranpl.ir, Sitak CMS): extraction, listing rules and quirks on saved pages."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from crawler.replay import ReplayServer, SiteCopy, page_key
from crawler.urls import canonical_url
from spiders.chaharmahal import ChaharmahalSpider
from tests.support import (chrome_in_items, SITES, crawl, differences, expected_items, extract, listing_requests,
                           read_lines, saved_pages, saved_response, site_spider)

SITE = "chaharmahal"
ORIGIN = "https://chb.iranpl.ir"
CRAWLED_AT = datetime(2026, 1, 26, 9, 0, tzinfo=timezone.utc)
EXPECTED = expected_items(SITE)
ARCHIVE = [f"{ORIGIN}/fa/news/list"] + [f"{ORIGIN}/fa/news/list?page={n}" for n in (2, 3, 4)]
SECTIONS = [f"{ORIGIN}/fa/service/province-news", f"{ORIGIN}/fa/service/city-news"]
CITY_PAGES = [SECTIONS[1]] + [f"{SECTIONS[1]}?page={n}" for n in (2, 3)]
PDF = f"{ORIGIN}/files/chb/fa/attach/1402/farakhan-jashnvare-ketabkhani.pdf"
PAGES = saved_pages(SITE)


def by_id(news_id: int) -> dict:
    return next(item for item in EXPECTED if f"/fa/news/{news_id}/" in item["url"])


def saved_page(url: str) -> dict:
    parts = url.split(ORIGIN, 1)[1]
    return PAGES[page_key(parts)]


@pytest.fixture(scope="module")
def spider() -> ChaharmahalSpider:
    return site_spider(SITE)


# -- (a) every saved article has an expected item (tests/test_articles.py checks them all) ---------------------------------------------

def test_every_saved_article_has_an_expected_item():
    articles = {k for k, p in PAGES.items() if re.match(r"/fa/news/\d+/", k) and p["status"] == 200}
    assert len(articles) == len(EXPECTED) == 30
    assert len({item["url"] for item in EXPECTED}) == len(EXPECTED)


# -- (b) listing rules ------------------------------------------------------------------------------

def test_archive_links_entries_pages_and_sections(spider):
    articles, listings = listing_requests(spider, ARCHIVE[0])
    assert len(articles) == 10
    assert all(re.match(rf"{ORIGIN}/fa/news/\d+(/|$)", url) for url in articles)
    response = saved_response(SITE, ARCHIVE[0])
    assert set(spider._links(response, spider.next_pages(response))) >= set(ARCHIVE[1:])  # the pager
    assert set(listings) == {ARCHIVE[1]} | set(SECTIONS)  # the archive is walked one page at a time


def test_pdf_entry_is_listed_but_never_fetched(spider):
    response = saved_response(SITE, ARCHIVE[1])
    assert PDF in {response.urljoin(link) for link in spider.article_links(response)}
    articles, _ = listing_requests(spider, ARCHIVE[1])
    assert PDF not in articles and len(articles) == 9


def test_sidebar_and_related_news_are_not_listings(spider):
    url = by_id(52318)["url"]
    response = saved_response(SITE, url)
    assert response.css("aside .latest-news a, aside .most-visited a, section.related-news a")
    assert spider.article_links(response) == [] and spider.next_pages(response) == []


def test_every_listing_leads_to_the_same_articles_short_urls_redirect(spider):
    """The archive and both sections list the same articles, some by the short /fa/news/<id>, which
    answers 301 to the full URL; together they reach every article and the deleted one (404)."""
    found = set()
    for url in ARCHIVE + SECTIONS + CITY_PAGES[1:]:
        found |= set(listing_requests(spider, url)[0])
    short = {url for url in found if re.fullmatch(rf"{ORIGIN}/fa/news/\d+", url)}
    assert short
    resolved = set(found - short)
    for url in short:
        page = saved_page(url)
        assert page["status"] == 301
        resolved.add(canonical_url(page["headers"]["Location"]))
    deleted = {url for url in resolved if saved_page(url)["status"] == 404}
    assert len(deleted) == 1
    assert resolved - deleted == {item["url"] for item in EXPECTED}


@pytest.mark.crawl
def test_crawl_with_faults_gives_each_article_once(tmp_path):
    """A slow article, one cut short once and an archive page failing twice with 500 all end up
    complete; the same article met in three listings and by two URLs is one item; the PDF and the
    deleted article give none."""
    faults = {
        "/fa/news/list?page=2": {"status": 500, "times": 2},
        "/fa/news/41897/" + by_id(41897)["url"].split("/")[-1]: {"delay": 1.0},
        "/fa/news/47674/" + by_id(47674)["url"].split("/")[-1]: {"truncate": 0.5, "times": 1},
    }
    with ReplayServer([SiteCopy.load(SITES / SITE, faults=faults)]) as server:
        mirror = server.write_map(tmp_path / "mirror.json")
        result = crawl(["crawl", SITE, "--mirror", str(mirror), "--output", str(tmp_path / "out.jsonl")], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "retries 3" in result.stderr
    assert "article_http_404 1, not_a_page 1" in result.stderr
    items = read_lines(tmp_path / "out.jsonl")
    assert sorted(i["url"] for i in items) == sorted(e["url"] for e in EXPECTED)
    expected = {e["url"]: e for e in EXPECTED}
    assert not {i["url"]: d for i in items if (d := differences(i, expected[i["url"]], ChaharmahalSpider.timezone))}


# -- (c) quirks on real saved pages ------------------------------------------------------------------

def test_date_is_the_article_date_not_today_nor_the_news_code():
    url = by_id(49921)["url"]
    response = saved_response(SITE, url)
    assert response.css(".top-bar .today::text").get() == "امروز: دوشنبه ۶ بهمن ۱۴۰۴"
    assert response.css(".item-code::text").get() == "کد خبر: ۴۹۹۲۱"
    item = extract(SITE, url, CRAWLED_AT)
    assert item["date_raw"] == "یکشنبه ۱۴ بهمن ۱۴۰۳ - ۱۱:۲۴"
    assert item["published_at"] == "2025-02-02T11:24:00+03:30"
    text = " ".join(str(item[f]) for f in ("title", "kicker", "lead", "body"))
    assert "۴۹۹۲۱" not in text and "امروز:" not in text and "۶ بهمن ۱۴۰۴" not in text


def test_kicker_and_lead_apart_from_body_bold_first_paragraph_stays():
    url = by_id(52318)["url"]
    item = extract(SITE, url, CRAWLED_AT)
    assert item["kicker"] == "تداوم نظارت‌های میدانی برای بهبود خدمات؛"
    assert item["lead"] == "بازدید سرپرست اداره کل کتابخانه‌های عمومی استان از روند فعالیت کتابخانه‌ها با هدف ارتقای شاخص‌های عملکردی"
    assert item["kicker"] not in item["body"] and item["lead"] not in item["body"]
    bold = saved_response(SITE, url).css("div.item-body > p:first-child strong::text").get()
    assert item["body"].startswith(bold)


def test_figures_full_size_with_captions_never_in_body():
    url = by_id(52318)["url"]
    response = saved_response(SITE, url)
    assert response.css("div.item-body figure a img[src*='/thumbnails/']")
    item = extract(SITE, url, CRAWLED_AT)
    assert [i["url"].rsplit("/", 1)[-1] for i in item["images"]] == [
        "52318_100.jpg", "52318_107.jpg", "52318_114.jpg", "52318_121.jpg", "52318_128.jpg", "52318_135.jpg"]
    assert item["images"][0]["caption"] is None  # the top picture has only an alt text
    caption = item["images"][1]["caption"]
    assert caption == item["title"]  # the figcaption repeats the headline here ...
    assert caption not in item["body"]  # ... and is never body text
    assert "\n\n\n" not in item["body"]


def test_zwnj_entity_kept_and_arabic_letters_become_persian():
    url = by_id(49921)["url"]
    assert "&zwnj;" in saved_response(SITE, url).text
    item = extract(SITE, url, CRAWLED_AT)
    assert item["title"] == "تقدیر از برگزیدگان جشنواره کتاب\u200cخوانی رضوی در فلارد"
    old = by_id(38205)
    assert "ي" in saved_response(SITE, old["url"]).css("h1.title::text").get()
    item = extract(SITE, old["url"], CRAWLED_AT)
    assert item["title"] == "کتاب\u200cرسانی امانی به منازل اعضای کتابخانه\u200cهای سامان"
    assert "%D9%8A" in item["url"]  # the URL stays as the page names it


def test_list_items_are_paragraphs():
    item = extract(SITE, by_id(41897)["url"], CRAWLED_AT)
    assert item["body"].split("\n\n")[-4:] == [
        "برپایی نمایشگاه کتاب با تخفیف ویژه", "مسابقه کتاب‌خوانی خانوادگی",
        "نشست نقد و بررسی کتاب", "قصه‌گویی برای کودکان پیش‌دبستانی"]


def test_comments_count_listed_replies_included_and_zero_without():
    url = by_id(49921)["url"]
    response = saved_response(SITE, url)
    assert len(response.css("ul.comment-items > li.comment")) == 2
    assert len(response.css("ul.replies li.comment")) == 1
    item = extract(SITE, url, CRAWLED_AT)
    assert item["comment_count"] == 3
    comment_texts = response.css("p.comment-text::text").getall()
    assert comment_texts and not [t for t in comment_texts if t in item["body"]]
    empty = by_id(52318)["url"]
    assert not saved_response(SITE, empty).css("section.comments li.comment")
    assert extract(SITE, empty, CRAWLED_AT)["comment_count"] == 0
    assert extract(SITE, empty, CRAWLED_AT)["view_count"] is None


def test_author_line_is_author_not_body():
    item = extract(SITE, by_id(49921)["url"], CRAWLED_AT)
    assert item["author"] == "مهدی صادقی"
    assert "تهیه‌کننده" not in item["body"] and "مهدی صادقی" not in item["body"]


def test_no_site_chrome_in_any_field():
    leaks = ("ارسال نظر", "نظرات (", "نظر شما", "برچسب‌ها", "لینک کوتاه", "نسخه چاپی", "اخبار مرتبط",
             "آخرین اخبار", "پربازدیدترین", "امروز:", "کد خبر", "کلیه حقوق", "جستجو")
    assert chrome_in_items(SITE, leaks, ("title", "kicker", "lead", "body", "category", "author", "images"), CRAWLED_AT) == {}
