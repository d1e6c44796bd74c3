"""Joomla sites, configured by an entry of the site list (cms = "joomla"): the adapter for the CMS.

(Being written: the adapter reads what the CMS core emits.)
"""
from __future__ import annotations

from crawler.page import ArticlePage
from crawler.spider import NewsSpider


class JoomlaArticle(ArticlePage):
    pass


class JoomlaSpider(NewsSpider):
    name = "joomla"
    cms = "joomla"
    article_page = JoomlaArticle

    def start_urls_of_site(self):
        return [self.site.news or self.origin + "/"]

    def article_links(self, response):
        return ()
