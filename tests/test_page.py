"""Shared page-object helpers (crawler/page.py) that the per-site tests do not reach directly."""
from __future__ import annotations

import pytest

from crawler.page import ArticlePage, is_image_url
from tests.support import expected_items, saved_response


class Titled(ArticlePage):
    def title(self):
        return self.sel.css("h1.news-title span::text").get()


def test_from_html_reads_bytes_in_the_encoding_given_and_resolves_links_against_the_url():
    want = next(e for e in expected_items("gilan") if "/fa/news/30636/" in e["url"])
    body = saved_response("gilan", want["url"]).body  # windows-1256 bytes
    page = Titled.from_html(want["url"], body, encoding="cp1256")
    assert page.page_url == want["url"]
    assert page.title().replace("ي", "ی").replace("ك", "ک") == want["title"]
    assert page.sel.root.base == want["url"]
    assert page.url() == want["url"]  # its canonical link, absolute
    assert Titled.from_html(want["url"], body.decode("cp1256")).title() == page.title()


def test_from_html_reads_utf8_by_default_and_never_fails_on_bad_bytes():
    want = expected_items("hanam")[0]
    body = saved_response("hanam", want["url"]).body
    assert want["title"] in ArticlePage.from_html(want["url"], body).sel.get()
    page = ArticlePage.from_html(want["url"], body.replace(b"</title>", b"\xff</title>", 1))
    assert page.sel.css("title::text").get().endswith("\ufffd")


@pytest.mark.parametrize("url, image", [
    ("http://x.vn/a.JPG", True), ("http://x.vn/a.jpg?w=300", True), ("http://x.vn/a.png#zoom", True),
    ("http://x.vn/a.webp#b#c", True), ("http://x.vn/a.html", False), ("http://x.vn/a.jpg.html", False),
    ("http://x.vn/page?img=a.jpg", False), ("", False), (None, False),
])
def test_is_image_url(url, image):
    assert is_image_url(url) is image


class Pictured(ArticlePage):
    pass


@pytest.mark.parametrize("img, url", [
    ('<img src="/p.gif" data-original="/uploads/a.jpg">', "http://thuvienhanam.gov.vn/uploads/a.jpg"),
    ('<img src="/p.gif" data-src="/uploads/b.jpg" data-original="/uploads/a.jpg">', "http://thuvienhanam.gov.vn/uploads/b.jpg"),
    ('<a href="/full/c.jpg?w=1?h=2"><img src="/thumb/c.jpg"></a>', "http://thuvienhanam.gov.vn/full/c.jpg?w=1?h=2"),
    ('<a href="/tin-tuc/c.html"><img src="/thumb/c.jpg"></a>', "http://thuvienhanam.gov.vn/thumb/c.jpg"),
])
def test_the_full_size_picture_of_an_image(img, url):
    page = Pictured.from_html("http://thuvienhanam.gov.vn/tin-tuc/x-1.html", f"<html><body>{img}</body></html>")
    assert page.image(page.sel.css("img")[0], "chú thích") == {"url": url, "caption": "chú thích"}


def test_an_image_without_any_source_is_no_image():
    page = Pictured.from_html("http://thuvienhanam.gov.vn/x.html", "<html><body><img alt='x'></body></html>")
    assert page.image(page.sel.css("img")[0]) is None


def test_comments_are_never_text_but_the_text_after_them_is():
    from parsel import Selector

    from crawler.page import paragraphs
    sel = Selector(text="<div><p>Thư<!-- ẩn: không in --> viện</p><p>Hà Nam</p></div>")
    assert paragraphs(sel.css("div")[0]) == ["Thư viện", "Hà Nam"]


def test_namespaced_xhtml_elements_break_paragraphs_like_html_ones():
    from parsel import Selector

    from crawler.page import paragraphs
    xhtml = ('<html xmlns="http://www.w3.org/1999/xhtml"><body><div><p>Một</p><p>Hai<br/>Ba</p>'
             "<script>x()</script></div></body></html>")
    sel = Selector(text=xhtml, type="xml")
    assert paragraphs(sel.xpath("//*[local-name()='div']")[0]) == ["Một", "Hai", "Ba"]


def test_text_helpers_join_paragraphs_and_leave_out_what_they_are_told():
    from parsel import Selector

    from crawler.page import first_text, text_of
    sel = Selector(text="<div class='t'><p>Một</p><span class='share'>Chia sẻ</span><p>Hai</p></div><div class='e'> </div>")
    assert text_of(sel.css("div.t")[0]) == "Một Chia sẻ Hai"
    assert text_of(sel.css("div.t")[0], skip=".share") == "Một Hai"
    assert first_text(sel, "div.t", skip=".share") == "Một Hai"
    assert text_of(sel.css("div.e")[0]) is None and first_text(sel, "div.none") is None and text_of(None) is None


def test_each_picture_once_with_the_first_caption_given():
    u, v = "http://x.vn/a.jpg", "http://x.vn/b.jpg"
    images = [{"url": u, "caption": None}, None, {"url": v, "caption": "b"}, {"url": u, "caption": "a"},
              {"url": u, "caption": "later"}, {"url": v, "caption": "other"}]
    assert ArticlePage.unique_images(images) == [{"url": u, "caption": "a"}, {"url": v, "caption": "b"}]
    assert images[0] == {"url": u, "caption": None}  # the input is not changed
