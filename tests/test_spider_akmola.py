"""Akmola (aounb.kz, WordPress 6.4 + Polylang + Yoast + Post Views Counter, Astra theme) through the
WordPress adapter: the REST API walk, the page reading, the CMS's known bugs, identity, theme and
feature independence, crawls over loopback (exact items, v1 → v2 incremental, rerun cost)."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse

from crawler.replay import ReplayServer, SiteCopy
from spiders.wordpress import WordPressArticle, WordPressPost, api_url
from tests.support import (EXPECTED_V2, FIXTURES, SITES, SITES_V2, OfflineRun, crawl, differences, expected_items,
                           outputs, read_lines, saved_copy, saved_response, site_spider)

SITE = "akmola"
ORIGIN = "https://aounb.kz"
TZ = "Asia/Almaty"
CRAWLED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
EXPECTED = expected_items(SITE)
EXPECTED_2 = expected_items(SITE, EXPECTED_V2)
LISTING = f"{ORIGIN}/kz/category/jana_kz/"
API_POSTS = f"{ORIGIN}/wp-json/wp/v2/posts?per_page=100&page=1&_embed=1&categories=4&lang=kz"
REST_OFF = FIXTURES / "variants" / "rest_off"  # the same site with the REST API switched off
# 1197: printed 13.07.2019, modified 22.07.2019 (the hidden '.updated' date)
EDITED = (f"{ORIGIN}/kz/jana_kz/%D1%81%D0%B8%D1%80%D0%B5%D0%BA-%D0%BA%D1%96%D1%82%D0%B0%D0%BF%D1%82%D0%B0%D1%80-"
          "%D2%9B%D0%BE%D1%80%D1%8B%D0%BD-%D1%86%D0%B8%D1%84%D1%80%D0%BB%D0%B0%D0%BD%D0%B4%D1%8B%D1%80%D1%83-"
          "%D0%B6%D0%B0%D0%BB/")
# 1489: a scaled-free featured picture, two content pictures (one captioned), comments closed
CLOSED = (f"{ORIGIN}/kz/jana_kz/%D2%AF%D0%B7%D0%B4%D1%96%D0%BA-%D0%BE%D2%9B%D1%8B%D1%80%D0%BC%D0%B0%D0%BD-"
          "%D0%B1%D0%B0%D0%B9%D2%9B%D0%B0%D1%83%D1%8B-%D2%9B%D0%BE%D1%80%D1%8B%D1%82%D1%8B%D0%BD%D0%B4%D1%8B%D0%BB%D0%B0/")


def by_url(url: str, expected=EXPECTED) -> dict:
    return next(item for item in expected if item["url"] == url)


def saved_with_headers(url: str, root: Path = SITES, meta: dict | None = None) -> TextResponse:
    """A saved answer with every recorded header (X-WP-TotalPages, Link) and a request carrying `meta`."""
    target = url[len(ORIGIN):]
    answer = saved_copy(root / SITE).answer(target)
    headers = {k: v for k, v in answer.headers if k.lower() not in ("content-length", "transfer-encoding")}
    cls = HtmlResponse if "html" in (answer.header("Content-Type") or "") else TextResponse
    return cls(url=url, status=answer.status, body=answer.body, headers=headers,
               request=Request(url, meta=meta or {}))


def api_posts() -> list[dict]:
    return json.loads(saved_with_headers(API_POSTS).text)


def post_of(url: str) -> dict:
    return next(p for p in api_posts() if p["link"].lower() == url.lower())


@pytest.fixture()
def spider():
    return site_spider(SITE)


# -- the saved copy ------------------------------------------------------------------------------

def test_saved_copies_hold_every_expected_article():
    assert len(EXPECTED) == 28 and len(EXPECTED_2) == 32
    assert {e["url"] for e in EXPECTED} < {e["url"] for e in EXPECTED_2}
    assert all(e["language"] == "kk" and e["url"].startswith(f"{ORIGIN}/kz/jana_kz/") for e in EXPECTED_2)


# -- the walk: listing → API → articles ------------------------------------------------------------

def test_listing_leads_to_the_api_with_the_category_id_and_polylang_language(spider):
    listing = saved_with_headers(LISTING)
    assert listing.css('link[rel="https://api.w.org/"]') and "category-4" in listing.css("body::attr(class)").get()
    requests = list(spider.parse_listing(listing))
    assert [r.url for r in requests] == [API_POSTS]  # the listing's own article links are left to the API
    assert spider.category_id == 4


def test_api_lists_every_kazakh_post_once_and_asks_for_each_page_with_its_post(spider):
    spider.category_id = 4
    context = {"listing": saved_with_headers(LISTING), "root": f"{ORIGIN}/wp-json/", "lang": "kz"}
    response = saved_with_headers(API_POSTS, meta={"wp": context, "wp_page": 1})
    assert response.headers.get("X-WP-TotalPages") == b"1"
    requests = list(spider.parse_api_posts(response))
    articles = [r for r in requests if r.callback == spider.parse_article]
    assert len(requests) == len(articles)  # one API page: no next page asked
    assert {r.url for r in articles} == {e["url"] for e in EXPECTED}
    assert all(r.meta["wp_post"]["link"].lower() == r.url.lower() for r in articles)


def test_posts_of_another_language_are_not_items(spider):
    """Without a lang parameter (or an unknown one) Polylang's API returns every language."""
    posts = api_posts()
    posts[0] = {**posts[0], "lang": "ru", "link": f"{ORIGIN}/ru/novosti/x/"}
    body = json.dumps(posts).encode()
    context = {"listing": saved_with_headers(LISTING), "root": f"{ORIGIN}/wp-json/", "lang": "kz"}
    response = TextResponse(API_POSTS, body=body, headers={"Content-Type": "application/json", "X-WP-TotalPages": "1"},
                            request=Request(API_POSTS, meta={"wp": context, "wp_page": 1}))
    urls = [r.url for r in spider.parse_api_posts(response)]
    assert len(urls) == 27 and not [u for u in urls if "/ru/" in u]


