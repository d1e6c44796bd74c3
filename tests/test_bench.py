"""Quick checks of the benchmark tooling and of the fast paths added for speed (a few seconds)."""
from __future__ import annotations

import json
import random
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import quote

import pytest
from scrapy.http import HtmlResponse

from bench.build import SPECS, build
from crawler import dates
from crawler.cli import spider_classes

QYZ = "Asia/Qyzylorda"
NOW = datetime(2026, 11, 23, 6, 30, tzinfo=timezone.utc)


def test_builder_makes_crawlable_sites(tmp_path):
    folders = build(tmp_path, [100])
    classes = spider_classes()
    for site, spec in SPECS.items():
        cls = classes[site]
        copy = json.loads((folders[100] / site / "pages.json").read_text(encoding="utf-8"))
        listing = copy["pages"][spec.page_path(1)]
        response = HtmlResponse(cls.origin + spec.page_path(1), body=(folders[100] / site / listing["file"]).read_bytes(),
                                headers={"Content-Type": listing["content_type"]})
        spider = cls()
        links = list(spider._links(response, spider.article_links(response)))
        assert len(links) >= 8, site
        assert spider.origin + spec.page_path(2) in list(spider._links(response, spider.next_pages(response)))
        index = json.loads((tmp_path / "articles" / site / "index.json").read_text(encoding="utf-8"))
        path, title = index["1"]
        body = (tmp_path / "articles" / site / "000001.body").read_bytes()
        url = cls.origin + quote(path, safe="/-")
        page = HtmlResponse(url, body=body, headers={"Content-Type": copy["pages"][path]["content_type"]})
        fields = cls.article_page(url, page.selector).fields()
        assert fields["url"] == url and fields["title"] == title and fields["body"] and fields["date_raw"], site


KAZAKH_MONTHS = ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек",
                 "қазан", "қараша", "желтоқсан"]


def _dateparser_answer(text: str) -> str:
    """dateparser's reading, as an independent check of ours on the forms both read."""
    import dateparser

    local_now = NOW.astimezone(dates.zone(QYZ)).replace(tzinfo=None)
    parsed = dateparser.parse(text, languages=["kk"], settings={
        "RELATIVE_BASE": local_now, "DATE_ORDER": "DMY", "RETURN_AS_TIMEZONE_AWARE": False})
    if parsed is None:
        return "refused"
    moment = parsed.replace(tzinfo=dates.zone(QYZ))
    if not datetime(1990, 1, 1, tzinfo=timezone.utc) <= moment <= NOW + timedelta(days=1):
        return "refused"
    return moment.isoformat()


def _answer(text: str) -> str:
    try:
        return dates.parse_date(text, "kk", QYZ, now=NOW).isoformat()
    except dates.DateError:
        return "refused"


def test_kazakh_dates_read_as_dateparser_reads_them():
    rng = random.Random(3)
    texts = ["31 ақпан 2019 ж. 10:00", "0 сәуір 2019", "08 Сәуір 2019 ж. 16:32", "8 ҚАҢТАР 2020",
             "22 желтоқсан 2018 ж. 10:00", "20 желтоқсан 2018 ж. 23:30", "01 қаңтар 1989 ж. 12:00",
             "24 қараша 2026 ж. 10:00", "Кеше, 18:40"]
    for _ in range(120):
        day = date.fromordinal(rng.randint(date(1990, 1, 2).toordinal(), date(2026, 11, 22).toordinal()))
        clock = time(rng.randint(0, 23), rng.randint(0, 59))
        month = KAZAKH_MONTHS[day.month - 1]
        shape = rng.choice(["{d:02d} {m} {y} ж. {c:%H:%M}", "{d:02d} {m} {y}", "{d} {m} {y} {c:%H:%M}"])
        texts.append(shape.format(d=day.day, m=month, y=day.year, c=clock))
    answers = [(_answer(text), _dateparser_answer(text), text) for text in texts]
    assert [a for a in answers if a[0] != a[1]] == []
    assert sum(a[0] != "refused" for a in answers) >= 120
