"""Links out of feeds (crawler/feeds.py): the saved Kyzylorda RSS feed and sitemap, and the same
entries written as the other shapes feeds come in (link-less RSS, Atom, a sitemap index, no
namespace). The oracle for the saved documents is a plain regular expression over their text."""
from __future__ import annotations

import re

import pytest
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from crawler.feeds import feed_children, feed_links, is_feed
from tests.support import saved_response

ORIGIN = "https://kitapkhana.kz"
RSS = saved_response("kyzylorda", ORIGIN + "/rss.xml")
SITEMAP = saved_response("kyzylorda", ORIGIN + "/sitemap.xml")
ENTRIES = re.findall(r"<link>(.*?)</link>", RSS.text)[1:]  # the first <link> is the channel's


def xml(text: str, content_type: str = "application/xml") -> TextResponse:
    return XmlResponse(ORIGIN + "/feed", body=text.encode(), headers={"Content-Type": content_type})


def test_saved_rss_gives_each_entry_link_in_order():
    assert len(ENTRIES) >= 5
    assert feed_links(RSS) == ENTRIES


def test_saved_sitemap_gives_every_loc_in_order():
    assert feed_links(SITEMAP) == re.findall(r"<loc>(.*?)</loc>", SITEMAP.text)
    assert feed_children(SITEMAP) == []


def test_rss_without_links_uses_permalink_guids_only():
    text = re.sub(r"<link>[^<]*</link>\n?", "", RSS.text.split("<item>", 1)[1])
    first_guid = re.search(r"<guid[^>]*>(.*?)</guid>", text)[1]
    no_permalink = text.replace('<guid isPermaLink="true">', '<guid isPermaLink="false">', 1)
    doc = '<?xml version="1.0"?><rss><channel><item>{}</channel></rss>'
    assert feed_links(xml(doc.format(text)))[0] == first_guid
    assert feed_links(xml(doc.format(no_permalink))) == ENTRIES[1:]  # a non-permalink guid is no link
    bare = doc.format("<title>x</title><guid>  " + ENTRIES[0] + " </guid></item>")
    assert feed_links(xml(bare)) == [ENTRIES[0]]  # guids are permalinks unless they say otherwise


def test_atom_entries_give_their_alternate_link():
    entries = "".join(f'<entry><link rel="edit" href="{ORIGIN}/edit/{n}"/><link rel="alternate" href=" {url} "/></entry>'
                      for n, url in enumerate(ENTRIES[:2]))
    entries += f'<entry><link href="{ENTRIES[2]}"/></entry><entry><title>no link</title></entry>'
    atom = f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>'
    assert feed_links(xml(atom, "application/atom+xml")) == ENTRIES[:3]


def test_a_sitemap_index_names_its_sitemaps_and_no_pages():
    index = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f'<sitemap><loc> {ORIGIN}/sitemap-news.xml </loc></sitemap><sitemap><loc>{ORIGIN}/s2.xml</loc></sitemap>'
             '<sitemap><loc> </loc></sitemap></sitemapindex>')
    assert feed_children(xml(index)) == [f"{ORIGIN}/sitemap-news.xml", f"{ORIGIN}/s2.xml"]
    assert feed_links(xml(index)) == []


def test_namespaces_do_not_matter():
    plain = SITEMAP.text.replace(' xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"', "")
    assert plain != SITEMAP.text
    assert feed_links(xml(plain)) == feed_links(SITEMAP)


@pytest.mark.parametrize("content_type, body, feed", [
    ("application/rss+xml", "<rss/>", True),
    ("application/atom+xml; charset=utf-8", "<feed/>", True),
    ("text/xml", "<urlset/>", True),
    ("text/html", "  <?XML version='1.0'?><rss/>", True),     # mislabelled, says what it is
    ("text/html; charset=utf-8", "<!DOCTYPE html><html></html>", False),
    ("", "<html><body>RSS</body></html>", False),
])
def test_is_feed(content_type, body, feed):
    headers = {"Content-Type": content_type} if content_type else {}
    assert is_feed(TextResponse(ORIGIN + "/x", body=body.encode(), headers=headers, encoding="utf-8")) is feed


def test_a_binary_answer_is_no_feed():
    from scrapy.http import Response
    assert not is_feed(Response(ORIGIN + "/rss.xml", body=b"\x00", headers={"Content-Type": "application/rss+xml"}))
    assert not is_feed(HtmlResponse(ORIGIN + "/", body=b"<html></html>"))


def test_rss_link_wins_over_guid_and_an_empty_guid_is_no_link():
    doc = ('<?xml version="1.0"?><rss><channel><link>https://kitapkhana.kz/</link>'
           f'<item><link> {ENTRIES[0]} </link><guid>{ENTRIES[1]}</guid></item>'
           f'<item><link>{ENTRIES[2]}</link></item>'
           '<item><guid>   </guid></item><item><title>nothing</title></item></channel></rss>')
    assert feed_links(xml(doc)) == [ENTRIES[0], ENTRIES[2]]