def test_next_api_page_while_total_pages_say_so(spider):
    context = {"listing": saved_with_headers(LISTING), "root": f"{ORIGIN}/wp-json/", "lang": "kz"}
    response = saved_with_headers(API_POSTS, meta={"wp": context, "wp_page": 1})
    response.headers["X-WP-TotalPages"] = "3"
    following = [r.url for r in spider.parse_api_posts(response) if r.callback == spider.parse_api_posts]
    assert following == [API_POSTS.replace("&page=1&", "&page=2&").replace("categories=4&", "")]  # no category id known


@pytest.mark.parametrize("answer", [
    (401, "application/json", b'{"code":"rest_cannot_access","message":"Only authenticated users can access the REST API.","data":{"status":401}}'),
    (200, "text/html", b"<html><body><form id='loginform'></form></body></html>"),
    (404, "application/json", b'{"code":"rest_no_route","message":"No route was found","data":{"status":404}}'),
])
def test_an_api_switched_off_or_answering_html_falls_back_to_the_listing_pages(spider, answer):
    status, ctype, body = answer
    listing = saved_with_headers(LISTING)
    context = {"listing": listing, "root": f"{ORIGIN}/wp-json/", "lang": "kz"}
    response = TextResponse(API_POSTS, status=status, body=body, headers={"Content-Type": ctype},
                            request=Request(API_POSTS, meta={"wp": context, "wp_page": 1}))
    requests = list(spider.parse_api_posts(response))
    articles = [r.url for r in requests if r.callback == spider.parse_article]
    listings = [r.url for r in requests if r.callback == spider.parse_listing]
    assert len(articles) == 10 and set(articles) < {e["url"] for e in EXPECTED}
    assert listings == [f"{ORIGIN}/kz/category/jana_kz/page/2/"]  # core's a.next.page-numbers


def test_listing_pages_of_the_site_without_api_walk_to_every_article(spider):
    found, pages = set(), [LISTING, f"{LISTING}page/2/", f"{LISTING}page/3/"]
    for url in pages:
        response = saved_with_headers(url, REST_OFF, meta={"wp_html_walk": True})
        found |= {r.url for r in spider.parse_listing(response) if r.callback == spider.parse_article}
        if url == pages[-1]:
            assert not [u for u in spider._links(response, spider.next_pages(response)) if u not in pages]
    assert found == {e["url"] for e in EXPECTED}


