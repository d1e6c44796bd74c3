"""A look at a site before it has an entry: which CMS it runs and how that shows, its language,
the clock its country suggests, and its news listing. `python -m crawler probe URL` prints the
entry it would use; a site list entry without `cms` is recognised the same way before a crawl.

It reads what a CMS core prints on every page (the generator meta, the REST API link of
WordPress, the scripts and paths of Joomla and NukeViet), with a handful of requests (at most
MAX_REQUESTS, each bounded in size and time) on the site's own host.
"""
from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.mirror import MirrorMap
from crawler.sites import LANGUAGES, language_code
from crawler.urls import same_site

MAX_REQUESTS = 4
MAX_BYTES = 2 * 1024 * 1024
TIMEOUT = 15.0
USER_AGENT = "library-news-crawler/1.0 (probe)"

# Signs each CMS core leaves in a page: (what it is, where to look, pattern), strongest first.
SIGNS: dict[str, list[tuple[str, str, re.Pattern[str]]]] = {
    "wordpress": [
        ("generator meta", "generator", re.compile(r"^WordPress\b", re.I)),
        ("REST API link", "links", re.compile(r"https://api\.w\.org/")),
        ("wp-content/wp-includes paths", "body", re.compile(r"/wp-(content|includes)/")),
    ],
    "joomla": [
        ("generator meta", "generator", re.compile(r"^Joomla!", re.I)),
        ("Joomla script options", "body", re.compile(r"joomla-script-options|Joomla\.JText|/media/jui/|/media/system/js/")),
        ("com_content markup", "body", re.compile(r"option=com_content|class=\"item-page|itemprop=\"articleBody\"[^>]*>\s*<p")),
    ],
    "nukeviet": [
        ("generator meta", "generator", re.compile(r"NukeViet", re.I)),
        ("NukeViet script variables", "body", re.compile(r"\bnv_base_siteurl\b|\bnv_lang_data\b|\bnv_sitelang\b")),
        ("NukeViet URLs", "body", re.compile(r"[?&]nv=news\b|/index\.php/[a-z]{2}/news/|/themes/default/images/|/assets/news/")),
    ],
}
# A country's clock, by the host's top-level domain, then by the page's language.
CLOCKS = {".kz": "Asia/Almaty", ".vn": "Asia/Ho_Chi_Minh", ".ir": "Asia/Tehran"}
LANGUAGE_CLOCKS = {"fa": "Asia/Tehran", "vi": "Asia/Ho_Chi_Minh", "kk": "Asia/Almaty"}
# Link texts and paths of a news listing, in the sites' languages.
NEWS_WORDS = re.compile(r"жаңалық|новост|tin tức|tin-tuc|اخبار|خبر|news|novosti|zhanalyq|jana", re.I)
# Feeds and files are not listings a reader opens.
NOT_LISTINGS = re.compile(r"(^|[/=.])(rss|feed|atom)([/.&]|$)|\.(xml|pdf|jpe?g|png|docx?)$", re.I)


class ProbeError(Exception):
    """The site gave nothing to look at (no answer, not a page)."""


@dataclass
class Page:
    url: str
    status: int
    headers: dict[str, str]
    text: str


@dataclass
class Finding:
    url: str
    origin: str
    cms: str | None = None
    how: list[str] = field(default_factory=list)
    language: str | None = None
    timezone: str | None = None
    news: str | None = None
    title: str | None = None

    def entry(self) -> str:
        """The site list entry this finding suggests, as TOML."""
        host = urlsplit(self.origin).hostname or "site"
        site_id = re.sub(r"[^a-z0-9_]", "_", host.removeprefix("www.").split(".")[0].lower()) or "site"
        if not site_id[0].isalpha():
            site_id = "site_" + site_id
        lines = [f"# recognised: {self.cms or 'no known CMS'}" + (f" ({'; '.join(self.how)})" if self.how else ""),
                 f"[{site_id}]",
                 f"name = {_toml(self.title or host)}",
                 f"origin = {_toml(self.origin)}"]
        lines.append(f"language = {_toml(self.language)}" if self.language else "# language = ?  (fa, vi, kk, ru)")
        lines.append(f"timezone = {_toml(self.timezone)}" if self.timezone else "# timezone = ?  (an IANA name)")
        if self.cms:
            lines.append(f"cms = {_toml(self.cms)}")
        if self.news:
            lines.append(f"news = {_toml(self.news)}")
        return "\n".join(lines)


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # redirects are followed by `fetch`, on the site only
        return None


