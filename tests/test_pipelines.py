"""The item pipelines on real saved pages, in-process (tests/support.OfflineRun): what each step
drops, counts and changes, with the same code a crawl runs."""
from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import datetime, timedelta, timezone

import attr
import pytest
from scrapy import Request
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse

from typing import Any

from crawler.dates import DateError, parse_date
from crawler.output import FileSink
from crawler.state import State, record_of
from crawler.urls import article_id
from spiders.hanam import HanamSpider
from tests.support import OfflineRun, expected_items, saved_response

CRAWLED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
HANAM = {e["url"]: e for e in expected_items("hanam")}
ORIGINAL = HanamSpider.origin + "/tin-tuc-su-kien/trao-giai-cuoc-thi-dai-su-van-hoa-doc-tinh-ha-nam-nam-2019-1163.html"
OTHER = HanamSpider.origin + "/tin-tuc-su-kien/thu-vien-tinh-ha-nam-day-manh-so-hoa-tai-lieu-dia-chi-nam-2018-989.html"


def at(url: str, body: bytes) -> HtmlResponse:
    return HtmlResponse(url=url, body=body, headers={"Content-Type": "text/html; charset=utf-8"})


def dropped(run: OfflineRun) -> dict[str, int]:
    return {k.split("/", 1)[1]: v for k, v in run.stats.items() if k.startswith("dropped/")}


# -- dedup ------------------------------------------------------------------------------------

def test_the_same_article_twice_is_a_duplicate_url():
    run = OfflineRun("hanam", CRAWLED_AT)
    first = run.item(ORIGINAL)
    with pytest.raises(DropItem, match="duplicate_url"):
        run.item(ORIGINAL)
    # the same page reached at another category path names the original as canonical
    with pytest.raises(DropItem, match="duplicate_url"):
        run.items_of(at(ORIGINAL.replace("/tin-tuc-su-kien/", "/hoat-dong-thu-vien/"), saved_response("hanam", ORIGINAL).body))
    assert dropped(run) == {"duplicate_url": 2}
    assert first["url"] == ORIGINAL


def test_the_same_text_at_a_url_no_rule_joins_is_a_duplicate_content():
    run = OfflineRun("hanam", CRAWLED_AT)
    run.item(ORIGINAL)
    repost = ORIGINAL.replace("-1163.html", "-2163.html")
    body = saved_response("hanam", ORIGINAL).body.replace(b"-1163.html", b"-2163.html")
    with pytest.raises(DropItem, match="duplicate_content"):
        run.items_of(at(repost, body))
    assert dropped(run) == {"duplicate_content": 1}
    # a different article afterwards is no duplicate of either
    assert run.item(OTHER)["url"] == OTHER


def test_same_title_other_body_is_not_a_duplicate():
    run = OfflineRun("hanam", CRAWLED_AT)
    run.item(ORIGINAL)
    body = saved_response("hanam", ORIGINAL).body.replace(b"-1163.html", b"-2163.html")
    body = body.replace("2.300 bài dự thi".encode(), "2.400 bài dự thi".encode())
    item = run.items_of(at(ORIGINAL.replace("-1163.html", "-2163.html"), body))[0]
    assert item["title"] == HANAM[ORIGINAL]["title"] and item["body"] != HANAM[ORIGINAL]["body"]
    assert dropped(run) == {}


def test_an_empty_page_is_left_to_validation_not_called_a_duplicate():
    run = OfflineRun("hanam", CRAWLED_AT)
    empty = b"<html><head><title></title></head><body></body></html>"
    for n in (1, 2):
        with pytest.raises(DropItem, match="missing_title"):
            run.items_of(at(f"{HanamSpider.origin}/tin-tuc-su-kien/trang-trong-{n}.html", empty))
    assert dropped(run) == {"missing_title": 2}


