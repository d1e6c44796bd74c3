"""The crawl's clock (CRAWL_NOW) and the time a page speaks for (Memento-Datetime): a replayed
crawl gives the same items on any day, and a live page is read against the crawl's clock."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from scrapy.http import Headers
from scrapy.settings import Settings

from crawler.clock import (MEMENTO_DATETIME, crawl_clock, fixed_clock, memento_datetime, page_time,
                           parse_moment, system_clock)
from crawler.replay import ReplayServer, SiteCopy
from tests.support import (CAPTURED, SITES, TEST_NOW, OfflineRun, clock_args, crawl, expected_items, read_lines,
                           saved_response)

KZ = {e["url"]: e for e in expected_items("kyzylorda")}
TODAY_URL = next(u for u, e in KZ.items() if e["date_raw"] == "Бүгін, 10:15")
YESTERDAY_URL = next(u for u, e in KZ.items() if e["date_raw"] == "Кеше, 18:40")
# the far side of several edges: another day, month and year in Kyzylorda, and years ahead
CLOCKS = [CAPTURED + timedelta(days=1), CAPTURED + timedelta(days=8), CAPTURED + timedelta(days=400),
          CAPTURED + timedelta(days=3 * 365 + 1)]


def test_a_fixed_clock_starts_at_its_moment_and_runs_on():
    ticks = iter([100.0, 100.0, 101.5])
    clock = fixed_clock(TEST_NOW, monotonic=lambda: next(ticks))
    assert clock() == TEST_NOW
    assert clock() == TEST_NOW + timedelta(seconds=1.5)


def test_the_crawl_clock_comes_from_the_setting_else_the_system():
    assert crawl_clock(Settings({"CRAWL_NOW": "2031-01-02T03:04:05Z"}))().replace(microsecond=0) \
        in {datetime(2031, 1, 2, 3, 4, s, tzinfo=timezone.utc) for s in (5, 6)}
    assert parse_moment("2031-01-02") == datetime(2031, 1, 2, tzinfo=timezone.utc)
    assert parse_moment("2031-01-02T08:04:05+05:00") == datetime(2031, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert crawl_clock(Settings({"CRAWL_NOW": ""})) is system_clock
    with pytest.raises(ValueError):
        crawl_clock(Settings({"CRAWL_NOW": "tomorrow"}))


def test_a_page_speaks_for_its_memento_time_else_its_fetch_time_else_now():
    fetched, now = TEST_NOW + timedelta(hours=1), TEST_NOW + timedelta(hours=2)
    memento = Headers({MEMENTO_DATETIME: memento_datetime(CAPTURED)})
    assert memento[MEMENTO_DATETIME] == b"Thu, 03 Dec 2026 20:24:07 GMT"
    assert page_time(memento, fetched, lambda: now) == CAPTURED
    assert page_time(Headers({}), fetched, lambda: now) == fetched
    assert page_time(Headers({}), None, lambda: now) == now
    # a header that names no moment does not make the page older or newer than its fetch
    assert page_time(Headers({MEMENTO_DATETIME: "yesterday"}), fetched, lambda: now) == fetched


@pytest.mark.parametrize("now", CLOCKS)
def test_a_saved_page_with_relative_dates_reads_the_same_on_any_day(now):
    """'Бүгін, 10:15' on a page captured on 3 Dec 2026 at 20:24 UTC (4 Dec, 01:24 in Kyzylorda) is
    4 Dec 10:15 whatever the crawl's clock says; without Memento-Datetime it follows the clock."""
    run = OfflineRun("kyzylorda", now)
    run.crawled_at = None  # the item keeps the time the spider gave it: the page's
    page = saved_response("kyzylorda", TODAY_URL)
    memento = page.replace(headers={**page.headers.to_unicode_dict(), MEMENTO_DATETIME: memento_datetime(CAPTURED)})
    (item,) = run.items_of(memento)
    assert (item["crawled_at"], item["published_at"]) == ("2026-12-03T20:24:07Z", "2026-12-04T10:15:00+05:00")
    (live,) = OfflineRun("kyzylorda", now).items_of(page)
    local = now.astimezone(timezone(timedelta(hours=5))).date()
    assert (live["crawled_at"], live["published_at"]) == (now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                                          f"{local.isoformat()}T10:15:00+05:00")


def _crawl_kz(tmp_path, now: datetime, memento: bool) -> list[dict]:
    out = tmp_path / f"{now:%Y%m%d}-{memento}.jsonl"
    with ReplayServer([SiteCopy.load(SITES / "kyzylorda", memento=memento)]) as server:
        result = crawl(["crawl", "kyzylorda", "--mirror", str(server.write_map(tmp_path / "m.json")),
                        "--output", str(out), *clock_args(now)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    return sorted(read_lines(out), key=lambda i: i["url"])


@pytest.mark.crawl
def test_a_replayed_crawl_gives_the_same_items_on_any_day_and_a_live_one_follows_its_clock(tmp_path):
    """The replay server serves saved pages as mementos: crawls at clocks a day and three years
    after the capture write the same items, crawled_at included, with the relative dates read
    against the capture time. The same pages served as a live site would serve them are read
    against each crawl's clock: there the dates move with it (both sides of the decision)."""
    early, late = CLOCKS[0], CLOCKS[-1]
    replayed = [_crawl_kz(tmp_path, now, memento=True) for now in (early, late)]
    # the same items, but for the name of the run that wrote them (each crawl is its own run)
    assert [{**i, "run": None} for i in replayed[0]] == [{**i, "run": None} for i in replayed[1]]
    assert len(replayed[0]) == len(KZ) and replayed[0][0]["run"] != replayed[1][0]["run"]
    by_url = {i["url"]: i for i in replayed[0]}
    assert by_url[TODAY_URL]["published_at"] == "2026-12-04T10:15:00+05:00"
    assert by_url[YESTERDAY_URL]["published_at"] == "2026-12-03T18:40:00+05:00"
    assert {i["crawled_at"] for i in replayed[0]} == {"2026-12-03T20:24:07Z"}
    live = {now: {i["url"]: i for i in _crawl_kz(tmp_path, now, memento=False)} for now in (early, late)}
    for now, items in live.items():
        local = now.astimezone(timezone(timedelta(hours=5))).date()
        assert items[TODAY_URL]["published_at"] == f"{local.isoformat()}T10:15:00+05:00"
        assert items[YESTERDAY_URL]["published_at"] == f"{(local - timedelta(days=1)).isoformat()}T18:40:00+05:00"
        assert items[TODAY_URL]["crawled_at"][:10] == now.date().isoformat()


@pytest.mark.crawl
def test_a_crawl_clock_that_is_no_moment_is_a_usage_error(tmp_path):
    result = crawl(["crawl", "kyzylorda", "--output", str(tmp_path / "o.jsonl"), "-s", "CRAWL_NOW=soon"],
                   cwd=tmp_path)
    assert result.returncode == 2 and "CRAWL_NOW wants an ISO 8601 moment" in result.stderr
    assert list(tmp_path.iterdir()) == []
