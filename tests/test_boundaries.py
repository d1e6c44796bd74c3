"""Every window and threshold at its edge: the plausible-date window, the revisit window, the
broken-layout alarm (--missing-max), and the listing walk's stop rules and failure path."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy import Request
from twisted.python.failure import Failure

from crawler.dates import DateError, parse_date
from crawler.replay import ReplayServer, SiteCopy
from crawler.report import site_report
from crawler.state import State, record_of
from tests.support import SITES, TEST_NOW, OfflineRun, crawl, expected_items, saved_response, site_spider

NOW = datetime(2026, 11, 23, 6, 30, tzinfo=timezone.utc)  # 13:30 in Vietnam, 10:00 in Tehran


# -- the plausible-date window: 1990-01-01 .. now + 1 day ----------------------------------------

@pytest.mark.parametrize("text, language, tz", [
    ("24/11/2026 13:30", "vi", "Asia/Ho_Chi_Minh"),       # exactly now + 1 day, on the site's clock
    ("24 қараша 2026 ж. 11:30", "kk", "Asia/Qyzylorda"),
    ("۱۴۰۵/۰۹/۰۳ - ۱۰:۰۰", "fa", "Asia/Tehran"),
    ("01/01/1990 07:00", "vi", "Asia/Ho_Chi_Minh"),       # exactly 1990-01-01 00:00 UTC
])
def test_dates_on_the_edges_of_the_window_are_accepted(text, language, tz):
    moment = parse_date(text, language, tz, now=NOW)
    assert moment.astimezone(timezone.utc) in (NOW + timedelta(days=1), datetime(1990, 1, 1, tzinfo=timezone.utc))


@pytest.mark.parametrize("text, language, tz", [
    ("24/11/2026 13:31", "vi", "Asia/Ho_Chi_Minh"),       # a minute after now + 1 day
    ("24 қараша 2026 ж. 11:31", "kk", "Asia/Qyzylorda"),
    ("۱۴۰۵/۰۹/۰۳ - ۱۰:۰۱", "fa", "Asia/Tehran"),
    ("25/11/2026", "vi", "Asia/Ho_Chi_Minh"),             # the day after tomorrow
    ("01/01/1990 06:59", "vi", "Asia/Ho_Chi_Minh"),       # a minute before 1990 in UTC
    ("31/12/1989", "vi", "Asia/Ho_Chi_Minh"),
])
def test_dates_just_outside_the_window_are_implausible(text, language, tz):
    with pytest.raises(DateError) as err:
        parse_date(text, language, tz, now=NOW)
    assert err.value.reason == "implausible date"


def test_the_window_moves_with_the_crawl_time():
    assert parse_date("25/11/2026", "vi", "Asia/Ho_Chi_Minh", now=NOW + timedelta(days=1)).day == 25


# -- the revisit window (--revisit-days) ---------------------------------------------------------

@pytest.mark.parametrize("age, settled", [
    (timedelta(days=7), False),                       # exactly revisit_days old: fetched again
    (timedelta(days=7, seconds=1), True),             # a second older: settled, not fetched
    (timedelta(days=6, hours=23), False),
])
def test_revisit_window_edge(tmp_path, age, settled):
    state = State(tmp_path / "s.sqlite", revisit_days=7, now=NOW)
    published = (NOW - age).astimezone(timezone(timedelta(hours=7))).isoformat()
    item = {"id": "0" * 20, "site": "hanam", "url": "http://h/a", "title": "T", "body": "B",
            "published_at": published, "aliases": []}
    state.record("hanam", [record_of(item)])
    assert state.is_settled("hanam", "http://h/a") is settled


def test_revisit_days_is_a_whole_window_not_a_default(tmp_path):
    state = State(tmp_path / "s.sqlite", revisit_days=2.5, now=NOW)
    for n, hours in enumerate((59, 61)):
        state.record("hanam", [record_of({"id": "0" * 20, "site": "hanam", "url": f"http://h/{n}", "title": "T",
                                          "body": str(n), "published_at": (NOW - timedelta(hours=hours)).isoformat()})])
    assert not state.is_settled("hanam", "http://h/0") and state.is_settled("hanam", "http://h/1")


# -- the broken-layout alarm (--missing-max) -----------------------------------------------------

def stats(items: int, titles: int) -> dict:
    """Scrapy stats of a site whose listings and pages answered, `titles` of `items` with a title."""
    return {"downloader/response_status_count/200": items + 1, "listing/article_links": items,
            "article/responses": items, "coverage/items": items, "coverage/title": titles,
            "coverage/body": items, "coverage/published_at": items}


@pytest.mark.parametrize("items, titles, missing_max, ok", [
    (10, 7, 0.3, True),     # 30% missing, threshold 30%: not more than it
    (10, 7, 0.29, False),   # just above the threshold
    (10, 8, 0.2, True),     # the default, exactly
    (10, 7, 0.2, False),
    (32, 28, 0.125, True),  # 4 of 32
    (32, 27, 0.125, False),
    (5, 5, 0.0, True),      # nothing may be missing, nothing is
    (5, 3, 0.0, False),
    (5, 4, 0.0, True),      # one bad page is not a template change, whatever the share...
    (3, 2, 0.2, True),      # ...also among the three items of an incremental night
    (3, 1, 0.2, False),     # two of three are
    (2, 0, 0.2, False),     # a redesign on a night of two items
])
def test_missing_max_edge(items, titles, missing_max, ok):
    report = site_report("hanam", stats(items, titles), missing_max)
    assert report.ok is ok, report.problems
    if not ok:
        assert report.problems == [f"layout: title missing in {1 - titles / items:.0%} of {items} items"]


# -- the listing walk: one page at a time, stopping where it should --------------------------------

GILAN_LISTING = "https://gilan.iranpl.ir/fa/news"
PAGES = [GILAN_LISTING] + [f"{GILAN_LISTING}?page={n}" for n in (2, 3, 4)]


def next_listing(requests) -> list[Request]:
    return [r for r in requests if r.callback is not None and r.callback.__name__ == "parse_listing"]


def failed(request: Request) -> Failure:
    failure = Failure(ConnectionRefusedError("listing down"))
    failure.request = request
    return failure


def test_a_failing_listing_page_skips_exactly_itself_and_the_walk_goes_on_in_order():
    spider = site_spider("gilan")
    (page2,) = next_listing(spider.parse_listing(saved_response("gilan", PAGES[0])))
    assert page2.url == PAGES[1] and page2.meta["then"] == PAGES[2:] and page2.meta["after"] == PAGES[0]
    (page3,) = spider.listing_failed(failed(page2))  # page 2 never answers: page 3 is next
    assert page3.url == PAGES[2] and page3.meta["then"] == PAGES[3:]
    assert page3.meta["after"] == PAGES[0]  # the page before it that answered (for --since)
    (page4,) = spider.listing_failed(failed(page3))  # page 3 neither: page 4, then nothing
    assert page4.url == PAGES[3] and page4.meta["then"] == []
    assert list(spider.listing_failed(failed(page4))) == []
    assert spider.crawler.stats.get_value("skipped/listing_failed") == 3


def test_a_failed_page_is_not_asked_again_when_a_later_page_links_it():
    spider = site_spider("gilan")
    (page2,) = next_listing(spider.parse_listing(saved_response("gilan", PAGES[0])))
    (page3,) = spider.listing_failed(failed(page2))
    after3 = next_listing(spider.parse_listing(saved_response("gilan", PAGES[2]).replace(request=page3)))
    assert [r.url for r in after3] == [PAGES[3]]  # page 3's pager links 2 and 4: only 4 is new


def known(state: State, site: str, urls: list[str], published: str = "2019-01-01T00:00:00+03:30") -> None:
    for n, url in enumerate(urls):
        state.record(site, [record_of({"id": "0" * 20, "site": site, "url": url, "title": "T", "body": str(n),
                                       "published_at": published})])


def test_incremental_walk_stops_after_a_page_with_nothing_new(tmp_path):
    state = State(tmp_path / "s.sqlite", now=NOW)
    articles, _ = listing_requests_of("gilan", PAGES[0])
    known(state, "gilan", articles)
    run = OfflineRun("gilan", NOW, state=state)
    requests = list(run.spider.parse_listing(saved_response("gilan", PAGES[0])))
    assert requests == []  # nothing new on page 1: no article, no page 2
    assert run.stats["incremental/listings_stopped"] == 1
    assert run.stats["incremental/known_links"] == len(articles)


def test_one_new_article_on_a_page_is_enough_to_walk_on(tmp_path):
    state = State(tmp_path / "s.sqlite", now=NOW)
    articles, _ = listing_requests_of("gilan", PAGES[0])
    known(state, "gilan", articles[1:])
    run = OfflineRun("gilan", NOW, state=state)
    requests = list(run.spider.parse_listing(saved_response("gilan", PAGES[0])))
    assert [r.url for r in requests] == [articles[0], PAGES[1]]
    assert "incremental/listings_stopped" not in run.stats


def test_known_articles_inside_the_revisit_window_count_as_new(tmp_path):
    state = State(tmp_path / "s.sqlite", revisit_days=7, now=NOW)
    articles, _ = listing_requests_of("gilan", PAGES[0])
    known(state, "gilan", articles, published=(NOW - timedelta(days=6)).isoformat())
    run = OfflineRun("gilan", NOW, state=state)
    requests = list(run.spider.parse_listing(saved_response("gilan", PAGES[0])))
    assert [r.url for r in requests] == [*articles, PAGES[1]]


def listing_requests_of(site: str, url: str) -> tuple[list[str], list[str]]:
    spider = site_spider(site)
    requests = list(spider.parse_listing(saved_response(site, url)))
    return ([r.url for r in requests if r.callback == spider.parse_article],
            [r.url for r in requests if r.callback == spider.parse_listing])


@pytest.mark.parametrize("offset, walks_on", [(timedelta(0), True), (timedelta(minutes=1), False)])
def test_since_stops_the_walk_after_the_page_that_reached_an_older_article(offset, walks_on):
    """--since at exactly an article's date keeps walking; a minute later the page stops the walk."""
    articles, _ = listing_requests_of("gilan", PAGES[0])
    listed = next(e for e in expected_items("gilan") if e["url"] == articles[-1])
    run = OfflineRun("gilan", NOW, since=datetime.fromisoformat(listed["published_at"]) + offset)
    (page2,) = next_listing(run.spider.parse_listing(saved_response("gilan", PAGES[0])))
    article = saved_response("gilan", listed["url"]).replace(request=Request(listed["url"], meta={"listing": PAGES[0]}))
    list(run.spider.parse_article(article))
    walked = list(run.spider.parse_listing(saved_response("gilan", PAGES[1]).replace(request=page2)))
    assert bool(next_listing(walked)) is walks_on
    assert run.stats.get("since/listings_not_walked", 0) == (0 if walks_on else 1)


