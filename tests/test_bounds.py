"""Peak memory bounded on large pages (crawler/bounds.py): reading an archive of pages of 4 MB
(gzip-encoded: the archive is small, its pages come at once), the large pages being read at once
never take more than the budget (counted in bytes by the run's own stats, never by the clock), and
every page is still read; and the budget's rules themselves."""
from __future__ import annotations

import gzip
import re

import pytest
from twisted.internet.defer import Deferred

from crawler.bounds import PageBudget
from crawler.replay import write_copy
from tests.support import SITES, crawl, expected_items, read_lines, saved_copy

ORIGIN = "https://kitapkhana.kz"
MB = 2**20


def budget_stats(stderr: str) -> dict[str, int]:
    """The page_budget/* counters of the run's Scrapy stats (logged at INFO)."""
    return {k: int(v) for k, v in re.findall(r"'(page_budget/[a-z_]+)': (\d+)", stderr)}


@pytest.mark.crawl
def test_large_pages_being_read_at_once_stay_within_the_budget(tmp_path):
    articles = {e["url"] for e in expected_items("kyzylorda")}
    copy = saved_copy(SITES / "kyzylorda")
    pages, large = [], 0
    for key in sorted(copy.pages):
        answer = copy.answer(key)
        headers = [(k, v.encode("latin-1")) for k, v in answer.headers if k.lower() != "content-length"]
        body = answer.body
        if ORIGIN + key in articles and large < 12:  # twelve articles of 4 MB
            large += 1
            body = gzip.compress(body.replace(b"</body>", b"<!--" + b"x" * (4 * MB) + b"--></body>"))
            headers.append(("Content-Encoding", b"gzip"))
        pages.append((key, answer.status, headers, body))
    archive = write_copy(tmp_path / "archive", ORIGIN, pages)
    assert archive.stat().st_size < 2 * MB
    result = crawl(["--log-level", "INFO", "extract", "--output", str(tmp_path / "out.jsonl"),
                    "-s", "PAGE_BUDGET_BYTES=9000000", str(archive)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = budget_stats(result.stderr)
    assert stats["page_budget/large_responses"] == 12
    assert 4 * MB < stats["page_budget/peak_bytes"] <= 9_000_000  # two pages of 4 MB at most
    assert stats["page_budget/waited"] >= 1  # they came together: some waited their turn
    assert {i["url"] for i in read_lines(tmp_path / "out.jsonl")} == articles  # and all were read


def test_the_budget_takes_what_fits_and_lets_one_larger_page_through_alone():
    budget = PageBudget(limit=10, smallest=1)
    assert budget.fits(25)  # empty: a page larger than the whole budget passes alone
    budget.used = 6
    assert budget.fits(4) and not budget.fits(5)
    woken = []
    for n in range(2):
        waiter: Deferred = Deferred()
        waiter.addCallback(lambda _, n=n: woken.append(n))
        budget.waiting.append(waiter)
    budget.give_back(6)
    assert budget.used == 0 and woken == [0, 1] and not budget.waiting
