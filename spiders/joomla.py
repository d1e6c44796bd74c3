"""Joomla sites (3.10, 4, 5; com_content), configured by an entry of the site list (cms = "joomla").

What the CMS core emits, and what this adapter reads of it (theme wrappers aside):

URLs      SEF URLs, with /index.php/ (no rewriting) or without, with or without a language
          segment (/ru/): an article in its category is <category path>/<ID>-<alias> (the legacy
          router; the modern router may drop the ID), optionally with the .html suffix. The same
          article answers at index.php?option=com_content&view=article&id=ID:alias&catid=N&Itemid=N
          (modules link it so), under another category path, and as a print view
          (?tmpl=component&print=1&layout=default, meta robots noindex). Joomla 3 prints no
          <link rel=canonical>; 4/5 sometimes do. Joomla 3 prints <base href> with the requested
          URL: relative links resolve against it, as in a browser.
Listing   the category blog (the entry's `news`), paged with ?start=N (limitstart=N unrouted):
          the core pagination (".pagination" with start= links; J4 "ul.pagination .page-link";
          rel=next where a template prints it). Each entry is a schema.org blogPost whose
          "page-header h2[itemprop=name] a[itemprop=url]" links the article; the "more
          articles" links (.items-more) and the list layout (td.list-title) are articles too.
          A blog lists its sub-categories' articles as well; the sub-category blogs
          (.cat-children) are walked besides. Modules beside the blog (announcements, latest,
          most read) are not entries.
Feed      the category's ?format=feed&type=rss (and type=atom): the latest entries, read
          first; when none is new on an incremental run the listing is not fetched at all. A
          feed switched off (404) or failing leads to the blog, and is no failed listing.
Article   ".item-page" (schema.org Article; J4 ".com-content-article"):
  title     [itemprop=headline] (J3 "page-header h2", J4 h1/h2), never the menu heading h1;
            Joomla 5 prints no microdata in its layouts (JSON-LD comes from a plugin): the
            ".page-header" h2, else h1, and ".com-content-article__body"
  body      [itemprop=articleBody]: intro then full text, as the CMS shows them; no separate
            lead. The emailcloak placeholder ("protected from spambots" and its script;
            J4 <joomla-hidden-mail>) gives the address a reader sees; page navigation, the
            pagebreak index and tags are not text.
  info      "dl.article-info": dd.published (time[datetime] itemprop=datePublished, printed
            'Опубликовано: 10 мая 2023' without a time), dd.createdby (itemprop=author name),
            dd.category-name (the category link), dd.hits ('Просмотров: N', with
            itemprop=interactionCount UserPageVisits:N). J4/5: the same classes with icons
            (".icon-calendar", ".icon-fw"). The printed date is date_raw; the datetime
            attribute gives its time to the second on the printed day. dd.create (created) is
            read where no publication date is printed; dd.modified (an edit time) never; nor a
            null date (Joomla 3 prints 0000-00-00 as 30 November -0001).
  images    the full-text image ("div.item-image img" in J3, its caption only in the title
            attribute of img.caption for caption.js to draw: not printed, so no caption;
            "figure.item-image" with a figcaption in J4, whose image URLs carry a
            #joomlaImage:// fragment), then the pictures of the text, figcaptions as captions.
  language  an article whose inLanguage and <html lang> both name another language than the
            entry's is not the site's item (an article for all languages, '*', carries the
            site's default language as inLanguage, but the page's language is the entry's).
No comments in the core: comment_count is null.
"""
from __future__ import annotations

import base64
import html
import logging
import re
from collections.abc import Iterable
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import SelectorList
from scrapy.http import TextResponse

from crawler.feeds import feed_links, is_feed
from crawler.failures import failure_cause
from crawler.page import ArticlePage, first_text, paragraphs, select, text_of
from crawler.sites import language_code
from crawler.spider import NewsSpider
from crawler.text import join_paragraphs
from crawler.urls import absolute, same_site

logger = logging.getLogger(__name__)