def test_plain_permalinks_api_root_and_link_header_discovery(spider):
    assert api_url(f"{ORIGIN}/index.php?rest_route=/", "wp/v2/posts", {"per_page": 100, "lang": "kz"}) == \
        f"{ORIGIN}/index.php?rest_route=/wp/v2/posts&per_page=100&lang=kz"
    assert api_url(f"{ORIGIN}/wp-json/", "wp/v2/categories", {"slug": "jana_kz"}) == \
        f"{ORIGIN}/wp-json/wp/v2/categories?slug=jana_kz"
    page = HtmlResponse(f"{ORIGIN}/?cat=4", body=b"<html><head></head><body class='archive category'></body></html>",
                        headers={"Link": f'<{ORIGIN}/index.php?rest_route=/>; rel="https://api.w.org/"'})
    assert spider.api_root(page) == f"{ORIGIN}/index.php?rest_route=/"
    assert spider.category_slug(f"{ORIGIN}/?category_name=news/jana") == "jana"
    assert spider.category_slug(f"{ORIGIN}/kz/category/parent/jana_kz/") == "jana_kz"
    assert spider.category_slug(f"{ORIGIN}/kz/") is None


# -- articles: from the API's post and the page --------------------------------------------------

@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: f"article{EXPECTED.index(e)}")  # ASCII ids: mutmut selects tests by id
def test_article_from_api_post_and_page_gives_the_expected_item(expected):
    run = OfflineRun(SITE, CRAWLED_AT)
    response = saved_with_headers(expected["url"], meta={"wp_post": post_of(expected["url"])})
    (item,) = run.items_of(response)
    assert not differences(item, expected, TZ)


def test_hidden_updated_date_is_not_the_publication_date():
    """Astra prints the modification date beside the publication date, hidden by CSS."""
    page = saved_response(SITE, EDITED)
    assert page.css(".entry-meta .updated::text").get().strip() == "22.07.2019"
    item = OfflineRun(SITE, CRAWLED_AT).item(EDITED)
    assert item["date_raw"] == "13.07.2019"
    # the printed day, the time of article:published_time (11:48:16 UTC) on the Almaty clock of 2019
    assert item["published_at"] == "2019-07-13T17:48:16+06:00" == by_url(EDITED)["published_at"]


def test_clock_change_of_2024_gives_each_day_its_offset():
    dates = sorted(e["published_at"] for e in EXPECTED)
    assert any(d.startswith("2024-01") and d.endswith("+06:00") for d in dates)
    assert any(d.startswith("2024-03-30") and d.endswith("+05:00") for d in dates)
    run = OfflineRun(SITE, CRAWLED_AT)
    for expected in EXPECTED:
        if expected["published_at"][:7] in ("2024-01", "2024-03"):
            assert run.item(expected["url"])["published_at"] == expected["published_at"]


def test_views_counter_and_share_links_are_not_body_and_closed_comments_are_null():
    item = OfflineRun(SITE, CRAWLED_AT).item(CLOSED)
    assert "Қаралды" not in item["body"] and "Facebook" not in item["body"] and "Бөлісу" not in item["body"]
    assert item["view_count"] == 795
    assert item["comment_count"] is None  # closed, none: the page shows no comment count
    post = post_of(CLOSED)
    assert post["comment_status"] == "closed" and WordPressPost(post).comment_count() is None


def test_comments_with_replies_counted_from_the_page_and_the_api():
    with_comments = [e for e in EXPECTED if (e["comment_count"] or 0) >= 3]
    assert with_comments
    for expected in with_comments:
        page = saved_response(SITE, expected["url"])
        assert len(page.css("#comments li.comment")) == expected["comment_count"]
        post = post_of(expected["url"])
        assert WordPressArticle(expected["url"], page.selector, post=post).comment_count() == expected["comment_count"]


def test_scaled_upload_gives_the_original_not_the_biggest_resized_copy():
    url = next(e["url"] for e in EXPECTED if any("-scaled" in i["url"] for i in e["images"]))
    page = saved_response(SITE, url)
    assert "-2048x" in page.css("img.wp-post-image::attr(srcset)").get()
    item = OfflineRun(SITE, CRAWLED_AT).item(url)
    assert item["images"] == by_url(url)["images"]
    assert all("-2048x" not in i["url"] for i in item["images"])


# -- identity -------------------------------------------------------------------------------------

@pytest.mark.parametrize("alias", ["{origin}/?p=1489", "{origin}/kz/jana_kz/?replytocom=12",
                                   "{url}?utm_source=telegram", "{url}amp/"])
