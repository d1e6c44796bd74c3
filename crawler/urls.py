"""Canonical URLs and the ids derived from them.

One article gets one URL however it was reached: tracking parameters and fragments dropped,
percent-encoding as a browser sends it (upper-case hex), and a site's own aliases applied.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from urllib.parse import parse_qsl, urljoin, urlsplit

from w3lib.url import canonicalize_url, safe_url_string, url_query_cleaner

TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "_ga", "igshid")

Aliases = Sequence[tuple[str, str]]


def _is_tracking(name: str) -> bool:
    return name.lower().startswith(TRACKING_PREFIXES)


def drop_tracking(url: str) -> str:
    """Remove tracking parameters (utm_*, fbclid, ...) and keep the rest in order."""
    names = [k for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True) if _is_tracking(k)]
    if not names:
        return url
    return url_query_cleaner(url, names, remove=True, unique=False, keep_fragments=True)


def canonical_url(url: str, aliases: Aliases = ()) -> str:
    """The one spelling of a page's URL: no tracking, no fragment, percent-encoded, aliases applied."""
    for pattern, replacement in aliases:
        url = re.sub(pattern, replacement, url)
    return canonicalize_url(drop_tracking(safe_url_string(url.strip())), keep_fragments=False)


# Characters a browser would percent-encode in a URL; a URL without them is already as sent.
_UNSAFE = re.compile(r"[^\x21-\x7e]|[\"<>\\^`{|}]")


#: Scrapy download handlers switched off: a crawl fetches http(s) and nothing else (no local
#: file, no FTP, no S3, whatever a stranger's page, feed or redirect names)
NOT_WEB_HANDLERS: dict[str, None] = {"file": None, "ftp": None, "s3": None, "data": None}


def absolute(base: str, link: str | None) -> str | None:
    """A link as an absolute, browser-encoded URL; None for empty links and script/mail links."""
    if not link or not link.strip():
        return None
    link = link.strip()
    if link.lower().startswith(("javascript:", "mailto:", "tel:", "data:", "#")):
        return None
    url = urljoin(base, link)
    # safe_url_string costs ~0.1 ms (IDNA, splitting); most links need none of it
    return url if not _UNSAFE.search(url) else safe_url_string(url)


# Path segments that name no page of their own: a site's front controller and language roots.
_FRONT = re.compile(r"^(index\.(php|html?|aspx?)|[a-z]{2}([-_][a-z]{2})?)$", re.I)


def _segments(url: str) -> list[str]:
    return [s for s in urlsplit(url).path.split("/") if s]


def same_site(url: str, other: str) -> bool:
    """Two URLs on one site: the same host name, `www.` or not (a site that moved to www. is
    still the same site)."""
    return ((urlsplit(url).hostname or "").removeprefix("www.")
            == (urlsplit(other).hostname or "").removeprefix("www."))


def names_the_page(page_url: str, named: str) -> bool:
    """Whether a page's canonical URL (or og:url) can be the page's own: not on another host,
    not the site's home page (or a language root of it), and not a page above it in the path (a
    listing or category). SEO plugins misconfigured to name such pages would make every article
    one item."""
    if not same_site(page_url, named):
        return False
    other = urlsplit(named)
    segments = _segments(named)
    if not segments or (all(_FRONT.match(s) for s in segments) and not other.query):
        return False
    own = _segments(page_url)
    return not (len(own) > len(segments) and own[:len(segments)] == segments and not other.query)


def article_id(site: str, url: str) -> str:
    """Stable across runs: derived from the site and the canonical URL only."""
    return hashlib.sha256(f"{site}\n{url}".encode()).hexdigest()[:20]
