"""NukeViet sites, configured by an entry of the site list (cms = "nukeviet"): the adapter for the CMS.

What the core of NukeViet 4 (4.3–4.5) emits for its news module, which this adapter reads; the
theme around it (header, menus, sidebars, the module's wrapper) is the site's own and is not relied on.

URLs (modules/news, nv_url_rewrite)
  The module answers under one prefix, depending on the site's settings: `/index.php/vi/news/`
  (no rewrite file), `/vi/news/` (rewriting on), `/news/` (rewriting on, one language), or the
  raw query form `/index.php?language=vi&nv=news&op=...`. Under it:
    listing   the main list `<news>/`, a category `<news>/<cat-alias>/` (sub-categories too: aliases
              are flat), pages `.../page-N/` (nv_alias_page); `<news>/tag/...`, `topic/...`,
              `rss/...`, `print/...`, `sendmail/...`, `savefile/...` are other functions;
    article   `<news>/<cat-alias>/<alias>-<ID><rewrite_exturl>` (`.html` by default), exactly two
              segments under the module. The ID is the article: one filed in several categories
              is linked under each of them, and every path but its main category's answers 301
              (a relative Location) to it; the item carries the main path, where the page's own
              canonical link, og:url and mainEntityOfPage also point (taken only when they name
              the same ID).
  An "external link" article (external_link = 1) answers 301 to its source: another site, or a
  file on this one (a PDF). It is not an item: counted as skipped/external_link and remembered
  as a dead link, so later runs do not ask again.

Listings (themes/*/modules/news/viewcat_*.tpl)
  Each template links every entry by its detail URL (title, picture); pages follow in
  `{GENERATE_PAGE}` (nv_alias_page: `<base>/page-N` links with rel="next"/"prev", in a list whose
  class the theme configures, `ul.pagination` by default, `.generate_page` in 4.3). Article links are the detail-shaped links of the page outside
  the core's blocks (`ul.block_tophits` 'Tin xem nhiều', `ul.block_news`, `ul.block_groups`,
  `#topnews`, the comment lists), which link articles of any age and sometimes a removed one.
  A main page that shows categories side by side (viewcat_main_*, viewcat_two_column) has no
  pages of its own: its category listings are walked instead.

Article (themes/default/modules/news/detail.tpl)
  `[itemtype*=NewsArticle]` holds `h1[itemprop=headline]`; the date line `span.h5`
  '{publtime}' = nv_date('l - d/m/Y H:i'): 'Thứ hai - 05/06/2023 14:30' (site's clock); the cover
  picture (homeimg) either as a thumbnail from /assets/news/... in `figure.article` with the
  full-size /uploads/news/... file in the hidden `#imgpreview` (4.5; inside the figure in 4.3/4.4)
  or full size in `figure.article.center`, its caption the `figcaption` (none in
  `figure.noncaption`); the summary `div.hometext` (the lead, set apart by the CMS); the text
  `#news-bodyhtml.bodytext` (CKEditor: pictures in <p>, a caption either a <figcaption> or the
  centred italic line right under the picture); then `p.h5` lines '<strong>Tác giả: </strong>name'
  (author) and '<strong>Nguồn tin: </strong>…' (source, not an author). The category is
  `article:section` (the main category), else the breadcrumb's last entry. Comments (module
  comment) in `#idcomment`: `ul.comment-list > li.media`, replies nested; a theme may print
  'Phản hồi: N' beside the date (read first). The page prints no view count (listings do:
  'Đã xem: N'), so view_count is null unless the detail page prints one.
  Not taken, being wrong in the core: `article:published_time` (date('Y-m-dTH:i:s'): the zone
  abbreviation in place of the T, '2023-06-05+0714:30:00'; read, repaired, only where no date is
  printed), the hidden microdata datePublished/dateModified (the last edit time) and author (the
  poster's account where no author is set), and RSS pubDate (gmdate('D, j M Y H:m:s'): the month
  number in the minutes).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from urllib.parse import parse_qsl, urlsplit

from scrapy.http import Response, TextResponse

from crawler.page import ArticlePage, is_image_url, paragraphs, select, text_of
from crawler.spider import NOT_PAGES, NewsSpider, page_selector
from crawler.text import join_paragraphs
from crawler.urls import absolute

# Functions of the news module that take path segments of their own (never a category alias).
FUNCTIONS = frozenset("tag topic topics rss print sendmail savefile search groups author content "
                      "viewcat detail rating instant-rss sitemap main".split())
# The last segment of an article's path: <alias>-<ID><rewrite_exturl>.
ARTICLE_SEGMENT = re.compile(r"^(?P<alias>[^/]+)-(?P<id>\d+)(?:\.html?|\.php|/)?$")
PAGE_SEGMENT = re.compile(r"^page-(?P<n>\d+)/?$")
# Core blocks that link articles of any age on every page (sidebars), and comment lists.
BLOCKS = ("block_tophits", "block_news", "block_groups", "block_headline", "comment-list")
# nv_date('l - d/m/Y H:i'): a weekday, a dash, the day and the clock ('Thứ hai - 05/06/2023 14:30').
PUBLTIME = re.compile(r"(?:[^\W\d][^\d\n]{0,24}?\s-\s*)?\d{1,2}/\d{1,2}/\d{4}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
# date('Y-m-dTH:i:s'): 'T' is the zone abbreviation ('+07', 'ICT'), not a separator.
BROKEN_ISO = re.compile(r"^(?P<day>\d{4}-\d{2}-\d{2})(?P<zone>[+-]\d{2}(?::?\d{2})?|[A-Z]{2,5}|T)(?P<clock>\d{2}:\d{2}:\d{2})$")
# Labels of the p.h5 lines after the text ({LANG.author} in the languages NukeViet ships).
AUTHOR_LABELS = ("tác giả", "author", "auteur", "автор", "автор(ы)")
COMMENT_LABELS = re.compile(r"(Phản hồi|Bình luận|Comments?)\s*:\s*(?P<n>\d[\d.,]*)", re.IGNORECASE)
VIEW_LABELS = re.compile(r"(Đã xem|Lượt xem|Views?|Hits?)\s*:\s*(?P<n>\d[\d.,]*)", re.IGNORECASE)
# Every page names its module in the head's script: nv_module_name="news".
MODULE_NAME = re.compile(r"""nv_module_name\s*=\s*["']([\w-]+)["']""")
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


def _classes(*names: str) -> str:
    """XPath test: the element has one of these classes."""
    return " or ".join(f"contains(concat(' ', normalize-space(@class), ' '), ' {n} ')" for n in names)


LINKS_OUTSIDE_BLOCKS = f"//a[@href][not(ancestor::*[{_classes(*BLOCKS)} or @id='topnews'])]/@href"


def _segments(url: str) -> list[str]:
    """The path segments of a URL under the news module, the query form's op value included
    (`?nv=news&op=cat/alias-1.html` → ['news', 'cat', 'alias-1.html'])."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    query = dict(parse_qsl(parts.query))
    if "nv" in query:
        segments = [query["nv"], *[s for s in query.get("op", "").split("/") if s]]
    return segments


def module_in(url: str) -> str | None:
    """The module a URL names: `nv=` of the query form, else the first path segment after
    index.php and the language code (`/index.php/vi/news/cat/` → news); None for the home page."""
    query = dict(parse_qsl(urlsplit(url).query))
    if "nv" in query:
        return query["nv"] or None
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if segments and segments[0].lower() == "index.php":
        segments = segments[1:]
    if segments and LANGUAGE_CODE.match(segments[0]) and len(segments) > 1:
        segments = segments[1:]
    return segments[0] if segments and not PAGE_SEGMENT.match(segments[0]) else None


def language_in(url: str, module: str) -> str | None:
    """The language code a URL carries (`language=vi`, or `/vi/` before the module), else None."""
    query = dict(parse_qsl(urlsplit(url).query))
    if "language" in query:
        return query["language"]
    segments = _segments(url)
    if module in segments:
        before = segments[:segments.index(module)]
        if before and LANGUAGE_CODE.match(before[-1]):
            return before[-1]
    return None


def _under_module(url: str, module: str) -> list[str] | None:
    """The segments after the module's name, or None when the URL is not in the module."""
    segments = _segments(url)
    if module not in segments:
        return None
    return segments[segments.index(module) + 1:]  # the first: a category may share the module's name


def article_id(url: str | None, module: str) -> int | None:
    """The ID of a news article's URL (<module>/<cat>/<alias>-<ID>.html), else None."""
    if not url:
        return None
    rest = _under_module(url, module)
    if not rest or len(rest) != 2 or rest[0] in FUNCTIONS or PAGE_SEGMENT.match(rest[1]):
        return None
    match = ARTICLE_SEGMENT.match(rest[1])
    return int(match["id"]) if match else None


def is_listing(url: str, module: str) -> bool:
    """The module's main list, a category, or one of their pages."""
    rest = _under_module(url, module)
    if rest is None:
        return False
    if rest and PAGE_SEGMENT.match(rest[-1]):
        rest = rest[:-1]
    return len(rest) == 0 or (len(rest) == 1 and rest[0] not in FUNCTIONS and not ARTICLE_SEGMENT.match(rest[0])
                              and "." not in rest[0])


def _only_italic(element) -> bool:
    """An element whose whole text is italic (<em>, <i>): a caption line under a picture."""
    italic = " ".join(t.strip() for t in element.xpath(".//*[self::em or self::i]//text()").getall() if t.strip())
    whole = " ".join(t.strip() for t in element.xpath(".//text()").getall() if t.strip())
    return bool(whole) and italic == whole


class NukeVietArticle(ArticlePage):
    """An article of the news module (detail.tpl). `module` is the module's name in URLs."""

    module = "news"

    @cached_property
    def article(self):
        found = self.sel.css('[itemtype*="schema.org/NewsArticle"]')[:1]
        if found:
            return found
        body = self.sel.css("#news-bodyhtml, .bodytext")[:1]
        if body:  # a theme without the microdata: the panel that holds the text and its headline
            holder = body.xpath("ancestor::*[.//h1][1]")
            if holder:
                return holder[:1]
        return super().article

    @cached_property
    def bodyhtml(self):
        return select(self.article, "#news-bodyhtml")[:1] or select(self.article, ".bodytext")[:1]

    # -- identity ---------------------------------------------------------------------------

    @cached_property
    def own_id(self) -> int | None:
        """The article's ID: from the URL it was fetched at, else from the comment area / form."""
        return article_id(self.page_url, self.module) or next(
            (int(v) for v in self.sel.xpath('//*[@id="idcomment"]/@data-id | '
                                            '//form//input[@name="id"]/@value').getall()
             if v.isdigit()), None)

    def url(self) -> str:
        """The article's own URL: the canonical link, og:url or mainEntityOfPage when they name
        this article (same ID), else the URL it was fetched at."""
        candidates = [*self.sel.css('link[rel="canonical"]::attr(href)').getall(),
                      *self.sel.css('meta[property="og:url"]::attr(content)').getall(),
                      *self.sel.css('[itemprop="mainEntityOfPage"]::text').getall()]
        for candidate in candidates:
            url = self.absolute(candidate.strip())
            found = article_id(url, self.module)
            if found is not None and (self.own_id is None or found == self.own_id):
                return url
        return self.page_url

    # -- fields -----------------------------------------------------------------------------

    def title(self) -> str | None:
        for css in ('[itemprop="headline"]', "h1"):
            found = select(self.article, css)
            if found and text_of(found[0]):
                return text_of(found[0])
        return self.sel.css('meta[property="og:title"]::attr(content)').get()

    def lead(self) -> str | None:
        found = select(self.article, ".hometext")
        return text_of(found[0]) if found else None

    @cached_property
    def captions(self) -> dict[object, tuple[object, str]]:
        """The text's pictures → (caption element, caption): a <figcaption>; else, as editors
        write them in CKEditor, an italic line alone in the picture's own paragraph or in the
        paragraph right under it, or the row under the picture's row in a table."""
        found = {}
        for img in self.bodyhtml.css("img"):
            caption = img.xpath("ancestor::figure[1]/figcaption")[:1]
            holder = img.xpath("ancestor::*[self::p or self::div or self::tr][1]")[:1]
            if not caption and holder and holder[0].root is not self.bodyhtml[0].root:
                after = holder[0].xpath("following-sibling::*[1]")[:1]
                if holder[0].root.tag == "tr":
                    caption = [row for row in after if not row.xpath(".//img") and text_of(row)]
                elif _only_italic(holder[0]):
                    caption = holder[:1]
                elif after and after[0].root.tag in ("p", "div") and not after[0].xpath(".//img") \
                        and _only_italic(after[0]):
                    caption = after[:1]
            if caption and text_of(caption[0]):
                found[img.root] = (caption[0].root, text_of(caption[0]))
        return found

    def body(self) -> str | None:
        if not self.bodyhtml:
            return None
        for element, _ in self.captions.values():
            element.set("data-nv-caption", "")
        return join_paragraphs(paragraphs(self.bodyhtml, skip="[data-nv-caption]"))

    @cached_property
    def header_texts(self) -> list[str]:
        """Text of the article before its summary and text: the date line, counters."""
        outside = ("ancestor-or-self::*[@id='news-bodyhtml' or @id='idcomment' or "
                   + _classes("hometext", "bodytext", "comment-list", "hidden") + " or self::h1]")
        return [t.strip() for t in self.article.xpath(f".//text()[not({outside})]").getall() if t.strip()]

    def date_raw(self) -> str | None:
        for span in select(self.article, "span.h5"):  # the core's date line
            text = text_of(span)
            if text and PUBLTIME.fullmatch(text.strip()):
                return text
        for text in self.header_texts:  # another theme: the first text of the date line's shape
            match = PUBLTIME.search(text)
            if match and ":" in match.group():
                return match.group().strip()
        return self.published_time()

    def published_time(self) -> str | None:
        """article:published_time repaired: '2023-06-05+0714:30:00' → '2023-06-05T14:30:00+07:00'
        (the zone's offset where it is printed as one; the site's clock otherwise)."""
        value = (self.sel.css('meta[property="article:published_time"]::attr(content)').get() or "").strip()
        match = BROKEN_ISO.match(value)
        if not match:
            return None
        zone = match["zone"]
        offset = ""
        if zone[0] in "+-":
            digits = zone[1:].replace(":", "")
            offset = f"{zone[0]}{digits[:2]}:{digits[2:4] or '00'}"
        return f"{match['day']}T{match['clock']}{offset}"

    @cached_property
    def byline(self) -> dict[str, str]:
        """The labelled lines after the text: label (lower case, no colon) → value."""
        lines = {}
        for p in self.article.xpath(".//p[strong]"):
            label = (p.xpath("normalize-space(strong[1])").get() or "").rstrip(": ").lower()
            value = text_of(p, skip="strong")
            if label and value and not p.xpath("ancestor::*[@id='news-bodyhtml']"):
                lines.setdefault(label, value)
        return lines

    def author(self) -> str | None:
        return next((self.byline[label] for label in AUTHOR_LABELS if label in self.byline), None)

    def category(self) -> str | None:
        section = self.sel.css('meta[property="article:section"]::attr(content)').get()
        if section and section.strip():
            return section.strip()
        crumbs = self.sel.css('[itemtype*="BreadcrumbList"] [itemprop="name"]::text').getall()
        return crumbs[-1].strip() if len(crumbs) > 2 else None

    def cover(self) -> dict | None:
        """The homeimg: the full-size file (#imgpreview, else the figure's own picture, a thumbnail
        under /assets/ mapped to its file under /uploads/), with its figcaption."""
        figure = self.article.xpath(".//figure[" + _classes("article") + "]")[:1]
        preview = self.article.css("#imgpreview")[:1]
        if not figure and not preview:
            return None
        img = (preview.css("img") or figure.css("img"))[:1]
        if not img:
            return None
        url = self.absolute(img[0].attrib.get("src"))
        if not url:
            return None
        parts = urlsplit(url)
        if parts.path.startswith("/assets/"):  # NV_FILES_DIR thumbnail → NV_UPLOADS_DIR file
            url = url.replace("/assets/", "/uploads/", 1)
        caption = text_of((figure.css("figcaption") or preview.css("figcaption"))[:1] or None)
        return {"url": url, "caption": caption}

    def images(self) -> list[dict]:
        found = [self.cover()]
        captions = self.captions
        for img in self.bodyhtml.css("img"):
            caption = captions.get(img.root, (None, None))[1]
            image = self.image(img, caption)
            # a picture file, or one served from the site's uploads (no smileys or tracking pixels)
            if image and (is_image_url(image["url"]) or "/uploads/" in image["url"]):
                found.append(image)
        return self.unique_images(found)

    def comment_count(self) -> int | None:
        for text in self.header_texts:
            match = COMMENT_LABELS.search(text)
            if match:
                return self.count(match["n"])
        area = self.sel.css("#idcomment")
        if not area:
            return None
        return len(area.css("#showcomment li.media, ul.comment-list li.media"))

    def view_count(self) -> int | None:
        for text in self.header_texts:
            match = VIEW_LABELS.search(text)
            if match:
                return self.count(match["n"])
        return None


class NukeVietSpider(NewsSpider):
    """Walks the news module's main list page by page (or its categories where the main page
    has no pages) from the entry's `news` URL, and reads each article's detail page."""

    name = "nukeviet"
    cms = "nukeviet"
    article_page = NukeVietArticle

    @property
    def news(self) -> str:
        return self.site.news or self.origin + "/index.php?nv=news"

    @cached_property
    def module(self) -> str:
        """The news module's name in URLs ('news', or what the site renamed it to, e.g. 'tin-tuc'):
        the one the entry's news URL names, else the one the first listing page names."""
        return module_in(self.news) or "news"

    @cached_property
    def language_code(self) -> str | None:
        """The language code of the entry's listing: links in another language are not the site's."""
        return language_in(self.news, self.module)

    def ours(self, url: str) -> bool:
        code = language_in(url, self.module)
        return code is None or self.language_code is None or code == self.language_code

    def parse_listing(self, response: Response):
        if isinstance(response, TextResponse) and module_in(self.news) is None:
            named = MODULE_NAME.search(response.text)
            if named and named[1] not in ("home", "page", "users", "contact", "about", "seek"):
                self.module = named[1]  # the home page is the news module's main page
        yield from super().parse_listing(response)

    def start_urls_of_site(self) -> list[str]:
        return [self.news]

    def page_of(self, response: TextResponse) -> NukeVietArticle:
        page = self.article_page(response.url, page_selector(response))
        page.module = self.module
        return page

    def _hrefs(self, response: TextResponse) -> list[str]:
        return [absolute(response.url, h) or "" for h in response.xpath(LINKS_OUTSIDE_BLOCKS).getall()]

    def article_links(self, response: TextResponse) -> Iterable[str]:
        return [url for url in self._hrefs(response) if article_id(url, self.module) is not None and self.ours(url)]

    def next_pages(self, response: TextResponse) -> Iterable[str]:
        """The pages of this listing, in page order: the pager's `<base>/page-N` links (nv_alias_page;
        its list's class is the theme's, so any link of that shape counts) and `<link rel=next>`."""
        here = _under_module(response.url, self.module) or []
        base = [s for s in here if not PAGE_SEGMENT.match(s)]
        links = [*response.css('link[rel="next"]::attr(href)').getall(), *self._hrefs(response)]
        pages = []
        for link in links:
            url = absolute(response.url, link)
            rest = _under_module(url, self.module) if url else None
            if rest and PAGE_SEGMENT.match(rest[-1]) and rest[:-1] == base and self.ours(url):
                pages.append((int(PAGE_SEGMENT.match(rest[-1])["n"]), url))
        return [url for _, url in sorted(set(pages))]

    def section_links(self, response: TextResponse) -> Iterable[str]:
        """Category listings, walked only from a main page that has no pages of its own (it shows
        categories side by side): a paged main list already holds every article."""
        main = _under_module(response.url, self.module) == [] or response.url.rstrip("/") == self.news.rstrip("/")
        if not main or self.next_pages(response):
            return ()
        return [url for url in self._hrefs(response)
                if is_listing(url, self.module) and _under_module(url, self.module) and self.ours(url)
                and not PAGE_SEGMENT.match(_under_module(url, self.module)[-1])]

    def follow_redirect(self, response: Response):
        """A 301 to the main category's path is followed; one to another site or to a file is an
        external-link article: not an item, and not asked again."""
        location = response.headers.get("Location", b"").decode("latin-1")
        target = absolute(response.url, location)
        if target and (not self.on_site(target) or urlsplit(target).path.lower().endswith(NOT_PAGES)):
            self.links.dead.add(response.url)
            self.count_skip("external_link", response.url, target)
            return
        yield from super().follow_redirect(response)
