"""Chaharmahal and Bakhtiari province public libraries office (chb.iranpl.ir): Sitak CMS.

Listings: the news archive /fa/news/list (?page=N, 10 a page, "ul.pagination") and the
service sections linked from the main menu (/fa/service/province-news, /fa/service/city-news)
list the same articles again, partly by their short URL /fa/news/<id>, which answers 301 to
/fa/news/<id>/<slug>. Each entry is a "div.news-list-item" whose "h3.title" links the article
(or an announcement PDF). One article is one item: its URL is the page's <link rel=canonical>.

Article ("article.news-item"):
  header     "div.item-info": the date "span.item-date" ("یکشنبه ۵ بهمن ۱۴۰۴ - ۱۴:۵۳"),
             the news code "span.item-code" and the comment link; the top bar's "امروز: …"
             is today's date, not the article's
  kicker     "h4.rutitr" (ends with "؛"), title "h1.title", lead "p.summary" in the header
  pictures   "figure.primary-image" above the body and "figure.image" (some in a
             "div.gallery") inside it; thumbnails link to the full-size file; the caption is the
             "figcaption" (the alt text only repeats the headline)
  body       "div.item-body": <p> paragraphs and lists; figures and captions are not body
  author     "div.item-author span.author-name" ("تهیه‌کننده: …"), on some articles
  category   breadcrumb's active entry
  comments   "section.comments": the listed "li.comment" elements, replies nested in
             "ul.replies" included; articles without approved comments show only the form (0)
The site prints no view counts.
"""
from __future__ import annotations

from crawler.page import ArticlePage, first_text, paragraphs
from crawler.spider import NewsSpider
from crawler.text import join_paragraphs



class ChaharmahalArticle(ArticlePage):
    scope = "article.news-item"

    def title(self):
        return first_text(self.article, ".item-header h1.title")

    def kicker(self):
        return first_text(self.article, ".item-header .rutitr")

    def lead(self):
        return first_text(self.article, ".item-header .summary")

    def body(self):
        return join_paragraphs(paragraphs(self.article.css("div.item-body")))

    def date_raw(self):
        return first_text(self.article, ".item-info .item-date")

    def author(self):
        return first_text(self.article, ".item-author .author-name")

    def category(self):
        return first_text(self.sel, "ol.breadcrumb li.active")

    def images(self):
        found = []
        for figure in self.article.css("figure"):
            img = figure.css("img")
            if img:
                found.append(self.image(img[0], first_text(figure, "figcaption")))
        return self.unique_images(found)

    def comment_count(self):
        comments = self.sel.css("section.comments")
        if not comments:
            return None
        return len(comments.css("li.comment"))


class ChaharmahalSpider(NewsSpider):
    name = "chaharmahal"
    start_paths = ("/fa/news/list",)
    article_page = ChaharmahalArticle

    def article_links(self, response):
        return response.css("div.news-list div.news-list-item h3.title a::attr(href)").getall()

    def next_pages(self, response):
        return response.css("ul.pagination a::attr(href)").getall()

    def section_links(self, response):
        return response.css("nav.main-menu a[href*='/service/']::attr(href)").getall()
