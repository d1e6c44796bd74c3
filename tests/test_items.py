"""One output line: the contract's fields in order, compact, UTF-8 text, one physical line."""
from __future__ import annotations

import json

from crawler.items import FIELDS, as_line, dumps

ITEM = {"url": "http://thuvienhanam.gov.vn/a-1.html", "site": "hanam", "title": "Thư viện",
        "body": "Dòng 1\u2028Dòng 2\u2029\x85", "images": None, "aliases": ["x"], "id": "0" * 20}


def test_a_line_is_compact_ordered_and_holds_every_field():
    line = dumps(ITEM)
    assert list(json.loads(line)) == list(FIELDS)
    assert line.startswith('{"id":"00000000000000000000","site":"hanam","url":"http://thuvienhanam.gov.vn/a-1.html"')
    assert '", "' not in line and '": ' not in line  # no spaces a reader has to skip
    assert "Thư viện" in line  # text, not \\u escapes


def test_line_breakers_are_escaped_and_read_back_as_they_were():
    line = dumps(ITEM)
    assert len(line.splitlines()) == 1
    assert "\\u2028" in line and "\\u2029" in line and "\\u0085" in line
    assert json.loads(line)["body"] == ITEM["body"]


def test_missing_fields_are_null_and_images_an_empty_list():
    line = as_line({"url": "u"})
    assert line["images"] == [] and line["kicker"] is None and "aliases" not in line
    assert as_line({"images": [{"url": "u", "caption": None}]})["images"] == [{"url": "u", "caption": None}]
