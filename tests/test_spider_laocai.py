"""Lào Cai (thuvientinhlaocai.vn, NukeViet 4.5, default theme, no URL rewriting): the NukeViet
adapter on the saved copy, its listing rules, the CMS's known bugs, identity across URL variants,
theme and version independence, and real crawls over loopback (exact items, v1 → v2, cost)."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse, Request, Response

from crawler.replay import ReplayServer, SiteCopy
from crawler.sites import Site
from crawler.urls import article_id as item_id
from spiders.nukeviet import NukeVietArticle, NukeVietSpider, article_id, is_listing
from tests.support import (chrome_in_items, EXPECTED_V2, SITES, SITES_V2, OfflineRun, crawl, differences, expected_items, outputs,
                           read_lines, saved_copy, saved_response, site_spider)

SITE = "laocai"
ORIGIN = "https://thuvientinhlaocai.vn"
ZONE = "Asia/Ho_Chi_Minh"
NEWS = f"{ORIGIN}/index.php/vi/news/"
CRAWLED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
EXPECTED = expected_items(SITE)
EXPECTED_2 = expected_items(SITE, EXPECTED_V2)
PAGES = [NEWS, f"{NEWS}page-2/", f"{NEWS}page-3/"]
# filed under two categories: 'Tin tức - Sự kiện' is its main one, 'Hoạt động thư viện' answers 301
MAIN_473 = f"{NEWS}tin-tuc-su-kien/phat-dong-cuoc-thi-dai-su-van-hoa-doc-tinh-lao-cai-nam-2022-473.html"
ALIAS_473 = f"{NEWS}hoat-dong-thu-vien/phat-dong-cuoc-thi-dai-su-van-hoa-doc-tinh-lao-cai-nam-2022-473.html"
EXTERNAL = f"{NEWS}tin-tuc-su-kien/bao-lao-cai-lan-toa-van-hoa-doc-tu-nhung-tu-sach-cong-dong-o-vung-cao-586.html"
TO_PDF = f"{NEWS}tin-tuc-su-kien/ke-hoach-to-chuc-cac-hoat-dong-phat-trien-van-hoa-doc-nam-2021-toan-van-618.html"
GONE = f"{NEWS}hoat-dong-thu-vien/thong-bao-lich-nghi-tet-nguyen-dan-2021-247.html"  # 'Tin xem nhiều' → 404


def by_url(url: str, expected: list[dict] = EXPECTED) -> dict:
    return next(item for item in expected if item["url"] == url)


def url_of(number: int) -> str:
    return next(item["url"] for item in EXPECTED if item["url"].endswith(f"-{number}.html"))


def html_of(url: str) -> str:
    return saved_response(SITE, url).text


def item_of(url: str, html: str, run: OfflineRun | None = None) -> dict:
    """The item a crawl writes for `html` fetched at `url`."""
    run = run or OfflineRun(SITE, CRAWLED_AT)
    (item,) = run.items_of(HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8",
                                        headers={"Content-Type": "text/html; charset=utf-8"}))
    return item


@pytest.fixture(scope="module")
def spider() -> NukeVietSpider:
    return site_spider(SITE)


def other_site(news: str) -> NukeVietSpider:
    """A spider for another NukeViet site: the same adapter bound to another entry."""
    from scrapy.utils.test import get_crawler

    parts = re.match(r"(https?://[^/]+)", news)
    entry = Site(id="othernv", name="Thư viện khác", origin=parts.group(1), language="vi", timezone=ZONE,
                 cms="nukeviet", news=news)
    cls = NukeVietSpider.bound(entry)
    return cls.from_crawler(get_crawler(cls))


# -- saved copy and expected items ---------------------------------------------------------------

def test_every_saved_article_has_an_expected_item():
    assert len(EXPECTED) == 28 and len(EXPECTED_2) == 32
    assert len({item["url"] for item in EXPECTED}) == len(EXPECTED)
    assert {item["url"] for item in EXPECTED} < {item["url"] for item in EXPECTED_2}


def test_the_site_entry_is_bound_to_the_adapter(spider):
    assert type(spider).__mro__[1] is NukeVietSpider and spider.cms == "nukeviet"
    assert (spider.language, spider.timezone, spider.origin) == ("vi", ZONE, ORIGIN)
    assert spider.start_urls_of_site() == [NEWS] and spider.module == "news"


# -- URL shapes of the news module ---------------------------------------------------------------

@pytest.mark.parametrize("url", [
    f"{ORIGIN}/index.php/vi/news/tin-tuc-su-kien/phat-dong-cuoc-thi-473.html",   # no rewrite file
    f"{ORIGIN}/vi/news/tin-tuc-su-kien/phat-dong-cuoc-thi-473.html",             # rewriting on
    f"{ORIGIN}/news/tin-tuc-su-kien/phat-dong-cuoc-thi-473.html",                # one language
    f"{ORIGIN}/index.php?language=vi&nv=news&op=tin-tuc-su-kien/phat-dong-cuoc-thi-473.html",
    f"{ORIGIN}/index.php?language=vi&nv=news&op=tin-tuc-su-kien/phat-dong-cuoc-thi-473",
])
def test_article_urls_in_every_shape_give_the_id(url):
    assert article_id(url, "news") == 473


@pytest.mark.parametrize("url", [
    NEWS, f"{NEWS}page-2/", f"{NEWS}tin-tuc-su-kien/", f"{NEWS}tin-tuc-su-kien/page-12/",
    f"{NEWS}print/tin-tuc-su-kien/phat-dong-cuoc-thi-473.html",      # print view
    f"{NEWS}sendmail/tin-tuc-su-kien/phat-dong-cuoc-thi-473.html",
    f"{NEWS}tag/thu-vien-2023", f"{NEWS}rss/tin-tuc-su-kien/", f"{ORIGIN}/index.php/vi/about/",
    f"{ORIGIN}/uploads/news/2021_08/ke-hoach-2021.pdf", f"{ORIGIN}/index.php/vi/page/gioi-thieu-12.html",
])
def test_other_pages_are_not_articles(url):
    assert article_id(url, "news") is None


def test_listing_shapes():
    assert is_listing(NEWS, "news") and is_listing(f"{NEWS}page-3/", "news")
    assert is_listing(f"{NEWS}thu-vien-co-so/", "news") and is_listing(f"{ORIGIN}/vi/news/thu-vien-co-so/page-2/", "news")
    assert not is_listing(MAIN_473, "news") and not is_listing(f"{NEWS}rss/", "news")
    assert not is_listing(f"{ORIGIN}/index.php/vi/about/", "news")


# -- listings ------------------------------------------------------------------------------------

def test_main_listing_links_its_entries_and_walks_one_page_at_a_time(spider):
    response = saved_response(SITE, NEWS)
    requests = list(spider.parse_listing(response))
    articles = [r.url for r in requests if r.callback == spider.parse_article]
    listings = [r.url for r in requests if r.callback == spider.parse_listing]
    assert listings == [PAGES[1]]
    assert EXTERNAL in articles  # an entry like the others: it answers 301 off the site
    assert len(articles) == 10 + 5  # ten entries and five in 'Các tin khác'
    assert all(article_id(url, "news") for url in articles)
    assert spider.next_pages(response) == [PAGES[1], PAGES[2]]


def test_sidebar_blocks_are_not_entries(spider):
    """'Tin xem nhiều' (block_tophits) links old articles on every page, one of them removed (404)."""
    response = saved_response(SITE, NEWS)
    tophits = response.css("ul.block_tophits a::attr(href)").getall()
    assert any(link.endswith("-247.html") for link in tophits)
    links = spider.article_links(response)
    assert GONE not in links and not [link for link in links if link.endswith("-247.html")]


def test_the_walk_reaches_every_article_and_the_last_page_ends_it(spider):
    found = set()
    for url in PAGES:
        found |= {r.url for r in spider.parse_listing(saved_response(SITE, url)) if r.callback == spider.parse_article}
    assert found == {item["url"] for item in EXPECTED} | {EXTERNAL, TO_PDF}
    last = saved_response(SITE, PAGES[-1])
    assert set(spider.next_pages(last)) == {PAGES[1]}  # « back to 2 only, 1 is the listing itself
    assert not [r for r in spider.parse_listing(last) if r.callback == spider.parse_listing]


def test_a_paged_main_list_walks_no_categories(spider):
    response = saved_response(SITE, NEWS)
    assert response.css(".nv-block-category a")  # the categories are linked ...
    assert list(spider.section_links(response)) == []  # ... but every article is in the main list


# -- articles: the fields and the CMS's known bugs -------------------------------------------------

def test_date_is_the_printed_one_not_the_broken_meta_nor_the_edit_time():
    response = saved_response(SITE, MAIN_473)
    assert response.css('meta[property="article:published_time"]::attr(content)').get() == "2022-09-05+0707:45:00"
    assert response.css('[itemprop="datePublished"]::text').get() == "2022-09-13T11:20:54+07:00"  # the last edit
    item = OfflineRun(SITE, CRAWLED_AT).item(MAIN_473)
    assert item["date_raw"] == "Thứ hai - 05/09/2022 07:45"
    assert item["published_at"] == "2022-09-05T07:45:00+07:00"


def test_the_broken_meta_is_read_repaired_only_where_no_date_is_printed():
    html = html_of(MAIN_473).replace("Thứ hai - 05/09/2022 07:45", "")
    page = NukeVietArticle.from_html(MAIN_473, html)
    assert page.date_raw() == "2022-09-05T07:45:00+07:00"  # '2022-09-05+0707:45:00': '+07' stands for T
    assert item_of(MAIN_473, html)["published_at"] == "2022-09-05T07:45:00+07:00"
    # an edit time in the microdata is never the publication: without any date, no date
    html = html.replace('content="2022-09-05+0707:45:00"', 'content=""')
    assert NukeVietArticle.from_html(MAIN_473, html).date_raw() is None


def test_source_line_and_microdata_author_are_not_the_author():
    url = url_of(280)
    response = saved_response(SITE, url)
    assert response.css('[itemprop="author"] [itemprop="name"]::text').get() == "Quản trị viên"
    assert "Nguồn tin" in response.text
    assert OfflineRun(SITE, CRAWLED_AT).item(url)["author"] is None
    item = OfflineRun(SITE, CRAWLED_AT).item(MAIN_473)  # author and source both printed
    assert item["author"] == "Thu Hà"
    assert not item["body"].endswith("Sở Văn hóa và Thể thao tỉnh Lào Cai")  # the source line is no text either


def test_cover_picture_is_the_full_size_file_with_its_figcaption():
    response = saved_response(SITE, MAIN_473)
    thumb = response.css("figure.article img::attr(src)").get()
    assert thumb.startswith("/assets/news/")
    item = OfflineRun(SITE, CRAWLED_AT).item(MAIN_473)
    assert item["images"] == [{"url": f"{ORIGIN}/uploads/news/2022_09/phat-dong-cuoc-thi-dai-su-van-hoa-doc-tinh-lao-c.jpg",
                               "caption": "Ban Tổ chức trao giải Nhất cho các thí sinh"}]


def test_caption_lines_under_pictures_are_captions_not_body():
    url = url_of(306)
    item = OfflineRun(SITE, CRAWLED_AT).item(url)
    assert [i["caption"] for i in item["images"]] == [None, "Ban Tổ chức trao giải Nhất cho các thí sinh",
                                                      "Các thí sinh đạt giải chụp ảnh lưu niệm"]
    assert "Ban Tổ chức trao giải Nhất" not in item["body"] and "lưu niệm" not in item["body"]
    assert item["lead"] not in item["body"]
    assert item == {**item, **{k: v for k, v in by_url(url).items() if k != "published_at"}}


CAPTION_SHAPES = """<p>Đoạn một.</p>
<p style="text-align:center"><img src="/uploads/news/a.jpg" alt="alt không phải chú thích"/><br/><em>Chú thích trong đoạn</em></p>
<figure class="image"><img src="/uploads/news/b.jpg"/><figcaption>Chú thích figcaption</figcaption></figure>
<table class="image"><tr><td><img src="/uploads/news/c.jpg"/></td></tr><tr><td>Chú thích hàng dưới</td></tr></table>
<p><img src="/uploads/news/d.jpg"/></p>
<p><em>Một câu in nghiêng</em> và chữ thường: đoạn văn, không phải chú thích.</p>
<p>Đoạn cuối.</p>"""


def test_caption_shapes_editors_write():
    html = re.sub(r'(<div id="news-bodyhtml" class="bodytext margin-bottom-lg">).*?(</div>\s*<div class="margin-bottom-lg">)',
                  lambda m: m[1] + CAPTION_SHAPES + m[2], html_of(MAIN_473), count=1, flags=re.S)
    page = NukeVietArticle.from_html(MAIN_473, html)
    assert page.body() == ("Đoạn một.\n\nMột câu in nghiêng và chữ thường: đoạn văn, không phải chú thích."
                           "\n\nĐoạn cuối.")
    assert [(i["url"].rsplit("/", 1)[-1], i["caption"]) for i in page.images()[1:]] == [
        ("a.jpg", "Chú thích trong đoạn"), ("b.jpg", "Chú thích figcaption"), ("c.jpg", "Chú thích hàng dưới"),
        ("d.jpg", None)]


def test_comments_count_replies_and_view_count_is_only_what_the_page_prints():
    response = saved_response(SITE, MAIN_473)
    assert len(response.css("#showcomment li.media")) == 4  # three comments, one reply nested
    item = OfflineRun(SITE, CRAWLED_AT).item(MAIN_473)
    assert item["comment_count"] == 4
    assert "Đã xem" in html_of(NEWS) and "Đã xem" not in response.text
    assert item["view_count"] is None
    # without the 'Phản hồi: N' line (not in every theme) the list is counted
    html = re.sub(r'<span class="h5 text-muted hitscm">.*?</span>\s*</span>|<span class="h5 text-muted hitscm">.*?Phản hồi: \d+</span>',
                  "", html_of(MAIN_473), flags=re.S)
    assert "Phản hồi" not in html
    assert NukeVietArticle.from_html(MAIN_473, html).comment_count() == 4


def test_no_comment_sidebar_or_tool_text_in_any_field():
    leaks = ("Ý kiến bạn đọc", "Gửi lúc", "Trả lời", "Tin xem nhiều", "Tác giả", "Nguồn tin", "Tags",
             "Thống kê truy cập", "Tweet", "Phản hồi", "Trang nhất")
    assert chrome_in_items(SITE, leaks, ("title", "lead", "body", "author", "category", "images"), CRAWLED_AT) == {}


# -- identity: one article, one item ---------------------------------------------------------------

def test_a_non_main_category_path_redirects_to_the_article_and_is_remembered():
    run = OfflineRun(SITE, CRAWLED_AT)
    relative = MAIN_473.removeprefix(ORIGIN)
    moved = Response(ALIAS_473, status=301, headers={"Location": relative},
                     request=Request(ALIAS_473, meta={"dont_redirect": True}))
    (follow,) = run.spider.parse_article(moved)
    assert follow.url == MAIN_473 and follow.meta["redirect_chain"] == [ALIAS_473]
    assert run.spider.links.aliases[ALIAS_473] == MAIN_473
    item = run.items_of(saved_response(SITE, MAIN_473).replace(request=follow))[0]
    assert item["url"] == MAIN_473 and item["id"] == item_id(SITE, MAIN_473)
    assert ALIAS_473 in item["aliases"]


@pytest.mark.parametrize("variant", [
    f"{ORIGIN}/index.php?language=vi&nv=news&op=tin-tuc-su-kien/phat-dong-cuoc-thi-dai-su-van-hoa-doc-tinh-lao-cai-nam-2022-473.html",
    f"{MAIN_473}?utm_source=zalo#idcomment",
    f"{ORIGIN}/index.php/vi/news/tin-tuc-su-kien/phat-dong-cuoc-thi-dai-su-van-hoa-doc-tinh-lao-cai-nam-2022-473.html",
])
def test_url_variants_give_one_item(variant):
    item = item_of(variant, html_of(MAIN_473))
    assert item["url"] == MAIN_473 and item["id"] == item_id(SITE, MAIN_473)


def test_a_canonical_pointing_away_is_not_the_article_url():
    """A theme or plugin that names the home page or a listing as canonical: the article's own URL stands."""
    html = html_of(MAIN_473)
    for away in (f"{ORIGIN}/", NEWS, f"{NEWS}hoat-dong-thu-vien/"):
        edited = re.sub(r'<link rel="canonical" href="[^"]*">', f'<link rel="canonical" href="{away}">', html)
        edited = re.sub(r'<meta property="og:url" content="[^"]*">', f'<meta property="og:url" content="{away}">', edited)
        assert item_of(MAIN_473, edited)["url"] == MAIN_473, away