# -- the same thresholds through the command line, on real crawls ------------------------------

HANAM = expected_items("hanam")


def hanam_crawl(work: Path, *options: str, faults: dict | None = None, state: bool = False):
    """A crawl of the saved hanam site; (result, site report, article paths requested)."""
    out = ["--output-dir", str(work / "out"), "--state", str(work / "state.sqlite")] if state else \
        ["--output", str(work / "out.jsonl")]
    with ReplayServer([SiteCopy.load(SITES / "hanam", faults)]) as server:
        result = crawl(["crawl", "hanam", "--mirror", str(server.write_map(work / "m.json")), *out, *options],
                       cwd=work)
        asked = {k for k in server.sites[0].requests if k.endswith(".html") and "trang-" not in k}
    reports = sorted(work.glob("**/_runs/*.json"))
    return result, json.loads(reports[-1].read_text(encoding="utf-8"))["sites"][0], asked


def undated(count: int) -> dict:
    """The first `count` hanam articles served with their printed date taken out."""
    faults = {}
    for item in HANAM[:count]:
        path = urlsplit(item["url"]).path
        body = saved_response("hanam", item["url"]).body.replace(item["date_raw"].encode(), b"")
        faults[path] = {"body": body, "content_type": "text/html; charset=utf-8"}
    return faults