def fetch(url: str, mirror: MirrorMap) -> Page:
    """One GET through the mirror map, its body cut at MAX_BYTES; HTTP errors are answers too."""
    opener = urllib.request.build_opener(_NoRedirects())
    request = urllib.request.Request(mirror.to_mirror(url), headers={"User-Agent": USER_AGENT})
    try:
        response = opener.open(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as answer:
        response = answer
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ProbeError(f"{url}: no answer ({getattr(exc, 'reason', exc)})") from exc
    with response:
        body = response.read(MAX_BYTES)
        headers = {k.lower(): v for k, v in response.headers.items()}
        status = response.status if hasattr(response, "status") else response.code
    charset = re.search(r"charset=([\w-]+)", headers.get("content-type", ""))
    try:
        text = body.decode(charset.group(1) if charset else "utf-8", errors="replace")
    except LookupError:
        text = body.decode("utf-8", errors="replace")
    return Page(url=url, status=status, headers=headers, text=text)


def look(url: str, mirror: MirrorMap, budget: int = MAX_REQUESTS) -> tuple[Page, int]:
    """The page at `url`, redirects on the same site followed; the requests left."""
    for _ in range(budget):
        page = fetch(url, mirror)
        budget -= 1
        location = page.headers.get("location")
        if page.status in (301, 302, 303, 307, 308) and location:
            target = urljoin(url, location)
            if not same_site(target, url) or urlsplit(target).scheme not in ("http", "https"):
                raise ProbeError(f"{url} redirects off the site, to {target}")
            url = target
            continue
        return page, budget
    raise ProbeError(f"{url}: too many redirects")


def signs(page: Page) -> dict[str, list[str]]:
    """Per CMS, the signs of it the page shows."""
    sel = Selector(text=page.text or "<html/>")
    generator = " ".join(sel.css('meta[name="generator" i]::attr(content)').getall())
    links = " ".join([*sel.css("link::attr(rel)").getall(), page.headers.get("link", "")])
    where = {"generator": generator, "links": links, "body": page.text}
    found = {}
    for cms, checks in SIGNS.items():
        seen = [what for what, place, pattern in checks if pattern.search(where[place])]
        if seen:
            found[cms] = [f"{what} {generator.strip()!r}" if place == "generator" else what
                          for what, place, pattern in checks if what in seen]
    return found


def page_language(page: Page) -> str | None:
    sel = Selector(text=page.text or "<html/>")
    code = language_code(sel.xpath("/html/@lang").get()
                         or sel.css('meta[http-equiv="content-language" i]::attr(content)').get())
    return code if code in LANGUAGES else None


def clock(origin: str, language: str | None) -> str | None:
    host = urlsplit(origin).hostname or ""
    for tld, zone in CLOCKS.items():
        if host.endswith(tld):
            return zone
    return LANGUAGE_CLOCKS.get(language or "")


def news_listing(page: Page, cms: str | None) -> str | None:
    """The news listing a reader opens first: the page itself when it is one, else the first link
    on the page, in the menus first, whose text or path says news (a category listing on
    WordPress)."""
    path = urlsplit(page.url).path
    if NEWS_WORDS.search(path) and (cms != "wordpress" or "/category/" in path):
        return page.url
    sel = Selector(text=page.text or "<html/>")
    candidates = []
    for a in sel.css("nav a, .menu a, #menu a, ul a, a"):
        href = a.attrib.get("href", "").strip()
        text = " ".join(a.css("::text").getall())
        url = urljoin(page.url, href) if href else ""
        if (not url or not same_site(url, page.url) or urlsplit(url).scheme not in ("http", "https")
                or NOT_LISTINGS.search(url.split("#")[0])):
            continue
        if NEWS_WORDS.search(text) or NEWS_WORDS.search(urlsplit(url).path):
            candidates.append(url.split("#")[0])
    if cms == "wordpress":
        candidates.sort(key=lambda u: "/category/" not in u)  # stable: menu order kept otherwise
    return candidates[0] if candidates else None


def recognise(url: str, mirror: str | MirrorMap | None = None) -> Finding:
    """Look at the site at `url`: what it runs and what its entry would say."""
    mirror = mirror if isinstance(mirror, MirrorMap) else (MirrorMap.load(mirror) if mirror else MirrorMap())
    if urlsplit(url).scheme not in ("http", "https"):
        raise ProbeError(f"{url}: not an http(s) URL")
    page, budget = look(url, mirror)
    parts = urlsplit(page.url)
    origin = f"{parts.scheme}://{parts.netloc}"
    found = signs(page)
    if not found and budget and parts.path not in ("", "/"):  # a bare listing page: the home page too
        home, budget = look(origin + "/", mirror, budget)
        found = signs(home)
    cms = max(found, key=lambda c: (len(found[c]), -list(SIGNS).index(c))) if found else None
    sel = Selector(text=page.text or "<html/>")
    title = sel.css('meta[property="og:site_name"]::attr(content)').get() or sel.css("title::text").get()
    language = page_language(page)
    return Finding(url=url, origin=origin, cms=cms, how=found.get(cms, []), language=language,
                   timezone=clock(origin, language), news=news_listing(page, cms),
                   title=(title or "").strip() or None)