def test_one_crawl_writes_an_article_reached_twice_once():
    run = OfflineRun(SITE, CRAWLED_AT)
    run.item(MAIN_473)
    from scrapy.exceptions import DropItem
    with pytest.raises(DropItem):
        item_of(f"{MAIN_473}?utm_campaign=x", html_of(MAIN_473), run)


# -- external-link articles -------------------------------------------------------------------------

@pytest.mark.parametrize("url, location", [
    (EXTERNAL, "https://baolaocai.vn/lan-toa-van-hoa-doc-tu-nhung-tu-sach-cong-dong-o-vung-cao-post3812.html"),
    (TO_PDF, f"{ORIGIN}/uploads/news/2021_08/ke-hoach-phat-trien-van-hoa-doc-2021.pdf"),
])
def test_external_link_articles_are_skipped_and_remembered(url, location):
    run = OfflineRun(SITE, CRAWLED_AT)
    saved = saved_copy(SITES / SITE).answer(url.removeprefix(ORIGIN))
    assert saved.status == 301 and saved.header("Location") == location
    response = Response(url, status=301, headers={"Location": location})
    assert list(run.spider.parse_article(response.replace(request=Request(url)))) == []
    assert run.stats["skipped/external_link"] == 1
    assert url in run.spider.links.dead  # not asked again by later runs


