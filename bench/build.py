"""Build a large synthetic copy of the five sites out of the project's saved pages.

For every site the saved copy (tests/fixtures/sites/<site>/) is kept as it is (home pages,
section listings, feeds, redirects, PDFs, removed articles), and its main news listing is
replaced by a long synthetic one in the site's own listing markup, with working pagination,
leading to thousands of synthetic articles. A synthetic article is a saved article page of the
same site (cycled) under a new URL and id, with a new headline, a new publication date printed
in the site's own date format, and an extra paragraph of words drawn from the site's own texts
at the top of the body (so no two articles share title and body: the dedup pipeline keeps
them all). The page's <link rel=canonical> names the new URL.

Work is done on strings: each template page is parsed once with lxml, marked with placeholders
and serialized once; clones are placeholder replacements, so 50,000 articles take seconds.

The result is a folder per size: <work>/n<N>/<site>/pages.warc.gz, a site copy that
crawler.replay serves (bodies of synthetic articles are made once for all sizes:
<work>/articles/<site>/<id>.body).
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import jdatetime
import lxml.html
from lxml import etree

from crawler.replay import SiteCopy, page_key, write_copy
from crawler.warc_source import raw_header

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SITES_DIR = PROJECT_ROOT / "tests" / "fixtures" / "sites"
BUILD_VERSION = 4  # bump when the generated pages change: cached builds are redone

KK_MONTHS = ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
             "қыркүйек", "қазан", "қараша", "желтоқсан"]
FA_MONTHS = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی",
             "بهمن", "اسفند"]
FA_WEEKDAYS = ["شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه"]  # jdatetime: 0 = Saturday
FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _fa(text: str) -> str:
    return text.translate(FA_DIGITS)


def date_gilan(moment: datetime) -> str:  # ۱۳۹۹/۱۲/۰۴ - ۱۰:۲۵
    j = jdatetime.datetime.fromgregorian(datetime=moment)
    return _fa(f"{j.year:04d}/{j.month:02d}/{j.day:02d} - {moment:%H:%M}")


def date_chaharmahal(moment: datetime) -> str:  # یکشنبه ۵ بهمن ۱۴۰۴ - ۱۴:۵۳
    j = jdatetime.datetime.fromgregorian(datetime=moment)
    return _fa(f"{FA_WEEKDAYS[j.weekday()]} {j.day} {FA_MONTHS[j.month - 1]} {j.year} - {moment:%H:%M}")


def date_kyzylorda(moment: datetime) -> str:  # 08 сәуір 2019 ж. 16:32
    return f"{moment.day:02d} {KK_MONTHS[moment.month - 1]} {moment.year} ж. {moment:%H:%M}"


def date_hanam(moment: datetime) -> str:
    return f"Ngày đăng: {moment:%d/%m/%Y %H:%M}"


def date_travinh(moment: datetime) -> str:
    return f"Ngày đăng: {moment:%d/%m/%Y}"


@dataclass(frozen=True)
class SiteSpec:
    name: str
    encoding: str
    article_path: re.Pattern  # saved pages that are articles (templates)
    listing: str  # path of the main listing's first page (its template)
    entry: str  # CSS: one entry of the listing
    entry_link: str  # CSS inside an entry: the article link
    pager: str  # CSS: the pagination element whose links are rewritten
    drop: tuple[str, ...]  # CSS: elements removed from the listing template
    title: str  # CSS: the headline of an article page
    date: str  # CSS: the printed date of an article page
    body: str  # CSS: the body text of an article page
    date_format: object
    id_base: int

    def page_path(self, n: int) -> str:
        return LISTING_PAGES[self.name](n)

    def article_path_for(self, ident: int, slug: str) -> str:
        return ARTICLE_PATHS[self.name](ident, slug)


LISTING_PAGES = {
    "gilan": lambda n: "/fa/news" if n == 1 else f"/fa/news?page={n}",
    "chaharmahal": lambda n: "/fa/news/list" if n == 1 else f"/fa/news/list?page={n}",
    "kyzylorda": lambda n: "/kz/news/" if n == 1 else f"/kz/news/page/{n}/",
    "hanam": lambda n: "/tin-tuc-su-kien/" if n == 1 else f"/tin-tuc-su-kien/trang-{n}.html",
    "travinh": lambda n: "/news/newlist/tin-tuc-su-kien" if n == 1 else f"/news/newlist/tin-tuc-su-kien?page={n}",
}
ARTICLE_PATHS = {
    "gilan": lambda i, slug: f"/fa/news/{i}/{slug}",
    "chaharmahal": lambda i, slug: f"/fa/news/{i}/{slug}",
    "kyzylorda": lambda i, slug: f"/kz/news/{i}-{slug}.html",
    "hanam": lambda i, slug: f"/tin-tuc-su-kien/{slug}-{i}.html",
    "travinh": lambda i, slug: f"/news/newdetail/{slug}-{i}",
}

SPECS = {
    s.name: s for s in [
        SiteSpec("gilan", "windows-1256", re.compile(r"^/fa/news/\d+/"), "/fa/news",
                 "div.newslist div.newsitem", "div.ntitle a", "div.pager", (),
                 "h1.news-title", "div.news-info [id$=lblDate]", "div.news-body", date_gilan, 100000),
        SiteSpec("chaharmahal", "utf-8", re.compile(r"^/fa/news/\d+/"), "/fa/news/list",
                 "div.news-list div.news-list-item", "h3.title a", "ul.pagination", (),
                 "article.news-item .item-header h1.title", "article.news-item .item-info .item-date",
                 "article.news-item div.item-body", date_chaharmahal, 100000),
        SiteSpec("kyzylorda", "utf-8", re.compile(r"/\d+-[^/]+\.html$"), "/kz/news/",
                 "#dle-content div.shortstory", "h2.title a", "div.basenavi span.navigation",
                 ("div.basenavi span.pnext", "div.basenavi span.pprev"),
                 "#dle-content article.fullstory h1.title",
                 "#dle-content article.fullstory div.storyinfo span.date",
                 "#dle-content article.fullstory div.full-story", date_kyzylorda, 100000),
        SiteSpec("hanam", "utf-8", re.compile(r"^/[a-z-]+/(?!trang-)[^/]+-\d+\.html$"), "/tin-tuc-su-kien/",
                 "#content .news-list .news-item", ".title a", "#content .pagination", (),
                 "#content h1.title-news", "#content .news-detail .news-info .news-date",
                 "#content .news-detail #news-content, #content .news-detail .news-content",
                 date_hanam, 100000),
        SiteSpec("travinh", "utf-8", re.compile(r"^/news/newdetail/"), "/news/newlist/tin-tuc-su-kien",
                 ".col-left .list-news .item-news", ".title-news a", ".col-left .pagination", (),
                 ".col-left h1.title-detail", ".col-left .news-detail .meta-detail .date-post",
                 ".col-left .news-detail .content-detail", date_travinh, 100000),
    ]
}


def _css(root: etree._Element, css: str) -> list[etree._Element]:
    return root.cssselect(css)


def _set_text(element: etree._Element, text: str) -> None:
    for child in list(element):
        element.remove(child)
    element.text = text


_DOCTYPE = re.compile(rb"<!DOCTYPE[^>]*>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+http-equiv=[\"']?content-type[^>]*>", re.IGNORECASE)


def _serialize(root: etree._Element, encoding: str, raw: bytes) -> bytes:
    """Serialized as the saved page was: its doctype, and its charset <meta> (lxml drops it)."""
    doctype = _DOCTYPE.search(raw)
    html = lxml.html.tostring(root, encoding=encoding,
                              doctype=doctype.group().decode("ascii") if doctype else "<!DOCTYPE html>")
    meta = _META_CHARSET.search(raw)
    if meta and not _META_CHARSET.search(html):
        html = re.sub(rb"(<head[^>]*>)", lambda m: m.group(1) + meta.group(), html, count=1)
    return html


@dataclass
class ArticleTemplate:
    path: str
    slug: str
    html: bytes  # with placeholders @@URL@@ @@TITLE@@ @@DATE@@ @@VARY@@
    size: int  # bytes of the saved page


def _slug(spec: SiteSpec, path: str) -> str:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    last = re.sub(r"\.html$", "", last)
    last = re.sub(r"^\d+-", "", last) if spec.name == "kyzylorda" else last
    last = re.sub(r"-\d+$", "", last) if spec.name == "hanam" else last
    return last or "news"


def saved_site(site: str) -> dict:
    """A saved site copy as {"origin", "pages": {path: {"status", "content_type", "headers", "body"}}}."""
    copy = SiteCopy.load(SITES_DIR / site)
    pages = {}
    for key in copy.pages:
        page = copy.answer(key)
        assert page is not None
        pages[key] = {"status": page.status, "content_type": page.header("Content-Type"),
                      "headers": [(k, raw_header(v)) for k, v in page.headers if k.lower() != "content-length"],
                      "body": page.body}
    copy.index.close()
    return {"origin": copy.origin, "pages": pages}


def load_site(spec: SiteSpec) -> tuple[dict, list[ArticleTemplate], bytes, bytes, bytes, list[str], list[str]]:
    """The saved copy, its article templates, the listing template and word lists for variation."""
    saved = saved_site(spec.name)
    templates: list[ArticleTemplate] = []
    title_words: list[str] = []
    body_words: list[str] = []
    for path, page in sorted(saved["pages"].items()):
        key = page_key(path)
        if page["status"] != 200 or not spec.article_path.search(key.split("?")[0]):
            continue
        raw = page["body"]
        if raw.lstrip()[:4] == b"%PDF":
            continue
        root = lxml.html.fromstring(raw.decode(spec.encoding, errors="replace"))
        title, date, body = _css(root, spec.title), _css(root, spec.date), _css(root, spec.body)
        if not (title and date and body):
            continue
        title_words += title[0].text_content().split()
        body_words += body[0].text_content().split()
        _set_text(title[0], "@@TITLE@@")
        _set_text(date[0], "@@DATE@@")
        vary = etree.Element("p")
        vary.text = "@@VARY@@"
        body[0].insert(0, vary)
        vary.tail = body[0].text
        body[0].text = None
        canon = _css(root, 'link[rel="canonical"]')
        if canon:
            canon[0].set("href", "@@URL@@")
        templates.append(ArticleTemplate(key, _slug(spec, key), _serialize(root, spec.encoding, raw), len(raw)))
    listing = saved["pages"].get(spec.listing) or saved["pages"][next(
        p for p in saved["pages"] if page_key(p) == spec.listing)]
    listing_raw = listing["body"]
    root = lxml.html.fromstring(listing_raw.decode(spec.encoding, errors="replace"))
    for css in spec.drop:
        for element in _css(root, css):
            element.getparent().remove(element)
    entries = _css(root, spec.entry)
    per_page = len(entries)
    entry = entries[0]
    parent = entry.getparent()
    marker = etree.Element("bench-entries")
    parent.insert(parent.index(entry), marker)
    for element in entries:
        element.getparent().remove(element)
    marker.tail = entries[-1].tail
    link = _css(entry, spec.entry_link)[0]
    old_href = link.get("href")
    for a in entry.iter("a"):
        if a.get("href") == old_href:
            a.set("href", "@@HREF@@")
    _set_text(link, "@@TITLE@@")
    entry.tail = "\n"
    entry_html = etree.tostring(entry, encoding=spec.encoding, method="html")
    pager = _css(root, spec.pager)[0]
    first_a = next(pager.iter("a"))
    unit = first_a
    while unit.getparent() is not pager:
        unit = unit.getparent()
    absolute_links = (first_a.get("href") or "").startswith("http")
    for a in unit.iter("a"):
        a.set("href", "@@HREF@@")
        for name in ("rel", "class"):
            a.attrib.pop(name, None)
    _set_text(first_a, "@@N@@")
    unit.tail = " "
    unit.attrib.pop("class", None)
    unit_html = etree.tostring(unit, encoding=spec.encoding, method="html")
    for child in list(pager):
        pager.remove(child)
    pager.text = "@@PAGER@@"
    listing_html = _serialize(root, spec.encoding, listing_raw).replace(
        etree.tostring(marker, encoding=spec.encoding, method="html").split(b">", 1)[0] + b">", b"@@ENTRIES@@", 1)
    listing_html = re.sub(rb"</bench-entries>", b"", listing_html, count=1)
    return (saved, templates, listing_html, entry_html, unit_html,
            title_words or ["news"], body_words or ["news"]) + (per_page, absolute_links)  # type: ignore


def _enc(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="xmlcharrefreplace")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build(work: str | Path, sizes: list[int], sites: list[str] | None = None, seed: int = 1) -> dict[int, Path]:
    """Build the copies; returns {size: folder holding one site copy per site}. Cached by manifest."""
    work = Path(work)
    sites = sites or list(SPECS)
    manifest_path = work / "manifest.json"
    wanted = {"version": BUILD_VERSION, "sites": sites, "seed": seed}
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    if {k: manifest.get(k) for k in wanted} != wanted:
        manifest = dict(wanted, articles=0, sizes=[])
    most = max(sizes)
    per_site_max = -(-most // len(sites))
    out: dict[int, Path] = {}
    loaded = {name: load_site(SPECS[name]) for name in sites}
    if manifest["articles"] < per_site_max:
        for name in sites:
            _build_articles(work, SPECS[name], loaded[name], manifest["articles"], per_site_max, seed)
        manifest["articles"] = per_site_max
        manifest["sizes"] = []
    for size in sizes:
        folder = work / f"n{size}"
        if size not in manifest["sizes"]:
            per_site = [size // len(sites) + (1 if i < size % len(sites) else 0) for i in range(len(sites))]
            for name, count in zip(sites, per_site):
                _build_listing(work, folder, SPECS[name], loaded[name], count, seed)
            manifest["sizes"] = sorted(set(manifest["sizes"]) | {size})
        out[size] = folder
    work.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest))
    return out


def _article(spec: SiteSpec, loaded, index: int, seed: int) -> tuple[str, str, bytes]:
    """(path, title, html) of synthetic article `index` of a site: the same every time."""
    _, templates, _, _, _, title_words, body_words, _, _ = loaded
    rng = random.Random(f"{seed}/{spec.name}/{index}")
    template = templates[index % len(templates)]
    ident = spec.id_base + index
    path = spec.article_path_for(ident, template.slug)
    title = " ".join(rng.choice(title_words) for _ in range(rng.randint(6, 12)))
    vary = " ".join(rng.choice(body_words) for _ in range(rng.randint(25, 70)))
    # newest first, one to three articles a day back from 2025-06-30, at office hours
    moment = datetime(2025, 6, 30, 8, 0) - timedelta(days=index * 0.45 + rng.random() * 0.4)
    moment = moment.replace(hour=8 + rng.randint(0, 9), minute=rng.randint(0, 59), second=0, microsecond=0)
    origin = ORIGINS[spec.name]
    html = (template.html
            .replace(b"@@URL@@", _enc(origin + quote(path, safe="/-"), spec.encoding))
            .replace(b"@@TITLE@@", _enc(_esc(title), spec.encoding))
            .replace(b"@@DATE@@", _enc(spec.date_format(moment), spec.encoding))
            .replace(b"@@VARY@@", _enc(_esc(vary), spec.encoding)))
    return path, title, html


ORIGINS = {"gilan": "https://gilan.iranpl.ir", "chaharmahal": "https://chb.iranpl.ir",
           "kyzylorda": "https://kitapkhana.kz", "hanam": "http://thuvienhanam.gov.vn",
           "travinh": "http://thuvientravinh.org.vn"}


def _build_articles(work: Path, spec: SiteSpec, loaded, start: int, stop: int, seed: int) -> None:
    folder = work / "articles" / spec.name
    folder.mkdir(parents=True, exist_ok=True)
    index = {}
    index_path = folder / "index.json"
    if start and index_path.exists():
        index = json.loads(index_path.read_text(encoding="utf-8"))
    for i in range(start, stop):
        path, title, html = _article(spec, loaded, i, seed)
        (folder / f"{i:06d}.body").write_bytes(html)
        index[str(i)] = [path, title]
    index_path.write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")


def _build_listing(work: Path, folder: Path, spec: SiteSpec, loaded, count: int, seed: int) -> None:
    saved, templates, listing_html, entry_html, unit_html, _, _, per_page, absolute_links = loaded
    site_dir = folder / spec.name
    site_dir.mkdir(parents=True, exist_ok=True)
    articles = json.loads((work / "articles" / spec.name / "index.json").read_text(encoding="utf-8"))
    ctype = saved["pages"][spec.listing]["content_type"] if spec.listing in saved["pages"] else "text/html"
    pages: dict[str, dict] = {}
    for path, page in saved["pages"].items():
        pages[path] = dict(page)
    # the original listing series is replaced by the synthetic one
    for path in list(pages):
        key = page_key(path)
        if key == spec.listing or any(key == spec.page_path(n) for n in range(2, 60)):
            del pages[path]
    last = max(1, -(-count // per_page))
    origin = ORIGINS[spec.name]
    for n in range(1, last + 1):
        entries = []
        for i in range((n - 1) * per_page, min(count, n * per_page)):
            path, title = articles[str(i)]
            href = quote(path, safe="/-")
            if absolute_links:
                href = origin + href
            entries.append(entry_html.replace(b"@@HREF@@", href.encode()).replace(
                b"@@TITLE@@", _enc(_esc(title), spec.encoding)))
            pages[path] = {"file": work / "articles" / spec.name / f"{i:06d}.body", "status": 200,
                           "headers": [("Content-Type", _article_ctype(saved, spec))]}
        window = sorted({1, n - 1, n + 1, last, *range(n - 2, n + 3)} - {n})
        units = []
        for m in window:
            if 1 <= m <= last:
                href = (origin if absolute_links else "") + spec.page_path(m)
                units.append(unit_html.replace(b"@@HREF@@", href.encode()).replace(b"@@N@@", str(m).encode()))
        html = listing_html.replace(b"@@ENTRIES@@", b"".join(entries)).replace(b"@@PAGER@@", b"".join(units))
        pages[spec.page_path(n)] = {"body": html, "status": 200, "headers": [("Content-Type", ctype)]}
    write_copy(site_dir, saved["origin"], (
        (path, page["status"], page["headers"],
         page["body"] if "body" in page else Path(page["file"]).read_bytes())
        for path, page in sorted(pages.items())))


def _article_ctype(saved, spec: SiteSpec) -> str:
    for path, page in saved["pages"].items():
        if page["status"] == 200 and spec.article_path.search(page_key(path).split("?")[0]):
            return page["content_type"]
    return "text/html"


def article_templates(site: str) -> list[tuple[str, bytes]]:
    """(live URL, saved bytes) of the saved article pages of a site, for the extraction benchmarks."""
    spec = SPECS[site]
    saved = saved_site(site)
    out = []
    for path, page in sorted(saved["pages"].items()):
        key = page_key(path)
        if page["status"] == 200 and spec.article_path.search(key.split("?")[0]):
            raw = page["body"]
            if raw.lstrip()[:4] != b"%PDF":
                out.append((saved["origin"] + quote(key, safe="/-?=&"), raw))
    return out


if __name__ == "__main__":
    import sys

    for size, path in build(sys.argv[1] if len(sys.argv) > 1 else "/tmp/library-news-bench",
                            [int(s) for s in (sys.argv[2] if len(sys.argv) > 2 else "1000").split(",")]).items():
        print(size, path)
