"""Every saved article of every site, v1 and v2, gives exactly its expected item through the
real article callback and the real item pipelines (tests/support.OfflineRun)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from jsonschema import Draft202012Validator

from crawler.cli import spider_classes
from crawler.items import FIELDS, as_line, schema
from tests.support import (ALL_SITES, EXPECTED, EXPECTED_V2, ORIGINAL_SITES, SITES, SITES_V2, OfflineRun,
                           differences, expected_items)

# after every absolute date of the fixtures; 17:00 in Kyzylorda, so "today, 16:55" has happened
CRAWLED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
VERSIONS = {"v1": (SITES, EXPECTED), "v2": (SITES_V2, EXPECTED_V2)}
CASES = [pytest.param(version, site, expected, id=f"{version}-{site}-{n}")
         for version, (_, folder) in VERSIONS.items() for site in ALL_SITES
         for n, expected in enumerate(expected_items(site, folder))]
VALIDATOR = Draft202012Validator(schema())


@pytest.fixture(scope="module")
def timezones() -> dict[str, str]:
    return {site: cls.timezone for site, cls in spider_classes().items()}


def test_every_site_has_expected_items_in_both_versions():
    assert sorted(spider_classes()) == sorted(ALL_SITES)
    counts = {(v, s): len(expected_items(s, folder)) for v, (_, folder) in VERSIONS.items() for s in ALL_SITES}
    # the five sites' copies hold 30 articles or more; a CMS province's copy holds its site's news
    # category (akmola: 28 Kazakh posts in v1)
    assert all(n >= (30 if s in ORIGINAL_SITES else 25) for (_, s), n in counts.items()), counts
    assert len(CASES) == sum(counts.values())


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, str], OfflineRun]:
    """One offline run per site and version, as one crawl would see them all: dedup included, so
    no two distinct articles may be taken for duplicates of each other."""
    made: dict[tuple[str, str], OfflineRun] = {}
    return made


@pytest.mark.parametrize("version, site, expected", CASES)
def test_saved_article_gives_its_expected_item(version, site, expected, timezones, runs):
    if (version, site) not in runs:
        runs[version, site] = OfflineRun(site, CRAWLED_AT, VERSIONS[version][0])
    item = runs[version, site].item(expected["url"])
    assert not differences(item, expected, timezones[site])
    assert set(expected) | {"id", "crawled_at", "run"} == set(FIELDS)  # the expectation covers every field
    assert item["crawled_at"] == "2026-03-01T12:00:00Z"
    line = as_line(item)
    assert not [e.message for e in VALIDATOR.iter_errors(line)]