# -- other themes, versions and settings of the same CMS ------------------------------------------

def _core_parts(html: str) -> tuple[str, str, str]:
    """What the core emits on an article page: the head's meta, the detail block, the comments."""
    sel = Selector(text=html)
    head = "".join(sel.css("head > meta, head > link[rel=canonical], head > title").getall())
    detail = sel.css('div.news_column[itemtype*="NewsArticle"]').get()
    comments = sel.css("#idcomment").get()
    return head, detail, comments


OTHER_THEME = """<!DOCTYPE html><html lang="vi"><head>{head}</head><body class="theme-egov">
<div id="top"><a href="/"><img src="/themes/egov/images/logo.png" alt="logo"></a>
<ul class="menu-top"><li><a href="/vi/news/">Tin tức</a></li></ul></div>
<div class="wrap"><div class="col-left"><div class="breadcrumb"><a href="/">Trang chủ</a> › Tin tức</div>
<article class="post">{detail}</article><section class="comments">{comments}</section></div>
<div class="col-right"><div class="box"><h3>Tin mới</h3><ul class="block_news list-none">
<li><a href="/index.php/vi/news/thu-vien-co-so/phuc-vu-thu-vien-luu-dong-tai-xa-xuan-quang-huyen-bao-thang-242.html">Phục vụ thư viện lưu động</a> <span>07/03/2019 08:10</span></li></ul></div>
<div class="box"><h3>Liên kết</h3><p>Thứ hai - 01/01/2024 08:00 Lịch trực</p></div></div></div>
<footer><p>Phản hồi: 99 Đã xem: 12345</p></footer></body></html>"""