#: the last path segment of an article routed in its category by the legacy router: ID-alias
SEF_ARTICLE = re.compile(r"/(?P<slug>(?P<id>\d+)-[^/]+?)(?P<suffix>\.html?)?$")
#: a label before the printed value ('Опубликовано: ', 'Автор: ', 'Published: '): no digits
LABEL = re.compile(r"^[^\d:]{1,40}:\s*")
#: pictures of the template, the editor and the CMS, not the article's
CHROME_IMAGE = re.compile(r"^https?://[^/]+(?:/index\.php)?/(?:templates|media|plugins|modules)/")
#: query parameters of views of the same article (print view, component-only output, pages)
VIEW_PARAMS = frozenset({"tmpl", "print", "layout", "page", "Itemid", "limitstart", "showall", "format", "type"})
#: the article text: microdata (J3, J4), the class Joomla 5 prints (microdata left to a plugin)
BODY = "[itemprop='articleBody'], .com-content-article__body"
BODY_SKIP = (".pagenav, ul.pager, .pagination, .article-index, .tags, .content-links, "
             ".readmore, .items-more, .jmodedit, .icons, .btn-group, .article-info, .item-image")


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def article_id(url: str | None) -> str | None:
    """The com_content article id a URL names: id=ID[:alias] of an unrouted article URL, or the
    ID-alias segment of a SEF one; None for other URLs (listings, other components)."""
    if not url:
        return None
    query = _query(url)
    if query.get("option"):
        if query.get("option") == "com_content" and query.get("view") == "article":
            found = re.match(r"\d+", query.get("id", ""))
            return found.group() if found else None
        return None
    found = SEF_ARTICLE.search(urlsplit(url).path)
    return found["id"] if found else None


def without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def is_unrouted(url: str) -> bool:
    """index.php?option=…: a URL the SEF router did not build."""
    return bool(_query(url).get("option"))