def test_a_feed_without_an_xml_declaration_is_still_read_as_xml():
    """<link> is an empty element in HTML: read as HTML, an RSS feed would lose its links."""
    bare = re.sub(r"<guid[^>]*>[^<]*</guid>", "", RSS.text.split("?>", 1)[1])  # links only
    assert not bare.lstrip().startswith("<?xml") and "<guid" not in bare
    assert feed_links(xml(bare, "application/rss+xml")) == ENTRIES


def test_a_gzipped_sitemap_gives_the_same_links_and_a_bomb_gives_none():
    import gzip

    from scrapy.http import Response

    from crawler.feeds import MAX_FEED_BYTES

    packed = Response(ORIGIN + "/sitemap.xml.gz", body=gzip.compress(SITEMAP.body),
                      headers={"Content-Type": "application/octet-stream"})
    assert is_feed(packed)
    assert feed_links(packed) == feed_links(SITEMAP) != []
    index = Response(ORIGIN + "/sitemap_index.xml.gz", headers={"Content-Type": "application/x-gzip"}, body=gzip.compress(
        f'<sitemapindex><sitemap><loc>{ORIGIN}/post-sitemap.xml.gz</loc></sitemap></sitemapindex>'.encode()))
    assert feed_children(index) == [f"{ORIGIN}/post-sitemap.xml.gz"]
    # a gzip body that decompresses past the limit: no links, no memory out of proportion
    bomb = SITEMAP.body.replace(b"</urlset>", b"<!--" + b" " * MAX_FEED_BYTES + b"--></urlset>")
    assert feed_links(Response(ORIGIN + "/big.xml.gz", body=gzip.compress(bomb))) == []
    # a gzipped file that is not named or labelled as a feed is not one (a picture, an archive)
    assert not is_feed(Response(ORIGIN + "/files/report.tar", body=gzip.compress(SITEMAP.body)))


# -- hostile XML: external entities (XXE) and nested entity expansion are neither resolved nor expanded


class _Counting(__import__("http.server").server.BaseHTTPRequestHandler):
    asked: list[str] = []

    def do_GET(self) -> None:
        _Counting.asked.append(self.path)
        body = b'<!ENTITY leak "LEAKED">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def _hostile(doctype: str, link: str) -> str:
    """The saved RSS feed with a DOCTYPE of `doctype` and `link` as an extra first entry's link."""
    body = RSS.text.split("?>", 1)[1]
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE rss [{doctype}]>\n'
            + body.replace("<item>", f"<item><link>{link}</link></item><item>", 1))


@pytest.mark.parametrize("read", [feed_links, feed_children, is_feed])
def test_external_entities_are_not_resolved_from_files_or_the_network(tmp_path, read):
    import threading
    from http.server import ThreadingHTTPServer

    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-42")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    there = f"http://127.0.0.1:{server.server_address[1]}"
    _Counting.asked = []
    try:
        doctype = (f'<!ENTITY file SYSTEM "{secret.as_uri()}"><!ENTITY web SYSTEM "{there}/entity">'
                   f'<!ENTITY % dtd SYSTEM "{there}/evil.dtd"> %dtd;')
        doc = _hostile(doctype, f"{ORIGIN}/kz/news/1-a.html?x=&file;&web;&leak;")
        response = xml(doc)
        out = read(response)
        text = " ".join(out) if isinstance(out, list) else str(out)
        links = feed_links(response)
    finally:
        server.shutdown()
        server.server_close()
    assert "SECRET-42" not in text and "LEAKED" not in text
    assert not any("SECRET-42" in link or "LEAKED" in link for link in links)
    assert links[1:] == ENTRIES  # the feed's own entries still read
    assert _Counting.asked == []  # no DTD or entity fetched over the network


def test_nested_entity_expansion_is_not_expanded_and_stays_small():
    import tracemalloc

    lol = '<!ENTITY lol0 "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol%d;" % (n - 1)) * 10}">' for n in range(1, 10))  # 10**9 × 30 bytes
    doc = _hostile(lol, f"{ORIGIN}/kz/news/1-a.html?x=&lol9;")
    tracemalloc.start()
    try:
        links = feed_links(xml(doc))
        children = feed_children(xml(doc))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # the expansion would be 30 GB
    # libxml2 refuses the expansion and stops reading there: no link carries it (the feed's other
    # entries may be lost with it: a feed made to hurt is not worth a guess)
    assert children == [] and all(len(link) < 200 for link in links)
    assert set(links) <= {f"{ORIGIN}/kz/news/1-a.html?x=", *ENTRIES}


def test_a_hostile_feed_through_the_spider_asks_only_for_the_sites_own_entries(tmp_path):
    from tests.support import site_spider

    secret = tmp_path / "s.txt"
    secret.write_text("https://kitapkhana.kz/kz/news/666-leaked.html")
    doc = _hostile(f'<!ENTITY file SYSTEM "{secret.as_uri()}">', "&file;")
    spider = site_spider("kyzylorda")
    asked = [r.url for r in spider.parse_listing(xml(doc, "application/rss+xml"))]
    assert asked and not [u for u in asked if "leaked" in u]
    assert set(asked) <= set(ENTRIES)