@pytest.mark.parametrize("number", [473, 306, 242, 280, 645])
def test_another_theme_around_the_same_core_output_gives_the_same_item(number):
    url = url_of(number) if number != 473 else MAIN_473
    head, detail, comments = _core_parts(html_of(url))
    html = OTHER_THEME.format(head=head, detail=detail, comments=comments)
    assert not differences(item_of(url, html), by_url(url), ZONE)


def test_a_site_with_comments_and_the_summary_switched_off():
    """Comments off (no comment panel, no 'Phản hồi'), showhometext off: null comment count, no lead,
    the same text."""
    html = re.sub(r'<span class="h5 text-muted hitscm">.*?Phản hồi: \d+</span>', "", html_of(MAIN_473), flags=re.S)
    html = re.sub(r'<div class="news_column panel panel-default">\s*<div class="panel-body">\s*<div id="idcomment".*?'
                  r'(?=<div class="news_column panel panel-default">|<div class="col-sm-6)', "", html, flags=re.S)
    html = re.sub(r'<div class="hometext m-bottom" itemprop="description">.*?</div>', "", html, flags=re.S)
    assert "idcomment" not in html and "Phản hồi" not in html and "hometext" not in html
    item = item_of(MAIN_473, html)
    expected = by_url(MAIN_473)
    assert item["comment_count"] is None and item["lead"] is None
    assert (item["body"], item["images"], item["published_at"]) == (expected["body"], expected["images"],
                                                                    expected["published_at"])


