"""Feeds as further ways into a site: links out of RSS 2.0, Atom and XML sitemaps.

A spider that lists a feed among its start paths hands the feed response here and gets the
links it names, in document order: RSS <item><link> (else a permalink <guid>), Atom <entry>
<link href>, sitemap <url><loc>. A sitemap index names further sitemaps (`feed_children`).
Namespaces are ignored, so sitemaps and feeds with or without their xmlns read the same.
Gzipped sitemaps (`sitemap.xml.gz`, served as a file rather than with a gzip Content-Encoding)
are read too, decompressed up to MAX_FEED_BYTES.
"""
from __future__ import annotations

from scrapy.http import Response, TextResponse
from scrapy.utils.gz import gunzip

FEED_TYPES = ("xml", "rss", "atom")
GZIP_MAGIC = b"\x1f\x8b\x08"
#: the most a gzipped feed may decompress to (a live crawl's DOWNLOAD_MAXSIZE)
MAX_FEED_BYTES = 16 * 1024 * 1024


def is_feed(response: Response) -> bool:
    """An XML document (RSS, Atom, sitemap, gzipped or not) rather than an HTML page."""
    if response.body[:3] == GZIP_MAGIC:
        return response.url.split("?")[0].lower().endswith(".gz") or b"gzip" in \
            response.headers.get("Content-Type", b"").lower()
    if not isinstance(response, TextResponse):
        return False
    content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
    if any(kind in content_type for kind in FEED_TYPES):
        return True
    return response.text.lstrip()[:5].lower() == "<?xml"


def _xml(response: Response):
    from parsel import Selector

    if response.body[:3] == GZIP_MAGIC:
        try:
            body = gunzip(response.body, max_size=MAX_FEED_BYTES)
        except (OSError, EOFError, ValueError):  # damaged, or larger than MAX_FEED_BYTES: no links
            body = b"<none/>"
        selector = Selector(body=body, type="xml")
    else:
        selector = Selector(text=response.text, type="xml")
    selector.remove_namespaces()
    return selector


def feed_links(response: Response) -> list[str]:
    """The entries' links of an RSS/Atom feed or the page URLs of a sitemap, in order."""
    sel = _xml(response)
    links: list[str] = []
    for item in sel.xpath("//item"):
        link = item.xpath("normalize-space(link)").get() or ""
        if not link:
            guid = item.xpath("guid[not(@isPermaLink='false')]")
            link = guid.xpath("normalize-space(.)").get() or "" if guid else ""
        if link:
            links.append(link)
    for entry in sel.xpath("//entry"):
        href = (entry.xpath("link[not(@rel) or @rel='alternate']/@href").get() or "").strip()
        if href:
            links.append(href)
    links.extend(loc.strip() for loc in sel.xpath("//urlset/url/loc/text()").getall() if loc.strip())
    return links


def feed_children(response: Response) -> list[str]:
    """Sitemaps named by a sitemap index."""
    sel = _xml(response)
    return [loc.strip() for loc in sel.xpath("//sitemapindex/sitemap/loc/text()").getall() if loc.strip()]
