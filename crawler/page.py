"""Article page objects: extraction apart from crawling, testable on a saved page with no network.

A site's page class (in its spider module) subclasses `ArticlePage` and answers one small
method per contract field from the page's `Selector`; `fields()` gathers them. The helpers
here are the shared mechanics every site needs: paragraphs out of a body element, text of an
element, numbers, absolute URLs and full-size pictures.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property, lru_cache
from typing import Any

from lxml import etree
from parsel import Selector, SelectorList
from parsel.csstranslator import css2xpath

from crawler.text import clean_line, parse_count
from crawler.urls import absolute, names_the_page

# Elements whose start and end break a paragraph.
BLOCKS = frozenset(
    "p div li ul ol h1 h2 h3 h4 h5 h6 blockquote table tbody thead tr td th section article "
    "header footer aside pre dl dt dd center hr address".split()
)
# Never text of a body: code, media, forms, captions.
NEVER_TEXT = frozenset(
    "script style noscript template iframe object embed form input button select textarea "
    "figure figcaption img picture video audio svg canvas map".split()
)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff")

Image = dict[str, Any]
_ANCESTOR_LINK = etree.XPath("ancestor::a[1]/@href")


def _tag(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):  # comments, processing instructions
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def paragraphs(scope: Selector | SelectorList, skip: str | None = None) -> list[str]:
    """The paragraphs of an element in page order.

    Block elements and <br> separate paragraphs (a site that separates paragraphs with <br>
    gets one paragraph per line); list items are paragraphs of their own; scripts, forms,
    figures and captions are never text; `skip` is a CSS selector of further elements to leave
    out (share buttons, author lines). Paragraphs that hold only spaces are dropped.
    """
    roots = [scope] if isinstance(scope, Selector) else list(scope)
    # a set of the elements themselves: holding them keeps lxml handing out the same proxies
    skipped = {node.root for root in roots for node in (root.css(skip) if skip else [])}
    out: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        line = clean_line("".join(buffer))
        buffer.clear()
        if line:
            out.append(line)

    def walk(element: etree._Element) -> None:
        tag = _tag(element)
        if tag and tag not in NEVER_TEXT and element not in skipped:
            if tag == "br":
                flush()
            else:
                block = tag in BLOCKS
                if block:
                    flush()
                if element.text:
                    buffer.append(element.text)
                for child in element:
                    walk(child)
                if block:
                    flush()
        if element.tail:
            buffer.append(element.tail)

    for root in roots:
        node = root.root
        if isinstance(node, etree._Element):
            if node.text:
                buffer.append(node.text)
            for child in node:
                walk(child)
            flush()
    return out


def text_of(scope: Selector | SelectorList | None, skip: str | None = None) -> str | None:
    """An element's text as one line; None when it has none."""
    if scope is None:
        return None
    lines = paragraphs(scope, skip)
    return " ".join(lines) if lines else None


@lru_cache(maxsize=1024)
def _compiled(css: str) -> etree.XPath:
    return etree.XPath(css2xpath(css))


def select(scope: Selector | SelectorList, css: str) -> SelectorList:
    """Elements matching `css` inside `scope`, like `scope.css(css)` but with the XPath compiled
    once per selector instead of once per call (a third of the cost of a small query)."""
    query = _compiled(css)
    roots = [scope] if isinstance(scope, Selector) else scope
    return SelectorList(Selector(root=node, type=root.type) for root in roots for node in query(root.root)
                        if isinstance(node, etree._Element))


def first_text(selector: Selector | SelectorList, css: str, skip: str | None = None) -> str | None:
    """Text of the first element matching `css`, or None."""
    found = select(selector, css)
    return text_of(found[0], skip) if found else None


def is_image_url(url: str | None) -> bool:
    return bool(url) and url.lower().split("?", 1)[0].split("#", 1)[0].endswith(IMAGE_SUFFIXES)