def test_one_article_one_url_whatever_url_served_it(alias):
    saved = saved_response(SITE, CLOSED)
    url = alias.format(origin=ORIGIN, url=CLOSED)
    response = HtmlResponse(url, body=saved.body, headers={"Content-Type": "text/html; charset=utf-8"})
    (item,) = OfflineRun(SITE, CRAWLED_AT).items_of(response)
    assert item["url"] == CLOSED


def test_shortlink_redirects_to_the_permalink_and_is_remembered(spider):
    page = saved_response(SITE, CLOSED)
    assert page.css('link[rel="shortlink"]::attr(href)').get() == f"{ORIGIN}/?p=1489"
    # WordPress answers the shortlink 301 to the permalink as it stores it (lower-case hex)
    response = HtmlResponse(f"{ORIGIN}/?p=1489", status=301, body=b"",
                            headers={"Location": CLOSED.lower().replace("https://aounb.kz", ORIGIN)},
                            request=Request(f"{ORIGIN}/?p=1489", meta={}))
    (follow,) = list(spider.follow_redirect(response))
    assert follow.url == CLOSED


def test_canonical_pointing_home_is_not_the_article_url():
    saved = saved_response(SITE, CLOSED)
    html = re.sub(r'<link rel="canonical" href="[^"]+"', f'<link rel="canonical" href="{ORIGIN}/kz/"', saved.text)
    page = WordPressArticle.from_html(CLOSED, html)
    assert page.url() == CLOSED


# -- theme independence --------------------------------------------------------------------------

def other_theme(url: str, keep_seo: bool = True) -> str:
    """The same post's core output in Twenty Twenty-One's wrappers (entry-footer meta, time
    elements, figure.post-thumbnail), with or without Yoast's head."""
    page = saved_response(SITE, url)
    head = page.css("head").get()
    if not keep_seo:
        head = re.sub(r"<!-- This site is optimized.*?<!-- / Yoast SEO plugin. -->", "", head, flags=re.S)
    post = post_of(url)
    moment = datetime.fromisoformat(post["date_gmt"] + "+00:00").astimezone(
        __import__("zoneinfo").ZoneInfo(TZ)).isoformat()
    content = page.css(".entry-content").get()
    thumb = page.css("img.wp-post-image").get() or ""
    author = page.css('a[rel="author"]').get()
    category = page.css('a[rel~="category"]').get()
    printed = page.css(".entry-meta .published::text").get().strip()
    comments = page.css("#comments").get() or ""
    return f"""<!doctype html><html lang="kk">{head}
<body class="post-template-default single single-post postid-{post['id']} wp-embed-responsive">
<div id="page" class="site"><header id="masthead" class="site-header"><nav class="primary-navigation">
<a href="{ORIGIN}/kz/">Басты бет</a></nav></header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-{post['id']}" class="post-{post['id']} post type-post status-publish format-standard hentry entry">
<header class="entry-header alignwide"><h1 class="entry-title">{page.css('h1.entry-title::text').get()}</h1>
<figure class="post-thumbnail">{thumb}</figure></header>
{content}
<footer class="entry-footer default-max-width"><div class="posted-by">
<span class="posted-on">Жарияланды: <time class="entry-date published" datetime="{moment}">{printed}</time></span>
<span class="byline">Авторы: {author}</span></div>
<div class="post-taxonomies"><span class="cat-links">Санат: {category}</span></div></footer>
</article>{comments}
<nav class="navigation post-navigation"><div class="nav-links"><a href="{ORIGIN}/kz/" rel="prev">Алдыңғы</a></div></nav>
</main></div></div></div></body></html>"""


@pytest.mark.parametrize("keep_seo", [True, False], ids=["yoast-page-alone", "no-seo-plugin-with-api"])
@pytest.mark.parametrize("expected", EXPECTED[::4], ids=lambda e: f"article{EXPECTED.index(e)}")  # ASCII ids: mutmut selects tests by id
def test_same_post_in_another_theme_gives_the_same_item(expected, keep_seo):
    """Read from the page alone (Yoast's head names the moment and a scaled upload's original), or
    without any SEO plugin with the API's post beside it (its date_gmt, featured media source_url)."""
    html = other_theme(expected["url"], keep_seo)
    assert "ast-" not in html.split("<body", 1)[1].split("<div id=\"comments\"")[0].replace("ast-share", "")
    assert ("yoast" in html) == keep_seo
    response = HtmlResponse(expected["url"], body=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"},
                            request=Request(expected["url"], meta={} if keep_seo else {"wp_post": post_of(expected["url"])}))
    (item,) = OfflineRun(SITE, CRAWLED_AT).items_of(response)
    assert not differences(item, expected, TZ)


