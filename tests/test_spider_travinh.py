"""travinh (thuvientravinh.org.vn): extraction, listings and quirks on the saved copy of the site."""
from __future__ import annotations

import unicodedata
from datetime import datetime, timezone

import pytest

from crawler.replay import ReplayServer, SiteCopy
from crawler.urls import canonical_url
from spiders.travinh import TravinhArticle, TravinhSpider
from tests.support import (SITES, crawl, differences, expected_items, extract, listing_requests, read_lines,
                           saved_pages, saved_response, site_spider)

SITE = "travinh"
SPIDER = TravinhSpider
ORIGIN = TravinhSpider.origin
CRAWLED_AT = datetime(2026, 1, 20, 9, 30, tzinfo=timezone.utc)
EXPECTED = expected_items(SITE)
PAGES = saved_pages(SITE)
CATEGORIES = ("tin-tuc-su-kien", "lien-hiep-thu-vien-dbscl", "hoat-dong-co-so")
LISTINGS = [f"/news/newlist/{c}{page}" for c in CATEGORIES for page in ("", "?page=2")]


def spider() -> TravinhSpider:
    return site_spider(SITE)


def raw_html(path: str) -> str:
    return PAGES[path]["body"].decode("utf-8")


def article_requests(path: str) -> set[str]:
    """URLs of the articles a crawl requests from a saved listing page."""
    return set(listing_requests(site_spider(SITE), ORIGIN + path)[0])


# -- (a) every saved article has an expected item (tests/test_articles.py checks them all) -------------------------------------------

def test_every_saved_article_is_expected():
    articles = {ORIGIN + p for p, page in PAGES.items()
                if page["status"] == 200 and p.startswith("/news/newdetail/")}
    assert articles == {e["url"] for e in EXPECTED}


# -- (b) listing rules -------------------------------------------------------------------------

def test_listing_entries_and_pagination():
    s = spider()
    response = saved_response(SITE, ORIGIN + "/news/newlist/tin-tuc-su-kien")
    links = list(s._links(response, s.article_links(response)))
    assert len(links) == 8
    assert list(s._links(response, s.next_pages(response))) == [ORIGIN + "/news/newlist/tin-tuc-su-kien?page=2"]
    # the last page leads back to page 1, which is the listing itself (?page=1 is an alias)
    last = saved_response(SITE, ORIGIN + "/news/newlist/tin-tuc-su-kien?page=2")
    assert set(s._links(last, s.next_pages(last))) == {ORIGIN + "/news/newlist/tin-tuc-su-kien"}


def test_home_leads_to_every_category_and_drops_tracking_from_article_links():
    s = spider()
    home = saved_response(SITE, ORIGIN + "/")
    assert "utm_source=" in home.text and "#binhluan" in home.text
    sections = set(s._links(home, s.section_links(home)))
    assert {ORIGIN + f"/news/newlist/{c}" for c in CATEGORIES} <= sections
    links = list(s._links(home, s.article_links(home)))
    assert links and all("utm_" not in u and "#" not in u for u in links)
    assert set(links) <= {e["url"] for e in EXPECTED}


def test_pdf_entries_are_not_requested_and_removed_articles_give_no_item():
    requested = set().union(*(article_requests(p) for p in LISTINGS))
    listed = {canonical_url(ORIGIN + href) for p in LISTINGS
              for href in saved_response(SITE, ORIGIN + p).css(".item-news .title-news a::attr(href)").getall()}
    pdfs = {u for u in listed if u.lower().endswith(".pdf")}
    assert pdfs and not pdfs & requested
    assert requested == listed - pdfs
    removed = requested - {e["url"] for e in EXPECTED}
    assert removed, "the saved listings link a removed article"
    for url in removed:
        assert PAGES[url[len(ORIGIN):]]["status"] == 404


# -- (c) quirks on real saved pages ------------------------------------------------------------

NFD_PAGE = "/news/newdetail/tap-huan-su-dung-phan-mem-quan-ly-thu-vien-nam-2022"


