"""WordPress sites, configured by an entry of the site list (cms = "wordpress"): the adapter for the CMS.

What WordPress core (6.x) emits, which this adapter reads, whatever the theme:

Ways in, in order:
  listing    the entry's `news` page, a category archive (/category/<slug>/, or ?cat=ID with plain
             permalinks; Polylang puts a language directory first: /kz/category/<slug>/). Its
             <body> carries get_body_class()'s "category-<slug> category-<term id>"; its <head> the
             REST API root (rest_output_link_wp_head: <link rel="https://api.w.org/" href=…/wp-json/>,
             or …/index.php?rest_route=/ without pretty permalinks; the same in the HTTP Link header).
  REST API   where the root answers: /wp/v2/posts?categories=ID&lang=LANG&per_page=100&_embed, newest
             first, paged by X-WP-TotalPages (and Link rel="next"). Each post: link (the permalink:
             Cyrillic slugs percent-encoded in lower-case hex), title.rendered, content.rendered,
             date (site clock) and date_gmt (UTC), comment_status, Polylang's `lang`, and embedded
             author (name), wp:term (categories first), wp:featuredmedia (source_url: the full-size
             file) and replies (the approved comments, replies included). The category id comes from
             the body class, else /wp/v2/categories?slug=. An API that is switched off or absent
             (401 rest_cannot_access / rest_disabled, 403, 404, HTML where JSON was asked for) is
             left for the listing pages.
  pages      the category archive paged /page/N/ (or &paged=N): core's the_posts_pagination()
             prints nav.navigation.pagination with a.next.page-numbers; older themes print
             .nav-previous ("Older posts") links; <link rel="next"> where an SEO plugin adds it.
             Entries are article.post / .hentry elements whose .entry-title links the permalink.
  feeds      /feed/ and the category feed (<news>/feed/): RSS 2.0 with slash:comments; core sitemaps
             /wp-sitemap.xml and Yoast's /sitemap_index.xml (or .xml.gz): read when a listing shows no
             entries by the core classes (a theme that hides them).

Article page (single post, <body class="single single-post postid-ID">), inside article.post/.hentry:
  title      h1.entry-title (else og:title / <title> minus the site name)
  body       .entry-content: the post content; plugins append to it (Post Views Counter's
             div.post-views, share buttons), which are not body
  date       the printed date of .entry-meta/.posted-on ".published" (time.entry-date.published in
             core themes); never ".updated", the modification date many themes print hidden beside
             it. The machine moment: the API's date_gmt, else article:published_time (Yoast, in UTC),
             JSON-LD datePublished, <time class="published" datetime>
  author     a[rel="author"] (the_author_posts_link; .author.vcard .fn), else the API's author
  category   a[rel~="category"] (get_the_category_list prints rel="category tag")
  images     the post thumbnail (img.wp-post-image) and the content's pictures, full size: the file
             an <a> around the picture links, else the largest srcset candidate, else src; captions
             are figcaption (wp-element-caption) or .wp-caption-text, never alt text
  comments   core's wp_list_comments(): ol.comment-list li.comment (replies nested); open comments
             show #respond (the comment form): 0 then; closed and none: null
  views      Post Views Counter: .post-views .post-views-count (a plugin's; null where absent)
Refused: posts of another language (Polylang's lang field, or a page whose <html lang> is not the
entry's among hreflang alternates), attachment pages, author/tag/date archives, the hidden
modification date.
"""
from __future__ import annotations

import json
import re
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from parsel import Selector, SelectorList
from scrapy.http import Response, TextResponse

from crawler.feeds import feed_children, feed_links, is_feed
from crawler.page import ArticlePage, Image, first_text, is_image_url, paragraphs, select, text_of
from crawler.sites import language_code
from crawler.spider import NewsSpider, _meta, page_selector
from crawler.text import join_paragraphs
from crawler.urls import canonical_url

