"""Identity from the page, checked: a canonical URL (or og:url) that points away from the article
(the home page, a listing, another host) is not trusted, and two articles never share an id
because their pages name one canonical URL. Saved hanam pages with their canonical link edited,
through the real callback and pipelines (tests/support.OfflineRun)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from scrapy.http import HtmlResponse

from crawler.urls import article_id, names_the_page
from tests.support import OfflineRun, saved_response

CRAWLED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
ORIGIN = "http://thuvienhanam.gov.vn"
ONE = ORIGIN + "/tin-tuc-su-kien/trao-giai-cuoc-thi-dai-su-van-hoa-doc-tinh-ha-nam-nam-2019-1163.html"
TWO = ORIGIN + "/tin-tuc-su-kien/thu-vien-tinh-ha-nam-day-manh-so-hoa-tai-lieu-dia-chi-nam-2018-989.html"
NAMES = re.compile(rb'<link[^>]*rel="canonical"[^>]*>|<meta[^>]*property="og:url"[^>]*>')


def naming(url: str, named: str | None, og: str | None = None) -> HtmlResponse:
    """The saved page of `url` with its canonical link replaced by `named` (None: removed), and its
    og:url by `og`."""
    body = NAMES.sub(b"", saved_response("hanam", url).body)
    head = b""
    if named is not None:
        head += f'<link rel="canonical" href="{named}">'.encode()
    if og is not None:
        head += f'<meta property="og:url" content="{og}">'.encode()
    body = body.replace(b"</head>", head + b"</head>", 1)
    return HtmlResponse(url=url, body=body, headers={"Content-Type": "text/html; charset=utf-8"})


@pytest.mark.parametrize("named", [
    ORIGIN + "/", ORIGIN, ORIGIN + "/vi/", ORIGIN + "/index.php", "https://example.org" + ONE[len(ORIGIN):],
    ORIGIN + "/tin-tuc-su-kien/", ORIGIN + "/tin-tuc-su-kien",
])
def test_a_canonical_that_points_away_from_the_article_is_not_its_url(named):
    (item,) = OfflineRun("hanam", CRAWLED_AT).items_of(naming(ONE, named))
    assert item["url"] == ONE
    assert item["id"] == article_id("hanam", ONE)


@pytest.mark.parametrize("named", [
    ONE,  # itself
    ORIGIN + "/index.php?id=1163&nv=news",  # a query names a page, even at the front controller
    ORIGIN + "/hoat-dong-thu-vien/trao-giai-cuoc-thi-1163.html",  # another path on the site
    ONE.replace("http://", "http://www."),  # the same host with www.
])
def test_a_canonical_that_can_be_the_article_is_kept(named):
    assert names_the_page(ONE, named)


def test_og_url_is_the_name_where_no_canonical_link_is_given_and_checked_the_same():
    other = ORIGIN + "/gioi-thieu/bai-1163.html"
    (item,) = OfflineRun("hanam", CRAWLED_AT).items_of(naming(ONE, None, og=other))
    assert item["url"] == other
    (item,) = OfflineRun("hanam", CRAWLED_AT).items_of(naming(ONE, None, og=ORIGIN + "/"))
    assert item["url"] == ONE


def test_a_canonical_naming_a_listing_the_walk_went_through_is_not_trusted():
    run = OfflineRun("hanam", CRAWLED_AT)
    listing = ORIGIN + "/news/newlist/tin-tuc-su-kien?page=2"
    run.spider.walks.asked.add(listing)
    (item,) = run.items_of(naming(ONE, listing))
    assert item["url"] == ONE
    assert run.stats["identity/canonical_names_a_listing"] == 1


def test_two_articles_whose_pages_name_one_canonical_url_are_two_items():
    shared = ORIGIN + "/tin-tuc-su-kien/bai-noi-bat-5.html"  # looks like an article: trusted alone
    run = OfflineRun("hanam", CRAWLED_AT)
    (first,) = run.items_of(naming(ONE, shared))
    (second,) = run.items_of(naming(TWO, shared))
    assert first["url"] == shared and second["url"] == TWO
    assert first["id"] != second["id"] == article_id("hanam", TWO)
    assert shared not in second["aliases"] and TWO in second["aliases"]
    assert run.stats["identity/canonical_shared"] == 1
    # the same article again under the shared name is still a duplicate, not a third item
    with pytest.raises(Exception, match="duplicate_url"):
        run.items_of(naming(ONE, shared))


def test_a_canonical_naming_where_the_walk_starts_is_not_trusted():
    """chaharmahal's walk starts at /fa/news/list, no page above its articles (/fa/news/ID/…)."""
    from tests.support import expected_items

    url = expected_items("chaharmahal")[0]["url"]
    body = NAMES.sub(b"", saved_response("chaharmahal", url).body).replace(
        b"</head>", b'<link rel="canonical" href="https://chb.iranpl.ir/fa/news/list"></head>', 1)
    run = OfflineRun("chaharmahal", CRAWLED_AT)
    (item,) = run.items_of(HtmlResponse(url=url, body=body, headers={"Content-Type": "text/html; charset=utf-8"}))
    assert item["url"] == url
    assert run.stats["identity/canonical_names_a_listing"] == 1