def test_decomposed_text_comes_out_nfc():
    html = raw_html(NFD_PAGE)
    title = TravinhArticle.from_html(ORIGIN + NFD_PAGE, html).sel.css("h1.title-detail::text").get()
    assert not unicodedata.is_normalized("NFC", title)  # the page really is decomposed
    item = extract(SITE, ORIGIN + NFD_PAGE, crawled_at=CRAWLED_AT)
    assert item["title"] == unicodedata.normalize("NFC", title).strip()
    for name in ("title", "body", "lead", "author", "category"):
        assert item[name] is None or unicodedata.is_normalized("NFC", item[name])


def test_thumbnails_give_full_size_files_and_captions_stay_out_of_the_body():
    url = ORIGIN + "/news/newdetail/hoi-nghi-tong-ket-hoat-dong-lien-hiep-thu-vien-dong-bang-song-cuu-long-nam-2020"
    html = raw_html(url[len(ORIGIN):])
    assert "/uploads/news/thumb/" in html and "<figcaption>" in html
    item = extract(SITE, url, crawled_at=CRAWLED_AT)
    assert item["images"] == [{"url": ORIGIN + "/uploads/news/20201216121924_1.jpg", "caption": "Quang cảnh hội nghị"}]
    assert "Quang cảnh hội nghị" not in item["body"]


def test_source_line_is_body_feedback_form_and_tools_are_not():
    url = ORIGIN + "/news/newdetail/lien-hiep-thu-vien-dong-bang-song-cuu-long-to-chuc-hop-truc-tuyen-trao-doi-chuyen-mon-nghiep-vu"
    item = extract(SITE, url, crawled_at=CRAWLED_AT)
    paragraphs = item["body"].split("\n\n")
    assert paragraphs[-1] == "Nguồn : http://vuthuvien.bvhttdl.gov.vn/"
    assert paragraphs[-2] == "Một số hình ảnh tại cuộc họp trực tuyến:"
    for chrome in ("THÔNG TIN NGƯỜI GỬI", "Họ và tên", "Cỡ chữ", "Tin liên quan", "TIN MỚI NHẤT", "Gửi ý kiến"):
        assert all(chrome not in (item[f] or "") for f in ("title", "lead", "body", "author", "category"))
    assert item["view_count"] == 518 and item["comment_count"] is None
    assert item["published_at"] == "2022-10-15T00:00:00+07:00"  # a date without a time is midnight


def test_summary_box_is_the_lead_and_byline_is_the_author():
    url = ORIGIN + "/news/newdetail/hoi-nghi-tong-ket-hoat-dong-lien-hiep-thu-vien-dong-bang-song-cuu-long-nam-2020"
    item = extract(SITE, url, crawled_at=CRAWLED_AT)
    assert item["lead"].startswith("Ngày 16/12/2020, tại tỉnh Kiên Giang")
    assert item["lead"] not in item["body"] and "Tác giả" not in item["body"]
    assert item["author"] == "Huỳnh Phương"


# -- the whole crawl over the saved copy, with the site's faults ------------------------------

@pytest.mark.crawl
def test_crawl_with_faults_loses_nothing(tmp_path):
    faults = {"/news/newlist/tin-tuc-su-kien?page=2": {"status": 503, "times": 1},
              "/news/newdetail/dua-sach-den-voi-hoc-sinh-truong-tieu-hoc-hoa-an-huyen-cau-ke": {"delay": 2.0}}
    copy = SiteCopy.load(SITES / SITE, faults)
    out = tmp_path / "out.jsonl"
    with ReplayServer([copy]) as server:
        mirror = server.write_map(tmp_path / "mirror.json")
        run = crawl(["crawl", SITE, "--mirror", str(mirror), "--output", str(out), "--quiet"], cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert copy.hits.get("/news/newlist/tin-tuc-su-kien?page=2") == 2  # failed once, answered on the retry
    items = read_lines(out)
    assert sorted(i["url"] for i in items) == sorted(e["url"] for e in EXPECTED)  # each article once
    expected = {e["url"]: e for e in EXPECTED}
    assert not {i["url"]: d for i in items if (d := differences(i, expected[i["url"]], SPIDER.timezone))}
    assert not any(u.endswith(".pdf") for u in copy.requests)
