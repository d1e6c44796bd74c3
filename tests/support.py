"""Test helpers: saved site copies, offline extraction through the same steps as a crawl."""
from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler

from scrapy.pipelines import ItemPipelineManager

from crawler.cli import spider_classes
from crawler.clock import pause
from crawler.replay import SiteCopy
from tests import children

FIXTURES = Path(__file__).parent / "fixtures"
SITES = FIXTURES / "sites"
EXPECTED = FIXTURES / "expected"
SITES_V2 = FIXTURES / "sites_v2"  # the same sites days later: new articles, changed counts
EXPECTED_V2 = FIXTURES / "expected_v2"
#: the five hand-written sites (world v1/v2 and the other tool's archive hold these)
ORIGINAL_SITES = ("chaharmahal", "gilan", "hanam", "kyzylorda", "travinh")
#: every site with a saved copy (the CMS provinces too, as their copies are saved)
ALL_SITES = tuple(sorted(d.name for d in SITES.iterdir() if any(d.glob("*.warc.gz")))) if SITES.is_dir() else ()
#: the saved sites' capture time (every page of tests/fixtures/sites and sites_v2: WARC-Date)
CAPTURED = datetime(2026, 12, 3, 20, 24, 7, tzinfo=timezone.utc)
#: the tests' "now": a few hours after the capture, so the articles the saved pages date "today"
#: and "yesterday" (kyzylorda) are inside the revisit window; every test crawl runs on this clock
#: (the CRAWL_NOW setting, crawler.clock) unless it sets its own, never on the day the suite runs
TEST_NOW = datetime.fromisoformat(children.TEST_CLOCK)


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


def project_settings_dict() -> dict[str, Any]:
    """The project's own settings (settings.py), as a crawl gets them, for a test crawler."""
    import settings

    return {name: value for name, value in vars(settings).items() if name.isupper()}


class OfflineRun:
    """One site's crawl without the network: its real spider on a real test crawler
    (scrapy.utils.test.get_crawler with the project's settings) and the real item pipelines of
    ITEM_PIPELINES in their order, fed saved pages. One code path for tests and crawls: what an
    article test sees is what a crawl would write, drops included (DropItem, counted in `stats`).
    A run keeps its pipelines' memory (dedup) across `item()` calls, like one crawl does."""

    def __init__(self, site: str, crawled_at: datetime | None = None, root: Path = SITES, **spider_args: Any):
        cls = spider_classes()[site]
        self.site, self.root = site, root
        # the spider's clock (crawler.clock) reads the test's crawl time, never the day of the run
        self.crawler = get_crawler(cls, {**project_settings_dict(), "CRAWL_NOW": (crawled_at or TEST_NOW).isoformat()})
        self.spider = cls.from_crawler(self.crawler, **spider_args)
        self.crawler.spider = self.spider
        self.pipelines = ItemPipelineManager.from_crawler(self.crawler)
        self.crawled_at = crawled_at
        asyncio.run(self.pipelines.open_spider_async())

    @property
    def stats(self) -> dict[str, Any]:
        return self.crawler.stats.get_stats()

    def items(self, url: str) -> list[dict[str, Any]]:
        """What the spider's article callback and then the pipelines make of a saved page:
        [] when the callback gives no item; raises DropItem when a pipeline drops it."""
        return self.items_of(saved_response(self.site, url, self.root))

    def items_of(self, response: Response) -> list[dict[str, Any]]:
        """The same for any response (a saved page served at another URL, an edited page)."""
        out = []
        for item in self.spider.parse_article(response):
            if self.crawled_at is not None:
                item["crawled_at"] = self.crawled_at.isoformat(timespec="seconds").replace("+00:00", "Z")
            out.append(dict(asyncio.run(self.pipelines.process_item_async(item))))
        return out

    def item(self, url: str) -> dict[str, Any]:
        (item,) = self.items(url)
        return item


def extract(site: str, url: str, crawled_at: datetime | None = None, root: Path = SITES) -> dict[str, Any]:
    """The item a crawl would write for a saved page, through the real callback and pipelines
    (a fresh run: nothing seen before)."""
    return OfflineRun(site, crawled_at or TEST_NOW, root).item(url)