API_REL = "https://api.w.org/"
PER_PAGE = 100
# What plugins and themes append inside .entry-content that is not the post's text.
NOT_BODY = (".post-views, .sharedaddy, .sd-sharing-enabled, .jp-relatedposts, .addtoany_share_save_container, "
            ".a2a_kit, .heateor_sss_sharing_container, .ast-share-buttons, .share-buttons, .wp-block-buttons, "
            ".screen-reader-text, .wp-caption-text, .entry-meta, .post-navigation, .navigation, "
            ".yarpp-related, .crp_related, #toc_container, .ez-toc-container")
# A resized copy WordPress made of an upload: name-1024x683.jpg
RESIZED = re.compile(r"-\d+x\d+(?=\.[a-z0-9]+$)", re.I)
# Pages of an archive that are not article permalinks
NOT_ARTICLE = re.compile(r"/(category|tag|author|page|feed|wp-content|wp-json|comments)/|[?&](cat|tag|author|paged|s)=")
API_OFF_CODES = ("rest_disabled", "rest_cannot_access", "rest_login_required", "rest_no_route",
                 "rest_forbidden", "rest_not_logged_in")


def _json(response: Response) -> Any:
    """The JSON of an API answer; None when the answer is not JSON (an HTML page, a login form)."""
    if not isinstance(response, TextResponse):
        return None
    try:
        return json.loads(response.text)
    except ValueError:
        return None


def api_url(root: str, route: str, params: dict[str, Any]) -> str:
    """A REST route under an API root, pretty (…/wp-json/ + route) or plain (?rest_route=/route)."""
    parts = urlsplit(root)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if "rest_route" in query:
        query["rest_route"] = "/" + route.strip("/")
        path = parts.path
    else:
        path = parts.path.rstrip("/") + "/" + route.strip("/")
    query.update({k: str(v) for k, v in params.items() if v is not None})
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query, safe="/,"), ""))


def _stem(url: str) -> str:
    """An upload's name without WordPress's size suffixes (-1024x683, -scaled)."""
    path = urlsplit(url).path
    return re.sub(r"-scaled(?=\.[a-z0-9]+$)", "", RESIZED.sub("", path), flags=re.I).lower()


def html_text(fragment: str | None) -> str | None:
    """Text of an HTML fragment of the API (title.rendered: entities, maybe tags)."""
    if not fragment:
        return None
    return text_of(Selector(text=f"<div>{fragment}</div>").css("div")[0]) or None


class WordPressPost:
    """A post as the REST API gives it (wp/v2/posts with _embed): extraction from JSON."""

    def __init__(self, post: dict[str, Any]):
        self.post = post
        self.embedded = post.get("_embedded") or {}

    def link(self) -> str | None:
        return self.post.get("link")

    def title(self) -> str | None:
        return html_text((self.post.get("title") or {}).get("rendered"))

    def content(self) -> Selector | None:
        rendered = (self.post.get("content") or {}).get("rendered")
        if not rendered or (self.post.get("content") or {}).get("protected"):
            return None
        return Selector(text=f"<html><body><div id='wp-api-content'>{rendered}</div></body></html>").css(
            "#wp-api-content")[0]

    def moment(self) -> str | None:
        """date_gmt in UTC (the `date` field is the site clock's, without offset)."""
        value = self.post.get("date_gmt")
        return f"{value}+00:00" if value and not re.search(r"(Z|[+-]\d\d:?\d\d)$", value) else value

    def local_date(self) -> str | None:
        """The site clock's date and time as a date text ("2021-09-04 10:36:29")."""
        value = self.post.get("date")
        return value.replace("T", " ") if value else None

    def author(self) -> str | None:
        for author in self.embedded.get("author") or ():
            if isinstance(author, dict) and author.get("name"):
                return author["name"]
        return None

    def categories(self) -> list[dict[str, Any]]:
        return [term for group in self.embedded.get("wp:term") or () if isinstance(group, list)
                for term in group if isinstance(term, dict) and term.get("taxonomy") == "category"]

    def category(self, prefer: int | None = None) -> str | None:
        terms = self.categories()
        chosen = next((t for t in terms if t.get("id") == prefer), terms[0] if terms else None)
        return html_text(chosen.get("name")) if chosen else None

    def featured_image(self) -> str | None:
        for media in self.embedded.get("wp:featuredmedia") or ():
            if isinstance(media, dict) and media.get("source_url"):
                return media["source_url"]
        return None

    def comment_count(self) -> int | None:
        """The approved comments embedded (replies included); None where comments are closed and
        there are none."""
        replies = [c for group in self.embedded.get("replies") or () if isinstance(group, list)
                   for c in group if isinstance(c, dict) and c.get("id")]
        if replies:
            return len(replies)
        return 0 if self.post.get("comment_status") == "open" else None