def test_nukeviet_43_detail_markup_gives_the_same_item():
    """4.3's detail.tpl: no microdata, the full-size cover inside the figure as #imgpreview."""
    url = MAIN_473
    html = html_of(url)
    html = re.sub(r' itemtype="http://schema.org/NewsArticle" itemscope', "", html)
    html = re.sub(r'\s*<(span|div) class="hidden hide d-none" itemprop=.*?</\1>', "", html, count=5, flags=re.S)
    html = re.sub(r'<figure class="article left pointer".*?</figure>\s*<div id="imgpreview" style="display:none">.*?</div>',
                  '<figure class="article left pointer" onclick="modalShowByObj(\'#imgpreview\');">'
                  '<div id="imgpreview" style="width:200px;"><p class="text-center"><img alt="x" '
                  'src="/uploads/news/2022_09/phat-dong-cuoc-thi-dai-su-van-hoa-doc-tinh-lao-c.jpg" class="img-thumbnail"/></p>'
                  '<figcaption>Ban Tổ chức trao giải Nhất cho các thí sinh</figcaption></div></figure>', html, flags=re.S)
    html = html.replace(' itemprop="description"', "").replace(' itemprop="headline"', "")
    assert "itemprop=\"headline\"" not in html and "schema.org/NewsArticle" not in html
    assert not differences(item_of(url, html), by_url(url), ZONE)


