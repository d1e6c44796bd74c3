"""Thư viện tỉnh Hà Nam (thuvienhanam.gov.vn): a table-layout CMS.

Layout: every page is a table whose left cell `td#content` holds the page's own content and
whose right cell `td#right` holds the site chrome (the "Tìm sách" search form, the "Tin mới"
latest news with thumbnails, website links, the visitor counter). Nothing is read from
`td#right`.

Crawl: the home page links the category listings from its top menu (`#menu`) and from the
title of each category box. A listing is /<category-slug>/ with 8 `.news-item` entries a page
and a `.pagination` bar leading to /<category-slug>/trang-N.html; the old /<category-slug>.html
form answers 301 to the listing. Articles live at /<category-slug>/<slug>-<id>.html. Listings
also carry a PDF attachment (skipped by the base class) and entries whose article was removed
(404, counted as failed).

Article (`.news-detail`): category name in the box title, headline `h1.title-news`, a
`.news-info` line "Ngày đăng: dd/mm/yyyy HH:MM | Lượt xem: 1.234", an optional bold summary box
`.sapo` (the lead), the text `#news-content` (older texts pasted from Word: MsoNormal
paragraphs, <o:p> tags, &nbsp; runs, NFD text), pictures inside the text (plain, in a
`table.image` with a `td.image_desc` caption row, or highslide thumbnails linking to the full
file), the byline `.news-author` ("Tác giả: <strong>…</strong>"), then share/print tools and
"Các tin khác" (related news). The site has no comments.
"""
from __future__ import annotations

import re
from functools import cached_property

from crawler.page import ArticlePage, first_text, paragraphs, text_of
from crawler.spider import NewsSpider
from crawler.text import join_paragraphs

# Printed labels in front of values ("Ngày đăng: …", "Lượt xem: …", "Tác giả: …").
LABEL = re.compile(r"^\s*(Ngày đăng|Lượt xem|Tác giả)\s*:\s*", re.IGNORECASE)
# Elements inside the text that are captions of pictures, never body text.
CAPTIONS = ".image_desc, figcaption"


def unlabel(text: str | None) -> str | None:
    if text is None:
        return None
    return LABEL.sub("", text).strip() or None


class HanamArticle(ArticlePage):
    scope = "#content"

    @cached_property
    def detail(self):
        return self.article.css(".news-detail")

    @cached_property
    def content(self):
        return self.detail.css("#news-content, .news-content")[:1]

    def title(self) -> str | None:
        return first_text(self.article, "h1.title-news")

    def category(self) -> str | None:
        return text_of(self.detail.css(".cat-name")[:1] or None)

    def lead(self) -> str | None:
        return text_of(self.detail.css(".sapo")[:1] or None)

    def body(self) -> str | None:
        return join_paragraphs(paragraphs(self.content, skip=CAPTIONS))

    def date_raw(self) -> str | None:
        return unlabel(text_of(self.detail.css(".news-info .news-date")[:1] or None))

    def view_count(self) -> int | None:
        return self.count(text_of(self.detail.css(".news-info .news-view")[:1] or None))

    def author(self) -> str | None:
        byline = self.detail.css(".news-author")[:1]
        if not byline:
            return None
        return text_of(byline.css("strong")[:1] or None) or unlabel(text_of(byline))

    def images(self):
        found = []
        for img in self.content.css("img"):
            caption = text_of(img.xpath(
                "ancestor::table[contains(concat(' ', normalize-space(@class), ' '), ' image ')][1]"
                "//*[contains(concat(' ', normalize-space(@class), ' '), ' image_desc ')]"
                " | ancestor::figure[1]/figcaption")[:1] or None)
            found.append(self.image(img, caption))
        return self.unique_images(found)


class HanamSpider(NewsSpider):
    name = "hanam"
    start_paths = ("/",)
    article_page = HanamArticle

    def section_links(self, response):
        # the top menu and the titles of the home page's category boxes lead to the listings
        return response.css("#menu a::attr(href), #content .home-cat .box-title a::attr(href)").getall()

    def article_links(self, response):
        return response.css(
            "#content .news-list .news-item .title a::attr(href),"   # a category listing
            "#content .featured h2 a::attr(href),"                   # home: featured article
            "#content .home-cat li a::attr(href)"                    # home: category boxes
        ).getall()

    def next_pages(self, response):
        return response.css("#content .pagination a::attr(href)").getall()
