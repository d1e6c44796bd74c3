"""Quick checks of the benchmark tooling and of the date fast path added for speed (a few seconds)."""
from __future__ import annotations

import json
from pathlib import Path
import random
from datetime import date, datetime, time, timezone
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from scrapy.http import HtmlResponse

from bench.build import SPECS, build
from crawler import dates
from crawler.cli import spider_classes
from crawler.replay import SiteCopy

QYZ = "Asia/Qyzylorda"
NOW = datetime(2026, 11, 23, 6, 30, tzinfo=timezone.utc)


def test_builder_makes_crawlable_sites(tmp_path):
    folders = build(tmp_path, [100])
    classes = spider_classes()
    for site, spec in SPECS.items():
        cls = classes[site]
        copy = SiteCopy.load(folders[100] / site)
        listing = copy.answer(spec.page_path(1))
        response = HtmlResponse(cls.origin + spec.page_path(1), body=listing.body,
                                headers={"Content-Type": listing.header("Content-Type")})
        spider = cls()
        links = list(spider._links(response, spider.article_links(response)))
        assert len(links) >= 8, site
        assert spider.origin + spec.page_path(2) in list(spider._links(response, spider.next_pages(response)))
        index = json.loads((tmp_path / "articles" / site / "index.json").read_text(encoding="utf-8"))
        path, title = index["1"]
        body = (tmp_path / "articles" / site / "000001.body").read_bytes()
        url = cls.origin + quote(path, safe="/-")
        page = HtmlResponse(url, body=body, headers={"Content-Type": copy.answer(path).header("Content-Type")})
        fields = cls.article_page(url, page.selector).fields()
        assert fields["url"] == url and fields["title"] == title and fields["body"] and fields["date_raw"], site


def _answer(text: str) -> str:
    try:
        return dates.parse_date(text, "kk", QYZ, now=NOW).isoformat()
    except dates.DateError as exc:
        return exc.reason


# Hand-checked answers: Kyzylorda was UTC+6 until 2018-12-21 and UTC+5 since; NOW is 11:30 there on
# 2026-11-23, so the window ends at 11:30 on the 24th; February 2019 had 28 days.
EDGES = {
    "31 ақпан 2019 ж. 10:00": "impossible date",
    "0 сәуір 2019": "unaccounted date part",
    "08 Сәуір 2019 ж. 16:32": "2019-04-08T16:32:00+05:00",
    "8 ҚАҢТАР 2020": "2020-01-08T00:00:00+05:00",
    "22 желтоқсан 2018 ж. 10:00": "2018-12-22T10:00:00+05:00",
    "20 желтоқсан 2018 ж. 23:30": "2018-12-20T23:30:00+06:00",
    "01 қаңтар 1989 ж. 12:00": "implausible date",
    "24 қараша 2026 ж. 10:00": "2026-11-24T10:00:00+05:00",
    "25 қараша 2026 ж. 10:00": "implausible date",
    "12 там 2021 ж.": "2021-08-12T00:00:00+05:00",
}


# Kazakh month names as the sites print them, full and short
KK_MONTHS = [("қаңтар", "қаң"), ("ақпан", "ақп"), ("наурыз", "нау"), ("сәуір", "сәу"), ("мамыр", "мам"),
             ("маусым", "мау"), ("шілде", "шіл"), ("тамыз", "там"), ("қыркүйек", "қыр"), ("қазан", "қаз"),
             ("қараша", "қар"), ("желтоқсан", "жел")]


@pytest.mark.parametrize("text, want", EDGES.items())
def test_kazakh_dates_on_the_edges(text, want):
    assert _answer(text) == want


def test_kazakh_dates_in_every_printed_shape_read_as_the_day_they_name():
    """Random days, months by any of their names, four printed shapes: the answer is the day and
    time the text was made from, on Kyzylorda's clock of that day (the oracle is the generator)."""
    rng = random.Random(3)
    for _ in range(150):
        day = date.fromordinal(rng.randint(date(1990, 1, 2).toordinal(), date(2026, 11, 22).toordinal()))
        clock = time(rng.randint(0, 23), rng.randint(0, 59))
        month = rng.choice(KK_MONTHS[day.month - 1])
        month = rng.choice([month, month.upper(), month.capitalize()])
        shape, timed = rng.choice([("{d:02d} {m} {y} ж. {c:%H:%M}", True), ("{d} {m} {y} ж.", False),
                                   ("{d:02d} {m} {y}", False), ("{d} {m} {y} {c:%H:%M}", True)])
        text = shape.format(d=day.day, m=month, y=day.year, c=clock)
        want = datetime.combine(day, clock if timed else time(0, 0), tzinfo=ZoneInfo(QYZ)).isoformat()
        assert _answer(text) == want, text


@pytest.mark.parametrize("text, want", [("Бүгін, 10:15", "2026-11-23T10:15:00+05:00"),
                                        ("Кеше, 18:40", "2026-11-22T18:40:00+05:00"),
                                        ("пікір қосу", "unreadable date")])
def test_other_kazakh_texts_still_read_right(text, want):
    assert _answer(text) == want


def test_configured_site_copies_are_self_consistent_and_crawl_to_their_expected_items(tmp_path):
    """`bench.run --sites100 --quick`'s copies: 12 sites of the three CMS copies, each naming only its
    own host, of mixed sizes, crawled in one run (the real command line, CONCURRENT_SITES at a time)
    to exactly their expected items, no site failed."""
    from bench import sites100
    from bench.run import BENCH_SETTINGS

    manifest = sites100.build(tmp_path, 12)
    expected = json.loads((tmp_path / "expected.json").read_text(encoding="utf-8"))
    sizes = {tuple(v) for v in manifest["templates"].values()}
    assert {("akmola", None), ("akmola", 5), ("karaganda", None), ("karaganda", 1), ("laocai", None),
            ("laocai", 1)} <= sizes
    full = {sites100.TEMPLATES[t].cms: len(expected[s]) for s, (t, n) in manifest["templates"].items() if n is None}
    assert full == {"wordpress": 28, "joomla": 30, "nukeviet": 28}
    assert all(0 < len(expected[s]) < 28 for s, (_, n) in manifest["templates"].items() if n is not None)
    hosts = [b"aounb.kz", b"karlib.kz", b"thuvientinhlaocai.vn"]
    for site in manifest["sites"]:
        copy = SiteCopy.load(tmp_path / "copies" / site)
        assert copy.origin.split("//")[1].startswith(f"lib-{site[4:]}.example.")
        for key in copy.pages:
            page = copy.answer(key)
            assert not any(h in page.body or h in str(page.headers).encode() for h in hosts), (site, key)
        copy.index.close()
    run = sites100._crawl(tmp_path / "copies", manifest, manifest["sites"], tmp_path / "out",
                          dict(BENCH_SETTINGS, CONCURRENT_SITES=8))
    check = sites100.check(manifest, Path(run["output"]), run.pop("report"))
    assert run["exit"] == 0
    assert check["failed_sites"] == {} and check["sites_wrong"] == {}
    assert check["sites_crawled"] == 12 and check["items"] == check["expected_items"] == 256
