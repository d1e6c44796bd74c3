"""Fuzz: truncated, garbled and re-encoded variants of the real saved pages and archive records go
through the page objects and pipelines, the date reader and the archive reader; nothing raises
past the counted-skip boundary. The boundaries: an article page gives items or a DropItem (counted
by the pipelines); the date reader gives a moment or a DateError (counted under dates/<reason>);
the archive index indexes (noting damage) or refuses the file as no archive (ArchiveError, a
usage error), and answers a page, None (missing) or an IgnoreRequest (counted as failed)."""
from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.exceptions import DropItem, IgnoreRequest
from scrapy.http import Request

from crawler.cli import spider_classes
from crawler.dates import DateError, parse_date
from crawler.warc_source import ArchiveError, ArchiveIndex
from tests.support import ALL_SITES, SITES, OfflineRun, expected_items, saved_copy, saved_response

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.data_too_large])
ENCODINGS = ["utf-8", "utf-16", "cp1251", "cp1256", "latin-1", "gb18030", "shift_jis", "utf-32"]
LABELS = ["utf-8", "iso-8859-1", "windows-1256", "utf-16", "x-no-such-charset", ""]


@lru_cache(maxsize=None)
def articles() -> list[tuple[str, str, bytes]]:
    """(site, url, body) of three saved articles a site."""
    found = []
    for site in ALL_SITES:
        for item in expected_items(site)[:3]:
            found.append((site, item["url"], saved_response(site, item["url"]).body))
    return found


@lru_cache(maxsize=None)
def runs() -> dict[str, OfflineRun]:
    return {}


def mutate(data: bytes, how: str, at: float, noise: bytes, encoding: str) -> bytes:
    """One variant of real bytes: cut at `at`, a slice garbled with `noise`, or re-encoded."""
    i = int(len(data) * at)
    if how == "truncate":
        return data[:i]
    if how == "garble":
        return data[:i] + noise + data[i + len(noise):]
    if how == "insert":
        return data[:i] + noise + data[i:]
    text = data.decode("utf-8", errors="replace")
    return text.encode(encoding, errors="replace")


variants = st.tuples(st.sampled_from(["truncate", "garble", "insert", "reencode"]), st.floats(0, 1),
                     st.binary(min_size=1, max_size=200), st.sampled_from(ENCODINGS))


@FUZZ
@given(st.integers(0, 10**6), variants, st.sampled_from(LABELS))
def test_variants_of_real_article_pages_give_items_or_counted_drops(pick, variant, label):
    site, url, body = articles()[pick % len(articles())]
    mutated = mutate(body, *variant)
    run = runs().get(site) or runs().setdefault(site, OfflineRun(site))
    ctype = f"text/html; charset={label}" if label else "text/html"
    response = saved_response(site, url).replace(body=mutated, headers={"Content-Type": ctype})
    try:
        run.items_of(response.replace(request=Request(url)))
    except DropItem:
        pass  # counted under dropped/<reason> by the pipeline that dropped it


@lru_cache(maxsize=None)
def dates() -> list[tuple[str, str, str]]:
    out = []
    for site in ALL_SITES:
        cls = spider_classes()[site]
        out += [(i["date_raw"], cls.language, cls.timezone) for i in expected_items(site) if i.get("date_raw")]
    return out


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 100), st.text(max_size=12), st.sampled_from(["cut", "insert", "replace", "case"]))
def test_variants_of_real_printed_dates_read_or_are_refused(pick, where, noise, how):
    text, language, tz = dates()[pick % len(dates())]
    i = where * len(text) // 100
    if how == "cut":
        text = text[:i]
    elif how == "insert":
        text = text[:i] + noise + text[i:]
    elif how == "replace":
        text = text[:i] + noise + text[i + len(noise):]
    else:
        text = text.swapcase()
    try:
        parse_date(text, language, tz)
    except DateError:
        pass  # counted under dates/<reason>


ARCHIVE = SITES / "kyzylorda" / "pages.warc.gz"


@FUZZ
@given(st.sampled_from(["truncate", "garble", "insert", "plain-truncate", "plain-garble"]), st.floats(0, 1),
       st.binary(min_size=1, max_size=64))
def test_variants_of_real_archives_are_indexed_with_damage_noted_or_refused(how, at, noise):
    import gzip

    data = ARCHIVE.read_bytes()
    if how.startswith("plain-"):
        data, how = gzip.decompress(data), how[len("plain-"):]
    mutated = mutate(data, how, at, noise, "utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("a.warc.gz" if mutated[:2] == b"\x1f\x8b" else "a.warc")
        path.write_bytes(mutated)
        try:
            index = ArchiveIndex([path])
        except ArchiveError:
            return  # not an archive at all: extract refuses it as a usage error, naming it
        try:
            whole = saved_copy(SITES / "kyzylorda").index
            for key, captures in whole.captures.items():
                try:
                    index.answer(captures[0].url)
                    index.answer(captures[0].url, decode=False)
                except IgnoreRequest:
                    pass  # too large or unreadable: the download handler's counted failure
        finally:
            index.close()
