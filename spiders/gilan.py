"""Gilan province public libraries office (gilan.iranpl.ir): an old ASP.NET news CMS.

Pages are windows-1256, declared only in <meta http-equiv="Content-Type"> (Scrapy reads the
meta tag; characters outside the code page come as numeric references). Labels, menus and many
texts use the Arabic letters ي/ك; the text pipeline turns them into Persian ی/ک.

Listing: the news archive /fa/news, paged by /fa/news?page=N ("div.pager"); each entry is a
"div.newsitem" whose "div.ntitle" links the article (or, once, a PDF file).

Article (all fields are server controls with stable ids under "ctl00_cphMain_"):
  category   breadcrumb's last element (lblCat)
  date       "div.news-info" → lblDate: "۱۳۹۹/۱۲/۰۴ - ۱۰:۲۵", or on pre-1397 pages
             "weekday day month year" without a time (crawler/dates.py reads both)
  views      "div.news-info" → lblVisit, Persian digits
  kicker     "div.news-rotitr" (lblRootitr), ends with "؛"
  title      "h1.news-title"
  lead       "div.news-lead" → lblLead; the top picture (img.news-img) sits beside it
  body       "div.news-body": older pages are lines separated by <br> in that one div,
             newer ones <p> paragraphs; pictures may be inlined in it
  gallery    "div.gallery" ("عكس های مرتبط"): thumbnails in "div.gitem" linking to the
             full-size file, with an optional caption line "div.gcap"
The news code (lblCode) is neither date nor body. The site has no comments.
"""
from __future__ import annotations

from crawler.page import ArticlePage, first_text, paragraphs, text_of
from crawler.spider import NewsSpider
from crawler.text import join_paragraphs


class GilanArticle(ArticlePage):
    scope = "#content"

    def title(self):
        return first_text(self.article, "h1.news-title")

    def kicker(self):
        return first_text(self.article, "div.news-rotitr")

    def lead(self):
        return first_text(self.article, "div.news-lead [id$=lblLead]")

    def body(self):
        return join_paragraphs(paragraphs(self.article.css("div.news-body")))

    def date_raw(self):
        return first_text(self.article, "div.news-info [id$=lblDate]")

    def category(self):
        return first_text(self.article, "div.breadcrumb [id$=lblCat]")

    def view_count(self):
        return self.count(first_text(self.article, "div.news-info [id$=lblVisit]"))

    def images(self):
        found = [self.image(img) for img in self.article.css("div.news-lead img.news-img, div.news-body img")]
        for item in self.article.css("div.gallery div.gitem"):
            img = item.css("img")
            if img:
                found.append(self.image(img[0], text_of(item.css("div.gcap"))))
        return self.unique_images(found)


class GilanSpider(NewsSpider):
    name = "gilan"
    start_paths = ("/fa/news",)
    article_page = GilanArticle

    def article_links(self, response):
        return response.css("div.newslist div.newsitem div.ntitle a::attr(href)").getall()

    def next_pages(self, response):
        return response.css("div.pager a::attr(href)").getall()
