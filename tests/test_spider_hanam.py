"""hanam (thuvienhanam.gov.vn): extraction, listings and quirks on the saved copy of the site."""
from __future__ import annotations

import unicodedata
from datetime import datetime, timezone

import pytest

from crawler.replay import ReplayServer, SiteCopy
from crawler.urls import canonical_url
from spiders.hanam import HanamArticle, HanamSpider
from tests.support import (SITES, crawl, differences, expected_items, extract, listing_requests, read_lines,
                           saved_pages, saved_response, site_spider)

SITE = "hanam"
SPIDER = HanamSpider
ORIGIN = HanamSpider.origin
CRAWLED_AT = datetime(2026, 1, 20, 9, 30, tzinfo=timezone.utc)
EXPECTED = expected_items(SITE)
PAGES = saved_pages(SITE)
LISTINGS = ["/hoat-dong-thu-vien/", "/hoat-dong-thu-vien/trang-2.html", "/tin-tuc-su-kien/",
            "/tin-tuc-su-kien/trang-2.html", "/gioi-thieu-sach/"]


def expected(url_part: str) -> dict:
    (item,) = [e for e in EXPECTED if url_part in e["url"]]
    return item


def raw_html(path: str) -> str:
    return PAGES[path]["body"].decode("utf-8")


# -- (a) every saved article has an expected item (tests/test_articles.py checks them all) -------------------------------------------

def test_every_saved_article_is_expected():
    articles = {ORIGIN + p for p, page in PAGES.items()
                if page["status"] == 200 and p.count("/") == 2 and p.endswith(".html")
                and not p.rsplit("/", 1)[-1].startswith("trang-") and p != "/gioi-thieu.html"}
    assert articles == {e["url"] for e in EXPECTED}


# -- (b) listing rules -------------------------------------------------------------------------

def article_requests(path: str) -> set[str]:
    """URLs of the articles a crawl requests from a saved listing page."""
    return set(listing_requests(site_spider(SITE), ORIGIN + path)[0])


def test_listing_gives_its_eight_entries_and_the_next_page():
    spider = HanamSpider()
    response = saved_response(SITE, ORIGIN + "/hoat-dong-thu-vien/")
    links = list(spider._links(response, spider.article_links(response)))
    assert len(links) == 8
    assert all(u.startswith(ORIGIN + "/hoat-dong-thu-vien/") and u.endswith(".html") for u in links)
    assert list(spider._links(response, spider.next_pages(response))) == [
        ORIGIN + "/hoat-dong-thu-vien/trang-2.html"]


def test_last_page_points_back_only():
    spider = HanamSpider()
    response = saved_response(SITE, ORIGIN + "/tin-tuc-su-kien/trang-2.html")
    assert set(spider._links(response, spider.next_pages(response))) == {ORIGIN + "/tin-tuc-su-kien/"}


def test_home_leads_to_every_category_listing_and_not_the_sidebar():
    spider = HanamSpider()
    response = saved_response(SITE, ORIGIN + "/")
    sections = set(spider._links(response, spider.section_links(response)))
    assert {ORIGIN + "/hoat-dong-thu-vien/", ORIGIN + "/tin-tuc-su-kien/",
            ORIGIN + "/gioi-thieu-sach/"} <= sections
    articles = list(spider._links(response, spider.article_links(response)))
    # featured article + 3 category boxes of 5; the "Tin mới" sidebar is not a listing
    assert len(articles) == 16
    sidebar = set(spider._links(response, response.css("#right a::attr(href)").getall()))
    assert not sidebar & set(response.css("#content a::attr(href)").getall())


def test_pdf_entries_are_not_requested_and_removed_articles_give_no_item():
    requested = set().union(*(article_requests(path) for path in LISTINGS))
    listed = {canonical_url(ORIGIN + href) for path in LISTINGS
              for href in saved_response(SITE, ORIGIN + path).css(".news-item .title a::attr(href)").getall()}
    pdfs = {u for u in listed if u.lower().endswith(".pdf")}
    assert pdfs and not pdfs & requested
    assert requested == listed - pdfs
    removed = requested - {e["url"] for e in EXPECTED}
    assert removed, "the saved listings link a removed article"
    for url in removed:
        assert PAGES[url[len(ORIGIN):]]["status"] == 404


# -- (c) quirks on real saved pages ------------------------------------------------------------

WORD_PAGE = "/hoat-dong-thu-vien/kiem-tra-huong-dan-nghiep-vu-tai-thu-vien-huyen-kim-bang-nam-2016-571.html"