def test_a_copy_that_fails_validation_does_not_make_a_valid_copy_a_duplicate():
    """Deduplication is among the items that would be written: a first copy that validation drops
    must not take the URL or the text from a good copy that follows."""
    run = OfflineRun("hanam", CRAWLED_AT)
    good = saved_response("hanam", ORIGINAL).body
    untitled = good.replace(HANAM[ORIGINAL]["title"].encode(), b"")
    with pytest.raises(DropItem, match="missing_title"):
        run.items_of(at(ORIGINAL, untitled))
    assert run.items_of(at(ORIGINAL, good))[0]["url"] == ORIGINAL  # same URL, now valid: written

    run = OfflineRun("hanam", CRAWLED_AT)
    inside = good.index(b">", good.index(b'<div class="news-content" id=')) + 1
    ftp_picture = good[:inside] + b'<img src="ftp://thuvienhanam.gov.vn/a.jpg">' + good[inside:]
    with pytest.raises(DropItem, match="contract_break"):
        run.items_of(at(ORIGINAL, ftp_picture))
    repost = ORIGINAL.replace("-1163.html", "-2163.html")
    assert run.items_of(at(repost, good.replace(b"-1163.html", b"-2163.html")))[0]["url"] == repost  # same text
    assert dropped(run) == {"contract_break": 1}


# -- text, dates, ids -------------------------------------------------------------------------

def test_text_pipeline_uses_the_site_language():
    """Gilan's CMS writes Arabic yeh/kaf; the Persian letters come from the item's language."""
    url = next(e["url"] for e in expected_items("gilan") if "/fa/news/30636/" in e["url"])
    raw = saved_response("gilan", url).css("h1.news-title span::text").get()
    assert "ي" in raw and "ك" in raw
    item = OfflineRun("gilan", CRAWLED_AT).item(url)
    assert item["language"] == "fa" and "ي" not in item["title"] and "ك" not in item["title"]


