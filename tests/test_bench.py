"""Quick checks of the benchmark tooling and of the fast paths added for speed (a few seconds)."""
from __future__ import annotations

import json
import random
from datetime import date, datetime, time, timezone
from urllib.parse import quote

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


def _dateparser_answer(text: str) -> str:
    cleaned = dates.ascii_digits(dates.clean_line(text))
    try:
        moment = dates._checked(dates._dateparser(cleaned, "kk", QYZ, NOW, dates._clock(cleaned)), NOW, text)
    except dates.DateError as exc:
        return exc.reason
    return moment.isoformat()


def _answer(text: str) -> str:
    try:
        return dates.parse_date(text, "kk", QYZ, now=NOW).isoformat()
    except dates.DateError as exc:
        return exc.reason


def test_kazakh_fast_path_answers_as_dateparser():
    rng = random.Random(3)
    months = [name for name in dates.NAMED_MONTHS["kk"]]
    texts = ["31 ақпан 2019 ж. 10:00", "0 сәуір 2019", "08 Сәуір 2019 ж. 16:32", "8 ҚАҢТАР 2020",
             "22 желтоқсан 2018 ж. 10:00", "20 желтоқсан 2018 ж. 23:30", "01 қаңтар 1989 ж. 12:00",
             "24 қараша 2026 ж. 10:00", "12 там 2021 ж."]
    for _ in range(120):
        day = date.fromordinal(rng.randint(date(1990, 1, 2).toordinal(), date(2026, 11, 22).toordinal()))
        clock = time(rng.randint(0, 23), rng.randint(0, 59))
        month = rng.choice([m for m in months if dates.NAMED_MONTHS["kk"][m] == day.month])
        shape = rng.choice(["{d:02d} {m} {y} ж. {c:%H:%M}", "{d} {m} {y} ж.", "{d:02d} {m} {y}", "{d} {m} {y} {c:%H:%M}"])
        texts.append(shape.format(d=day.day, m=month, y=day.year, c=clock))
    for text in texts:
        assert _answer(text) == _dateparser_answer(text), text
    assert sum(bool(dates._NAMED_DMY.fullmatch(t)) for t in texts) >= 120  # the fast path was taken


@pytest.mark.parametrize("text", ["Бүгін, 10:15", "Кеше, 18:40", "пікір қосу"])
def test_other_kazakh_texts_still_go_to_dateparser(text):
    assert _answer(text) == _dateparser_answer(text)
