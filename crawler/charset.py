"""Pages whose charset label lies: decode them by what the bytes are, not what the label says.

Government CMSes send `charset=iso-8859-1` in front of UTF-8 pages, or UTF-8 headers in front of
a windows-125x body. Browsers trust the header and show mojibake; a crawler that stores text must
not. Rules, in order: bytes that are valid UTF-8 (and not plain ASCII) are UTF-8 whatever the
label says; bytes that are not valid in the label's charset are read in the charset the page's
own <meta> declares, when that one fits; otherwise the label stands and the damage is counted.
"""
from __future__ import annotations

import codecs

from scrapy.http import TextResponse
from w3lib.encoding import html_body_declared_encoding


def _name(encoding: str | None) -> str | None:
    try:
        return codecs.lookup(encoding).name if encoding else None
    except LookupError:
        return None


def _fits(body: bytes, encoding: str | None) -> bool:
    try:
        body.decode(encoding or "", errors="strict")
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def honest(response: TextResponse) -> tuple[TextResponse, str | None]:
    """The response decoded as its bytes really are, and why it was changed (None: it was not)."""
    body = response.body
    label = _name(response.encoding)
    if label != "utf-8" and not body.isascii() and _fits(body, "utf-8"):
        return response.replace(encoding="utf-8"), "utf-8 body under another label"
    if not _fits(body, label):
        declared = _name(html_body_declared_encoding(body))
        if declared and declared != label and _fits(body, declared):
            return response.replace(encoding=declared), "body in its <meta> charset, not the label's"
        return response, "undecodable bytes replaced"
    return response, None
