"""Charset labels that lie, on real saved pages: hanam's UTF-8 and gilan's windows-1256."""
from __future__ import annotations

from scrapy.http import HtmlResponse

from crawler.charset import honest
from tests.support import expected_items, saved_response

HANAM = expected_items("hanam")[0]
GILAN = next(e for e in expected_items("gilan") if "/fa/news/30636/" in e["url"])


def relabelled(url: str, body: bytes, charset: str | None) -> HtmlResponse:
    content_type = f"text/html; charset={charset}" if charset else "text/html"
    return HtmlResponse(url, body=body, headers={"Content-Type": content_type})


def test_an_honest_page_is_left_alone():
    page = saved_response("hanam", HANAM["url"])
    assert honest(page) == (page, None)
    gilan = saved_response("gilan", GILAN["url"])  # no charset in its header, cp1256 in its <meta>
    assert honest(gilan) == (gilan, None)


def test_utf8_bytes_under_a_latin1_label_are_read_as_utf8():
    body = saved_response("hanam", HANAM["url"]).body
    fixed, why = honest(relabelled(HANAM["url"], body, "iso-8859-1"))
    assert why == "utf-8 body under another label"
    assert fixed.encoding == "utf-8" and HANAM["title"] in fixed.text


def test_a_windows1256_body_under_a_utf8_label_is_read_in_its_meta_charset():
    body = saved_response("gilan", GILAN["url"]).body
    fixed, why = honest(relabelled(GILAN["url"], body, "utf-8"))
    assert why == "body in its <meta> charset, not the label's"
    assert fixed.encoding == "cp1256"
    assert "پایی که جا ماند" in fixed.text.replace("ي", "ی").replace("ك", "ک")


def test_bytes_that_fit_no_charset_keep_the_label_and_are_counted():
    body = saved_response("hanam", HANAM["url"]).body.replace(b"</title>", b"\xff\xfe</title>", 1)
    page = relabelled(HANAM["url"], body, "utf-8")
    fixed, why = honest(page)
    assert fixed is page and why == "undecodable bytes replaced"


def test_an_unknown_label_with_utf8_bytes_is_read_as_utf8():
    body = saved_response("hanam", HANAM["url"]).body
    fixed, _ = honest(relabelled(HANAM["url"], body, "x-no-such-charset"))
    assert fixed.encoding == "utf-8" and HANAM["title"] in fixed.text


def test_plain_ascii_is_never_relabelled():
    page = relabelled("http://thuvienhanam.gov.vn/a.html", b"<html><title>Thu vien</title></html>", "iso-8859-1")
    assert honest(page) == (page, None)
