"""Test helpers: saved site copies, offline extraction through the same steps as a crawl."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler

from crawler.cli import spider_classes
from crawler.dates import parse_date
from crawler.items import TEXT_FIELDS
from crawler.replay import SiteCopy
from crawler.text import clean_text
from crawler.urls import article_id, canonical_url

FIXTURES = Path(__file__).parent / "fixtures"
SITES = FIXTURES / "sites"
EXPECTED = FIXTURES / "expected"


@lru_cache(maxsize=None)
def saved_copy(folder: Path) -> SiteCopy:
    """A saved site copy (its WARC files indexed once per test process)."""
    return SiteCopy.load(folder)


def saved_pages(site: str, root: Path = SITES) -> dict[str, dict[str, Any]]:
    """Every saved page of a site by path (page_key spelling): status, content type, headers, body."""
    copy = saved_copy(root / site)
    pages = {}
    for key in copy.pages:
        answer = copy.answer(key)
        pages[key] = {"status": answer.status, "content_type": answer.header("Content-Type"),
                      "headers": dict(answer.headers), "body": answer.body}  # headers: latin-1 text of the bytes
    return pages


def saved_response(site: str, url: str, root: Path = SITES) -> Response:
    """A saved page as Scrapy would have received it: its status, and the response class and
    charset detection a crawl would use for its content type."""
    parts = urlsplit(url)
    answer = saved_copy(root / site).answer(parts.path + (f"?{parts.query}" if parts.query else ""))
    if answer is None:
        raise KeyError(url)
    headers = {"Content-Type": answer.header("Content-Type")} if answer.header("Content-Type") else {}
    cls = responsetypes.from_args(headers=headers, url=url, body=answer.body)
    return cls(url=url, status=answer.status, body=answer.body, headers=headers)


def extract(site: str, url: str, crawled_at: datetime | None = None, root: Path = SITES) -> dict[str, Any]:
    """The item a crawl would write for a saved page (text cleaned, date parsed, URL canonical)."""
    spider = spider_classes()[site]
    response = saved_response(site, url, root)
    item = spider.article_page(response.url, response.selector).fields()
    item.update(site=site, language=spider.language)
    for name in TEXT_FIELDS:
        item[name] = clean_text(item.get(name), spider.language)
    for image in item["images"]:
        image["caption"] = clean_text(image.get("caption"), spider.language)
    now = crawled_at or datetime.now(timezone.utc)
    item["published_at"] = parse_date(item["date_raw"], spider.language, spider.timezone, now).isoformat()
    item["url"] = canonical_url(item["url"], spider.url_aliases)
    item["id"] = article_id(site, item["url"])
    return item


def site_spider(site: str):
    """A site's spider bound to a test crawler (stats counted), for running its callbacks offline."""
    cls = spider_classes()[site]
    return cls.from_crawler(get_crawler(cls))


def listing_requests(spider, url: str) -> tuple[list[str], list[str]]:
    """What the spider asks for from a saved listing page: (article URLs, listing URLs)."""
    requests = list(spider.parse_listing(saved_response(spider.name, url)))
    return ([r.url for r in requests if r.callback == spider.parse_article],
            [r.url for r in requests if r.callback == spider.parse_listing])


def expected_items(site: str) -> list[dict[str, Any]]:
    """Expected items of a site's saved article pages (tests/fixtures/expected/<site>.jsonl)."""
    path = EXPECTED / f"{site}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def resolve_expected_date(value: Any, crawled_at: str, tz: str) -> str:
    """An expected published_at; {"relative_days": -1, "time": "18:40"} resolved like the page would be."""
    if not isinstance(value, dict):
        return value
    crawled = datetime.fromisoformat(crawled_at.replace("Z", "+00:00")).astimezone(ZoneInfo(tz))
    day = crawled.date() + timedelta(days=value["relative_days"])
    hour, minute = map(int, value["time"].split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz)).isoformat()


def differences(item: dict[str, Any], expected: dict[str, Any], tz: str) -> dict[str, tuple[Any, Any]]:
    """Fields where an output item differs from its expected item (id and crawled_at aside)."""
    out = {}
    for name, want in expected.items():
        if name in ("id", "crawled_at"):
            continue
        if name == "published_at":
            want = resolve_expected_date(want, item["crawled_at"], tz)
        if item.get(name) != want:
            out[name] = (item.get(name), want)
    return out


# Loopback answers in a millisecond: the tests keep AutoThrottle on but let it start without the
# quarter-second pause a real site gets, so a crawl of a saved site takes seconds, not tens of them.
QUICK = ["-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "DOWNLOAD_DELAY=0"]


def crawler_env() -> dict[str, str]:
    """The environment of a `python -m crawler` child process: this checkout importable."""
    return {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}


def crawl(args: list[str], cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """`python -m crawler ARGS` in a fresh process (a Scrapy reactor runs once per process)."""
    if "crawl" in args:
        args = [*args, *QUICK]
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=cwd, env=crawler_env(),
                          capture_output=True, text=True, timeout=timeout)


def read_lines(*paths: Path) -> list[dict[str, Any]]:
    items = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            items.extend(json.loads(line) for line in f)
    return items
