"""WordPress sites, configured by an entry of the site list (cms = "wordpress"): the adapter for the CMS.

(Being written: the adapter reads what the CMS core emits.)
"""
from __future__ import annotations

from crawler.page import ArticlePage
from crawler.spider import NewsSpider


class WordPressArticle(ArticlePage):
    pass


class WordPressSpider(NewsSpider):
    name = "wordpress"
    cms = "wordpress"
    article_page = WordPressArticle

    def start_urls_of_site(self):
        return [self.site.news or self.origin + "/"]

    def article_links(self, response):
        return ()