class ArticlePage:
    """One article page. Subclasses answer the fields; unanswered optional fields are None."""

    #: bump when a site's layout changes and the page class follows it (stored with fixtures)
    version = 1
    #: CSS of the element that holds the article; fields are read inside it (`self.article`)
    scope: str | None = None

    def __init__(self, url: str, selector: Selector):
        self.page_url = url
        self.sel = selector

    @classmethod
    def from_html(cls, url: str, html: str | bytes, encoding: str = "utf-8") -> ArticlePage:
        """For tests and tools: a page from saved HTML (bytes are decoded with `encoding`)."""
        text = html.decode(encoding, errors="replace") if isinstance(html, bytes) else html
        return cls(url, Selector(text=text, base_url=url))

    # -- helpers -------------------------------------------------------------------------------

    @cached_property
    def article(self) -> SelectorList:
        """The article element, found once: a query inside it does not scan the whole page again
        (whole-page queries were most of the extraction cost, BENCHMARKS.md)."""
        return self.sel.css(self.scope)[:1] if self.scope else SelectorList([self.sel])

    def absolute(self, link: str | None) -> str | None:
        return absolute(self.page_url, link)

    def image(self, img: Selector, caption: str | None = None) -> Image | None:
        """A picture's full-size URL: the file its link points at, else its (lazy) source."""
        link = next(iter(_ANCESTOR_LINK(img.root)), None)
        if is_image_url(link):
            url = self.absolute(link)
        else:
            url = self.absolute(img.attrib.get("data-src") or img.attrib.get("data-original")
                                or img.attrib.get("src"))
        return {"url": url, "caption": caption} if url else None

    @staticmethod
    def unique_images(images: Iterable[Image | None]) -> list[Image]:
        """Each picture once, in page order; a later caption fills an earlier missing one."""
        seen: dict[str, Image] = {}
        for image in images:
            if not image:
                continue
            kept = seen.setdefault(image["url"], dict(image))
            if kept["caption"] is None and image.get("caption"):
                kept["caption"] = image["caption"]
        return list(seen.values())

    @staticmethod
    def count(text: str | None) -> int | None:
        return parse_count(text)

    # -- fields --------------------------------------------------------------------------------

    def url(self) -> str:
        """Where the page names its canonical URL (<link rel=canonical>, else og:url) and that name
        can be the page's own (crawler.urls.names_the_page), that one; else the URL it was
        fetched at."""
        named = (self.absolute(self.sel.css('link[rel="canonical"]::attr(href)').get())
                 or self.absolute(self.sel.css('meta[property="og:url"]::attr(content)').get()))
        return named if named and names_the_page(self.page_url, named) else self.page_url

    def title(self) -> str | None:
        raise NotImplementedError

    def kicker(self) -> str | None:
        return None

    def lead(self) -> str | None:
        return None

    def body(self) -> str | None:
        raise NotImplementedError

    def date_raw(self) -> str | None:
        raise NotImplementedError

    def author(self) -> str | None:
        return None

    def category(self) -> str | None:
        return None

    def images(self) -> list[Image]:
        return []

    def comment_count(self) -> int | None:
        return None

    def languages(self) -> set[str]:
        """The languages the page says it is in (crawler.sites.language_code); empty where it
        says nothing that tells a site's language versions apart. A page in another language
        than the site's is not one of its items (NewsSpider.parse_article)."""
        return set()

    def view_count(self) -> int | None:
        return None

    def fields(self) -> dict[str, Any]:
        """Every extracted field; text is cleaned again and dates parsed by the pipelines."""
        return {
            "url": self.url(),
            "title": self.title(),
            "kicker": self.kicker(),
            "lead": self.lead(),
            "body": self.body(),
            "date_raw": self.date_raw(),
            "author": self.author(),
            "category": self.category(),
            "images": self.images(),
            "comment_count": self.comment_count(),
            "view_count": self.view_count(),
        }
