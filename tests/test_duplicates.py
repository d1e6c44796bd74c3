"""Real duplicates, crawled end to end and counted: one hanam article reachable under other URLs
and re-posted under a new id, added to the saved site through the replay server's extra pages.

Dedup keeps the first copy it meets, and which copy a concurrent crawl meets first is not fixed:
the assertions hold whichever it is.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.replay import ReplayServer, SiteCopy
from spiders.hanam import HanamSpider
from tests.support import SITES, crawl, differences, expected_items, read_lines, saved_response

pytestmark = pytest.mark.crawl

ORIGIN = HanamSpider.origin
TZ = HanamSpider.timezone
EXPECTED = {e["url"]: e for e in expected_items("hanam")}
ORIGINAL = "/tin-tuc-su-kien/trao-giai-cuoc-thi-dai-su-van-hoa-doc-tinh-ha-nam-nam-2019-1163.html"
SLUG = ORIGINAL.rsplit("/", 1)[1]
# the same article under another category: the page names the original as canonical
OTHER_CATEGORY = "/hoat-dong-thu-vien/" + SLUG
# the same page at a URL no rule joins: a CMS that prints the requested URL as canonical
SECOND_URL = "/tin-moi/" + SLUG
# re-posted a year later under a new id, the same title and text
REPOST = ORIGINAL.replace("-1163.html", "-2163.html")
REPOST_2 = ORIGINAL.replace("-1163.html", "-3163.html")
LISTING_1, LISTING_2 = "/tin-tuc-su-kien/", "/tin-tuc-su-kien/trang-2.html"


def page(path: str) -> bytes:
    return saved_response("hanam", ORIGIN + path).body


def listing_with(path: str, links: list[str]) -> dict:
    """A saved listing page with entries for `links` put before its first entry."""
    entries = "".join(f'<div class="news-item"><h3 class="title"><a href="{link}">x</a></h3></div>'
                      for link in links).encode()
    body = page(path).replace(b'<div class="news-item">', entries + b'<div class="news-item">', 1)
    return {"body": body, "content_type": "text/html; charset=utf-8"}


def html(body: bytes) -> dict:
    return {"body": body, "content_type": "text/html; charset=utf-8"}


def duplicates_added() -> dict[str, dict]:
    original = page(ORIGINAL)
    return {
        LISTING_2: listing_with(LISTING_2, [OTHER_CATEGORY, SECOND_URL, REPOST]),
        OTHER_CATEGORY: html(original),
        SECOND_URL: html(original.replace(ORIGINAL.encode(), SECOND_URL.encode())),
        REPOST: html(original.replace(b"-1163.html", b"-2163.html").replace(b"28/05/2019 14:12", b"02/06/2020 09:00")),
    }


def run(work: Path, faults: dict) -> tuple[set[str], dict, list[Path]]:
    """A scheduled run of hanam with these extra pages: (paths requested, site report, new files)."""
    before = set((work / "out").glob("hanam/*.jsonl"))
    with ReplayServer([SiteCopy.load(SITES / "hanam", faults)]) as server:
        result = crawl(["crawl", "hanam", "--mirror", str(server.write_map(work / "m.json")),
                        "--output-dir", str(work / "out"), "--state", str(work / "state.sqlite")], cwd=work)
        requested = set(server.sites[0].requests)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(sorted((work / "out" / "_runs").glob("*.json"))[-1].read_text(encoding="utf-8"))
    return requested, report["sites"][0], sorted(set((work / "out").glob("hanam/*.jsonl")) - before)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    work = tmp_path_factory.mktemp("dups")
    first = run(work, duplicates_added())
    second = run(work, {LISTING_1: listing_with(LISTING_1, [REPOST_2]),
                        REPOST_2: html(page(ORIGINAL).replace(b"-1163.html", b"-3163.html"))})
    return first, second


def test_duplicates_in_one_run_are_dropped_and_counted(two_runs):
    (requested, report, files), _ = two_runs
    assert {ORIGINAL, OTHER_CATEGORY, SECOND_URL, REPOST} <= requested  # every copy was fetched
    assert report["duplicates"] == 3
    assert report["dropped"] == {"duplicate_url": 1, "duplicate_content": 2}
    assert report["new_items"] == len(EXPECTED)
    (file,) = files
    items = read_lines(file)
    copies = {ORIGIN + p for p in (ORIGINAL, SECOND_URL, REPOST)}
    kept = [i for i in items if i["url"] in copies]
    assert len(kept) == 1  # one of the copies, whichever came first
    want = EXPECTED[ORIGIN + ORIGINAL]
    assert kept[0]["title"] == want["title"] and kept[0]["body"] == want["body"]
    others = [i for i in items if i["url"] not in copies]
    assert sorted(i["url"] for i in others) == sorted(set(EXPECTED) - {ORIGIN + ORIGINAL})
    assert not {i["url"]: d for i in others if (d := differences(i, EXPECTED[i["url"]], TZ))}


def test_a_repost_in_a_later_run_is_not_written_again(two_runs):
    _, (requested, report, files) = two_runs
    assert REPOST_2 in requested
    assert report["dropped"] == {"duplicate_content": 1}
    assert report["new_items"] == 0 and files == []