def site_spider(site: str, now: datetime = TEST_NOW):
    """A site's spider bound to a test crawler (stats counted), for running its callbacks offline;
    its clock starts at `now`."""
    cls = spider_classes()[site]
    return cls.from_crawler(get_crawler(cls, {"CRAWL_NOW": now.isoformat()}))


def listing_requests(spider, url: str) -> tuple[list[str], list[str]]:
    """What the spider asks for from a saved listing page: (article URLs, listing URLs)."""
    requests = list(spider.parse_listing(saved_response(spider.name, url)))
    return ([r.url for r in requests if r.callback == spider.parse_article],
            [r.url for r in requests if r.callback == spider.parse_listing])


def expected_items(site: str, folder: Path = EXPECTED) -> list[dict[str, Any]]:
    """Expected items of a site's saved article pages (tests/fixtures/expected/<site>.jsonl)."""
    path = folder / f"{site}.jsonl"
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
        if name in ("id", "crawled_at", "run"):
            continue
        if name == "published_at":
            want = resolve_expected_date(want, item["crawled_at"], tz)
        if item.get(name) != want:
            out[name] = (item.get(name), want)
    return out


def clock_args(now: datetime) -> list[str]:
    """The command-line arguments that start a crawl's clock at `now`."""
    return ["-s", f"CRAWL_NOW={now.isoformat()}"]


# Loopback answers in a millisecond: the tests keep AutoThrottle on but let it start without the
# quarter-second pause a real site gets, so a crawl of a saved site takes seconds, not tens of them.
# Retries back off from 10 ms instead of a quarter second (the backoff itself: tests/test_retry.py).
QUICK = ["-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_BACKOFF_BASE=0.01"]


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> bool:
    """Wait for a condition another thread or process brings about (a request served, a lock
    taken); True when it came, False after `timeout`. Checks every 10 ms: no fixed sleeps."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        pause(0.01)
    return True


def crawl(args: list[str], cwd: Path, timeout: float = 240, cold: bool = False) -> subprocess.CompletedProcess[str]:
    """`python -m crawler ARGS` in a process of its own (a Scrapy reactor runs once per process),
    with the quick settings when it crawls; forked from the tests' warm start unless `cold`
    (`tests/children.py`)."""
    if args and args[0] in ("crawl", "demo", "snapshot"):
        args = [*args, *QUICK]
    return children.run(args, cwd=cwd, timeout=timeout, cold=cold)


def outputs(out: Path) -> list[Path]:
    """The JSON Lines files of scheduled runs in an output folder (not the run reports)."""
    return sorted(p for p in out.glob("*/*.jsonl") if p.parent.name != "_runs")


def assert_every_article_once(out: Path, sites: list[str] | tuple[str, ...]) -> None:
    """The union of the runs' outputs: every line parses (no half line), no article twice, every
    expected article of each site, and no unfinished file left."""
    counts = Counter((i["site"], i["url"]) for i in read_lines(*outputs(out)))
    assert [k for k, n in counts.items() if n > 1] == []
    for site in sites:
        assert {u for s, u in counts if s == site} == {e["url"] for e in expected_items(site)}, site
    assert not list(out.rglob(".*.part"))


def read_lines(*paths: Path) -> list[dict[str, Any]]:
    items = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            items.extend(json.loads(line) for line in f)
    return items


def chrome_in_items(site: str, leaks: tuple[str, ...], fields: tuple[str, ...], crawled_at: datetime) -> dict[str, list[str]]:
    """Per saved article of a site, the page chrome (menu, sidebar, form, tool texts) that reached
    one of `fields` of its item; empty when none did."""
    run = OfflineRun(site, crawled_at)
    found = {}
    for expected in expected_items(site):
        item = run.item(expected["url"])
        text = " ".join(str(item[f]) for f in fields)
        if hits := [leak for leak in leaks if leak in text]:
            found[expected["url"]] = hits
    return found
