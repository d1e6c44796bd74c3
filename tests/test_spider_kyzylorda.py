"""Kyzylorda (kitapkhana.kz, DataLife Engine): extraction, listing rules and quirks on saved pages."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from scrapy.http import HtmlResponse

from spiders.kyzylorda import KyzylordaArticle, KyzylordaSpider
from tests.support import chrome_in_items, expected_items, extract, saved_response, site_spider

SITE = "kyzylorda"
ORIGIN = "https://kitapkhana.kz"
ZONE = ZoneInfo("Asia/Qyzylorda")
CRAWLED_AT = datetime(2026, 1, 10, 12, 0, tzinfo=timezone.utc)  # 17:00 in Kyzylorda
EXPECTED = expected_items(SITE)
LISTING = f"{ORIGIN}/kz/news/"
LISTING_PAGES = [LISTING] + [f"{ORIGIN}/kz/news/page/{n}/" for n in (2, 3, 4)]
PDF = f"{ORIGIN}/uploads/files/2024-01/1704777600_is-sharalar-zhospary-2024.pdf"


def by_url(url: str) -> dict:
    return next(item for item in EXPECTED if item["url"] == url)


@pytest.fixture(scope="module")
def spider() -> KyzylordaSpider:
    return site_spider(SITE)


# -- (a) every saved article has an expected item (tests/test_articles.py checks them all) ---------------------------------------------

def test_every_saved_article_has_an_expected_item():
    assert len(EXPECTED) == 32
    assert len({item["url"] for item in EXPECTED}) == len(EXPECTED)


# -- (b) listing rules ------------------------------------------------------------------------------

def test_listing_links_articles_and_pages_but_not_the_pdf(spider):
    response = saved_response(SITE, LISTING)
    requests = list(spider.parse_listing(response))
    articles = [r.url for r in requests if r.callback == spider.parse_article]
    listings = [r.url for r in requests if r.callback == spider.parse_listing]
    assert PDF in spider.article_links(response)  # the listing does link it ...
    assert PDF not in articles  # ... but it is never fetched as an article
    assert len(articles) == 9
    assert all(url.startswith(f"{ORIGIN}/kz/news/") and url.endswith(".html") for url in articles)
    assert f"{ORIGIN}/kz/news/is-sharalar/3849-ana-tili-ardagym-atty-kitap.html" in articles
    assert set(spider._links(response, spider.next_pages(response))) >= set(LISTING_PAGES[1:2])  # the pager
    assert listings == LISTING_PAGES[1:2]  # walked one page at a time


def test_last_listing_page_has_no_next_but_links_back(spider):
    response = saved_response(SITE, LISTING_PAGES[-1])
    pages = {url for url in spider._links(response, spider.next_pages(response))}
    assert pages == set(LISTING_PAGES[:-1])


def test_listing_walk_reaches_every_article(spider):
    found = set()
    for url in LISTING_PAGES:
        found |= {r.url for r in spider.parse_listing(saved_response(SITE, url))
                  if r.callback == spider.parse_article}
    assert found == {item["url"] for item in EXPECTED}


def test_sidebar_links_are_not_articles(spider):
    """'Танымал' links /index.php?newsid=ID, 'Соңғы жаңалықтар' recent items: only entries count."""
    response = saved_response(SITE, LISTING)
    assert response.css("aside .topnews a[href*='newsid=']")
    links = spider.article_links(response)
    assert not [link for link in links if "newsid=" in link]
    # an article page carries the same sidebars (and related news) but no listing entries
    page = saved_response(SITE, f"{ORIGIN}/kz/news/3066-uzdik-kitaphanashy-baiqauy-qorytyndylandy.html")
    assert page.css("aside .lastnews a, aside .topnews a, div.related a")
    assert spider.article_links(page) == []
    assert spider.next_pages(page) == []


@pytest.mark.parametrize("path, count", [("/rss.xml", 10), ("/sitemap.xml", 32)])
def test_feeds_give_article_links_only(spider, path, count):
    response = saved_response(SITE, ORIGIN + path)
    links = list(spider.article_links(response))
    assert len(links) == count
    assert set(links) <= {item["url"] for item in EXPECTED}
    assert f"{ORIGIN}/kz/news/" not in links and f"{ORIGIN}/" not in links
    assert not list(spider.next_pages(response))


# -- (c) quirks on real saved pages ------------------------------------------------------------------

def test_relative_dates_resolve_on_kyzylorda_clock():
    """'Бүгін, 10:15' at 20:30 UTC is already the next day in Kyzylorda (UTC+5)."""
    url = f"{ORIGIN}/kz/news/4347-kitap-syila-aktsiiasy-qorga-250.html"
    late = datetime(2026, 1, 10, 20, 30, tzinfo=timezone.utc)
    item = extract(SITE, url, crawled_at=late)
    assert item["date_raw"] == "Бүгін, 10:15"
    assert item["published_at"] == "2026-01-11T10:15:00+05:00"
    yesterday = extract(SITE, f"{ORIGIN}/kz/news/4340-qyzylorda-qalasynyn-akimi-oblystyq-kitaphananyn.html",
                        crawled_at=late)
    assert yesterday["date_raw"] == "Кеше, 18:40"
    assert yesterday["published_at"] == "2026-01-10T18:40:00+05:00"


def test_offset_follows_the_2018_zone_change():
    before = extract(SITE, f"{ORIGIN}/kz/news/1148-tauelsizdik-tugyry-atty-kitap-kormesi.html", CRAWLED_AT)
    after = extract(SITE, f"{ORIGIN}/kz/news/1287-elbasy-kitaphanasynyn-aqparattyq-resurstary.html", CRAWLED_AT)
    assert before["published_at"] == "2018-12-18T18:01:00+06:00"
    assert after["published_at"] == "2019-04-08T16:32:00+05:00"


def test_comment_dates_are_not_the_article_date():
    url = f"{ORIGIN}/kz/news/3965-uzdik-oqyrman-oblystyq-baiqauynyn-zhenimpazdary.html"
    response = saved_response(SITE, url)
    comment_dates = response.css("#dle-comments-list .com_date::text").getall()
    assert len(comment_dates) == 3
    item = extract(SITE, url, CRAWLED_AT)
    assert item["date_raw"] == "20 ақпан 2025 ж. 17:17" and item["date_raw"] not in comment_dates
    assert item["comment_count"] == 3


def test_no_comments_form_captcha_or_sidebar_text_in_any_field():
    leaks = ("Пікір қосу", "Кликните", "Кодты енгізіңіз", "Танымал", "Соңғы жаңалықтар",
             "Ұқсас жаңалықтар", "Жауап беру", "Бөлісу", "Басып шығару", "Пайдалы сілтемелер")
    assert chrome_in_items(SITE, leaks, ("title", "body", "category", "date_raw", "images"), CRAWLED_AT) == {}


def test_lazy_images_use_data_src_not_placeholder():
    url = f"{ORIGIN}/kz/news/khabarlandyrular/2072-oqyrmandar-nazaryna-zhana-zhyl-kunderindegi.html"
    response = saved_response(SITE, url)
    assert response.css("div.full-story img.lazyload[data-src]")
    assert set(response.css("div.full-story img::attr(src)").getall()) == {"/templates/kitap/images/lazy.gif"}
    images = extract(SITE, url, CRAWLED_AT)["images"]
    assert [i["url"] for i in images] == [
        f"{ORIGIN}/uploads/posts/2020-12/1609041636_img_5650.jpg",
        f"{ORIGIN}/uploads/posts/2020-12/1609041640_img_5651.jpg",
    ]


def test_thumbnails_give_full_size_with_figcaption_captions_out_of_body():
    url = f"{ORIGIN}/kz/news/3066-uzdik-kitaphanashy-baiqauy-qorytyndylandy.html"
    response = saved_response(SITE, url)
    assert response.css("div.full-story a.highslide img[src*='/thumbs/']")
    item = extract(SITE, url, CRAWLED_AT)
    assert all("/thumbs/" not in image["url"] for image in item["images"])
    assert [i["caption"] for i in item["images"]] == ["Кездесу барысында", None,
                                                       "Қатысушылар естелік суретке түсті", None]
    assert "Кездесу барысында" not in item["body"]
    # list items are paragraphs of their own
    assert "\n\nІІ орын — Қызылорда қаласының өкілі;\n\n" in item["body"]


def test_newsid_alias_gives_the_canonical_url():
    """/index.php?newsid=ID answers the same page; the item carries its <link rel=canonical>."""
    url = f"{ORIGIN}/kz/news/3066-uzdik-kitaphanashy-baiqauy-qorytyndylandy.html"
    saved = saved_response(SITE, url)
    alias = HtmlResponse(url=f"{ORIGIN}/index.php?newsid=3066", body=saved.body,
                         headers={"Content-Type": "text/html; charset=utf-8"})
    fields = KyzylordaArticle(alias.url, alias.selector).fields()
    assert fields["url"] == url
    assert fields["title"] == by_url(url)["title"]


def test_view_count_with_space_thousands_separator():
    url = f"{ORIGIN}/kz/news/1977-zhalagash-audanyndagy-auyldyq-kitaphanalardyn-zhumysy.html"
    assert "4 399 қарау" in saved_response(SITE, url).css(".storyinfo .views").get()
    assert extract(SITE, url, CRAWLED_AT)["view_count"] == 4399