def test_a_site_with_url_rewriting_on():
    """The same pages on a site whose URLs are /vi/news/... (rewrite on): links, pages, items."""
    spider = other_site("https://thuvien.example.vn/vi/news/")
    assert spider.module == "news"
    listing = html_of(NEWS).replace("/index.php/vi/news/", "/vi/news/").replace(ORIGIN, "https://thuvien.example.vn")
    response = HtmlResponse("https://thuvien.example.vn/vi/news/", body=listing.encode(), encoding="utf-8")
    links = spider.article_links(response)
    assert len(set(links)) == 15 and all(link.startswith("https://thuvien.example.vn/vi/news/") for link in links)
    assert spider.next_pages(response) == ["https://thuvien.example.vn/vi/news/page-2/",
                                           "https://thuvien.example.vn/vi/news/page-3/"]
    url = MAIN_473.replace(ORIGIN + "/index.php", "https://thuvien.example.vn")
    page = html_of(MAIN_473).replace("/index.php/vi/news/", "/vi/news/").replace(ORIGIN, "https://thuvien.example.vn")
    fields = spider.read_article(HtmlResponse(url, body=page.encode(), encoding="utf-8"))
    assert fields["url"] == url and fields["title"] == by_url(MAIN_473)["title"]


def test_a_site_without_rewriting_in_the_query_form():
    spider = other_site("https://tv.example.vn/index.php?language=vi&nv=news")
    assert spider.module == "news"
    body = ('<div class="news_column"><h3><a href="/index.php?language=vi&amp;nv=news&amp;op=thu-vien-co-so/'
            'xe-o-to-540.html">Xe</a></h3></div><ul class="block_tophits"><li><a href="/index.php?language=vi&amp;'
            'nv=news&amp;op=hoat-dong-thu-vien/old-247.html">Old</a></li></ul><div class="generate_page">'
            '<a href="/index.php?language=vi&amp;nv=news&amp;op=page-2">2</a></div>')
    response = HtmlResponse("https://tv.example.vn/index.php?language=vi&nv=news", body=body.encode(), encoding="utf-8")
    assert spider.article_links(response) == [
        "https://tv.example.vn/index.php?language=vi&nv=news&op=thu-vien-co-so/xe-o-to-540.html"]
    assert spider.next_pages(response) == ["https://tv.example.vn/index.php?language=vi&nv=news&op=page-2"]


