"""A. Tazhibaev regional library, Kyzylorda (kitapkhana.kz): a DataLife Engine (DLE) site, Kazakh.

Ways in:
  listing    the news section /kz/news/, paged /kz/news/page/N/ ("div.basenavi": the numbered
             "span.navigation" links and "span.pnext"); each entry is a "div.shortstory" whose
             "h2.title" links the article (absolute https://kitapkhana.kz/ URLs; once a PDF file,
             which the base class skips). Subcategory articles live one level deeper
             (/kz/news/is-sharalar/ID-slug.html) and are listed here too.
  feeds      /rss.xml (latest entries) and /sitemap.xml: their links to full stories
             (…/ID-slug.html) are articles as well (crawler/feeds.py reads them).
  aliases    every article also answers at /index.php?newsid=ID (the 'Танымал' sidebar links
             it); the page's <link rel="canonical"> names the .html URL, which the item carries.

Article ("article.fullstory", inside "#dle-content"):
  title      "h1.title"
  body       "div.full-story": <p> paragraphs and lists; pictures (lazy-loaded: placeholder
             src, real file in data-src; or thumbnails in "a.highslide" linking to the full
             file), some in <figure> with a <figcaption> caption
  storyinfo  "div.storyinfo" printed after the body: "span.date" ('08 сәуір 2019 ж. 16:32',
             Kazakh month names; the newest 'Бүгін, 10:15' / 'Кеше, 18:40'), "span.views"
             ('1 245 қарау'), "span.cat" (the category link) and "span.coms" ('Пікірлер: N')
No kicker, lead or byline. Outside the article element: related news, the comment list
(each comment with its own date in "span.com_date"), the "Пікір қосу" form with its captcha,
and the sidebar ('Соңғы жаңалықтар' with relative dates, 'Танымал' with view counts).
"""
from __future__ import annotations

import re

from crawler.feeds import feed_children, feed_links, is_feed
from crawler.page import ArticlePage, first_text, paragraphs
from crawler.spider import NewsSpider
from crawler.text import join_paragraphs

# Pictures that belong to the template or the engine (placeholders, smileys), not the article.
CHROME_IMAGE = re.compile(r"^https?://[^/]+/(templates|engine)/")
# A DLE full story: /kz/news/[subcategory/]ID-slug.html
FULL_STORY = re.compile(r"/\d+-[^/]+\.html$")


class KyzylordaArticle(ArticlePage):
    scope = "#dle-content article.fullstory"

    def title(self):
        return first_text(self.article, "h1.title")

    def body(self):
        return join_paragraphs(paragraphs(self.article.css("div.full-story")))

    def date_raw(self):
        return first_text(self.article, "div.storyinfo span.date")

    def category(self):
        return first_text(self.article, "div.storyinfo span.cat")

    def view_count(self):
        return self.count(first_text(self.article, "div.storyinfo span.views"))

    def comment_count(self):
        printed = self.count(first_text(self.article, "div.storyinfo span.coms"))
        if printed is not None:
            return printed
        return len(self.sel.css("#dle-comments-list div.comment"))

    def images(self):
        found = []
        for img in self.article.css("div.full-story img"):
            caption = img.xpath("normalize-space(ancestor::figure[1]/figcaption)").get() or None
            image = self.image(img, caption)
            if image and not CHROME_IMAGE.match(image["url"]):
                found.append(image)
        return self.unique_images(found)


class KyzylordaSpider(NewsSpider):
    name = "kyzylorda"
    start_paths = ("/kz/news/", "/rss.xml", "/sitemap.xml")
    article_page = KyzylordaArticle

    def article_links(self, response):
        if is_feed(response):
            return [link for link in feed_links(response) if FULL_STORY.search(link.split("?")[0])]
        return response.css("#dle-content div.shortstory h2.title a::attr(href)").getall()

    def next_pages(self, response):
        if is_feed(response):
            return ()
        return response.css("div.basenavi span.navigation a::attr(href), "
                            "div.basenavi span.pnext a::attr(href)").getall()

    def section_links(self, response):
        return feed_children(response) if is_feed(response) else ()
