"""NukeViet sites, configured by an entry of the site list (cms = "nukeviet"): the adapter for the CMS.

(Being written: the adapter reads what the CMS core emits.)
"""
from __future__ import annotations

from crawler.page import ArticlePage
from crawler.spider import NewsSpider


class NukeVietArticle(ArticlePage):
    pass


class NukeVietSpider(NewsSpider):
    name = "nukeviet"
    cms = "nukeviet"
    article_page = NukeVietArticle

    def start_urls_of_site(self):
        return [self.site.news or self.origin + "/"]

    def article_links(self, response):
        return ()