def test_page_in_another_language_is_not_an_item():
    saved = saved_response(SITE, CLOSED)
    html = saved.text.replace('<html lang="kk">', '<html lang="ru-RU">', 1)
    response = HtmlResponse(f"{ORIGIN}/ru/novosti/x/", body=html.encode(), headers={"Content-Type": "text/html"})
    assert OfflineRun(SITE, CRAWLED_AT).items_of(response) == []
    # a site without Polylang (no hreflang alternates) whose <html lang> is off is still read
    bare = re.sub(r'<link rel="alternate" href="[^"]+" hreflang="[^"]+" />', "", html)
    response = HtmlResponse(CLOSED, body=bare.encode(), headers={"Content-Type": "text/html"})
    assert len(OfflineRun(SITE, CRAWLED_AT).items_of(response)) == 1


# -- crawls over loopback ---------------------------------------------------------------------------

def scheduled(mirror: Path, work: Path):
    return crawl(["crawl", SITE, "--mirror", str(mirror), "--output-dir", str(work / "out"),
                  "--state", str(work / "state.sqlite"), "--no-archive"], cwd=work)


@pytest.mark.crawl
@pytest.mark.parametrize("root, expected", [(SITES, EXPECTED), (REST_OFF, EXPECTED)], ids=["rest-api", "rest-off"])
def test_crawl_of_the_saved_copy_gives_exactly_the_expected_items(tmp_path, root, expected):
    with ReplayServer([SiteCopy.load(root / SITE)]) as server:
        result = crawl(["crawl", SITE, "--mirror", str(server.write_map(tmp_path / "m.json")),
                        "--output", str(tmp_path / "out.jsonl")], cwd=tmp_path)
        asked = list(server.sites[0].requests)
    assert result.returncode == 0, result.stderr[-3000:]
    items = read_lines(tmp_path / "out.jsonl")
    assert sorted(i["url"] for i in items) == sorted(e["url"] for e in expected)
    assert not {i["url"]: d for i in items if (d := differences(i, by_url(i["url"], expected), TZ))}
    api = [k for k in asked if k.startswith("/wp-json/")]
    assert (len(api) == 1) if root is SITES else (api and all("posts" in k for k in api))


@pytest.mark.crawl
def test_v1_then_v2_writes_exactly_the_new_articles_and_an_unchanged_rerun_asks_two_pages(tmp_path):
    runs = []
    for root in (SITES, SITES_V2, SITES_V2):
        before = set(outputs(tmp_path / "out"))
        with ReplayServer([SiteCopy.load(root / SITE)]) as server:
            result = scheduled(server.write_map(tmp_path / "m.json"), tmp_path)
            asked = list(server.sites[0].requests)
        assert result.returncode == 0, result.stderr[-3000:]
        runs.append((sorted(set(outputs(tmp_path / "out")) - before), asked))
    (first, _), (second, _), (third, asked) = runs
    assert {i["url"] for i in read_lines(*first)} == {e["url"] for e in EXPECTED}
    new = {e["url"] for e in EXPECTED_2} - {e["url"] for e in EXPECTED}
    written = read_lines(*second)
    assert len(new) == 4 and sorted(i["url"] for i in written) == sorted(new)
    assert not {i["url"]: d for i in written if (d := differences(i, by_url(i["url"], EXPECTED_2), TZ))}
    # nothing new: robots.txt and the news listing (its links all known) and not the API
    assert third == [] and asked == ["/robots.txt", "/kz/category/jana_kz/"]


@pytest.mark.parametrize("expected", [e for e in EXPECTED if not any("-scaled" in i["url"] for i in e["images"])][::5],
                         ids=lambda e: f"article{EXPECTED.index(e)}")  # ASCII ids: mutmut selects tests by id