class WordPressArticle(ArticlePage):
    """A single post page, read by core's classes; the API's post (where there is one) first for
    what the page prints through the theme."""

    scope = "article.post, article.type-post, article.hentry, div.hentry, div.type-post, article[id^='post-']"

    @cached_property
    def article(self) -> SelectorList:
        """The post's element (classic themes); a block theme has none: its <main>, else the page."""
        return self.sel.css(self.scope)[:1] or self.sel.css("main")[:1] or SelectorList([self.sel])

    def __init__(self, url: str, selector: Selector, post: dict[str, Any] | None = None,
                 category_id: int | None = None):
        super().__init__(url, selector)
        self.api = WordPressPost(post) if post else None
        self.category_id = category_id

    def fields(self) -> dict[str, Any]:
        fields = super().fields()
        fields["published_moment"] = self.published_moment()
        return fields

    # -- where the article is -------------------------------------------------------------------

    @property
    def content(self) -> SelectorList:
        for css in (".entry-content", ".wp-block-post-content", ".post-content", ".post-entry", "[itemprop='articleBody']"):
            found = select(self.article, css)
            if found:
                return found[:1]
        return SelectorList([])

    def url(self) -> str:
        if self.api and self.api.link():
            return self.absolute(self.api.link()) or self.page_url
        named = super().url()
        return named if self.names_this_post(named) else self.page_url

    def names_this_post(self, url: str) -> bool:
        """A canonical a post page may carry: not the home page, a language's root (/kz/), a
        listing or feed, nor a page above the one fetched."""
        parts = urlsplit(url)
        segments = [s for s in parts.path.split("/") if s]
        if not segments and not parts.query:
            return False
        if len(segments) == 1 and re.fullmatch(r"[a-z]{2,3}(?:[-_][a-z]{2,4})?", segments[0], re.I):
            return False
        if NOT_ARTICLE.search(parts.path + ("?" + parts.query if parts.query else "")):
            return False
        here = urlsplit(self.page_url).path
        return not (parts.path != here and here.startswith(parts.path.rstrip("/") + "/")
                    and urlsplit(self.page_url).query == "")

    # -- fields -------------------------------------------------------------------------------

    def title(self):
        if self.api and self.api.title():
            return self.api.title()
        return (first_text(self.article, ".entry-title, .wp-block-post-title, .post-title")
                or self.sel.css('meta[property="og:title"]::attr(content)').get())

    def body(self):
        scope = self.api.content() if self.api else None
        if scope is None:
            scope = self.content
        return join_paragraphs(paragraphs(scope, skip=NOT_BODY)) or None

    def date_raw(self):
        printed = first_text(self.article, "time.entry-date.published, .entry-meta .published, "
                                           ".posted-on .published, time.published, .posted-on time:not(.updated), "
                                           "time.entry-date:not(.updated), .entry-date:not(.updated), "
                                           ".wp-block-post-date time, .post-date .meta-text, .post-date")
        if printed:
            return printed
        if self.api and self.api.local_date():
            return self.api.local_date()
        machine = self.published_moment()
        return machine.replace("T", " ") if machine else None

    def published_moment(self) -> str | None:
        """The machine publication moment: the API's date_gmt, Yoast's article:published_time,
        JSON-LD datePublished, the published <time datetime>; never the modification time."""
        if self.api and self.api.moment():
            return self.api.moment()
        meta = self.sel.css('meta[property="article:published_time"]::attr(content)').get()
        if meta:
            return meta.strip()
        for script in self.sel.css('script[type="application/ld+json"]::text').getall():
            found = re.search(r'"datePublished"\s*:\s*"([^"]+)"', script)
            if found:
                return found.group(1)
        return self.article.css("time.published::attr(datetime), time.entry-date:not(.updated)::attr(datetime), "
                                ".wp-block-post-date time::attr(datetime)").get()

    def author(self):
        printed = first_text(self.article, 'a[rel="author"], .author.vcard .fn, .author-name, .byline .author, '
                                                '.wp-block-post-author-name, .wp-block-post-author__name')
        if printed:
            return printed
        return self.api.author() if self.api else None

    def category(self):
        if self.api and self.api.category(self.category_id):
            return self.api.category(self.category_id)
        return first_text(self.article, 'a[rel~="category"], .cat-links a, .wp-block-post-terms.taxonomy-category a')

    def images(self):
        found: list[Image | None] = []
        thumb = self.api.featured_image() if self.api else None
        if thumb:
            found.append({"url": self.absolute(thumb), "caption": None})
        else:
            for img in select(self.article, "img.wp-post-image")[:1]:
                found.append(self.full_size(img, None))
        content = self.api.content() if self.api else None
        if content is None:
            content = self.content
        for img in select(content, "img"):
            if img.xpath("ancestor::*[contains(concat(' ', normalize-space(@class), ' '), ' post-views ')]"):
                continue
            found.append(self.full_size(img, self.caption(img)))
        return self.unique_images(found)

    def caption(self, img: Selector) -> str | None:
        text = img.xpath("normalize-space(ancestor::figure[1]/figcaption)").get()
        if not text:
            text = img.xpath("normalize-space(ancestor::*[contains(concat(' ', normalize-space(@class), ' '),"
                             " ' wp-caption ')][1]//*[contains(concat(' ', normalize-space(@class), ' '),"
                             " ' wp-caption-text ')])").get()
        return text or None

    def full_size(self, img: Selector, caption: str | None) -> Image | None:
        """The uploaded file: the file a link around the picture names, else the widest srcset
        candidate, else the source (lazy loaders keep it in data-src)."""
        link = img.xpath("ancestor::a[1]/@href").get()
        if is_image_url(link):
            return {"url": self.absolute(link), "caption": caption}
        url = img.attrib.get("data-orig-file") or None
        srcset = img.attrib.get("srcset") or img.attrib.get("data-srcset") or ""
        if not url and srcset:
            candidates = []
            for part in srcset.split(","):
                bits = part.split()
                if bits:
                    width = int(bits[1][:-1]) if len(bits) > 1 and bits[1][:-1].isdigit() else 0
                    candidates.append((width, bits[0]))
            if candidates:
                url = max(candidates, key=lambda c: c[0])[1]
        url = url or img.attrib.get("data-src") or img.attrib.get("data-lazy-src") or img.attrib.get("src")
        if not url or url.startswith("data:"):
            return None
        url = self.absolute(url)
        # a copy resized from a big upload ("-scaled" original): the original the page names
        # elsewhere (og:image, the JSON-LD ImageObject) where it is the same picture
        if RESIZED.search(urlsplit(url).path):
            url = self.originals.get(_stem(url), url)
        return {"url": url, "caption": caption}

    @cached_property
    def originals(self) -> dict[str, str]:
        """Full-size files the page's metadata names (og:image, JSON-LD contentUrl), by stem."""
        urls = self.sel.css('meta[property="og:image"]::attr(content), meta[property="og:image:url"]::attr(content)').getall()
        for script in self.sel.css('script[type="application/ld+json"]::text').getall():
            urls += re.findall(r'"contentUrl"\s*:\s*"([^"]+)"', script)
        return {_stem(u): u for u in (self.absolute(u.replace("\\/", "/")) for u in urls) if u}

    def comment_count(self):
        if self.api:
            return self.api.comment_count()
        listed = len(self.sel.css("#comments li.comment, .comments-area li.comment, .comment-list li.comment, "
                                  ".commentlist li.comment, #comments li.pingback, #comments li.trackback"))
        if listed:
            return listed
        return 0 if self.sel.css("#respond, #commentform, .comment-respond") else None

    def view_count(self):
        return self.count(first_text(self.sel, ".post-views .post-views-count, .post-views-count"))

    # -- language ---------------------------------------------------------------------------------

    def languages(self) -> set[str]:
        """The page's language where the site publishes several (hreflang alternates); nothing
        for a post the API listed (the API was asked for the entry's language only)."""
        if self.api or not self.sel.css('link[rel="alternate"][hreflang]'):
            return set()
        code = language_code(self.sel.xpath("/html/@lang").get())
        return {code} if code else set()