def test_word_paste_in_nfd_comes_out_as_clean_nfc_paragraphs():
    html = raw_html(WORD_PAGE)
    assert "MsoNormal" in html and "<o:p>" in html
    assert unicodedata.normalize("NFC", html) != html  # the page really is decomposed
    item = extract(SITE, ORIGIN + WORD_PAGE, crawled_at=CRAWLED_AT)
    for name in ("title", "body", "category"):
        assert unicodedata.is_normalized("NFC", item[name])
    paragraphs = item["body"].split("\n\n")
    assert len(paragraphs) == 5  # four paragraphs and the photo lead-in; the <o:p>&nbsp; spacer is gone
    assert paragraphs[-1] == "Một số hình ảnh buổi kiểm tra:"
    assert all(p == p.strip() and "  " not in p and "\u00a0" not in p for p in paragraphs)


def test_image_table_captions_are_captions_not_body():
    url = ORIGIN + "/hoat-dong-thu-vien/kiem-tra-huong-dan-nghiep-vu-tai-thu-vien-huyen-ly-nhan-nam-2018-1028.html"
    item = extract(SITE, url, crawled_at=CRAWLED_AT)
    captions = [i["caption"] for i in item["images"]]
    assert captions == ["Đoàn công tác làm việc tại thư viện huyện", "Kiểm tra thực tế kho sách"]
    assert not any(c in item["body"] for c in captions)


def test_highslide_thumbnails_give_the_full_size_file():
    url = ORIGIN + "/hoat-dong-thu-vien/gio-ke-chuyen-theo-sach-cho-thieu-nhi-dip-he-2017-771.html"
    assert "/thumb/" in raw_html(url[len(ORIGIN):])
    item = extract(SITE, url, crawled_at=CRAWLED_AT)
    assert item["images"] and all("/thumb/" not in i["url"] and i["url"].startswith(ORIGIN + "/uploads/news/")
                                  for i in item["images"])


def test_summary_box_is_the_lead_byline_is_the_author_and_chrome_stays_out():
    url = ORIGIN + "/hoat-dong-thu-vien/tap-huan-nghiep-vu-thu-vien-cho-can-bo-thu-vien-co-so-nam-2016-631.html"
    item = extract(SITE, url, crawled_at=CRAWLED_AT)
    assert item["lead"].startswith("Từ ngày 16 đến ngày 18/8/2016")
    assert item["lead"] not in item["body"]
    assert item["author"] == "Nguyễn Thị Thanh Huyền"
    for chrome in ("Tác giả", "Tìm sách", "Tin mới", "Các tin khác", "In bài viết", "Lượt xem", "Đang truy cập"):
        assert chrome not in item["body"]
    assert item["view_count"] == 5407 and item["comment_count"] is None


def test_dotted_view_counts_are_thousands():
    page = HanamArticle.from_html(ORIGIN + "/x-1.html", raw_html(
        "/hoat-dong-thu-vien/hoi-nghi-tong-ket-cong-tac-thu-vien-nam-2017-phuong-huong-nhiem-vu-trong-tam-nam-2018-864.html"))
    assert "Lượt xem: 1.846" in page.sel.get()
    assert page.view_count() == 1846
    assert page.date_raw() == "18/12/2017 09:12"


# -- the whole crawl over the saved copy, with the site's faults ------------------------------

@pytest.mark.crawl
def test_crawl_with_faults_loses_nothing(tmp_path):
    faults = {"/hoat-dong-thu-vien/trang-2.html": {"status": 503, "times": 1},
              "/tin-tuc-su-kien/tiep-nhan-1-250-cuon-sach-do-quy-sach-viet-nam-trao-tang-501.html":
                  {"reset": True, "times": 1}}
    copy = SiteCopy.load(SITES / SITE, faults)
    out = tmp_path / "out.jsonl"
    with ReplayServer([copy]) as server:
        mirror = server.write_map(tmp_path / "mirror.json")
        run = crawl(["crawl", SITE, "--mirror", str(mirror), "--output", str(out), "--quiet"], cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert all(copy.hits.get(k) == 2 for k in faults)  # failed once, answered on the retry
    items = read_lines(out)
    assert sorted(i["url"] for i in items) == sorted(e["url"] for e in EXPECTED)  # each article once
    expected = {e["url"]: e for e in EXPECTED}
    assert not {i["url"]: d for i in items if (d := differences(i, expected[i["url"]], SPIDER.timezone))}
    assert not any(u.endswith(".pdf") for u in copy.requests)