@pytest.mark.crawl
@pytest.mark.parametrize("missing_max, code", [("0.25", 0), ("0.24", 1)])
def test_missing_max_on_the_command_line(tmp_path, missing_max, code):
    """8 of 32 articles without a date is 25% missing: above the default 20%, at 0.25 no alarm."""
    result, report, _ = hanam_crawl(tmp_path, "--missing-max", missing_max, faults=undated(8))
    assert result.returncode == code, result.stderr[-2000:]
    assert report["dropped"] == {"missing_published_at": 8} and report["new_items"] == len(HANAM) - 8
    assert report["fill_rates"]["published_at"] == 0.75
    assert ("published_at missing in 25% of 32 items" in result.stderr) is (code == 1)


@pytest.mark.crawl
def test_revisit_days_on_the_command_line_refetches_exactly_the_younger_articles(tmp_path):
    """A second scheduled run asks again for the articles younger than --revisit-days (published in
    or after 2020 here) and for no other, and writes none of them again: none changed."""
    first, _, asked_first = hanam_crawl(tmp_path, state=True)
    assert first.returncode == 0, first.stderr[-2000:]
    cutoff = datetime(2020, 1, 1, tzinfo=timezone.utc)
    days = (TEST_NOW - cutoff) / timedelta(days=1)  # the crawl's clock (tests.support.crawl)
    young = {urlsplit(i["url"]).path for i in HANAM if datetime.fromisoformat(i["published_at"]) >= cutoff}
    assert 0 < len(young) < len(HANAM)
    second, report, asked = hanam_crawl(tmp_path, "--revisit-days", f"{days:.4f}", state=True)
    assert second.returncode == 0, second.stderr[-2000:]
    assert asked & {urlsplit(i["url"]).path for i in HANAM} == young
    assert report["dropped"] == {"unchanged": len(young)} and report["new_items"] == 0
    assert len(asked_first) > len(asked)


def test_where_a_walk_stops_is_logged(tmp_path, caplog):
    state = State(tmp_path / "s.sqlite", now=NOW)
    articles, _ = listing_requests_of("gilan", PAGES[0])
    known(state, "gilan", articles)
    run = OfflineRun("gilan", NOW, state=state)
    with caplog.at_level("INFO", logger="crawler.spider"):
        list(run.spider.parse_listing(saved_response("gilan", PAGES[0])))
        run.spider.links.older_than_since.add(PAGES[0])
        page2 = saved_response("gilan", PAGES[1]).replace(request=Request(PAGES[1], meta={"after": PAGES[0]}))
        assert list(run.spider.parse_listing(page2)) == []
    assert [r.getMessage() for r in caplog.records if " skipped " not in r.getMessage()] == [
        f"nothing new on {PAGES[0]}: not walking further",
        f"the page before {PAGES[1]} reached articles older than --since: stopping"]