def _b64(value: str | None) -> str:
    try:
        return base64.b64decode((value or "") + "=" * (-len(value or "") % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return ""


def uncloak(scope: SelectorList) -> None:
    """E-mail addresses as a reader sees them, in place of the emailcloak plugin's placeholder:
    Joomla 3 prints <span id="cloakID">(protected from spambots)</span> and a script that builds
    the link, its text in `var addy_textID = 'info' + '&#64;' + …`; Joomla 4/5 print
    <joomla-hidden-mail first=… last=… text=…> (base64 parts). A placeholder that cannot be
    read is left out."""
    for span in select(scope, "span[id^='cloak']"):
        element = span.root
        script = element.getnext()
        code = script.text or "" if script is not None and script.tag == "script" else ""
        found = re.search(r"addy_text\w*\s*=\s*((?:'[^']*'\s*\+?\s*)+);", code)
        element.text = html.unescape("".join(re.findall(r"'([^']*)'", found.group(1)))) if found else ""
        for child in list(element):
            element.remove(child)
    for mail in select(scope, "joomla-hidden-mail"):
        element = mail.root
        text = _b64(element.get("text"))
        if not text and element.get("first") and element.get("last"):
            text = f"{_b64(element.get('first'))}@{_b64(element.get('last'))}"
        element.text = text
        for child in list(element):
            element.remove(child)


class JoomlaArticle(ArticlePage):
    """A com_content article view (Joomla 3 and 4/5 core layouts)."""

    SCOPES = (".item-page", ".com-content-article", "[itemtype$='schema.org/Article']",
              "[itemtype$='schema.org/NewsArticle']", "[itemtype$='schema.org/BlogPosting']")

    @cached_property
    def article(self) -> SelectorList:
        for css in self.SCOPES:
            found = select(self.sel, css)
            if found:
                return found[:1]
        body = select(self.sel, "[itemprop='articleBody']")
        return SelectorList([body[0].xpath("..")[0]]) if body else SelectorList([self.sel])

    @cached_property
    def base(self) -> str:
        """What relative links resolve against: <base href> (Joomla 3 prints the requested URL)."""
        href = self.sel.xpath("//head/base/@href").get()
        base = absolute(self.page_url, href) if href else None
        return base if base and base.startswith(("http://", "https://")) else self.page_url

    def absolute(self, link: str | None) -> str | None:
        return absolute(self.base, link)

    @cached_property
    def info(self) -> SelectorList:
        """The info block(s) of the article: dl.article-info above (and below) the text."""
        return select(self.article, "dl.article-info, .article-info")

    # -- identity -------------------------------------------------------------------------------

    def url(self) -> str:
        """The SEF URL of the article in its category, however the page was reached: the
        canonical URL where the page names this article (J4/5, SEO plugins), else the URL the
        CMS routes for its print or e-mail link, else the category link + ID-alias, else the
        requested URL without the view parameters."""
        own = article_id(self.page_url) or self.id_from_markup()
        for link in self.sel.css("link[rel='canonical']::attr(href), meta[property='og:url']::attr(content)").getall():
            named = self.absolute(link)
            if self.names_this_article(named, own):
                return without_query(named)
        for named in self.routed_links():
            if self.names_this_article(named, own, routed_here=True):
                return without_query(named)
        category = self.category_link()
        if not is_unrouted(self.page_url):
            found = SEF_ARTICLE.search(urlsplit(self.page_url).path)
            if found and category and not self.component_route(self.page_url, category):
                # the same article under another category path: the path of its own category
                return self.in_category(category, found["slug"], found["suffix"] or "")
            return without_query(self.page_url)
        slug = _query(self.page_url).get("id", "").replace(":", "-", 1)
        if category and re.match(r"\d+-.", slug) and not self.component_route(category):
            return self.in_category(category, slug, "")
        kept = [(k, v) for k, v in parse_qsl(urlsplit(self.page_url).query, keep_blank_values=True)
                if k not in VIEW_PARAMS]
        parts = urlsplit(self.page_url)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), ""))

    def routed_links(self) -> list[str]:
        """URLs of this article the CMS routed on the page: the print link (J3: SEF URL +
        ?tmpl=component&print=1), the URL the e-mail link carries base64-encoded (com_mailto of
        early Joomla 3; later releases carry a session hash there, which reads as no URL)."""
        found = [self.absolute(link) for link in
                 self.article.css(".print-icon a::attr(href), a[href*='print=1']::attr(href)").getall()]
        for link in self.article.css(".email-icon a::attr(href)").getall():
            encoded = _query(self.absolute(link) or "").get("link", "")
            try:
                found.append(base64.b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
        return [url for url in found if url]

    def alias(self) -> str | None:
        """The article's alias as the requested URL names it (ID-alias, id=ID:alias)."""
        if is_unrouted(self.page_url):
            return _query(self.page_url).get("id", "").partition(":")[2] or None
        last = urlsplit(self.page_url).path.rstrip("/").rsplit("/", 1)[-1]
        return re.sub(r"^\d+-|\.html?$", "", last) or None

    def names_this_article(self, named: str | None, own: str | None, routed_here: bool = False) -> bool:
        """A URL on the site, routed, that leads to this article: with an ID, the article's own;
        without one (the modern router), the article's alias as its last segment. A canonical
        URL naming the home page, a listing or another article is not the article's."""
        if not named or not named.startswith(("http://", "https://")) or not same_site(named, self.page_url) \
                or is_unrouted(named):
            return False
        named_id = article_id(named)
        if named_id is not None:
            return own is None or named_id == own
        last = urlsplit(named).path.rstrip("/").rsplit("/", 1)[-1]
        alias = self.alias()
        return bool(last) and (routed_here or (alias is not None and re.sub(r"\.html?$", "", last) == alias))

    def id_from_markup(self) -> str | None:
        """The article id the page itself names: its print link, the tools button (J3.9+)."""
        for link in self.routed_links():
            if article_id(link):
                return article_id(link)
        return self.article.css("[id^='dropdownMenuButton-']::attr(id)").re_first(r"-(\d+)$")

    def category_link(self) -> str | None:
        link = self.info.css("dd.category-name a::attr(href)").get()
        url = self.absolute(link)
        return url if url and same_site(url, self.page_url) and not is_unrouted(url) else None

    @staticmethod
    def component_route(*urls: str) -> bool:
        """/component/content/…: routed without a menu item; an article there is not its
        category's path + ID-alias."""
        return any("/component/" in urlsplit(url).path for url in urls)

    @staticmethod
    def in_category(category: str, slug: str, suffix: str) -> str:
        path = urlsplit(category).path
        for ending in (".html", ".htm"):
            if path.endswith(ending):
                path, suffix = path[: -len(ending)], suffix or ending
        parts = urlsplit(category)
        return urlunsplit((parts.scheme, parts.netloc, f"{path.rstrip('/')}/{slug}{suffix}", "", ""))

    def languages(self) -> set[str]:
        """The languages the page names (ru-RU → ru): the article's inLanguage (for an article
        in all languages, '*', the site's default language) and the page's <html lang>."""
        values = [self.article.css("meta[itemprop='inLanguage']::attr(content)").get(),
                  self.sel.xpath("/html/@lang").get()]
        return {code for value in values if (code := language_code(value))}

    # -- fields ---------------------------------------------------------------------------------

    def title(self) -> str | None:
        # Joomla 5 prints no microdata; a menu's page heading is the first .page-header h1, the
        # article's title then an h2 (else the h1)
        for css in ("[itemprop='headline']", ".page-header h2", "h2.item-title", ".page-header h1"):
            found = first_text(self.article, css)
            if found:
                return found
        return self.sel.css("meta[property='og:title']::attr(content)").get()

    def body(self) -> str | None:
        uncloak(self.article)
        found = select(self.article, BODY)
        if found:
            return join_paragraphs(paragraphs(found[:1], skip=BODY_SKIP))
        return join_paragraphs(paragraphs(self.article, skip=BODY_SKIP + ", .page-header, [itemprop='headline']"))

    def _dates(self, kind: str) -> SelectorList:
        return select(self.info, f"dd.{kind}") or select(self.article, f"dd.{kind}, .{kind}")

    @cached_property
    def date_element(self):
        """The printed date: dd.published, else dd.create (where the publication date is not
        shown); never dd.modified (an edit time) nor a null date."""
        for kind in ("published", "create"):
            for dd in self._dates(kind):
                if text_of(dd) and not self.null_date(dd):
                    return dd
        return None

    def date_raw(self) -> str | None:
        if self.date_element is None:  # no printed date: the machine moment is all there is
            return self.published_moment()
        return LABEL.sub("", text_of(self.date_element) or "").strip() or None

    @staticmethod
    def null_date(dd) -> bool:
        """Joomla 3 prints an unset date (0000-00-00) as 30 November -0001."""
        stamp = dd.css("time::attr(datetime)").get() or ""
        return stamp.startswith(("-", "0000")) or "-0001" in (text_of(dd) or "")

    def published_moment(self) -> str | None:
        """The moment of the printed date: its <time datetime> (J3/J4 info block); where no date
        is printed, the microdata datePublished or article:published_time."""
        if self.date_element is not None:
            candidates = [self.date_element.css("time::attr(datetime)").get()]
        else:
            candidates = [self.article.css("[itemprop='datePublished']::attr(datetime)").get(),
                          self.article.css("meta[itemprop='datePublished']::attr(content)").get(),
                          self.sel.css("meta[property='article:published_time']::attr(content)").get(),
                          *self.sel.css("script[type='application/ld+json']::text").re(r'"datePublished"\s*:\s*"([^"]+)"')]
        for value in candidates:
            if value and re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d", value.strip()):
                return value.strip()
        return None

    def author(self) -> str | None:
        dd = select(self.info, "dd.createdby") or select(self.article, "[itemprop='author']")
        if not dd:
            return None
        name = first_text(dd[:1], "[itemprop='name']") or text_of(dd[:1])
        return LABEL.sub("", name).strip() or None if name else None

    def category(self) -> str | None:
        dd = select(self.info, "dd.category-name")
        if not dd:
            return None
        name = first_text(dd[:1], "a, [itemprop='genre']") or LABEL.sub("", text_of(dd[:1]) or "")
        return name.strip() or None

    def view_count(self) -> int | None:
        dd = select(self.info, "dd.hits")
        if not dd:
            return None
        printed = self.count(text_of(dd[:1]))
        if printed is not None:
            return printed
        return self.count(dd.css("meta[itemprop='interactionCount']::attr(content)").re_first(r"\d+"))

    def images(self) -> list[dict[str, Any]]:
        found = []
        for img in select(self.article, ".item-image img, figure.item-image img"):
            # J4: <figure class="item-image"><img><figcaption>; J3: the caption is the title
            # attribute of img.caption, drawn by a script, never printed
            caption = img.xpath("normalize-space(ancestor::figure[1]/figcaption)").get() or None
            found.append(self.picture(img, caption))
        for img in select(select(self.article, BODY)[:1], "img"):
            caption = img.xpath("normalize-space(ancestor::figure[1]/figcaption)").get() or None
            found.append(self.picture(img, caption))
        return self.unique_images(i for i in found if i and not CHROME_IMAGE.match(i["url"]))

    def picture(self, img, caption: str | None) -> dict[str, Any] | None:
        image = self.image(img, caption)
        if image:
            image["url"] = image["url"].split("#", 1)[0]  # J4: #joomlaImage://local-images/…
        return image

    def fields(self) -> dict[str, Any]:
        fields = super().fields()
        moment = self.published_moment()
        if moment:
            fields["published_moment"] = moment
        return fields


class JoomlaSpider(NewsSpider):
    name = "joomla"
    cms = "joomla"
    article_page = JoomlaArticle

    # -- ways in --------------------------------------------------------------------------------

    def listing_url(self) -> str:
        return self.site.news or self.origin + "/"

    def feed_url(self) -> str:
        listing = self.listing_url()
        return listing + ("&" if urlsplit(listing).query else "?") + "format=feed&type=rss"

    def start_urls_of_site(self) -> list[str]:
        """The category feed first: on a rerun where it names nothing new, that is all."""
        return [self.feed_url()]

    async def start(self):
        async for request in super().start():
            yield request.replace(errback=self.feed_failed, meta={**request.meta, "then": [self.listing_url()]})

    def feed_failed(self, failure):
        """A feed that cannot be had (switched off: 404; an error) leads to the blog all the
        same; it is no failed listing page (the walk is whole without it)."""
        request = failure.request
        self.inc_stat("feed/unavailable")
        logger.info("%s: no feed at %s (%s): walking the blog", self.name, request.url, failure_cause(failure))
        yield from self._next_listing(request.meta.get("then", []), after=request.url)

    def article_links(self, response: TextResponse) -> Iterable[str]:
        if is_feed(response):
            return [link for link in feed_links(response) if self.is_article_url(link)]
        base = self.base_of(response)
        css = ("[itemprop='blogPost'] [itemprop='name'] a::attr(href), "
               "[itemprop='blogPost'] a[itemprop='url']::attr(href), "
               ".blog .item .page-header h2 a::attr(href), .blog-item .page-header h2 a::attr(href), "
               ".items-leading h2 a::attr(href), .items-row h2 a::attr(href), "
               "[itemprop='blogPost'] .readmore a::attr(href), .blog .item .readmore a::attr(href), "
               ".blog-item .readmore a::attr(href), "
               ".items-more a::attr(href), .com-content-blog__links a::attr(href), "
               ".category td.list-title a::attr(href), .com-content-category__table .list-title a::attr(href)")
        return [urljoin(base, href) for href in response.css(css).getall()]

    def next_pages(self, response: TextResponse) -> Iterable[str]:
        """The feed leads to its listing; a listing page to the following pages (start= beyond
        this page's), in order."""
        if is_feed(response):
            return [self.listing_url()]
        base = self.base_of(response)
        here = self.start_of(response.url)
        path = self.listing_path(response.url)
        pages = {}
        for href in response.css(".pagination a::attr(href), ul.pagination a::attr(href), "
                                 "a[rel='next']::attr(href), link[rel='next']::attr(href)").getall():
            url = urljoin(base, href)
            start = self.start_of(url)
            if self.listing_path(url) == path and start is not None and start > (here or 0):
                pages.setdefault(start, url)
        return [pages[k] for k in sorted(pages)]

    def section_links(self, response: TextResponse) -> Iterable[str]:
        """Sub-category blogs of a blog's first page."""
        if is_feed(response) or self.start_of(response.url):
            return ()
        base = self.base_of(response)
        return [urljoin(base, href) for href in
                response.css(".cat-children .item-title a::attr(href), .com-content-category-blog__children "
                             ".item-title a::attr(href)").getall()]

    @staticmethod
    def listing_path(url: str) -> str:
        """A listing's path as its pages spell it: '/', '/index.php' and trailing slashes alike
        (a home-page blog pages as /index.php?start=N)."""
        return re.sub(r"(?:/index\.php)?/*$", "", urlsplit(url).path)

    @staticmethod
    def start_of(url: str) -> int | None:
        query = _query(url)
        for name in ("start", "limitstart"):
            if query.get(name, "").isdigit():
                return int(query[name])
        return None

    @staticmethod
    def base_of(response: TextResponse) -> str:
        href = response.xpath("//head/base/@href").get()
        base = absolute(response.url, href) if href else None
        return base if base and base.startswith(("http://", "https://")) else response.url

    def is_article_url(self, url: str) -> bool:
        return article_id(url) is not None or not is_unrouted(url)

