"""Reach: a crawl goes only where its site is, over http(s). Links, feed entries, sitemap entries
and redirects that name another host (127.0.0.2 included) or another scheme (file:, ftp:, even on
the site's own host name) are not followed, in the spider's callbacks and in a real crawl against
a second loopback server that counts what it is asked; and no download handler but http(s) exists
in a crawl or an extraction."""
from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.core.downloader.handlers import DownloadHandlers
from scrapy.exceptions import NotSupported
from scrapy.http import HtmlResponse, Request, Response, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.cli import EXTRACT_SETTINGS
from crawler.replay import ReplayServer, SiteCopy, write_copy
from tests.support import SITES, crawl, expected_items, project_settings_dict, saved_copy, saved_response, site_spider

KZ = "https://kitapkhana.kz"
HANAM = "http://thuvienhanam.gov.vn"
FOREIGN = ["https://evil.example{p}", "http://127.0.0.2{p}", "http://127.0.0.2:8080{p}", "file://{host}{p}",
           "ftp://{host}{p}", "file://{p}", "gopher://{host}{p}", "data:text/html,{p}", "javascript:go('{p}')"]


def off_site(origin: str, path: str) -> list[str]:
    host = urlsplit(origin).netloc
    return [f.format(host=host, p=path) for f in FOREIGN]


def skipped(spider) -> dict[str, int]:
    stats = spider.crawler.stats.get_stats()
    return {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("skipped/")}


def test_a_feed_naming_other_hosts_and_schemes_gives_only_the_sites_own_links():
    rss = saved_response("kyzylorda", KZ + "/rss.xml")
    spider = site_spider("kyzylorda")
    own = sorted(r.url for r in spider.parse_listing(rss) if r.callback == spider.parse_article)
    assert own
    entries = "".join(f"<item><link>{link}</link></item>" for n in range(len(own))
                      for link in off_site(KZ, f"/kz/news/{9000 + n}-x.html"))
    hostile = rss.text.replace("<item>", entries + "<item>", 1)
    assert hostile.count("<item>") > 5 * len(own)
    spider = site_spider("kyzylorda")
    response = XmlResponse(KZ + "/rss.xml", body=hostile.encode(), headers=rss.headers, encoding="utf-8")
    asked = sorted(r.url for r in spider.parse_listing(response))
    assert asked == own


def test_a_sitemap_index_naming_other_hosts_leads_only_to_the_sites_own_sitemaps():
    children = [f"{KZ}/sitemap-news.xml", *off_site(KZ, "/sitemap-2.xml")]
    index = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             + "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children) + "</sitemapindex>")
    spider = site_spider("kyzylorda")
    response = XmlResponse(KZ + "/sitemap.xml", body=index.encode(), headers={"Content-Type": "application/xml"})
    assert [r.url for r in spider.parse_listing(response)] == [f"{KZ}/sitemap-news.xml"]


def test_listing_links_to_other_hosts_and_schemes_are_not_followed():
    listing = saved_response("hanam", HANAM + "/tin-tuc-su-kien/")
    spider = site_spider("hanam")
    own = sorted(r.url for r in spider.parse_listing(listing))
    links = "".join(f'<div class="news-item"><div class="title"><a href="{u}">x</a></div></div>'
                    f'<a href="{u}/more">y</a>' for u in off_site(HANAM, "/tin-tuc-su-kien/x-1.html"))
    first = listing.body.index(b'<div class="news-item">')
    body = listing.body[:first] + links.encode() + listing.body[first:]
    assert body != listing.body
    spider = site_spider("hanam")
    assert sorted(r.url for r in spider.parse_listing(listing.replace(body=body))) == own


@pytest.mark.parametrize("location", off_site(HANAM, "/tin-tuc-su-kien/x-1.html")[:-2])
def test_article_redirects_to_other_hosts_or_schemes_are_counted_not_followed(location):
    spider = site_spider("hanam")
    url = HANAM + "/tin-tuc-su-kien/a-1.html"
    request = Request(url, meta={"listing": HANAM + "/"})
    moved = Response(url, status=302, headers={"Location": location}, request=request)
    assert list(spider.parse_article(moved)) == []
    assert skipped(spider) == {"redirect_off_site": 1}


@pytest.mark.parametrize("settings", [{}, EXTRACT_SETTINGS], ids=["crawl", "extract"])
def test_no_download_handler_but_http_and_https(settings, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    crawler = get_crawler(settings_dict={**project_settings_dict(), **settings, "ARCHIVE_SOURCES": []})
    handlers = DownloadHandlers(crawler)
    for url in (secret.as_uri(), "ftp://127.0.0.1/x", "s3://bucket/key", "data:text/html,<p>x</p>"):
        with pytest.raises(NotSupported):
            asyncio.run(handlers.download_request_async(Request(url)))


class Counting(BaseHTTPRequestHandler):
    """A server elsewhere (on 127.0.0.2): it answers every request, and counts them."""

    asked: list[str] = []

    def do_GET(self) -> None:
        Counting.asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.mark.crawl
def test_a_real_crawl_asks_nothing_of_another_host(tmp_path):
    elsewhere = ThreadingHTTPServer(("127.0.0.2", 0), Counting)
    threading.Thread(target=elsewhere.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    there = f"http://127.0.0.2:{elsewhere.server_address[1]}"
    article = next(e["url"] for e in expected_items("hanam"))
    saved = saved_copy(SITES / "hanam").answer(article[len(HANAM):])
    html = [("Content-Type", "text/html; charset=utf-8")]
    links = [article, f"{there}/a-1.html", f"file://thuvienhanam.gov.vn/etc/passwd", "/moved-1.html",
             "/moved-2.html"]
    items = "".join(f'<div class="news-item"><div class="title"><a href="{u}">x</a></div></div>' for u in links)
    listing = (f'<html><body><div id="menu"><a href="/tin-tuc/">t</a><a href="{there}/tin-tuc/">e</a></div>'
               f'<div id="content"><div class="news-list">{items}</div><div class="pagination">'
               f'<a href="{there}/tin-tuc/trang-2.html">2</a></div></div></body></html>').encode()
    write_copy(tmp_path / "site", HANAM, [("/", 200, html, listing), ("/tin-tuc/", 200, html, listing),
                                          (article[len(HANAM):], 200, html, saved.body)])
    site = SiteCopy.load(tmp_path / "site", {
        "/moved-1.html": {"status": 302, "headers": {"Location": f"{there}/stolen"}},
        "/moved-2.html": {"status": 301, "headers": {"Location": "ftp://thuvienhanam.gov.vn/x"}},
        "/robots.txt": {"status": 302, "headers": {"Location": f"{there}/robots.txt"}}})
    try:
        with ReplayServer([site]) as server:
            mirror = server.write_map(tmp_path / "mirror.json")
            result = crawl(["crawl", "hanam", "--mirror", str(mirror), "--output", str(tmp_path / "o.jsonl")],
                           cwd=tmp_path)
    finally:
        elsewhere.shutdown()
        elsewhere.server_close()
    assert Counting.asked == []
    assert result.returncode == 0, result.stderr[-2000:]
    assert "redirect_off_site 2" in result.stderr
    assert (tmp_path / "o.jsonl").read_text(encoding="utf-8").count("\n") == 1