def test_a_main_page_of_categories_side_by_side_walks_the_categories():
    """viewcat_main_right: each category's latest articles and a link to it, no pages of its own."""
    spider = other_site("https://tv.example.vn/news/")
    body = """<div class="news_column"><div class="panel-heading"><ul class="list-inline sub-list-icon">
    <li><h4><a title="Hoạt động" href="/news/hoat-dong/"><span>Hoạt động</span></a></h4></li>
    <li class="hidden-xs"><h4><a class="dimgray" href="/news/hoat-dong-thieu-nhi/">Thiếu nhi</a></h4></li></ul></div>
    <h3><a href="/news/hoat-dong/gio-ke-chuyen-641.html">Giờ kể chuyện</a></h3>
    <ul class="related list-items"><li><a class="show h4" href="/news/hoat-dong/tap-huan-610.html">Tập huấn</a></li></ul>
    <h4><a title="Sách" href="/news/gioi-thieu-sach/"><span>Sách</span></a></h4></div>
    <ul class="menu"><li><a href="/news/rss/">RSS</a></li><li><a href="/news/tag/sach">sách</a></li>
    <li><a href="/about/">Giới thiệu</a></li></ul>"""
    response = HtmlResponse("https://tv.example.vn/news/", body=body.encode(), encoding="utf-8")
    assert spider.next_pages(response) == []
    assert sorted(spider.section_links(response)) == ["https://tv.example.vn/news/gioi-thieu-sach/",
                                                      "https://tv.example.vn/news/hoat-dong-thieu-nhi/",
                                                      "https://tv.example.vn/news/hoat-dong/"]
    assert sorted(spider.article_links(response)) == ["https://tv.example.vn/news/hoat-dong/gio-ke-chuyen-641.html",
                                                      "https://tv.example.vn/news/hoat-dong/tap-huan-610.html"]
    # a category listing is walked by its own pages, not by further categories
    category = HtmlResponse("https://tv.example.vn/news/hoat-dong/", body=body.encode(), encoding="utf-8")
    assert list(spider.section_links(category)) == []


def test_a_pager_in_the_themes_own_markup_is_followed():
    """The pager's list class is a theme setting: page-N links of this listing count wherever they are."""
    html = html_of(NEWS).replace('<ul class="pagination">', '<ol class="phan-trang">').replace(
        '<link rel="next" href="https://thuvientinhlaocai.vn/index.php/vi/news/page-2/">', "")
    assert "pagination" not in html and 'rel="next" href="https' not in html
    spider = site_spider(SITE)
    response = HtmlResponse(NEWS, body=html.encode(), encoding="utf-8")
    assert spider.next_pages(response) == PAGES[1:]
    # a category's pages are not the main list's, and the main list's are not a category's
    category = HtmlResponse(f"{NEWS}thu-vien-co-so/", body=html.encode(), encoding="utf-8")
    assert spider.next_pages(category) == []


def test_a_renamed_module_and_an_entry_pointing_at_a_category():
    """Sites rename the module ('tin-tuc'); an entry may name a category listing: the module is
    the segment after index.php and the language, not the entry's last segment."""
    spider = other_site("https://tv.example.vn/index.php/vi/tin-tuc/hoat-dong/")
    assert spider.module == "tin-tuc" and spider.language_code == "vi"
    assert article_id("https://tv.example.vn/index.php/vi/tin-tuc/hoat-dong/gio-ke-chuyen-641.html", "tin-tuc") == 641
    assert other_site("https://tv.example.vn/tin-tuc/").module == "tin-tuc"
    # a category named like the module ('Tin tức' under the module tin-tuc)
    assert article_id("https://tv.example.vn/tin-tuc/tin-tuc/le-ra-mat-12.html", "tin-tuc") == 12
    assert is_listing("https://tv.example.vn/tin-tuc/tin-tuc/page-2/", "tin-tuc")


