"""The JSON Lines pipeline hands items to the run's sink and, when the spider closes, has the
site's lines put in place (a finished crawl) or thrown away (a crawl cut short). Real sinks,
real files, a real spider on a test crawler."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from crawler.output import DirSink
from crawler.state import State
from pipelines.jsonlines import JsonLinesPipeline
from tests.support import OfflineRun, expected_items

NOW = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
URLS = [e["url"] for e in expected_items("hanam")[:3]]


def run_into(tmp_path, state=None) -> tuple[OfflineRun, DirSink]:
    sink = DirSink(tmp_path / "out", "2026-03-01T120000Z", state)
    run = OfflineRun("hanam", NOW, sink=sink)
    for url in URLS:
        run.item(url)
    return run, sink


def jsonlines(run: OfflineRun) -> JsonLinesPipeline:
    (pipeline,) = [p for p in run.pipelines.middlewares if isinstance(p, JsonLinesPipeline)]
    return pipeline


def test_a_finished_crawl_puts_its_lines_in_place_and_records_them(tmp_path):
    state = State(tmp_path / "state.sqlite", now=NOW)
    run, sink = run_into(tmp_path, state)
    assert run.stats["output/lines"] == 3
    assert not list((tmp_path / "out").rglob("*.jsonl"))  # nothing visible before the site ends
    run.spider.links.dead.add(URLS[0] + "-gone")
    jsonlines(run).spider_closed(run.spider, "finished")
    (file,) = (tmp_path / "out" / "hanam").glob("*.jsonl")
    assert [json.loads(line)["url"] for line in file.read_text(encoding="utf-8").splitlines()] == URLS
    assert all(state.known("hanam", url) for url in URLS)
    assert state.is_dead("hanam", URLS[0] + "-gone")


def test_a_crawl_cut_short_keeps_its_finished_lines_and_notes_the_walk_incomplete(tmp_path, caplog):
    state = State(tmp_path / "state.sqlite", now=NOW)
    run, sink = run_into(tmp_path, state)
    with caplog.at_level("INFO", logger="pipelines"):
        jsonlines(run).spider_closed(run.spider, "shutdown")
    assert [r.getMessage() for r in caplog.records] == [
        "hanam: walk not complete (shutdown): its finished items are kept, the next run walks on"]
    sink.close()
    (file,) = (tmp_path / "out" / "hanam").glob("*.jsonl")
    assert [json.loads(line)["url"] for line in file.read_text(encoding="utf-8").splitlines()] == URLS
    assert all(state.known("hanam", url) for url in URLS)
    assert not state.walk_complete("hanam")


def test_without_a_sink_items_pass_and_nothing_is_counted(tmp_path):
    run = OfflineRun("hanam", NOW)
    assert run.item(URLS[0])["url"] == URLS[0]
    assert "output/lines" not in run.stats
    jsonlines(run).spider_closed(run.spider, "finished")  # no sink, nothing to put in place