def test_another_theme_without_seo_plugin_or_api_reads_the_time_element(expected):
    """No Yoast head, no API: the moment is core's <time class="entry-date published" datetime>."""
    html = other_theme(expected["url"], keep_seo=False)
    assert "article:published_time" not in html and "datePublished" not in html
    response = HtmlResponse(expected["url"], body=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"})
    (item,) = OfflineRun(SITE, CRAWLED_AT).items_of(response)
    assert not differences(item, expected, TZ)


def block_theme(url: str) -> str:
    """The same post in a block theme (Twenty Twenty-Four): no article element, core blocks'
    classes (wp-block-post-title, -post-date, -post-author-name, -post-terms, -post-content)."""
    page = saved_response(SITE, url)
    post = post_of(url)
    moment = datetime.fromisoformat(post["date_gmt"] + "+00:00").astimezone(
        __import__("zoneinfo").ZoneInfo(TZ)).isoformat()
    content = page.css(".entry-content").xpath("node()").getall()
    thumb = page.css("img.wp-post-image").get() or ""
    return f"""<!doctype html><html lang="kk">{page.css("head").get()}
<body class="post-template-default single single-post postid-{post['id']} wp-embed-responsive">
<div class="wp-site-blocks"><header class="wp-block-template-part"><nav class="wp-block-navigation">
<a href="{ORIGIN}/kz/">Басты бет</a></nav></header>
<main class="wp-block-group">
<figure class="wp-block-post-featured-image">{thumb}</figure>
<h1 class="wp-block-post-title">{page.css('h1.entry-title::text').get()}</h1>
<div class="wp-block-group"><div class="wp-block-post-date"><time datetime="{moment}">{page.css(".entry-meta .published::text").get().strip()}</time></div>
<div class="wp-block-post-author-name"><a href="{ORIGIN}/kz/author/x/" target="_self" class="wp-block-post-author-name__link">{page.css('a[rel="author"] ::text').get()}</a></div>
<div class="taxonomy-category wp-block-post-terms"><a href="{ORIGIN}/kz/category/jana_kz/" rel="tag">{page.css('a[rel~="category"]::text').get()}</a></div></div>
<div class="entry-content wp-block-post-content is-layout-constrained">{"".join(content)}</div>
{page.css("#comments").get() or ""}
</main></div></body></html>"""


@pytest.mark.parametrize("expected", EXPECTED[1::6], ids=lambda e: f"article{EXPECTED.index(e)}")  # ASCII ids: mutmut selects tests by id
def test_same_post_in_a_block_theme_gives_the_same_item(expected):
    html = block_theme(expected["url"])
    assert "<article" not in html.split("<body", 1)[1].split('<div id="comments"')[0]
    response = HtmlResponse(expected["url"], body=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"})
    (item,) = OfflineRun(SITE, CRAWLED_AT).items_of(response)
    assert not differences(item, expected, TZ)


def test_plain_permalinks_listing_names_its_category_by_id(spider):
    body = saved_with_headers(LISTING).body.replace(b"category-4", b"category-jana")
    listing = HtmlResponse(f"{ORIGIN}/?cat=7", body=body, headers={"Content-Type": "text/html"},
                           request=Request(f"{ORIGIN}/?cat=7"))
    (api,) = list(spider.parse_listing(listing))
    assert "categories=7" in api.url and spider.category_id == 7


def test_gzipped_post_sitemap_of_a_sitemap_index_gives_article_links(spider):
    import gzip

    index = (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f"<sitemap><loc>{ORIGIN}/post-sitemap.xml.gz</loc></sitemap><sitemap><loc>{ORIGIN}/page-sitemap.xml.gz</loc>"
             f"</sitemap></sitemapindex>").encode()
    response = TextResponse(f"{ORIGIN}/sitemap_index.xml", body=index, headers={"Content-Type": "text/xml"},
                            request=Request(f"{ORIGIN}/sitemap_index.xml", meta={"wp_html_walk": True}))
    assert [r.url for r in spider.parse_listing(response)] == [f"{ORIGIN}/post-sitemap.xml.gz"]
    urlset = (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              f"<url><loc>{CLOSED}</loc></url><url><loc>{ORIGIN}/kz/category/jana_kz/</loc></url></urlset>").encode()
    response = Response(f"{ORIGIN}/post-sitemap.xml.gz", body=gzip.compress(urlset),
                        headers={"Content-Type": "application/x-gzip"},
                        request=Request(f"{ORIGIN}/post-sitemap.xml.gz", meta={"wp_html_walk": True}))
    assert [r.url for r in spider.parse_listing(response) if r.callback == spider.parse_article] == [CLOSED]