def test_every_text_field_and_caption_is_cleaned():
    url = next(e["url"] for e in expected_items("gilan") if "/fa/news/30636/" in e["url"])
    body = saved_response("gilan", url).body.decode("cp1256")
    body = body.replace("نمایی از برنامه", "  نمایی\u200f از\u00a0 برنامه ")
    item = OfflineRun("gilan", CRAWLED_AT).items_of(
        HtmlResponse(url=url, body=body.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"}))[0]
    assert item["images"][1]["caption"] == "نمایی از برنامه"


@pytest.mark.parametrize("minutes_later, kept", [(0, True), (1, False)])
def test_a_page_dated_exactly_a_day_after_the_crawl_is_kept_a_minute_more_is_not(minutes_later, kept):
    """The date window's upper edge on a real page: 01/06/2018 09:29 in Hanoi is 02:29 UTC."""
    url = HanamSpider.origin + "/gioi-thieu-sach/gioi-thieu-sach-de-men-phieu-luu-ky-954.html"
    assert HANAM[url]["date_raw"] == "01/06/2018 09:29"
    crawled = datetime(2018, 5, 31, 2, 29, tzinfo=timezone.utc) - timedelta(minutes=minutes_later)
    run = OfflineRun("hanam", crawled)
    if kept:
        assert run.item(url)["published_at"] == "2018-06-01T09:29:00+07:00"
        assert dropped(run) == {}
    else:
        with pytest.raises(DropItem, match="missing_published_at"):
            run.item(url)
        assert dropped(run) == {"missing_published_at": 1}
        assert run.stats["dates/implausible_date"] == 1


def test_unreadable_date_is_counted_and_the_item_dropped():
    url = HanamSpider.origin + "/gioi-thieu-sach/gioi-thieu-sach-de-men-phieu-luu-ky-954.html"
    body = saved_response("hanam", url).body.replace(b"01/06/2018 09:29", b"Ng\xc3\xa0y \xc4\x91\xc4\x83ng:")
    run = OfflineRun("hanam", CRAWLED_AT)
    with pytest.raises(DropItem, match="missing_published_at"):
        run.items_of(at(url, body))
    assert run.stats["dates/unreadable_date"] == 1


def test_ids_follow_the_canonical_url_and_every_url_that_led_there():
    tracked = ORIGINAL + "?utm_source=facebook#binh-luan"
    item = OfflineRun("hanam", CRAWLED_AT).items_of(at(tracked, saved_response("hanam", ORIGINAL).body))[0]
    other = OfflineRun("hanam", CRAWLED_AT).item(ORIGINAL)
    assert item["url"] == ORIGINAL and item["id"] == other["id"]
    assert ORIGINAL in item["aliases"]
    assert OfflineRun("travinh", CRAWLED_AT).spider.name != "hanam"


# -- coverage and validation ------------------------------------------------------------------

def test_coverage_counts_filled_fields_before_validation_drops():
    run = OfflineRun("hanam", CRAWLED_AT)
    for url in list(HANAM)[:5]:
        run.item(url)
    with pytest.raises(DropItem):
        run.items_of(at(HanamSpider.origin + "/tin-tuc-su-kien/x-1.html", b"<html><body></body></html>"))
    stats = run.stats
    assert stats["coverage/items"] == 6
    for name in ("title", "body", "published_at", "date_raw", "lead", "author", "images", "view_count", "kicker"):
        filled = sum(HANAM[u].get(name) not in (None, "", []) for u in list(HANAM)[:5])
        assert stats.get(f"coverage/{name}", 0) == filled, name
    assert stats["coverage/url"] == 6


def test_an_item_breaking_the_schema_is_dropped_with_the_field_named():
    """A picture on an ftp:// URL passes extraction but not the contract (images: http(s) only)."""
    body = saved_response("hanam", ORIGINAL).body
    inside = body.index(b">", body.index(b'<div class="news-content" id=')) + 1
    body = body[:inside] + b'<img src="ftp://thuvienhanam.gov.vn/a.jpg">' + body[inside:]
    run = OfflineRun("hanam", CRAWLED_AT)
    with pytest.raises(DropItem, match=r"contract_break.*images/0/url"):
        run.items_of(at(ORIGINAL, body))
    assert dropped(run) == {"contract_break": 1}


# -- incremental ------------------------------------------------------------------------------

def test_incremental_skips_unchanged_writes_changed_and_drops_old_reposts(tmp_path):
    state = State(tmp_path / "state.sqlite", now=CRAWLED_AT)
    first = OfflineRun("hanam", CRAWLED_AT).item(ORIGINAL)
    state.record("hanam", [record_of(first)])
    run = OfflineRun("hanam", CRAWLED_AT, state=state)
    with pytest.raises(DropItem, match="unchanged"):
        run.item(ORIGINAL)
    more_views = saved_response("hanam", ORIGINAL).body.replace(
        "Lượt xem: 5.459".encode(), "Lượt xem: 99.999".encode())
    assert more_views != saved_response("hanam", ORIGINAL).body
    assert OfflineRun("hanam", CRAWLED_AT, state=state).items_of(at(ORIGINAL, more_views))[0]["view_count"] == 99999
    repost = saved_response("hanam", ORIGINAL).body.replace(b"-1163.html", b"-2163.html")
    with pytest.raises(DropItem, match="written before as"):
        OfflineRun("hanam", CRAWLED_AT, state=state).items_of(at(ORIGINAL.replace("-1163", "-2163"), repost))
    assert dropped(run) == {"unchanged": 1}


@pytest.mark.parametrize("since_offset, kept", [(timedelta(0), True), (timedelta(minutes=1), False)])
def test_since_keeps_an_article_published_exactly_then_and_drops_one_a_minute_older(since_offset, kept):
    published = datetime.fromisoformat(HANAM[ORIGINAL]["published_at"])
    run = OfflineRun("hanam", CRAWLED_AT, since=published + since_offset)
    if kept:
        assert run.item(ORIGINAL)["published_at"] == HANAM[ORIGINAL]["published_at"]
    else:
        with pytest.raises(DropItem, match="older_than_since"):
            run.item(ORIGINAL)
        assert dropped(run) == {"older_than_since": 1}


def test_a_drop_says_why_and_where_and_is_logged_at_info(caplog, tmp_path):
    run = OfflineRun("hanam", CRAWLED_AT)
    run.item(ORIGINAL)
    repost = ORIGINAL.replace("-1163", "-2163")
    with caplog.at_level("INFO", logger="pipelines"), pytest.raises(DropItem) as drop:
        run.items_of(at(repost, saved_response("hanam", ORIGINAL).body.replace(b"-1163", b"-2163")))
    assert str(drop.value) == f"duplicate_content: {repost}"
    assert drop.value.log_level == "INFO"  # a duplicate is routine, not a warning under cron
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "pipelines"] == [
        ("INFO", f"dropped duplicate_content: {repost}")]
    state = State(tmp_path / "s.sqlite", now=CRAWLED_AT)
    state.record("hanam", [record_of(OfflineRun("hanam", CRAWLED_AT).item(ORIGINAL))])
    with pytest.raises(DropItem) as drop:
        OfflineRun("hanam", CRAWLED_AT, state=state).items_of(
            at(repost, saved_response("hanam", ORIGINAL).body.replace(b"-1163", b"-2163")))
    assert str(drop.value) == f"duplicate_content: {repost} (written before as {ORIGINAL})"


def test_each_required_field_missing_is_its_own_drop_reason():
    page = saved_response("hanam", ORIGINAL).body
    inside = page.index(b">", page.index(b'<div class="news-content" id=')) + 1
    end = page.index(b"</div>", inside)
    no_body = page[:inside] + page[end:]
    run = OfflineRun("hanam", CRAWLED_AT)
    with pytest.raises(DropItem, match="missing_body"):
        run.items_of(at(ORIGINAL, no_body))
    assert dropped(run) == {"missing_body": 1}
    no_title = page.replace(HANAM[ORIGINAL]["title"].encode(), b"")
    run = OfflineRun("hanam", CRAWLED_AT)
    with pytest.raises(DropItem, match="missing_title"):
        run.items_of(at(ORIGINAL, no_title))
    assert dropped(run) == {"missing_title": 1}


def test_the_id_is_the_sites_and_every_url_that_led_there_is_kept():
    short = HanamSpider.origin + "/index.php?id=1163&nv=news"
    page = saved_response("hanam", ORIGINAL).replace(request=Request(ORIGINAL, meta={"redirect_chain": [short]}))
    item = OfflineRun("hanam", CRAWLED_AT).items_of(page)[0]
    assert item["aliases"] == sorted([ORIGINAL, short])
    assert item["id"] == article_id("hanam", ORIGINAL) != article_id("travinh", ORIGINAL)


def test_site_aliases_apply_to_the_item_url():
    """A page reached on a host alias and naming no canonical URL gets the site's own spelling."""
    run = OfflineRun("hanam", CRAWLED_AT)
    run.spider.url_aliases = ((r"^http://www\.", "http://"),)
    body = re.sub(rb'<link rel="canonical"[^>]*>', b"", saved_response("hanam", ORIGINAL).body)
    item = run.items_of(at(ORIGINAL.replace("http://", "http://www."), body))[0]
    assert item["url"] == ORIGINAL


def test_incremental_writes_a_new_article_and_counts_a_changed_one(tmp_path):
    state = State(tmp_path / "state.sqlite", now=CRAWLED_AT)
    state.record("hanam", [record_of(OfflineRun("hanam", CRAWLED_AT).item(ORIGINAL))])
    run = OfflineRun("hanam", CRAWLED_AT, state=state)
    assert run.item(OTHER)["url"] == OTHER  # never written before: written
    more_views = saved_response("hanam", ORIGINAL).body.replace("Lượt xem: 5.459".encode(), "Lượt xem: 6.000".encode())
    assert run.items_of(at(ORIGINAL, more_views))[0]["view_count"] == 6000
    assert run.stats["incremental/changed"] == 1
    assert dropped(run) == {}


def test_a_page_without_a_date_is_counted_as_empty_and_logged(caplog):
    url = HanamSpider.origin + "/gioi-thieu-sach/gioi-thieu-sach-de-men-phieu-luu-ky-954.html"
    body = saved_response("hanam", url).body.replace(b"01/06/2018 09:29", b"")
    run = OfflineRun("hanam", CRAWLED_AT)
    with caplog.at_level("WARNING", logger="pipelines"), pytest.raises(DropItem, match="missing_published_at"):
        run.items_of(at(url, body))
    assert run.stats["dates/empty_date"] == 1
    late = OfflineRun("hanam", datetime(2018, 5, 30, tzinfo=timezone.utc))
    with caplog.at_level("WARNING", logger="pipelines"), pytest.raises(DropItem):
        late.item(url)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    reasons = []
    for text, now in (("", CRAWLED_AT), ("01/06/2018 09:29", datetime(2018, 5, 30, tzinfo=timezone.utc))):
        with pytest.raises(DateError) as err:
            parse_date(text, "vi", HanamSpider.timezone, now=now)
        reasons.append(str(err.value))
    assert warnings == [f"hanam: no publication date for {url}: {reason}" for reason in reasons]


# -- item types -------------------------------------------------------------------------------

def _field_names() -> list[str]:
    from crawler.items import ArticleItem

    return list(ArticleItem.fields)


ArticleData = dataclasses.make_dataclass("ArticleData", [(n, Any, dataclasses.field(default=None)) for n in _field_names()])
ArticleAttrs = attr.make_class("ArticleAttrs", {n: attr.ib(default=None) for n in _field_names()})


@pytest.mark.parametrize("kind", [dict, ArticleData, ArticleAttrs])
def test_the_pipelines_take_every_item_type_scrapy_supports(tmp_path, kind):
    """Every saved hanam article as a dict, a dataclass and an attrs object (what a CMS adapter
    might yield) goes through all the pipelines, state and output included, to the same line and
    the same state record as the spider's scrapy.Item."""
    written = {}
    for name, convert in [("item", None), ("other", kind)]:
        state = State(tmp_path / f"{name}.sqlite", now=CRAWLED_AT)
        sink = FileSink(tmp_path / f"{name}.jsonl", state)
        run = OfflineRun("hanam", CRAWLED_AT, state=state, sink=sink)
        for url in HANAM:
            (item,) = run.spider.parse_article(saved_response("hanam", url))
            item["crawled_at"] = "2026-03-01T12:00:00Z"
            if convert is not None:
                item = convert(**dict(item))
            out = asyncio.run(run.pipelines.process_item_async(item))
            assert type(out) is type(item)
        sink.close()
        written[name] = ((tmp_path / f"{name}.jsonl").read_text(encoding="utf-8"),
                         [state.known("hanam", url) for url in HANAM])
        state.close()
    assert written["other"] == written["item"]
    assert len(written["item"][0].splitlines()) == len(HANAM) and None not in written["item"][1]


# -- the compiled schema check ----------------------------------------------------------------

def _lines() -> list[dict]:
    """Every saved article's expected line (v1 and v2, relative dates resolved) as the output has it."""
    from crawler.items import as_line
    from crawler.urls import article_id
    from tests.support import ALL_SITES, EXPECTED_V2, resolve_expected_date

    lines = []
    for folder in (None, EXPECTED_V2):
        for site in ALL_SITES:
            for item in expected_items(site, folder) if folder else expected_items(site):
                line = as_line({**item, "id": article_id(site, item["url"]), "crawled_at": "2026-12-04T06:00:00Z",
                                 "run": "2026-12-04T060000Z"})
                line["published_at"] = resolve_expected_date(line["published_at"], line["crawled_at"], "Asia/Qyzylorda")
                lines.append(line)
    return lines


BREAKS = [None, 12345, -1, "", "x" * 3, [], {}, 1.5, True, "ftp://a.b/c", "2026-13-45"]


def test_the_compiled_schema_check_agrees_with_jsonschema_on_valid_and_broken_lines():
    """fastjsonschema's compiled check (the pipeline's fast path) and jsonschema (the reference)
    give the same verdict on every expected line, and on each of them with one field replaced by
    each kind of wrong value, removed, or joined by an unknown field."""
    import fastjsonschema
    from jsonschema import Draft202012Validator

    from crawler.items import FIELDS, schema
    from pipelines.validate import compiled_check

    check, reference = compiled_check(), Draft202012Validator(schema())

    def fast_ok(line: dict) -> bool:
        try:
            check(line)
        except fastjsonschema.JsonSchemaValueException:
            return False
        return True

    lines = _lines()
    assert len(lines) > 300 and all(reference.is_valid(line) for line in lines)
    cases = 0
    for line in lines[::7]:
        variants = [{k: v for k, v in line.items() if k != name} for name in FIELDS] + [{**line, "extra": 1}]
        variants += [{**line, name: value} for name in FIELDS for value in BREAKS]
        variants += [{**line, "images": [{"url": value, "caption": None}]} for value in BREAKS]
        for variant in variants:
            assert fast_ok(variant) == reference.is_valid(variant), variant
            cases += 1
    assert cases > 5000
