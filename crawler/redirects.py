"""Redirects of article links, remembered as aliases of where they lead.

A short URL (chaharmahal's /fa/news/<id>) answers 301 to the full one; when the full one was
already requested in the run, Scrapy's dupefilter drops the redirect's target and no item ever
says that the short URL leads there. This downloader middleware sits before RedirectMiddleware
in the response chain (a higher number), sees the raw 3xx, and tells the spider, so an
incremental run knows the short link as seen.
"""
from __future__ import annotations

from urllib.parse import urljoin

REDIRECTS = (301, 302, 303, 307, 308)


class RedirectAliases:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        location = response.headers.get("Location")
        spider = self.crawler.spider
        if response.status in REDIRECTS and location and request.meta.get("article") \
                and hasattr(spider, "note_redirect"):
            spider.note_redirect(request.url, urljoin(request.url, location.decode("latin-1")))
        return response