class WordPressSpider(NewsSpider):
    """A WordPress site: its news category through the REST API, else its listing pages and feeds."""

    name = "wordpress"
    cms = "wordpress"
    article_page = WordPressArticle

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        #: the news category's term id, once known
        self.category_id: int | None = None

    def start_urls_of_site(self):
        return [self.site.news or self.origin.rstrip("/") + "/"]

    # -- listing pages ------------------------------------------------------------------------

    def article_links(self, response):
        if is_feed(response):
            return [link for link in feed_links(response) if not NOT_ARTICLE.search(link)]
        scope = response.css("main, #main, #primary, #content, .site-main") or response
        links = scope[0].css("article.post .entry-title a::attr(href), article.type-post .entry-title a::attr(href), "
                             ".hentry .entry-title a::attr(href), article[id^='post-'] .entry-title a::attr(href), "
                             ".hentry a[rel='bookmark']::attr(href), article.post h2 a::attr(href), "
                             "li.wp-block-post .wp-block-post-title a::attr(href)").getall()
        return [link for link in links if not NOT_ARTICLE.search(link)]

    def next_pages(self, response):
        if is_feed(response):
            return ()
        return response.css("a.next.page-numbers::attr(href), .navigation .nav-previous a::attr(href), "
                            ".nav-links a.next::attr(href), link[rel='next']::attr(href), "
                            "a.wp-block-query-pagination-next::attr(href), "
                            "a[rel='next']:not(.post-navigation a)::attr(href)").getall()

    def section_links(self, response):
        if not is_feed(response):
            return ()
        # a sitemap index: the posts' sitemaps (Yoast post-sitemapN.xml, core wp-sitemap-posts-post-N.xml)
        children = feed_children(response)
        posts = [c for c in children if re.search(r"post-sitemap|posts-post", c)]
        return posts or children

    def parse_listing(self, response: Response):
        meta = _meta(response)
        if isinstance(response, TextResponse) and not is_feed(response) and not meta.get("wp_html_walk"):
            root = self.api_root(response)
            if root and not meta.get("after"):
                yield from self.start_api(response, root)
                return
        shown = isinstance(response, TextResponse) and not is_feed(response) and self.article_links(response)
        yield from super().parse_listing(response)
        if isinstance(response, TextResponse) and not is_feed(response) and not shown and not meta.get("after"):
            # a theme that hides core's entry classes: the feeds and sitemaps name the posts
            yield from self.feed_requests(response.url)

    def feed_requests(self, listing: str):
        base = listing.split("?")[0].rstrip("/")
        for url in (base + "/feed/", self.origin.rstrip("/") + "/wp-sitemap.xml",
                    self.origin.rstrip("/") + "/sitemap_index.xml"):
            yield from self._listing(url, meta={"wp_html_walk": True})

    # -- the REST API -------------------------------------------------------------------------

    def api_root(self, response: TextResponse) -> str | None:
        """The REST API root a page advertises (<link rel="https://api.w.org/">, or the Link header)."""
        href = response.css(f'link[rel="{API_REL}"]::attr(href)').get()
        if not href:
            header = response.headers.get("Link", b"").decode("latin-1")
            found = re.search(r'<([^>]+)>\s*;\s*rel="?' + re.escape(API_REL), header)
            href = found.group(1) if found else None
        url = self.absolute_on_site(response.url, href)
        return url

    def absolute_on_site(self, base: str, href: str | None) -> str | None:
        from crawler.urls import absolute

        url = absolute(base, href)
        return url if url and self.on_site(url) else None

    def language_slug(self, response: TextResponse) -> str | None:
        """Polylang's slug of the listing's language (li.lang-item.current-lang: lang-item-<slug>)."""
        for cls in response.css("li.current-lang::attr(class)").getall():
            for name in cls.split():
                slug = name[len("lang-item-"):] if name.startswith("lang-item-") else ""
                if slug and not slug.isdigit() and slug != "first":
                    return slug
        return None

    def start_api(self, listing: TextResponse, root: str):
        """From the news listing to the API: nothing asked when the listing shows nothing new."""
        links = list(self._links(listing, self.article_links(listing)))
        self.inc_stat("listing/article_links", len(links))
        new = [u for u in links if not self.seen_before(u)]
        if links and not new and self.is_incremental and not getattr(self, "resume_walk", False):
            self.inc_stat("incremental/listings_stopped")
            self.logger.info("nothing new on %s: not asking the API", listing.url)
            return
        self.walks.asked.add(listing.url)
        context = {"listing": listing, "root": root, "lang": self.language_slug(listing)}
        body_class = listing.css("body::attr(class)").get() or ""
        ids = re.findall(r"(?:^|\s)category-(\d+)(?=\s|$)", body_class)
        json_term = re.search(r"/wp/v2/categories/(\d+)",
                              listing.css('link[rel="alternate"][type="application/json"]::attr(href)').get() or "")
        if json_term:
            ids.append(json_term.group(1))
        slug = self.category_slug(listing.url)
        cat = dict(parse_qsl(urlsplit(listing.url).query)).get("cat", "")
        if cat.isdigit():  # plain permalinks: /?cat=ID
            self.category_id = int(cat)
        elif ids and slug is not None:
            self.category_id = int(ids[-1])
        if slug is not None and self.category_id is None:
            yield scrapy.Request(api_url(root, "wp/v2/categories", {"slug": slug, "_fields": "id,slug,name"}),
                                 callback=self.parse_api_category, errback=self.api_failed,
                                 meta={"wp": context}, dont_filter=True)
            return
        yield from self.walk_request(self.posts_request(context, 1))

    @staticmethod
    def category_slug(url: str) -> str | None:
        """The category a listing URL names (/category/<parent>/<slug>/), or None (the blog home)."""
        parts = urlsplit(url)
        found = re.search(r"/category/(?:[^/]+/)*?([^/]+)/?(?:page/\d+/?)?$", parts.path)
        if found:
            return found.group(1)
        cat = dict(parse_qsl(parts.query)).get("category_name")
        return cat.rsplit("/", 1)[-1] if cat else None

    def posts_request(self, context: dict[str, Any], page: int) -> scrapy.Request:
        params: dict[str, Any] = {"per_page": PER_PAGE, "page": page, "_embed": 1}
        if self.category_id is not None:
            params["categories"] = self.category_id
        params["lang"] = context.get("lang") or self.language
        return scrapy.Request(api_url(context["root"], "wp/v2/posts", params), callback=self.parse_api_posts,
                              errback=self.api_failed, meta={"wp": context, "wp_page": page},
                              priority=-1 if page > 1 else 0, dont_filter=True)

    def parse_api_category(self, response: Response):
        context = _meta(response)["wp"]
        data = _json(response)
        if not isinstance(data, list):
            yield from self.api_refused(response, data)
            return
        if data and isinstance(data[0], dict) and isinstance(data[0].get("id"), int):
            self.category_id = data[0]["id"]
        yield from self.walk_request(self.posts_request(context, 1))

    def parse_api_posts(self, response: Response):
        context, page = _meta(response)["wp"], _meta(response)["wp_page"]
        data = _json(response)
        if not isinstance(data, list):
            yield from self.api_refused(response, data)
            return
        self.inc_stat("wordpress/api_pages")
        new = 0
        for post in data:
            if not isinstance(post, dict) or not post.get("link"):
                continue
            if not self.in_language(post, context):
                self.inc_stat("wordpress/other_language")
                continue
            url = canonical_url(post["link"], self.url_aliases)
            if not self.on_site(url):
                continue
            request = self.article_request(url, response.url, wp_post=post)
            if request is not None:
                new += 1
                yield request
        try:
            pages = int(response.headers.get("X-WP-TotalPages", b"0") or 0)
        except ValueError:
            pages = 0
        more = page < pages or (not pages and len(data) >= PER_PAGE)
        if more and (new or not self.is_incremental or getattr(self, "resume_walk", False)):
            yield from self.walk_request(self.posts_request(context, page + 1))
        elif more:
            self.inc_stat("incremental/listings_stopped")

    def in_language(self, post: dict[str, Any], context: dict[str, Any]) -> bool:
        """Polylang's lang field, where there is one: the entry's language only."""
        lang = post.get("lang")
        if not isinstance(lang, str) or not lang:
            return True
        wanted = {self.language, (context.get("lang") or "").lower()}
        if not context.get("lang"):
            # no language switcher on the listing: Polylang's language directory is its slug (/kz/…)
            first = next((s for s in urlsplit(self.site.news or "").path.split("/") if s), "")
            wanted.add(first.lower())
        return lang.lower() in wanted

    def api_refused(self, response: Response, data: Any):
        """An API that is off, absent or not JSON: the listing pages instead."""
        code = data.get("code") if isinstance(data, dict) else None
        self.logger.info("%s: the REST API does not answer (%s, %s): reading the listing pages",
                         self.name, response.status, code or "not JSON")
        self.inc_stat("wordpress/api_refused")
        yield from self.html_walk(_meta(response)["wp"]["listing"])

    def api_failed(self, failure):
        self.inc_stat("wordpress/api_refused")
        request = failure.request
        if request.meta.get("wp_page", 1) > 1:
            # a later page of posts lost: the walk is not complete, the next run walks on past known pages
            self.count_skip("listing_failed", request.url)
        self.logger.info("%s: the REST API failed at %s: reading the listing pages", self.name, request.url)
        context = request.meta.get("wp") or {}
        if context.get("listing") is not None:
            yield from self.html_walk(context["listing"])

    def html_walk(self, listing: TextResponse):
        if getattr(self, "_html_walked", False):  # one walk, however many API requests failed
            return
        self._html_walked = True
        replay = listing.replace(request=listing.request.replace(meta={**_meta(listing), "wp_html_walk": True})) \
            if listing.request is not None else listing
        yield from self.parse_listing(replay)

    # -- articles -------------------------------------------------------------------------------

    def page_of(self, response: TextResponse) -> WordPressArticle:
        return self.article_page(response.url, page_selector(response), post=_meta(response).get("wp_post"),
                                 category_id=self.category_id)