def test_links_in_another_language_are_not_the_sites():
    spider = other_site("https://tv.example.vn/index.php/vi/news/")
    body = ('<div class="news_column"><h3><a href="/index.php/vi/news/hoat-dong/ke-chuyen-641.html">vi</a></h3>'
            '<h3><a href="/index.php/en/news/activities/storytelling-12.html">en</a></h3>'
            '<ul class="pagination"><li><a href="/index.php/vi/news/page-2/">2</a></li>'
            '<li><a href="/index.php/en/news/page-2/">2</a></li></ul></div>')
    response = HtmlResponse("https://tv.example.vn/index.php/vi/news/", body=body.encode(), encoding="utf-8")
    assert spider.article_links(response) == ["https://tv.example.vn/index.php/vi/news/hoat-dong/ke-chuyen-641.html"]
    assert spider.next_pages(response) == ["https://tv.example.vn/index.php/vi/news/page-2/"]


def test_a_home_page_that_is_the_news_main_page_names_its_module():
    """An entry whose news page is the home page: the module is the one the page's script names."""
    spider = other_site("https://tv.example.vn/")
    html = html_of(NEWS).replace("/index.php/vi/news/", "/vi/tin-tuc/").replace('nv_module_name="news"',
                                                                                'nv_module_name="tin-tuc"')
    response = HtmlResponse("https://tv.example.vn/", body=html.encode(), encoding="utf-8",
                            request=Request("https://tv.example.vn/"))
    requests = list(spider.parse_listing(response))
    assert spider.module == "tin-tuc"
    assert len([r for r in requests if r.callback == spider.parse_article]) == 15
    assert [r.url for r in requests if r.callback == spider.parse_listing] == ["https://tv.example.vn/vi/tin-tuc/page-2/"]


# -- real crawls over loopback ----------------------------------------------------------------------



def scheduled(root: Path, work: Path) -> tuple[object, list[Path], list[str]]:
    before = set(outputs(work / "out"))
    with ReplayServer([SiteCopy.load(root / SITE)]) as server:
        mirror = server.write_map(work / "mirror.json")
        result = crawl(["crawl", SITE, "--mirror", str(mirror), "--output-dir", str(work / "out"),
                        "--state", str(work / "state.sqlite"), "--no-archive"], cwd=work)
        requests = list(server.sites[0].requests)
    return result, sorted(set(outputs(work / "out")) - before), requests


@pytest.mark.crawl
def test_a_crawl_of_the_saved_copy_writes_exactly_the_expected_items(tmp_path):
    with ReplayServer([SiteCopy.load(SITES / SITE)]) as server:
        mirror = server.write_map(tmp_path / "mirror.json")
        result = crawl(["crawl", SITE, "--mirror", str(mirror), "--output", str(tmp_path / "out.jsonl")], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    items = read_lines(tmp_path / "out.jsonl")
    assert sorted(i["url"] for i in items) == sorted(e["url"] for e in EXPECTED)
    for item in items:
        assert not differences(item, by_url(item["url"]), ZONE), item["url"]
    assert "external_link 2" in result.stderr


@pytest.mark.crawl
def test_v1_then_v2_writes_exactly_the_new_articles_and_an_unchanged_rerun_costs_two_requests(tmp_path):
    first, files, _ = scheduled(SITES, tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    assert {i["url"] for i in read_lines(*files)} == {e["url"] for e in EXPECTED}
    second, files, _ = scheduled(SITES_V2, tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    new = read_lines(*files)
    assert sorted(i["url"] for i in new) == sorted({e["url"] for e in EXPECTED_2} - {e["url"] for e in EXPECTED})
    for item in new:
        assert not differences(item, by_url(item["url"], EXPECTED_2), ZONE), item["url"]
    third, files, requests = scheduled(SITES_V2, tmp_path)
    assert third.returncode == 0 and files == []
    assert len(requests) <= 3, requests
    assert sorted(requests) == ["/index.php/vi/news/", "/robots.txt"]  # nothing new on the first page: done
