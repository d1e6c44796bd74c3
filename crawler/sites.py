"""The site list: every site the crawler knows, as values read from TOML files.

`sites.toml` beside the project holds the five hand-written sites (each naming its spider) and
the provinces that run a common CMS (each naming its CMS, whose adapter crawls it). Operators
add their own entries with `--sites-file FILE`. An entry is checked when it is read: a missing
or unknown value is an error that names the file, the entry and the key, before any request.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.urls import same_site

BUILTIN = Path(__file__).resolve().parent.parent / "sites.toml"
LANGUAGES = ("fa", "vi", "kk", "ru")
#: language tags pages print for these languages besides their ISO 639-1 codes
LANGUAGE_ALIASES = {"kz": "kk", "kaz": "kk", "rus": "ru", "vie": "vi", "per": "fa", "fas": "fa"}
CMSS = ("wordpress", "joomla", "nukeviet")
SITE_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
REQUIRED = ("name", "origin", "language", "timezone")
KNOWN_KEYS = frozenset((*REQUIRED, "cms", "news", "spider"))


def language_code(tag: str | None) -> str | None:
    """The language a page's tag names (`kk-KZ`, `ru_RU`, `KZ` → kk, ru, kk): its primary subtag,
    lower case, the usual aliases mapped; None for an empty tag."""
    code = (tag or "").strip().lower().replace("_", "-").split("-")[0]
    return LANGUAGE_ALIASES.get(code, code) or None


class SiteListError(Exception):
    """A site list that cannot be used: the message names the file, the entry and the key."""


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    origin: str  # scheme://host[:port], no path
    language: str
    timezone: str
    cms: str | None = None  # wordpress, joomla, nukeviet; None: recognised before the crawl
    news: str | None = None  # the news listing a reader opens first
    spider: str | None = None  # a hand-written spider's module (the five original sites)
    source: str = ""  # the file the entry came from, for messages
    recognised: str | None = None  # how the CMS was recognised, for an entry that names none

    @property
    def host(self) -> str:
        return urlsplit(self.origin).hostname or ""

    def hosts(self) -> frozenset[str]:
        """The site's own host names: the origin's, with and without `www.` (a site that moved
        to www. is still the same site)."""
        bare = self.host.removeprefix("www.")
        return frozenset((bare, f"www.{bare}"))


def _origin(value: str) -> str | None:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def parse_entry(site_id: str, table: object, source: str, spiders: Iterable[str] | None = None) -> Site:
    """One entry of a site list, checked; `spiders` are the hand-written spiders' names (None:
    not checked)."""
    where = f"{source}: [{site_id}]"

    def wrong(key: str, why: str) -> SiteListError:
        return SiteListError(f"{where}: {key}: {why}")

    if not SITE_ID.match(site_id):
        raise SiteListError(f"{where}: the site id must be lower-case letters, digits and _ "
                            "(at most 40, a letter first)")
    if not isinstance(table, dict):
        raise SiteListError(f"{where}: an entry is a table of keys (name, origin, language, …)")
    for key in table:
        if key not in KNOWN_KEYS:
            raise wrong(key, f"unknown key (known: {', '.join(sorted(KNOWN_KEYS))})")
    for key in REQUIRED:
        if key not in table:
            raise wrong(key, "missing")
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            raise wrong(key, "wants a non-empty string")
    origin = _origin(table["origin"])
    if origin is None:
        raise wrong("origin", f"not an http(s) origin: {table['origin']!r}")
    if table["language"] not in LANGUAGES:
        raise wrong("language", f"unknown language {table['language']!r} (known: {', '.join(LANGUAGES)})")
    try:
        ZoneInfo(table["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise wrong("timezone", f"unknown time zone {table['timezone']!r} (an IANA name such as Asia/Almaty)") from None
    cms, spider = table.get("cms"), table.get("spider")
    if cms is not None and spider is not None:
        raise wrong("cms", "give cms or spider, not both")
    if cms is not None and cms not in CMSS:
        raise wrong("cms", f"unknown CMS {cms!r} (known: {', '.join(CMSS)})")
    if spider is not None and spiders is not None and spider not in set(spiders):
        raise wrong("spider", f"no spider named {spider!r}")
    news = table.get("news")
    if news is not None:
        if urlsplit(news).scheme not in ("http", "https") or not same_site(news, origin):
            raise wrong("news", f"not a page of {origin}: {news!r}")
    return Site(id=site_id, name=table["name"].strip(), origin=origin, language=table["language"],
                timezone=table["timezone"], cms=cms, news=news, spider=spider, source=source)


def read_site_list(path: Path | str, spiders: Iterable[str] | None = None) -> list[Site]:
    """The entries of one TOML file, checked."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SiteListError(f"{path}: cannot read the site list: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SiteListError(f"{path}: not a TOML file: {exc}") from exc
    names = None if spiders is None else list(spiders)
    return [parse_entry(site_id, table, str(path), names) for site_id, table in data.items()]


def load_sites(extra: Iterable[Path | str] = (), spiders: Iterable[str] | None = None,
               builtin: Path | None = BUILTIN) -> dict[str, Site]:
    """The built-in list and the operator's files, in that order; an id given twice is an error."""
    names = None if spiders is None else list(spiders)
    sites: dict[str, Site] = {}
    for path in [*([builtin] if builtin else []), *extra]:
        for site in read_site_list(path, names):
            if site.id in sites:
                raise SiteListError(f"{site.source}: [{site.id}]: the id is taken (by the entry in "
                                    f"{sites[site.id].source})")
            sites[site.id] = site
    return sites
