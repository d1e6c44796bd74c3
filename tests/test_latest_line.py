"""The latest line per id is the right line: every line carries `run` (the name of the run that
wrote it), and the consumer's query of the README (DuckDB, 4 threads) picks per id the line of
the greatest run. Measured as a data team meets it: a crawl with a broken spider, a revisit that
finds one article changed, a re-extraction of the archive after the fix (whose lines carry the
same `crawled_at` as the stale ones: `crawled_at` cannot order them), and an extraction of only
the older run's archive, which must not put the past over the present."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from crawler.cli import spider_classes
from crawler.replay import ReplayServer, SiteCopy, edited_copy
from crawler.state import State, fingerprint
from tests.children import crawler_env
from tests.support import QUICK, SITES, TEST_NOW, clock_args, crawl, differences, expected_items, outputs, read_lines

pytestmark = pytest.mark.crawl

SITE = "kyzylorda"
# the spider as it was before the fix: it read no images
BROKEN = ("import sys, spiders.kyzylorda as k; k.KyzylordaArticle.images = lambda self: []; "
          "from crawler.cli import main; sys.exit(main(sys.argv[1:]))")
# the README's query, word for word
LATEST_DUCKDB = ("SELECT * FROM read_json('{glob}', format = 'newline_delimited') "
                 "QUALIFY row_number() OVER (PARTITION BY id ORDER BY run DESC) = 1")


def broken_crawl(work: Path, mirror: Path, *extra: str) -> subprocess.CompletedProcess:
    args = ["crawl", SITE, "--mirror", str(mirror), "--output-dir", str(work / "out"), "--state",
            str(work / "state.sqlite"), "--archive-dir", str(work / "archive"), *QUICK, *extra]
    return subprocess.run([sys.executable, "-c", BROKEN, *args], cwd=work, env=crawler_env(),
                          capture_output=True, text=True, timeout=240)


def latest_lines(out: Path, threads: int = 4) -> list[dict]:
    """The lines the README's query keeps (read back from the files: DuckDB types the dates)."""
    db = duckdb.connect()
    db.execute(f"SET threads = {threads}")
    kept = db.execute(f"SELECT id, run FROM ({LATEST_DUCKDB.format(glob=out / '*' / '*.jsonl')})").fetchall()
    written = {(i["id"], i["run"]): i for i in read_lines(*outputs(out))}
    return [written[key] for key in kept]


def test_per_id_the_line_of_the_greatest_run_is_the_current_one(tmp_path):
    expected = {e["url"]: e for e in expected_items(SITE)}
    changed = next(e for e in expected.values() if e["images"])  # an article with images
    new_title = changed["title"] + " (жаңартылды)"
    edited = edited_copy(SITES / SITE, tmp_path / "edited",
                         lambda _key, body: body.replace(changed["title"].encode(), new_title.encode()))
    expected[changed["url"]] = {**changed, "title": new_title}
    out = tmp_path / "out"

    # night 1: the whole site, read by the broken spider
    # served as a live site (no Memento-Datetime): each night's pages are of that night's clock
    with ReplayServer([SiteCopy.load(SITES / SITE, memento=False)]) as server:
        first = broken_crawl(tmp_path, server.write_map(tmp_path / "m.json"), *clock_args(TEST_NOW))
    assert first.returncode == 0, first.stderr[-3000:]
    (night1,) = outputs(out)
    # night 2: every article revisited; one was edited meanwhile
    with ReplayServer([SiteCopy.load(edited.parent, memento=False)]) as server:
        second = broken_crawl(tmp_path, server.write_map(tmp_path / "m.json"), "--revisit-days", "100000",
                              *clock_args(TEST_NOW + timedelta(hours=1)))
    assert second.returncode == 0, second.stderr[-3000:]
    (night2,) = set(outputs(out)) - {night1}
    assert [i["url"] for i in read_lines(night2)] == [changed["url"]], second.stderr[-3000:]
    archives = sorted((tmp_path / "archive" / SITE).glob("*.warc.gz"))
    assert [a.name.split(".")[0] for a in archives] == [night1.stem, night2.stem]

    # the older night's archive alone: its captures are older than what the state recorded
    older = crawl(["extract", "--output-dir", str(out), "--state", str(tmp_path / "state.sqlite"),
                   str(archives[0]), *clock_args(TEST_NOW + timedelta(hours=2))], cwd=tmp_path)
    assert older.returncode == 0, older.stderr[-3000:]
    assert set(outputs(out)) == {night1, night2}, [(i["url"], i["crawled_at"]) for p in set(outputs(out)) - {night1, night2} for i in read_lines(p)]  # nothing written: the past is not news
    (older_report,) = [p for p in (out / "_runs").glob("*.json") if p.stem not in (night1.stem, night2.stem)]
    skipped = json.loads(older_report.read_text(encoding="utf-8"))["sites"][0]["skipped"]
    assert skipped["older_capture"] == len(expected)

    # after the fix: the whole archive extracted again
    fixed = crawl(["extract", "--output-dir", str(out), "--state", str(tmp_path / "state.sqlite"),
                   str(tmp_path / "archive"), *clock_args(TEST_NOW + timedelta(hours=3))], cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    (night3,) = set(outputs(out)) - {night1, night2}
    corrected = read_lines(night3)
    assert {i["url"] for i in corrected} == {u for u, e in expected.items() if e["images"]}

    lines = read_lines(*outputs(out))
    assert {i["run"] for i in lines} == {night1.stem, night2.stem, night3.stem}  # the file's name
    # crawled_at ties: the corrected line of the edited article has the stale line's capture time
    stale = next(i for i in read_lines(night2))
    fresh = next(i for i in corrected if i["url"] == changed["url"])
    assert stale["crawled_at"] == fresh["crawled_at"] and stale["images"] != fresh["images"]

    latest = latest_lines(out)
    assert sorted(i["url"] for i in latest) == sorted(expected)
    tz = spider_classes()[SITE].timezone
    assert {i["url"]: d for i in latest if (d := differences(i, expected[i["url"]], tz))} == {}
    # the state holds the same version as the latest line
    state = State(tmp_path / "state.sqlite")
    assert all(state.known(SITE, i["url"])["fingerprint"] == fingerprint(i) for i in latest)
    state.close()
