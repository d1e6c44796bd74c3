"""Thư viện tỉnh Trà Vinh (thuvientravinh.org.vn): an ASP.NET/Bootstrap site.

Layout: the page's own content is the left column `.col-left`; the right column `.col-right`
is chrome (search box, "TIN MỚI NHẤT", "TIN XEM NHIỀU", links, visitor counter). Nothing is
read from `.col-right`.

Crawl: the home page links the category listings from its top menu (`.menu-top`) and from the
title of each category box. A listing is /news/newlist/<cat> (the same page as ?page=1) with
`.item-news` entries and a `.pagination` bar to /news/newlist/<cat>?page=N. Articles live at
/news/newdetail/<slug>; links to them sometimes carry tracking parameters (utm_*) or a
#binhluan fragment, which the base class drops, and the page's <link rel="canonical"> names the
clean URL. Listings also carry a PDF file (skipped) and entries of removed articles (404).

Article (`.news-detail`): breadcrumb ending in the category, headline `h1.title-detail`, a
`.meta-detail` line "Ngày đăng: dd/mm/yyyy | Lượt xem: N" beside text-size/print/email tools,
an optional bold summary box `.sapo` (the lead), the text `.content-detail` (pictures as
thumbnails /uploads/news/thumb/… linking to the full file, some in <figure> with a
<figcaption>), the byline `.author-detail` ("Tác giả: <strong>…</strong>"), then share buttons,
the "THÔNG TIN NGƯỜI GỬI" feedback form and "Tin liên quan". No comments are listed.
"""
from __future__ import annotations

import re
from functools import cached_property

from crawler.page import ArticlePage, first_text, paragraphs, text_of
from crawler.spider import NewsSpider
from crawler.text import join_paragraphs

# Printed labels in front of values ("Ngày đăng: …", "Lượt xem: …", "Tác giả: …").
LABEL = re.compile(r"^\s*(Ngày đăng|Lượt xem|Tác giả)\s*:\s*", re.IGNORECASE)


def unlabel(text: str | None) -> str | None:
    if text is None:
        return None
    return LABEL.sub("", text).strip() or None


class TravinhArticle(ArticlePage):
    scope = ".col-left"

    @cached_property
    def detail(self):
        return self.article.css(".news-detail")

    @cached_property
    def content(self):
        return self.detail.css(".content-detail")[:1]

    def title(self) -> str | None:
        return first_text(self.article, "h1.title-detail")

    def category(self) -> str | None:
        # the breadcrumb: "Trang chủ » <category>"; its last link names the section
        crumbs = self.article.css(".breadcrumb-box a")
        return text_of(crumbs[-1]) if len(crumbs) > 1 else None

    def lead(self) -> str | None:
        return text_of(self.detail.css(".sapo")[:1] or None)

    def body(self) -> str | None:
        return join_paragraphs(paragraphs(self.content, skip="figcaption, .author-detail"))

    def date_raw(self) -> str | None:
        return unlabel(text_of(self.detail.css(".meta-detail .date-post")[:1] or None))

    def view_count(self) -> int | None:
        return self.count(text_of(self.detail.css(".meta-detail .view-count")[:1] or None))

    def author(self) -> str | None:
        byline = self.detail.css(".author-detail")[:1]
        if not byline:
            return None
        return text_of(byline.css("strong")[:1] or None) or unlabel(text_of(byline))

    def images(self):
        return self.unique_images(
            self.image(img, text_of(img.xpath("ancestor::figure[1]/figcaption")[:1] or None))
            for img in self.content.css("img"))


class TravinhSpider(NewsSpider):
    name = "travinh"
    start_paths = ("/",)
    article_page = TravinhArticle
    # /news/newlist/<cat>?page=1 is the listing's first page under a second address
    url_aliases = ((r"(/news/newlist/[^?#]+)\?page=1(?=$|#)", r"\1"),)

    def section_links(self, response):
        # the top menu and the titles of the home page's category boxes lead to the listings
        return response.css(".menu-top a::attr(href), .col-left .box-cate .title-cate a::attr(href)").getall()

    def article_links(self, response):
        return response.css(
            ".col-left .list-news .item-news .title-news a::attr(href),"  # a category listing
            ".col-left .hot-news h3 a::attr(href),"                       # home: featured article
            ".col-left .box-cate .list-cate a::attr(href)"                # home: category boxes
        ).getall()

    def next_pages(self, response):
        return response.css(".col-left .pagination a::attr(href)").getall()
